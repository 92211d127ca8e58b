"""The one place that declares the fixed vocabularies and the table schemas.

Pages, the command line, the store and the exports refer to columns through these names so that a
renamed column is a one-line change and a typo is an import error rather than a silent empty chart.
"""
from __future__ import annotations

from typing import Final, Literal, get_args

ANALYSIS_VERSION: Final = "11"
"""Bump when a change to the pipeline alters any stored figure: the store re-analyses every document
whose stored version differs, and reuses the rest."""

# The required theme taxonomy (DESIGN §3). The keys are fixed; descriptions and keywords live in
# analysis/data/themes.toml so HR can edit them without touching code.
ThemeKey = Literal[
    "客户跟进", "货款回笼", "产品知识", "销售业绩", "团队协作",
    "学习成长", "客户服务", "质量与交付", "市场开拓", "管理与制度",
]
THEMES: Final[tuple[str, ...]] = get_args(ThemeKey)

Section = Literal["成绩", "不足", "计划", "其他"]
SECTIONS: Final[tuple[str, ...]] = get_args(Section)

Label = Literal["pos", "neu", "neg"]
LABELS: Final[tuple[str, ...]] = get_args(Label)
LABEL_NAMES: Final = {"pos": "正面", "neu": "中性", "neg": "负面"}

TableName = Literal["documents", "groups", "themes", "keywords"]
EXPORT_TABLES: Final[tuple[str, ...]] = get_args(TableName)
EXPORT_TABLE_NAMES: Final = {"documents": "文档", "groups": "分组", "themes": "主题", "keywords": "关键词"}

# Who may see what (issue 6). The users file, the router's page list and the data layer use these names.
# hr_admin: everything; dept_head: the departments listed for the user, every page; viewer: aggregates
# only, never a document's text or an evidence sentence.
Role = Literal["hr_admin", "dept_head", "viewer"]
ROLES: Final[tuple[str, ...]] = get_args(Role)
ROLE_NAMES: Final = {"hr_admin": "HR 管理员", "dept_head": "部门负责人", "viewer": "只读（仅汇总）"}
# Columns that carry a document's words; dropped from anything a viewer reads (ui/data/cache.py), so a new
# query that returns sentences cannot leak them even if it is not declared a record read.
TEXT_COLUMNS: Final = ("text", "text_simplified", "left", "match", "right")
DEFAULT_MIN_GROUP: Final = 5
"""Minimum reporting group: figures backed by fewer distinct employees are not shown below hr_admin."""

# One line of the download audit log (analysis/access/audit.py), in this order.
AUDIT_COLUMNS: Final[tuple[str, ...]] = (
    "time", "user", "name", "role", "table", "format", "filters", "rows", "file_name", "detail",
)
"""``detail``: what an HR edit changed (a sentence correction, its undo); empty for downloads."""

# Metadata every document carries; unknown values are empty strings / 0, never None, so that
# group-bys keep the row.
META_FIELDS: Final = ("employee", "department", "team", "role", "year")

# Column order of the documents table (the store, the dashboard and `export --table documents`).
DOCUMENT_COLUMNS: Final[tuple[str, ...]] = (
    "doc_id", "employee", "department", "team", "role", "year", "source_file", "file_format",
    "encoding", "traditional", "chars", "sentences", "sentiment_mean", "pos_share", "neg_share",
    *THEMES, "themes_total", "placeholders", "concreteness", "copy_of", "copy_kind", "copy_similarity",
    "follow_through", "analysis_version",
)

# One row per sentence: the evidence behind every figure.
SENTENCE_COLUMNS: Final[tuple[str, ...]] = (
    "doc_id", "idx", "section", "text", "text_simplified", "sentiment", "label", "themes",
)

