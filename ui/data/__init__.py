"""Cached reads of the store for the pages: one module per subject, mirroring ``analysis.query``.

``cache`` holds the one read every other module goes through (cached by data version, scoped to the
reader, masked below hr_admin); ``documents``, ``themes``, ``sentiment``, ``keywords``,
``originality``, ``followthrough``, ``corrections``, ``person``, ``compare``, ``export`` and ``report``
each answer the pages about one subject. The reads are re-exported here, so a page calls
``data.groups(f)`` wherever the read lives.
"""
from ui.data.alerts import document_alerts, group_alerts
from ui.data.cache import DOCUMENT_READS, RECORD_READS, prefetch
from ui.data.compare import compare_themes, distinctive_terms
from ui.data.corrections import corrections
from ui.data.documents import (
    document,
    documents,
    evidence,
    facets,
    failures,
    groups,
    managed_documents,
    overview,
    sentences_of,
    store_info,
)
from ui.data.explore import (
    collocates,
    cooccurrence,
    correspondence,
    topic_sentences,
    topic_shares,
    topics,
    word_sentences,
    word_trend,
)
from ui.data.export import audit_breaks, audit_log, download, download_frame, export_preview, export_table
from ui.data.followthrough import follow_pairs, follow_rates
from ui.data.keywords import (
    keyword_counts,
    keyword_hits,
    keywords,
    section_term_evidence,
    section_terms,
    term_frequencies,
)
from ui.data.method import quality_entries
from ui.data.originality import (
    add_template,
    concreteness_reasons,
    copied_documents,
    copy_passages,
    may_edit_library,
    originality,
    placeholder_sentences,
    remove_template,
    template_library,
    template_text,
)
from ui.data.person import people, person_filter, person_themes
from ui.data.report import report, report_choices, report_download, report_min_group
from ui.data.sentiment import section_sentiment, sentiment_box
from ui.data.taxonomy import themes as taxonomy_themes
from ui.data.themes import theme_keys, theme_lift, theme_section_totals, theme_totals, year_changes
