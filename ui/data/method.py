"""The recorded quality figures for the 方法与准确度 page (``analysis/data/quality.json``).

Not a store read: the figures belong to the models, not to the documents, and every role may see them.
Read afresh on every run (a few kilobytes), so a re-recorded entry shows without a restart.
"""
from __future__ import annotations

from analysis.judge import quality


def quality_entries() -> list[dict]:
    return quality.load()