# DuckDB column types; the single source for the store's DDL.
DOCUMENT_TYPES: Final = {
    "doc_id": "VARCHAR PRIMARY KEY", "employee": "VARCHAR", "department": "VARCHAR",
    "team": "VARCHAR", "role": "VARCHAR", "year": "INTEGER", "source_file": "VARCHAR",
    "file_format": "VARCHAR", "encoding": "VARCHAR", "traditional": "BOOLEAN",
    "chars": "INTEGER", "sentences": "INTEGER", "sentiment_mean": "DOUBLE",
    "pos_share": "DOUBLE", "neg_share": "DOUBLE", **{t: "INTEGER" for t in THEMES},
    "themes_total": "INTEGER", "placeholders": "INTEGER", "concreteness": "DOUBLE", "copy_of": "VARCHAR",
    "copy_kind": "VARCHAR", "copy_similarity": "DOUBLE", "follow_through": "DOUBLE", "analysis_version": "VARCHAR",
}
SENTENCE_TYPES: Final = {
    "doc_id": "VARCHAR", "idx": "INTEGER", "section": "VARCHAR", "text": "VARCHAR",
    "text_simplified": "VARCHAR", "sentiment": "DOUBLE", "label": "VARCHAR", "themes": "VARCHAR[]",
}

# ---------------------------------------------------------------- issue 5: originality and follow-through
# copy_of: the closest earlier source found (a doc_id, or a template's name); copy_similarity: the share
# of the document's shingles found in it; copy_kind: set only when that share reaches the copy threshold
# (analysis/insight/copies.py). follow_through: share of this summary's plans that next year's summary reports
# (analysis/insight/followthrough.py); NULL without a next-year summary. concreteness: 0–100, see
# analysis/judge/concreteness.py.
CopyKind = Literal["他人", "本人往年", "范文"]
COPY_KINDS: Final[tuple[str, ...]] = get_args(CopyKind)
FollowStatus = Literal["落实", "部分落实", "未落实"]
FOLLOW_STATUSES: Final[tuple[str, ...]] = get_args(FollowStatus)

# Per document, computed by the pipeline: the MinHash of its character shingles (copies.py).
SIGNATURE_TYPES: Final = {"doc_id": "VARCHAR", "minhash": "BLOB", "shingles": "INTEGER"}
# Per body sentence, computed by the pipeline: its content words (plan targets, terms per section).
SENTENCE_WORD_TYPES: Final = {"doc_id": "VARCHAR", "idx": "INTEGER", "words": "VARCHAR[]"}
# The 范文 library HR adds to; carried over into every new snapshot.
TEMPLATE_TYPES: Final = {"name": "VARCHAR PRIMARY KEY", "text": "VARCHAR", "source": "VARCHAR",
                         "added_at": "VARCHAR"}
# One row per plan sentence (doc_id, idx) of a summary that has a next-year summary.
FOLLOW_TYPES: Final = {
    "doc_id": "VARCHAR", "idx": "INTEGER", "next_doc_id": "VARCHAR", "status": "VARCHAR", "score": "DOUBLE",
    "evidence_idx": "INTEGER", "targets": "VARCHAR[]", "shared": "VARCHAR[]",
}

assert tuple(DOCUMENT_TYPES) == DOCUMENT_COLUMNS
assert tuple(SENTENCE_TYPES) == SENTENCE_COLUMNS

# ---------------------------------------------------------------- documents managed from the dashboard
# Uploaded documents, and HR's re-tags and removals of any document, live in the `managed` table so a
# later folder build (which otherwise mirrors the corpus folder) keeps uploads, keeps HR's metadata and
# does not bring back what HR removed. `original` is the file name under `<store dir>/originals/`.
Origin = Literal["upload", "folder"]
ORIGINS: Final[tuple[str, ...]] = get_args(Origin)
ORIGIN_NAMES: Final = {"upload": "上传", "folder": "语料文件夹"}

MANAGED_COLUMNS: Final[tuple[str, ...]] = (
    "doc_id", "origin", "original", "source_file", "removed", *META_FIELDS, "updated_at",
)
MANAGED_TYPES: Final = {
    "doc_id": "VARCHAR PRIMARY KEY", "origin": "VARCHAR", "original": "VARCHAR", "source_file": "VARCHAR",
    "removed": "BOOLEAN", "employee": "VARCHAR", "department": "VARCHAR", "team": "VARCHAR",
    "role": "VARCHAR", "year": "INTEGER", "updated_at": "VARCHAR",
}
assert tuple(MANAGED_TYPES) == MANAGED_COLUMNS

