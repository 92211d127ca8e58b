"""The one cached, scoped, masked read every page's data goes through.

Every read goes through one ``st.cache_data`` function keyed by the question's name, its arguments (the
``Filters`` value among them), the store path and ``snapshot.data_version``: a rebuild swaps in a new
snapshot file, the version changes, and the next run reads the new data at once without clearing any
cache by hand. The questions themselves live in ``analysis.query`` (no Streamlit there).

Access is enforced here, once for every page (issue 6): each ``Filters`` is narrowed by the reader's
``Access.scope`` (departments; the minimum reporting group for figures; nothing for a viewer's record
reads), a document outside the scope has no sentences, and below hr_admin every text cell is masked
before it leaves this module.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from analysis import query
from analysis.access.mask import mask_value
from analysis.access.scope import Access, Filters
from analysis.query import export
from analysis.schema import TEXT_COLUMNS
from analysis.store import snapshot
from ui import auth
from ui.state import store_path

_CACHE_ENTRIES = 128


# Reads that return single documents or sentences rather than group figures: scoped by department
# (nothing for a viewer) instead of by the minimum reporting group.
RECORD_READS = frozenset({"documents", "sentences_of", "evidence", "keyword_hits", "copied_documents",
                          "placeholder_sentences", "section_term_evidence", "follow_pairs",
                          "corrections", "people", "word_sentences", "topic_sentences",
                          "document_alerts", "sentiment_box"})


# Reads of one document by doc_id: empty for a document outside the reader's scope.
DOCUMENT_READS = frozenset({"sentences_of", "copy_passages", "concreteness_reasons"})


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def _cached(name: str, path: str, version: str, args: tuple, kwargs: tuple, mask: bool = False) -> Any:
    """``version`` is not read here: it is part of the cache key. Masked results are cached apart.

    The mask is structural (``mask_value``): whatever a read returns — a table, a dict of figures, a
    (summary, reasons) pair — every string in it is masked before any page can receive it."""
    if name == "export_table":
        out = export.table(Path(path), *args, **dict(kwargs))
    else:
        out = getattr(query, name)(Path(path), *args, **dict(kwargs))
    return mask_value(out) if mask else out


def scope(acc: Access, f: Filters, record: bool = False) -> Filters:
    """``f`` narrowed to the reader; for a masked reader the search runs on masked text."""
    scoped = acc.scope(f, record=record)
    if acc.mask and scoped.search.strip():
        path = store_path()
        hits = _cached("masked_search", str(path), snapshot.data_version(path), (scoped.search,), ())
        scoped = replace(scoped, search_hits=hits)
    return scoped


def _is_record(name: str, args: tuple) -> bool:
    return name in RECORD_READS or (name == "export_table" and args[:1] == ("documents",))


def _scoped(acc: Access, name: str, args: tuple) -> tuple:
    record = _is_record(name, args)
    # one person's own documents (Filters.employees) are records too: no minimum group, but the
    # department scope, nothing for a viewer, and masking all apply
    return tuple(scope(acc, a, record=record or bool(a.doc_ids) or bool(a.employees)) if isinstance(a, Filters)
                 else a for a in args)


def _read(name: str, *args, **kwargs) -> Any:
    path = store_path()
    acc = auth.access()
    args = _scoped(acc, name, args)
    if name in DOCUMENT_READS and _read("documents", Filters(doc_ids=(args[0],))).empty:
        args = ("",)  # a document outside the reader's scope has nothing to show
    if name in ("keyword_hits", "keyword_counts") and acc.mask:
        kwargs["mask"] = True  # masked before the context is cut and before counting (analysis.query.keywords)
    out = _cached(name, str(path), snapshot.data_version(path), args, tuple(sorted(kwargs.items())), acc.mask)
    if not acc.may_read_text:
        out = _without_text(out)
    return out


def _without_text(out: Any) -> Any:
    """A table (or each table of a tuple of them) without its text columns (``TEXT_COLUMNS``)."""
    if isinstance(out, tuple):
        return tuple(_without_text(o) for o in out)
    if isinstance(out, pd.DataFrame):
        return out.drop(columns=[c for c in TEXT_COLUMNS if c in out.columns])
    return out


def prefetch(*reads: Callable[[], Any]) -> None:
    """Start the page's reads that do not depend on one another, each in a thread of its own, and return at once.

    The page then makes the same calls in its own order and gets each value as soon as it is read: ``_cached`` is
    one ``st.cache_data`` function, which computes a key once and makes a second caller of the same key wait for
    that computation (Streamlit holds a lock per key), so nothing is read twice. DuckDB works outside the GIL, so
    on two cores a page's queries overlap each other and the page's own drawing: the 计划落实 page's four
    independent questions at 100,000 summaries (see docs/scale.md). The threads carry the script run's context, so
    each read is scoped and masked for this reader exactly as when the page calls it. A read that fails here is
    left alone: the page's own call raises, or reads again, as without the prefetch.

    Streamlit documents threads given the run's context (``add_script_run_ctx``) but does not promise them much;
    these only read session state and call the cached function — they never draw an element, so a thread that
    outlives its run (the reader changed a filter meanwhile) only leaves a value in the cache."""
    ctx = get_script_run_ctx()
    if ctx is None:  # outside a script run (a bare import in a test): the page's own calls read
        return
    for read in reads:
        thread = threading.Thread(target=_quietly, args=(read,), daemon=True, name="yearend-prefetch")
        add_script_run_ctx(thread, ctx)
        thread.start()


def _quietly(read: Callable[[], Any]) -> None:
    try:
        read()
    except BaseException:  # noqa: BLE001 (the page's own call of the same read reports it)
        pass
