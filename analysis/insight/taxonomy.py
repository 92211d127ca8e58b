"""HR's theme taxonomy, managed from the dashboard (issue 15): versions kept in the store, a preview of what a
change would do, candidate words from the corpus, and re-scoring the themes of stored sentences.

The shipped ``analysis/data/themes.toml`` is version 0. Every save adds a version (the whole taxonomy as
TOML text, who saved it and when) to the ``taxonomies`` table, which every new snapshot carries over
(``carry``), and makes it the active one; restoring an older version saves it again as the newest. While
an HR version is active, the build's passes re-score the themes of the documents it analysed with it
(``passes.run``), so a rebuild keeps HR's themes.

Re-scoring runs the same function as the pipeline (``judge.themes.assign_many`` over the jieba tokens of
each sentence's simplified text), so re-scoring with the shipped taxonomy gives back the figures of the
build exactly. Only themes change: sentiment, words, copies and everything else are left as they are.
"""
from __future__ import annotations

import math
import re
import time
import tomllib
from collections import Counter
from collections.abc import Callable

import duckdb
import pandas as pd
import pyarrow as pa

from analysis.insight import aggregates, corrections
from analysis.judge import aggregate
from analysis.judge import themes as judge_themes
from analysis.paths import data_path
from analysis.schema import THEMES
from analysis.store import snapshot

FIELDS = ("description", "strong", "weak", "context", "patterns", "exclude")
LIST_FIELDS = FIELDS[1:]


class TaxonomyError(ValueError):
    """A taxonomy HR wrote that cannot be used (the message says why, in Chinese)."""


def shipped_text() -> str:
    return data_path("themes.toml").read_text(encoding="utf-8")


def parse(text: str) -> dict[str, dict]:
    """The taxonomy's themes as plain dicts (the TOML's tables), checked: the ten required themes are all
    there, every list is a list of strings, every pattern compiles."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"主题词表格式有误：{exc}") from exc
    missing = [k for k in THEMES if k not in raw]
    if missing:
        raise TaxonomyError(f"缺少必需的主题：{'、'.join(missing)}（十个必需主题不能删除或改名）")
    for key, spec in raw.items():
        if not isinstance(spec, dict):
            raise TaxonomyError(f"主题“{key}”的格式有误")
        for field in LIST_FIELDS:
            value = spec.get(field, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise TaxonomyError(f"主题“{key}”的 {field} 必须是非空词语的列表")
        for pattern in spec.get("patterns", []):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise TaxonomyError(f"主题“{key}”的模式 {pattern!r} 无效：{exc}") from exc
        if not (spec.get("strong") or spec.get("weak") or spec.get("patterns")):
            raise TaxonomyError(f"主题“{key}”至少需要一个强提示词、弱提示词或模式")
    return raw


def compile_text(text: str) -> dict[str, judge_themes.Theme]:
    """The matcher of a taxonomy text (``judge.themes.load_taxonomy`` reads the same TOML from a file)."""
    import tempfile
    from pathlib import Path

    parse(text)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "themes.toml"
        path.write_text(text, encoding="utf-8")
        return judge_themes.load_taxonomy(path)


def _toml_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dump(taxonomy: dict[str, dict]) -> str:
    """A taxonomy of plain dicts as TOML text (the format of the shipped file)."""
    lines = ["# 主题词表 · saved from the dashboard (主题管理)", ""]
    for key, spec in taxonomy.items():
        lines.append(f"[{_toml_string(key)}]")
        lines.append(f"description = {_toml_string(spec.get('description', ''))}")
        for field in LIST_FIELDS:
            values = ", ".join(_toml_string(v) for v in spec.get(field, []))
            lines.append(f"{field} = [{values}]")
        if spec.get("trusted"):  # the word-order patterns stand whatever the model says (themes.toml)
            lines.append("trusted = true")
        lines.append("")
    return "\n".join(lines)


def with_theme(text: str, key: str, spec: dict) -> str:
    """``text`` with theme ``key`` added or replaced by ``spec``."""
    key = key.strip()
    if not key:
        raise TaxonomyError("请给主题起一个名字")
    if len(key) > 20 or any(c in key for c in "[]\"'\n"):
        raise TaxonomyError("主题名称最多 20 个字，且不能含引号或方括号")
    current = parse(text)
    clean = {"description": str(spec.get("description", "")).strip()}
    for field in LIST_FIELDS:
        seen = []
        for v in spec.get(field, []):
            v = str(v).strip()
            if v and v not in seen:
                seen.append(v)
        clean[field] = seen
    current[key] = clean
    out = dump(current)
    parse(out)
    return out


def without_theme(text: str, key: str) -> str:
    if key in THEMES:
        raise TaxonomyError(f"“{key}”是必需主题，不能删除")
    current = parse(text)
    current.pop(key, None)
    return dump(current)


# ------------------------------------------------------------------------------- versions in the store
def _has(con: duckdb.DuckDBPyConnection, table: str, database: str | None = None) -> bool:
    sql = "SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = ?"
    params = [table]
    if database:
        sql += " AND database_name = ?"
        params.append(database)
    return bool(con.execute(sql, params).fetchall()[0][0])


def versions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every saved version, newest first (empty: only the shipped taxonomy, version 0, has been used)."""
    if not _has(con, "taxonomies"):
        return pd.DataFrame(columns=["version", "saved_at", "user", "note", "toml", "active"])
    return con.execute("SELECT version, saved_at, user, note, toml, active FROM taxonomies "
                       "ORDER BY version DESC").df()