# What an upload preview proposes for each file, and how the page names it.
UploadAction = Literal["add", "change", "skip", "reject"]
UPLOAD_ACTIONS: Final[tuple[str, ...]] = get_args(UploadAction)
UPLOAD_ACTION_NAMES: Final = {"add": "新增", "change": "更新标签", "skip": "跳过", "reject": "拒绝"}

# ---------------------------------------------------------------- HR corrections of sentence judgements
# An HR admin says a sentence's sentiment and/or themes are wrong and gives the right ones. The correction
# is keyed by the document's content hash (doc_id, which does not depend on ANALYSIS_VERSION), the
# sentence's index and the hash of its simplified text: after a re-analysis the sentence is found again by
# index and text, or by its text alone if the split moved it; otherwise the correction is reported in
# ``status`` and applied nowhere. ``label`` '' and ``themes`` NULL mean "not corrected". ``model_*`` keep
# the model's own judgement (for undo and for the list), refreshed whenever the document is re-analysed
# (``model_version`` is the analysis version they come from).
CORRECTION_COLUMNS: Final[tuple[str, ...]] = (
    "doc_id", "idx", "text_hash", "text", "label", "themes", "model_sentiment", "model_label", "model_themes",
    "model_version", "user", "name", "created_at", "status",
)
CORRECTION_TYPES: Final = {
    "doc_id": "VARCHAR", "idx": "INTEGER", "text_hash": "VARCHAR", "text": "VARCHAR", "label": "VARCHAR",
    "themes": "VARCHAR[]", "model_sentiment": "DOUBLE", "model_label": "VARCHAR", "model_themes": "VARCHAR[]",
    "model_version": "VARCHAR", "user": "VARCHAR", "name": "VARCHAR", "created_at": "VARCHAR", "status": "VARCHAR",
}
assert tuple(CORRECTION_TYPES) == CORRECTION_COLUMNS
CORRECTED_SENTIMENT: Final = {"pos": 1.0, "neu": 0.5, "neg": 0.0}
"""The sentence score (0..1) a corrected label stands for: HR's judgement is not a probability."""

# ---------------------------------------------------------------- issue 15: topics found in the corpus
# Computed once per snapshot by analysis/insight/passes.py (update_topics): the topics (top words and their
# weights), each document's share of every topic, and the topic each body sentence speaks of.
TOPIC_TYPES: Final = {"topic": "INTEGER", "label": "VARCHAR", "words": "VARCHAR[]", "weights": "DOUBLE[]"}
DOC_TOPIC_TYPES: Final = {"doc_id": "VARCHAR", "topic": "INTEGER", "share": "DOUBLE"}
SENTENCE_TOPIC_TYPES: Final = {"doc_id": "VARCHAR", "idx": "INTEGER", "topic": "INTEGER", "shared": "INTEGER"}
# The fitted model, so that a build adding a few documents projects them instead of refitting: per word of
# the vocabulary (code = its place in sorted order) its idf and its weight in each stored topic.
TOPIC_MODEL_TYPES: Final = {"code": "INTEGER", "word": "VARCHAR", "idf": "DOUBLE", "weights": "DOUBLE[]"}
# The co-occurrence network of every document with the page's default settings, so 探索 opens at once.
NETWORK_EDGE_TYPES: Final = {"rank": "INTEGER", "source": "VARCHAR", "target": "VARCHAR", "cooccurrences": "INTEGER",
                             "jaccard": "DOUBLE", "source_freq": "INTEGER", "target_freq": "INTEGER",
                             "source_community": "INTEGER", "target_community": "INTEGER"}
