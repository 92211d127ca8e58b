"""Minimum reporting group: no figure below HR admin may describe fewer than k distinct employees,
not even by subtracting one figure from another.

Suppressing each small group on its own is not enough: a department head who may see the department
(12 people) and the two large teams (5 and 5) learns the third team's figures (2 people) by
difference. The rule here makes every published figure a sum over fixed *publication cells* that
each have at least k employees, so the difference of any two figures is again such a sum:

1. Cells are fixed per store, never per query. Within one department and year, each team with at
   least k employees is its own cell, and the small teams together form one more cell if they have
   at least k employees between them; otherwise (some small teams, fewer than k people in them) the
   whole department-year is a single cell. A department-year with fewer than k employees is no cell
   at all and feeds no figure.
2. A figure for some filters is computed only from the cells that lie *wholly* inside the filtered
   documents. A cell that the filters cut (one team of a single-cell department-year, a role, a
   full-text search that matches some of its documents) contributes nothing.
3. A table row (a group within the filters) is shown only if it is itself a union of whole cells;
   grouping by department or year never cuts a cell, grouping by team cuts the single-cell and
   small-team cells, so those rows are blanked and flagged ``suppressed``.

Employees are counted as distinct non-empty names: an unsigned summary does not count towards k.
Per-document records (a department head's own documents, evidence sentences) are not group figures
and are scoped by department instead (see ``ui/data/cache.py``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

SAFE_KEYS = frozenset({"department", "year"})
"""Grouping keys that never cut a publication cell (cells lie within one department-year)."""


def cells_sql(k: int, within: str = "") -> str:
    """A query giving every document its publication cell (``cell``, NULL when the document feeds no
    figure) and the cell's kind: ``team`` (a team of its own), ``rest`` (the small teams together) or
    ``whole`` (the whole department-year).

    ``within``: a condition over ``documents`` aliased ``x``; only the department-years holding a document that
    meets it are worked out (a cell lies in one department-year and depends on its documents alone, so theirs are
    the same cells)."""
    k = int(k)
    docs = "documents"
    if within:
        docs = ("(SELECT * FROM documents y WHERE EXISTS (SELECT 1 FROM documents x WHERE "
                "x.department IS NOT DISTINCT FROM y.department AND x.year IS NOT DISTINCT FROM y.year "
                f"AND COALESCE({within}, FALSE)))")
    return (
        f"WITH docs0 AS (SELECT * FROM {docs}), "
        "tn AS (SELECT department, year, team, COUNT(DISTINCT NULLIF(employee, '')) AS n "
        "FROM docs0 GROUP BY ALL), "
        "dy AS (SELECT d.department, d.year, COUNT(DISTINCT NULLIF(d.employee, '')) AS n, "
        f"COUNT(DISTINCT NULLIF(d.employee, '')) FILTER (WHERE tn.n < {k}) AS n_small, "
        f"COUNT(*) FILTER (WHERE tn.n < {k}) AS docs_small "
        "FROM docs0 d JOIN tn USING (department, year, team) GROUP BY ALL), "
        "kinds AS (SELECT d.doc_id, d.department, d.year, d.team, "
        f"CASE WHEN dy.n < {k} THEN NULL WHEN dy.docs_small > 0 AND dy.n_small < {k} THEN 'whole' "
        f"WHEN tn.n >= {k} THEN 'team' ELSE 'rest' END AS kind "
        "FROM docs0 d JOIN tn USING (department, year, team) JOIN dy USING (department, year)) "
        "SELECT doc_id, kind, CASE WHEN kind IS NULL THEN NULL "
        "ELSE concat_ws(chr(31), department, CAST(year AS VARCHAR), kind, "
        "CASE WHEN kind = 'team' THEN team ELSE '' END) END AS cell FROM kinds"
    )


def restrict(condition: str, k: int, alias: str = "d", narrow: bool = False) -> str:
    """A condition over ``documents`` aliased ``x`` (the filters) turned into the documents of the
    publication cells wholly inside it: ``<alias>.doc_id IN (…)`` for the outer query.

    ``narrow``: the cells are worked out only in the department-years ``condition`` touches (``cells_sql``'s
    ``within``), not over the whole store per question (0.12 CPU s at 100,000 summaries); ``condition`` then
    appears twice, its parameters are given twice, in order. For a cheap condition: a full-text search would be
    run twice."""
    return (
        f"{alias}.doc_id IN (WITH c AS ({cells_sql(k, condition if narrow else '')}) SELECT c.doc_id FROM c "
        "WHERE c.cell IN ("
        f"SELECT c2.cell FROM c c2 JOIN documents x ON x.doc_id = c2.doc_id WHERE c2.cell IS NOT NULL "
        f"GROUP BY c2.cell HAVING bool_and(COALESCE({condition}, FALSE))))"
    )


def whole_sql(by: tuple[str, ...]) -> str:
    """An aggregate over the joined cells ``c`` that is true when a group of ``by`` is a union of whole
    cells: always for department and year, only ``team`` cells when grouped by team, never otherwise."""
    extra = set(by) - SAFE_KEYS
    if not extra:
        return "TRUE"
    if extra == {"team"}:
        return "bool_and(c.kind = 'team')"
    return "FALSE"


def suppress_rows(frame: pd.DataFrame, keys: tuple[str, ...], k: int, whole: str = "_whole",
                  employees: str = "employees") -> pd.DataFrame:
    """Blank every figure of the rows that are not a union of whole cells or have fewer than ``k``
    employees, and flag them in a ``suppressed`` column. The group keys stay, so a table can say which
    group was withheld and why."""
    out = frame.copy()
    hidden = ~out[whole].astype(bool) | (out[employees] < k)
    figures = [c for c in out.columns if c not in keys and c != whole]
    for col in figures:
        out[col] = out[col].astype("float64").where(~hidden, np.nan)
    out["suppressed"] = hidden.to_numpy()
    return out.drop(columns=whole)