def active_text(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """(version, TOML text) of the taxonomy in force: HR's active version, else the shipped file (0)."""
    if _has(con, "taxonomies"):
        rows = con.execute("SELECT version, toml FROM taxonomies WHERE active ORDER BY version DESC LIMIT 1").fetchall()
        if rows:
            row = rows[0]
            return int(row[0]), row[1]
    return 0, shipped_text()


def carry(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the taxonomy versions of the live snapshot (attached as ``live``) in a new one, once."""
    if con.execute("SELECT COUNT(*) FROM taxonomies").fetchall()[0][0]:
        return
    if _has(con, "taxonomies", "live"):
        cols = ", ".join(f'"{c}"' for c in snapshot.TABLES["taxonomies"])
        con.execute(f"INSERT INTO taxonomies ({cols}) SELECT {cols} FROM live.taxonomies")


def add_version(con: duckdb.DuckDBPyConnection, text: str, user: str, note: str) -> int:
    parse(text)
    last = con.execute("SELECT COALESCE(MAX(version), 0) FROM taxonomies").fetchall()[0][0]
    version = int(last) + 1
    con.execute("UPDATE taxonomies SET active = FALSE")
    snapshot.insert_rows(con, "taxonomies", [{"version": version, "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                                              "user": user, "note": note, "toml": text, "active": True}])
    return version


# ------------------------------------------------------------------------------------------ re-scoring
def _is_metadata(text: str) -> bool:
    from analysis.read.metadata import is_metadata_line
    from analysis.text.sections import is_heading

    return is_heading(text) and is_metadata_line(text)


def assign_texts(texts: list[str], taxonomy: dict[str, judge_themes.Theme]) -> list[list[str]]:
    """The themes of Simplified sentences under ``taxonomy``, exactly as the pipeline assigns them."""
    from analysis.text import segment

    out: list[list[str]] = [[] for _ in texts]
    themed = [n for n, t in enumerate(texts) if not _is_metadata(t)]
    tokens = [segment.cut(texts[n]) for n in themed]
    for n, found in zip(themed, judge_themes.assign_many([texts[n] for n in themed], tokens, taxonomy)):
        # as the pipeline: a heading or a sentence of stock phrases carries no theme for its document
        out[n] = list(found) if found and aggregate.substantive(texts[n]) else []
    return out


def rescore(con: duckdb.DuckDBPyConnection, taxonomy: dict[str, judge_themes.Theme],
            doc_ids: list[str] | None = None, progress: Callable[[float], None] | None = None,
            chunk: int = 2000) -> int:
    """Re-assign the themes of the sentences (of ``doc_ids``, else of every document) and the per-document
    theme counts. Returns the number of sentences whose themes changed."""
    cond, params = "", []
    if doc_ids is not None:
        if not doc_ids:
            return 0
        con.register("_rescore", pa.table({"doc_id": pa.array(list(doc_ids), pa.string())}))
        cond = "WHERE doc_id IN (SELECT doc_id FROM _rescore)"
    rows = con.execute(f"SELECT doc_id, idx, text_simplified, themes FROM sentences {cond}", params).fetchall()
    distinct = list(dict.fromkeys(r[2] for r in rows))
    found: dict[str, list[str]] = {}
    for start in range(0, len(distinct), chunk):
        part = distinct[start:start + chunk]
        found.update(zip(part, assign_texts(part, taxonomy)))
        if progress:
            progress(min(1.0, (start + len(part)) / max(len(distinct), 1)))
    changed = [(d, i, found[t]) for d, i, t, old in rows if list(old or []) != found[t]]
    if changed:
        con.register("_themes", pa.table({"doc_id": [c[0] for c in changed], "idx": [c[1] for c in changed],
                                          "themes": pa.array([c[2] for c in changed], pa.list_(pa.string()))}))
        con.execute("UPDATE sentences SET themes = t.themes FROM _themes t "
                    "WHERE sentences.doc_id = t.doc_id AND sentences.idx = t.idx")
        con.unregister("_themes")
    counts = ", ".join(f'"{t}" = COALESCE(c."{t}", 0)' for t in THEMES)
    sums = ", ".join(f"COUNT(*) FILTER (WHERE list_contains(themes, '{t}')) AS \"{t}\"" for t in THEMES)
    total = " + ".join(f'COALESCE(c."{t}", 0)' for t in THEMES)
    con.execute(f"UPDATE documents SET {counts}, themes_total = {total} FROM "
                f"(SELECT doc_id, {sums} FROM sentences {cond} GROUP BY doc_id) c WHERE documents.doc_id = c.doc_id")
    if doc_ids is not None:
        con.unregister("_rescore")
    return len(changed)


def apply_active(con: duckdb.DuckDBPyConnection, doc_ids: list[str] | None) -> int:
    """In a build's passes: re-score the documents it analysed with HR's active taxonomy, if any."""
    version, text = active_text(con)
    if version == 0 or text == shipped_text():
        return 0
    return rescore(con, compile_text(text), doc_ids)


# ----------------------------------------------------------------------------------- preview, suggestions
def sample(con: duckdb.DuckDBPyConnection, where: str = "TRUE", params: list | None = None,
           size: int = 2000) -> pd.DataFrame:
    """A fixed sample of body sentences (the same on every call for the same snapshot), for previews."""
    return con.execute(
        "SELECT d.doc_id, d.employee, d.department, d.team, d.year, s.idx, s.section, s.text, s.text_simplified, "
        "s.sentiment, s.label, s.themes FROM documents d JOIN sentences s ON s.doc_id = d.doc_id "
        "JOIN sentence_words w ON w.doc_id = s.doc_id AND w.idx = s.idx "
        f"WHERE {where} ORDER BY hash(s.doc_id || CAST(s.idx AS VARCHAR)) LIMIT {int(size)}", params or []).df()


def preview(sentences: pd.DataFrame, key: str, new_text: str) -> pd.DataFrame:
    """The sentences whose membership of theme ``key`` would change under ``new_text``: ``change`` is
    获得 (gain) or 失去 (loss)."""
    if sentences.empty:
        return sentences.assign(change=[])
    new = assign_texts(list(sentences["text_simplified"]), compile_text(new_text))
    had = sentences["themes"].map(lambda t: key in list(t if t is not None else []))
    has = pd.Series([key in n for n in new], index=sentences.index)
    out = sentences.assign(new_themes=new)
    out = out[had != has].assign(change=lambda f: f["new_themes"].map(lambda n: "获得" if key in n else "失去"))
    return out.sort_values(["change", "department", "year"]).reset_index(drop=True)


def suggest(word_lists: list[list[str]], theme_words: set[str], top: int = 20, min_count: int = 3,
            exclude: set[str] = frozenset()) -> pd.DataFrame:
    """Candidate words for a theme: words that co-occur in sentences with the theme's cue words, scored by
    positive PMI weighted by the co-occurrence count (count × log2 P(w | theme sentences) / P(w))."""
    cols = ["word", "together", "frequency", "score"]
    n = len(word_lists)
    inside = [set(ws) for ws in word_lists if theme_words.intersection(ws)]
    if not inside or n == 0:
        return pd.DataFrame(columns=cols)
    together = Counter(w for ws in inside for w in ws)
    freq = Counter(w for ws in word_lists for w in set(ws))
    rows = []
    for w, c in together.items():
        if c < min_count or w in theme_words or w in exclude or len(w) < 2:
            continue
        pmi = math.log2((c / len(inside)) / (freq[w] / n))
        if pmi > 0:
            rows.append((w, c, freq[w], round(c * pmi, 3)))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["score", "word"], ascending=[False, True]).head(top).reset_index(drop=True)


def save_version(store_path, text: str, user: str, note: str = "",
                 progress: Callable[[float], None] | None = None, wait: float = 30.0) -> tuple[int, int]:
    """Save ``text`` as the newest, active version and re-score every sentence's themes with it, in a new
    snapshot swapped in like a build's. Returns (version, sentences whose themes changed)."""
    from pathlib import Path

    store_path = Path(store_path)
    if not store_path.exists():
        raise TaxonomyError(f"找不到数据库 {store_path}：请先运行 python -m analysis build")
    compiled = compile_text(text)
    with snapshot.write_lock(store_path, wait=wait), snapshot.new_snapshot(store_path) as con:
        snapshot.copy_live(con)
        version = add_version(con, text, user, note)
        changed = rescore(con, compiled, progress=progress)
        corrections.apply(con)  # a sentence HR corrected keeps HR's themes under the new rules too
        aggregates.update(con)  # the dashboard's theme sums, from the re-scored sentences
        con.execute("DELETE FROM meta WHERE key = 'taxonomy_version'")
        snapshot.insert_rows(con, "meta", [{"key": "taxonomy_version", "value": str(version)}])
    return version, changed


def read_state(store_path) -> tuple[int, str, pd.DataFrame]:
    """(active version, its TOML text, every saved version) of a store."""
    with snapshot.read(store_path) as con:
        version, text = active_text(con)
        return version, text, versions(con)