# What the stored network is summed from, so a build adding documents adds their counts instead of recounting
# the corpus (analysis/insight/passes.py update_network): target '' — the word's occurrences in ``terms`` over
# every document (every word: the network's vocabulary is chosen from these); source <= target — the sentences
# (``sentence_words`` rows) holding both words, source = target those holding the word, for the candidate words
# only (the most frequent, twice the network's size, when they were last counted in full).
NETWORK_COUNT_TYPES: Final = {"source": "VARCHAR", "target": "VARCHAR", "n": "BIGINT"}
# What the last build found of each corpus file (analysis/build.py ``collect``): a file whose path, size and
# modification time (ns) are these has this content hash and is not read again. Carried into every new snapshot.
FILE_HASH_TYPES: Final = {"path": "VARCHAR", "size": "BIGINT", "mtime_ns": "BIGINT", "doc_id": "VARCHAR"}
# HR's theme taxonomy versions (analysis/insight/taxonomy.py), carried into every new snapshot.
TAXONOMY_TYPES: Final = {"version": "INTEGER", "saved_at": "VARCHAR", "user": "VARCHAR", "note": "VARCHAR",
                         "toml": "VARCHAR", "active": "BOOLEAN"}

# ---------------------------------------------------------------- issue 17: exports HR can hand on
# The Chinese headers of what the dashboard downloads (and `export --headers zh` writes), per table: English
# column → (header, kind). The kind fixes the rounding and the Excel number format (analysis/query/export.py):
# "text"; "int" (#,##0); "year" (no thousands separator); "pct" (a share 0..1, shown 12.3%); "dec1" and "dec2"
# (one or two decimals). A column not listed here is not handed out (doc_id hashes, the analysis version).
ColumnKind = Literal["text", "int", "year", "pct", "dec1", "dec2"]
_META_HEADERS: Final = {
    "employee": ("员工", "text"), "department": ("部门", "text"), "team": ("班组", "text"), "role": ("岗位", "text"),
    "year": ("年份", "year"), "source_file": ("文件", "text"),
}
EXPORT_HEADERS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "documents": {
        **_META_HEADERS, "file_format": ("格式", "text"), "encoding": ("编码", "text"),
        "traditional": ("繁体原文", "text"), "chars": ("字数", "int"), "sentences": ("句数", "int"),
        "sentiment_mean": ("平均情感分（0–1）", "dec2"), "pos_share": ("正面句占比", "pct"),
        "neg_share": ("负面句占比", "pct"), **{t: (f"{t}（句数）", "int") for t in THEMES},
        "themes_total": ("主题句数合计", "int"), "placeholders": ("模板占位符", "int"),
        "concreteness": ("具体度（0–100）", "dec1"), "copy_source": ("最相似的来源", "text"),
        "copy_kind": ("抄袭类型", "text"), "copy_similarity": ("与来源的相似度", "pct"),
        "follow_through": ("计划落实率", "pct"),
    },
    "groups": {
        "department": ("部门", "text"), "team": ("班组", "text"), "year": ("年份", "year"),
        "documents": ("文档数", "int"), "employees": ("员工数", "int"), "chars": ("字数", "int"),
        "sentence_count": ("句数", "int"), "sentiment_mean": ("平均情感分（0–1）", "dec2"),
        "pos_share": ("正面句占比", "pct"), "neg_share": ("负面句占比", "pct"), "placeholders": ("模板占位符", "int"),
        **{k: v for t in THEMES for k, v in ((f"{t}_覆盖率", (f"{t} 提及文档占比", "pct")),
                                              (f"{t}_千字", (f"{t} 每千字句数", "dec2")),
                                              (f"{t}_句占比", (f"{t} 句占比", "pct")))},
        "suppressed": ("人数不足未显示", "text"),
    },
    "themes": {
        "department": ("部门", "text"), "year": ("年份", "year"), "section": ("段落", "text"),
        "theme": ("主题", "text"), "sentences": ("主题句数", "int"), "documents": ("提及文档数", "int"),
        "group_documents": ("该组文档数", "int"), "document_share": ("提及文档占比", "pct"),
    },
    "keywords": {
        "group": ("部门", "text"), "term": ("词", "text"), "count": ("出现次数", "int"),
        "documents": ("文档数", "int"), "tfidf": ("TF-IDF 权重", "dec2"), "log_odds_z": ("区分度（z 值）", "dec2"),
    },
    "evidence": {
        **_META_HEADERS, "section": ("段落", "text"), "text": ("句子", "text"), "sentiment": ("情感分（0–1）", "dec2"),
        "label": ("情感", "text"), "themes": ("主题", "text"), "occurrences": ("出现次数", "int"),
    },
    "explore_edges": {
        "source": ("词甲", "text"), "target": ("词乙", "text"), "cooccurrences": ("同句次数", "int"),
        "jaccard": ("杰卡德系数", "dec2"), "source_freq": ("含词甲的句数", "int"),
        "target_freq": ("含词乙的句数", "int"), "source_community": ("词甲的子图", "int"),
        "target_community": ("词乙的子图", "int"), "source_lift": ("词甲的相对比值", "dec2"),
        "target_lift": ("词乙的相对比值", "dec2"),
    },
}
EXPORT_HIDDEN: Final = ("doc_id", "copy_of", "next_doc_id", "idx", "analysis_version")
"""Columns a person's download leaves out: content hashes (``copy_of`` becomes ``copy_source``, who it names),
0-based sentence positions, the analysis version (the 说明 sheet gives it). Any other column not declared
above is handed out under its own name (tests/test_export.py checks that none is left)."""
EXPORT_SHEET_NAMES: Final = {**EXPORT_TABLE_NAMES, "about": "说明", "evidence": "证据句",
                             "explore_edges": "共现网络边表"}
