"""Which themes a store has: the ten required ones and HR's added ones (主题管理), and the documents
relation that carries a count column for each.

Every list of themes on the pages, in the queries and in the exports comes from ``theme_keys``, so a theme
HR adds in the browser shows wherever the ten do once it is re-scored. The documents table stores one
count column per required theme (``schema.THEMES``); an added theme lives only in the sentences' theme
lists, so ``documents_relation`` adds its per-document count (sentences carrying it) as a column of the
same name. With no added theme it is plainly ``documents`` and costs nothing.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from analysis.insight import taxonomy
from analysis.schema import DOCUMENT_COLUMNS, THEMES
from analysis.store import snapshot


def theme_keys(store_path: Path) -> tuple[str, ...]:
    """The ten required themes (in ``schema.THEMES`` order), then HR's added themes of the store's active
    taxonomy in the order HR added them."""
    return _keys(str(store_path), snapshot.data_version(store_path))


@lru_cache(maxsize=16)
def _keys(path: str, version: str) -> tuple[str, ...]:
    """``version`` is not read: a new snapshot (a saved taxonomy is one) is a new cache key."""
    if version == "missing":
        return THEMES
    with snapshot.read(Path(path)) as con:
        _, text = taxonomy.active_text(con)
    try:
        keys = list(taxonomy.parse(text))
    except taxonomy.TaxonomyError:
        return THEMES
    # a name equal to a documents column would shadow it; with_theme never saves one, but a TOML could
    extra = tuple(k for k in keys if k not in THEMES and k not in DOCUMENT_COLUMNS)
    return THEMES + extra


def added_themes(store_path: Path) -> tuple[str, ...]:
    """HR's added themes only (no count column of their own in the documents table)."""
    return theme_keys(store_path)[len(THEMES):]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def documents_relation(store_path: Path) -> str:
    """``documents``, or a subquery of it with one more INTEGER column per added theme: the number of the
    document's sentences that carry it (as the documents table counts the required themes)."""
    extra = added_themes(store_path)
    if not extra:
        return "documents"
    counts = ", ".join(f"CAST(COUNT(*) FILTER (WHERE list_contains(themes, {_literal(t)})) AS INTEGER) AS {_ident(t)}"
                       for t in extra)
    cols = ", ".join(f"CAST(COALESCE(x.{_ident(t)}, 0) AS INTEGER) AS {_ident(t)}" for t in extra)
    any_of = "[" + ", ".join(_literal(t) for t in extra) + "]"
    return (f"(SELECT d0.*, {cols} FROM documents d0 LEFT JOIN (SELECT doc_id, {counts} FROM sentences "
            f"WHERE list_has_any(themes, {any_of}) GROUP BY doc_id) x ON x.doc_id = d0.doc_id)")
