"""Originality: copies and their sources side by side, template placeholders left in, the 范文
library, and concreteness with its reasons. The figures are computed at build time
(``analysis.insight.passes``); these functions read them, and compute the side-by-side passages and
concreteness reasons for the one document on screen."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.access.scope import Filters
from analysis.query.sql import fetch
from analysis.schema import COPY_KINDS
from analysis.store import snapshot

_COPIED = "d.copy_kind <> ''"


def originality(store_path: Path, filters: Filters = Filters(), by: tuple[str, ...] = ("department",)) -> pd.DataFrame:
    """Per group: documents, copied documents and their share (and by kind), documents with template
    placeholders and their share, mean concreteness and the plan follow-through rate."""
    where, params = filters.where()
    keys = ", ".join(f"d.{k}" for k in by)
    kinds = ", ".join(f"COUNT(*) FILTER (WHERE d.copy_kind = '{k}') AS \"copied_{k}\"" for k in COPY_KINDS)
    sql = (
        f"SELECT {keys}, COUNT(*) AS documents, COUNT(*) FILTER (WHERE {_COPIED}) AS copied, "
        f"AVG(CASE WHEN {_COPIED} THEN 1.0 ELSE 0.0 END) AS copied_share, {kinds}, "
        "COUNT(*) FILTER (WHERE d.placeholders > 0) AS placeholder_documents, "
        "AVG(CASE WHEN d.placeholders > 0 THEN 1.0 ELSE 0.0 END) AS placeholder_share, "
        "AVG(d.concreteness) AS concreteness_mean "
        f"FROM documents d WHERE {where} GROUP BY {keys} ORDER BY {keys}"
    )
    return fetch(store_path, sql, params)


def copied_documents(store_path: Path, filters: Filters = Filters(), kind: str | None = None,
                     include_near: bool = False) -> pd.DataFrame:
    """Documents flagged as copies (or, with ``include_near``, every document with a closest match),
    with their source: the other document's writer, year and file, or the template's name."""
    where, params = filters.where()
    cond = "d.copy_of <> ''" if include_near else _COPIED
    if kind:
        cond += " AND d.copy_kind = ?"
        params = [*params, kind]
    sql = (
        "SELECT d.doc_id, d.employee, d.department, d.team, d.year, d.source_file, d.copy_kind, "
        "d.copy_similarity, d.copy_of, d.placeholders, d.concreteness, "
        "COALESCE(s.employee, '') AS source_employee, COALESCE(s.department, '') AS source_department, "
        "s.year AS source_year, COALESCE(s.source_file, '') AS source_file_of_copy, "
        "CASE WHEN s.doc_id IS NULL THEN d.copy_of ELSE '' END AS source_template "
        "FROM documents d LEFT JOIN documents s ON s.doc_id = d.copy_of "
        f"WHERE {where} AND {cond} ORDER BY d.copy_similarity DESC, d.year DESC, d.department, d.employee"
    )
    return fetch(store_path, sql, params)


def copy_passages(store_path: Path, doc_id: str) -> pd.DataFrame:
    """The document beside its closest source, sentence by sentence: every sentence of the document
    that reappears in the source, with the source's sentence and their similarity (1.0 = the same
    apart from figures)."""
    cols = ["idx", "text", "source_idx", "source_text", "ratio"]
    with snapshot.read(store_path) as con:
        row = con.execute("SELECT copy_of FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
        if not row or not row[0]:
            return pd.DataFrame(columns=cols)
        mine = con.execute("SELECT idx, text, text_simplified FROM sentences WHERE doc_id = ? ORDER BY idx",
                           [doc_id]).fetchall()
        theirs = con.execute("SELECT idx, text, text_simplified FROM sentences WHERE doc_id = ? ORDER BY idx",
                             [row[0]]).fetchall()
        if not theirs:
            template = con.execute("SELECT text FROM templates WHERE name = ?", [row[0]]).fetchone()
            if template is None:
                return pd.DataFrame(columns=cols)
            from analysis.insight.copies import template_lines

            theirs = [(i, line, line) for i, line in enumerate(template_lines(template[0]))]
    from analysis.insight.copies import aligned_sentences

    pairs = aligned_sentences([m[2] for m in mine], [t[2] for t in theirs])
    return pd.DataFrame([{"idx": mine[i][0], "text": mine[i][1], "source_idx": theirs[j][0],
                          "source_text": theirs[j][1], "ratio": r} for i, j, r in pairs], columns=cols)


def template_library(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """The 范文 library, with how many of the filtered documents were copied from each template.

    The count is a group figure like any other: for a department head only their departments, and
    below hr_admin only publication cells of at least the minimum group (``filters.where``)."""
    where, params = filters.where()
    return fetch(store_path, (
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}) "
        "SELECT t.name, t.source, t.added_at, length(t.text) AS chars, "
        "COUNT(d.doc_id) FILTER (WHERE d.copy_kind = '范文') AS copied_documents "
        "FROM templates t LEFT JOIN docs d ON d.copy_of = t.name GROUP BY ALL ORDER BY t.added_at, t.name"
    ), params)


def placeholder_sentences(store_path: Path, filters: Filters = Filters(), limit: int = 500) -> pd.DataFrame:
    """Sentences with template placeholders left in (20xx, xx地市, xxx万元, **月份), with the placeholders."""
    from analysis.read.normalize import find_placeholders

    where, params = filters.where()
    # DuckDB's RE2 has no look-behind, so the placeholder pattern runs here, over the (few) sentences
    # of documents the pipeline already counted placeholders in
    sql = (
        "SELECT d.doc_id, d.employee, d.department, d.year, s.idx, s.section, s.text, s.text_simplified "
        "FROM documents d JOIN sentences s ON s.doc_id = d.doc_id "
        f"WHERE {where} AND d.placeholders > 0 ORDER BY d.year DESC, d.department, d.employee, s.idx"
    )
    frame = fetch(store_path, sql, params)
    frame["placeholders"] = frame["text_simplified"].map(lambda t: "、".join(find_placeholders(t)))
    frame = frame[frame["placeholders"] != ""].head(int(limit))
    return frame.drop(columns="text_simplified").reset_index(drop=True)


def concreteness_reasons(store_path: Path, doc_id: str) -> tuple[dict, pd.DataFrame]:
    """The document's concreteness score, its counts, and one row per reason (sentence, kind, words)."""
    from analysis.judge.concreteness import explain

    rows = fetch(store_path, "SELECT idx, text, text_simplified FROM sentences WHERE doc_id = ? ORDER BY idx",
                  [doc_id])
    result = explain(zip(rows["idx"], rows["text_simplified"]))
    original = dict(zip(rows["idx"], rows["text"]))
    reasons = pd.DataFrame(result.reasons, columns=["idx", "text", "kind", "words", "verdict"])
    reasons["text"] = reasons["idx"].map(original)
    summary = {"score": result.score, "body": result.body, "concrete": result.concrete,
               "generic_only": result.generic_only}
    return summary, reasons