# ---------------------------------------------------------------- issue 18: aggregates for the dashboard
# Written once per snapshot by analysis/insight/aggregates.py, read by analysis/query when the filters need
# nothing finer than a grain (department × team × year × role): the dashboard's figures at 100,000 summaries
# without scanning every sentence per request. Counts per grain add up to any union of grains, and every
# filter the sidebar offers (and the minimum reporting group's publication cells) selects whole grains.
AGGREGATE_GRAIN: Final[tuple[str, ...]] = ("department", "team", "year", "role")
_GRAIN_TYPES: Final = {"department": "VARCHAR", "team": "VARCHAR", "year": "INTEGER", "role": "VARCHAR"}
AGG_THEME_SECTION_TYPES: Final = {**_GRAIN_TYPES, "section": "VARCHAR", "theme": "VARCHAR",
                                  "sentences": "INTEGER", "documents": "INTEGER"}
"""Per grain, section and theme: sentences carrying the theme, documents with such a sentence there."""
AGG_SENTIMENT_TYPES: Final = {**_GRAIN_TYPES, "section": "VARCHAR", "sentences": "INTEGER", "scored": "INTEGER",
                              "sentiment_sum": "DOUBLE", "pos": "INTEGER", "neu": "INTEGER", "neg": "INTEGER"}
"""Per grain and section: sentences, those with a score, the sum of scores, and sentences per label."""
AGG_TERM_TYPES: Final = {**_GRAIN_TYPES, "term": "VARCHAR", "n": "INTEGER", "documents": "INTEGER"}
"""Per grain and content word (the ``terms`` table summed): occurrences and documents using it."""
AGG_SECTION_TERM_TYPES: Final = {**_GRAIN_TYPES, "section": "VARCHAR", "term": "VARCHAR", "documents": "INTEGER",
                                 "occurrences": "INTEGER"}
"""Per grain, section and word of ``sentence_words``: documents using it in that section, occurrences."""
AGG_FOLLOW_TYPES: Final = {**_GRAIN_TYPES, "documents": "INTEGER", "plans": "INTEGER",
                           **{s: "INTEGER" for s in FOLLOW_STATUSES}}
