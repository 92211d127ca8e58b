"""The store: analysed records in a DuckDB file, written as whole snapshots.

In: per-document rows (documents, sentences, terms, signatures, sentence words) as Arrow batches or
dicts. Out: short-lived read-only connections to the live snapshot, its data version, and a write lock
under which a new snapshot is built aside and swapped in atomically.

- ``snapshot``: table types, snapshots, the write lock, the live documents a rebuild can reuse.
"""
