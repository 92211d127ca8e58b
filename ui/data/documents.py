"""Documents, their sentences, group figures and evidence, for the pages (``analysis.query.documents``)."""
from __future__ import annotations

import pandas as pd

from analysis import query
from analysis.access.scope import Filters
from analysis.store import snapshot
from ui import auth
from ui.data.cache import _cached, _read, scope
from ui.state import store_path


def facets() -> pd.DataFrame:
    """The sidebar's choices: only the reader's departments, and no per-group counts below hr_admin."""
    frame = _read("facets")
    acc = auth.access()
    if acc.departments is not None:
        frame = frame[frame["department"].isin(acc.departments)]
    return frame.drop(columns="documents") if acc.restricted else frame


def store_info() -> dict:
    return _read("store_info")


def failures() -> pd.DataFrame:
    """Files that could not be analysed: their paths name departments and people, so HR admin only."""
    frame = _read("failures")
    return frame if not auth.access().restricted else frame.iloc[0:0]


def overview(f: Filters, records: bool = False) -> dict:
    """The headline figures. ``records``: over the documents the reader may open (the 文档 page), not
    over the publication cells. ``suppressed`` is true whenever the minimum reporting group applies to
    the reader, whatever the filters: a suppressed result looks exactly like an empty one."""
    acc = auth.access()
    path = str(store_path())
    version = snapshot.data_version(path)
    if records:
        return _cached("overview", path, version, (scope(acc, f, record=True),), (), acc.mask)
    figures = dict(_read("overview", f))
    # Whether these filters left documents out is not said: narrowed to one person (department and
    # role, or a team), that yes/no told whether the search text occurs in their summary, digit by
    # digit for a masked phone number. Below hr_admin the answer is always the same: the rule applies.
    figures["suppressed"] = acc.min_group > 0
    return figures


def documents(f: Filters) -> pd.DataFrame:
    return _read("documents", f)


def document(doc_id: str) -> pd.DataFrame:
    return _read("documents", Filters(doc_ids=(doc_id,)))


def sentences_of(doc_id: str) -> pd.DataFrame:
    return _read("sentences_of", doc_id)


SHARED_GROUPINGS = (("department", "year"), ("year",), ("department",))
"""The groupings the pages draw most (总览 all three, 主题 and its theme lift, 情感, the year-on-year changes):
one cached read of the filtered documents answers all of them (``query.groups_sets``), so a page that draws
several asks the store once per filter, and the next page with the same filters not at all."""


def groups(f: Filters, by: tuple[str, ...] = query.GROUP_KEYS) -> pd.DataFrame:
    by = tuple(by)
    if by in SHARED_GROUPINGS:
        return _read("groups_sets", f, sets=SHARED_GROUPINGS)[SHARED_GROUPINGS.index(by)]
    return _read("groups", f, by=by)


def evidence(f: Filters, theme: str | None = None, section: str | None = None, label: str | None = None,
             order: str = "idx", limit: int = 200, distinct: bool = True) -> pd.DataFrame:
    """Each distinct sentence once with its ``occurrences`` (``distinct=False`` for every row)."""
    return _read("evidence", f, theme=theme, section=section, label=label, order=order, limit=limit,
                 distinct=distinct)


def managed_documents(f: Filters) -> pd.DataFrame:
    return _read("managed_documents", f)