"""Per grain of plan documents: documents with judged plans, plans, and plans per follow-through status."""
AGG_FOLLOW_PAIR_TYPES: Final = {
    "pos": "INTEGER", "doc_id": "VARCHAR", "employee": "VARCHAR", "department": "VARCHAR", "team": "VARCHAR",
    "year": "INTEGER", "idx": "INTEGER", "plan_text": "VARCHAR", "themes": "VARCHAR[]", "status": "VARCHAR",
    "score": "DOUBLE", "targets": "VARCHAR[]", "shared": "VARCHAR[]", "next_doc_id": "VARCHAR", "next_year": "INTEGER",
    "evidence_idx": "INTEGER", "evidence_text": "VARCHAR", "evidence_section": "VARCHAR",
}
"""Every plan sentence beside the sentence of the next year that reports it (the 计划落实 evidence), in the
order the page lists them (``pos``: newest year first, then department, employee, sentence)."""
AGG_WORD_SENTENCE_TYPES: Final = {**_GRAIN_TYPES, "word": "VARCHAR", "sentences": "INTEGER", "documents": "INTEGER"}
"""Per grain and word of ``sentence_words``: sentences whose stored words include it (each word is stored once per
sentence) and documents with such a sentence; the row of word '' counts every sentence with stored words and every
document with such a sentence (the denominators of the 探索 page's rates)."""
AGG_NETWORK_WORD_TYPES: Final = {"year": "INTEGER", "word": "VARCHAR"}
"""Per year, the words whose co-occurrences ``agg_network_pairs`` holds for that year's grains: the network's
candidate words (``analysis.insight.aggregates.NETWORK_WORDS``)."""
AGG_NETWORK_PAIR_TYPES: Final = {**_GRAIN_TYPES, "source": "VARCHAR", "target": "VARCHAR", "sentences": "INTEGER"}
"""Per grain and pair of its year's candidate words (``source`` < ``target`` in code-point order): sentences holding
both (only pairs that share a sentence)."""
EVIDENCE_TOP: Final = 200
"""Distinct sentences kept per grain and evidence list in ``agg_evidence``: the longest list a page shows (200)."""
AGG_EVIDENCE_TYPES: Final = {
    **_GRAIN_TYPES, "for_theme": "VARCHAR", "for_label": "VARCHAR", "for_section": "VARCHAR", "key": "BIGINT",
    "n": "INTEGER", "doc_id": "VARCHAR", "employee": "VARCHAR", "source_file": "VARCHAR", "idx": "INTEGER",
    "section": "VARCHAR", "text": "VARCHAR", "sentiment": "DOUBLE", "label": "VARCHAR", "themes": "VARCHAR[]",
}
"""Per grain and evidence list — the sentences of a theme in document order (``for_theme``), or of a label by
score (``for_label`` pos: highest first, neg: lowest first); in every section (``for_section`` '') or one —
the first ``EVIDENCE_TOP`` distinct sentences (``key``: hash of the text as ``query.evidence`` compares it),
each as its first sentence in the list's order, with ``n`` sentences of that text in the grain."""
AGG_EVIDENCE_KEY_TYPES: Final = {**_GRAIN_TYPES, "key": "BIGINT", "section": "VARCHAR", "label": "VARCHAR",
                                 "themes": "VARCHAR[]", "n": "INTEGER"}
"""Per grain and distinct sentence text (``key``) of every sentence with a theme or a positive or negative
label: how many sentences have it, by section, label and themes (the ``occurrences`` of an evidence list)."""
AGG_DOC_ROW_TYPES: Final = {"doc_id": "VARCHAR", "base": "VARCHAR", "row_start": "BIGINT", "row_count": "INTEGER"}
"""Where a document's rows lie in the base table ``base`` (``sentences`` or ``sentence_words``): runs of consecutive
rowids, from ``row_start``, ``row_count`` rows each. A document's rows are inserted together, so they are one run, or
two where DuckDB's parallel insert put a row group boundary inside them. doc_ids are hashes, so no zone map finds one
document's rows: reading the rows of 100 documents by doc_id scanned the whole 3.9 M-row tables at 100,000 summaries,
by rowid only their row groups (``analysis.query.rows``). Positions in this snapshot's file: recomputed by every
build, never carried over, and checked against the tables' sizes when read (``agg_state`` keys ``sentences_rows``,
``words_rows``)."""
AGG_STATE_TYPES: Final = {"key": "VARCHAR", "value": "VARCHAR"}
"""The aggregates' own stamp. Not carried from one snapshot to the next: a writer that does not rebuild the
aggregates leaves none, and the queries read the base tables until the next build writes them again."""
