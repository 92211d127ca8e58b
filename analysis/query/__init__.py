"""Read-side questions over the store: what the pages and the exports ask.

In: a store path and a ``Filters`` (``analysis.access.scope``: the sidebar's filters, already narrowed to
the reader). Out: DataFrames (or a dict of headline figures), computed in DuckDB over a short-lived
read-only connection (``analysis.store.snapshot``).

Both the dashboard (``ui/data``) and ``python -m analysis export`` call these, so a downloaded table is
exactly the table on screen. One module per subject, mirrored by ``ui/data``: ``documents``
(documents, groups, evidence), ``themes``, ``sentiment``, ``keywords``, ``originality``,
``followthrough``, ``corrections``, ``person`` (one employee), ``compare`` (two groups), ``taxonomy`` (which
themes: the ten and HR's added ones), ``alerts`` (what changed beyond chance, unusual documents); ``export``
turns the downloadable tables into CSV and Excel. The questions are re-exported here so that
``query.groups(...)`` reads the same from every caller.
"""
from analysis.access.scope import Filters
from analysis.query.alerts import change_counts, document_alerts, group_alerts
from analysis.query.compare import compare_themes, distinctive_terms
from analysis.query.corrections import corrections
from analysis.query.documents import (
    GROUP_KEYS,
    documents,
    evidence,
    facets,
    failures,
    groups,
    groups_sets,
    managed_documents,
    options,
    overview,
    sentences_of,
    store_info,
)
from analysis.query.explore import (
    collocates,
    cooccurrence,
    correspondence,
    topic_sentences,
    topic_shares,
    topics,
    word_sentences,
    word_trend,
)
from analysis.query.followthrough import follow_examples, follow_pairs, follow_rates
from analysis.query.keywords import (
    keyword_counts,
    keyword_hits,
    keywords,
    masked_search,
    section_term_evidence,
    section_terms,
    term_frequencies,
)
from analysis.query.originality import (
    concreteness_reasons,
    copied_documents,
    copy_passages,
    originality,
    placeholder_sentences,
    template_library,
)
from analysis.query.person import people, person_themes
from analysis.query.rows import section_texts
from analysis.query.sentiment import section_sentiment, sentiment_box
from analysis.query.taxonomy import theme_keys
from analysis.query.themes import theme_lift, theme_section_totals, theme_sections, theme_totals, year_changes
