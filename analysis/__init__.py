"""YearEnd Insight's analysis engine: pure Python, no Streamlit.

The folders follow the data, and imports only point down this path (``tests/test_architecture.py``):

    read/     files and uploads        → text + metadata
    text/     text                     → sentences, sections, tokens
    judge/    sentences and tokens     → sentiment, themes, concreteness
    store/    analysed records         → DuckDB snapshots
    insight/  the live snapshot        → copies, plan follow-through (across documents)
    access/   a reader and filters     → scope, masking, suppression, audit
    query/    store + scope            → the tables pages and exports read

The spine at the top ties the stages together: ``pipeline`` analyses one document (a pure function of
its bytes), ``build`` maps it over a corpus into a new snapshot, ``intake`` does the same for uploads,
``cli`` and ``bench`` are the commands. ``schema`` (the one place that declares vocabularies and
tables) and ``paths`` are the foundation every stage may use. ``python -m analysis --help`` lists the
commands; docs/architecture.md says where to add a theme, a page, a table or a test.
"""
from analysis.schema import ANALYSIS_VERSION

__all__ = ["ANALYSIS_VERSION"]
