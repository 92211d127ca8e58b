"""One document end to end: record fields, sections, evidence sentences, term counts."""
from analysis.pipeline import analyse_bytes, content_hash
from analysis.schema import DOCUMENT_COLUMNS, THEMES
from tests.test_build import GOOD_A


def test_document_record():
    data = GOOD_A.encode("utf-8")
    a = analyse_bytes("2024/销售部/林晓雨_华东组.txt", data,
                      {"year": 2024, "department": "销售部", "employee": "林晓雨", "team": "华东组"})
    doc = a.document
    assert set(doc) == set(DOCUMENT_COLUMNS)
    assert doc["doc_id"] == content_hash(data)
    assert (doc["employee"], doc["department"], doc["team"], doc["role"], doc["year"]) == ("林晓雨", "销售部", "华东组", "", 2024)
    assert doc["sentences"] == 9
    assert doc["placeholders"] == 0 and doc["traditional"] is False
    assert doc["themes_total"] == sum(doc[t] for t in THEMES)
    assert doc["客户跟进"] >= 2 and doc["货款回笼"] >= 2
    assert [s["section"] for s in a.sentences] == ["其他", "其他", "成绩", "成绩", "成绩", "不足", "不足", "计划", "计划"]
    lack = [s for s in a.sentences if s["section"] == "不足" and s["text"].startswith("对部分老客户")]
    assert lack[0]["label"] == "neg" and "客户跟进" in lack[0]["themes"]
    assert a.terms["意向客户"] == 1 and "的" not in a.terms


def test_traditional_document_keeps_original_text():
    text = "2023年工作總結\n一、工作成績\n今年我負責華南區域，維護老客戶，及時跟進訂單，全年回款率達到百分之九十五。\n"
    a = analyse_bytes("總結.txt", text.encode("utf-8"))
    assert a.document["traditional"] is True
    body = a.sentences[-1]
    assert body["text"] == "今年我負責華南區域，維護老客戶，及時跟進訂單，全年回款率達到百分之九十五。"
    assert body["text_simplified"] == "今年我负责华南区域，维护老客户，及时跟进订单，全年回款率达到百分之九十五。"
    assert {"客户跟进", "货款回笼"} <= set(body["themes"])
    assert a.document["year"] == 2023


def test_a_full_sentence_memo_is_emptied_without_losing_what_is_being_analysed(monkeypatch):
    # the memo holds at most MEMO_BYTES of sentences; emptying it halfway through a document once made
    # the sentences it had just found there vanish (KeyError), and every later document failed
    from analysis import pipeline
    from tests.test_build import GOOD_B

    def analysed() -> list:
        return [(a.document, a.sentences, a.terms) for a in (
            analyse_bytes("a.txt", GOOD_A.encode("utf-8")), analyse_bytes("b.txt", GOOD_B.encode("utf-8")),
            analyse_bytes("a2.txt", (GOOD_A + "\n补充一句。").encode("utf-8")))]

    pipeline.clear_memo()
    expected = analysed()
    for budget in (0, 3_000):  # nothing remembered; two or three sentences at a time
        monkeypatch.setattr(pipeline, "MEMO_BYTES", budget)
        pipeline.clear_memo()
        assert analysed() == expected
        assert len(pipeline._memo) <= 3 and pipeline._memo_size <= budget


def _demo_sentences(documents: int = 40) -> list[str]:
    from analysis.paths import DEFAULT_CORPUS
    from analysis.read import decode, ingest, normalize
    from analysis.text import sections

    out = []
    for n, item in enumerate(i for i in ingest.iter_corpus(DEFAULT_CORPUS) if not isinstance(i, ingest.FileFailure)):
        if n == documents:
            break
        simplified = normalize.normalize(decode.read_bytes(item[0], item[1])[0]).simplified
        out.extend(s.text for s in sections.split_document(simplified))
    return out


def test_batched_scoring_is_sentence_by_sentence_scoring_to_the_last_bit():
    # the pipeline scores a document's sentences in batches (one automaton pass for theme cues, one
    # matrix sum per model); the per-sentence functions stay the reference, and nothing may change
    from analysis.judge import sentiment, themes
    from analysis.judge.sentiment import read_labelled
    from analysis.paths import PROJECT_DIR
    from analysis.text.segment import cut

    texts = _demo_sentences() + [r["text"] for r in read_labelled(PROJECT_DIR / "tests/data/labelled_sentences.tsv")]
    assert len(texts) > 1500
    tokens = [cut(t) for t in texts]
    model, taxonomy, learned = sentiment.default_model(), themes.default_taxonomy(), themes.default_learned()

    assert model.score_many(texts, tokens, [None] * len(texts)) == [model.score(t, k) for t, k in zip(texts, tokens)]
    assert themes.rule_strengths(texts, taxonomy) == [{k: th.strength(t) for k, th in taxonomy.items()} for t in texts]
    assert learned.clause_probabilities_many(tokens) == [learned.probabilities(k, clauses=True) for k in tokens]
    assert themes.assign_many(texts, tokens) == [
        themes.combine({k: th.strength(t) for k, th in taxonomy.items()}, learned.probabilities(k), taxonomy,
                       clause_probabilities=learned.probabilities(k, clauses=True), short=themes.is_short_line(t))
        for t, k in zip(texts, tokens)]
    labels = [s.label for s in model.score_many(texts, tokens, [None] * len(texts))]
    assert {"pos", "neu", "neg"} <= set(labels)
    assert sum(bool(r) for r in themes.assign_many(texts, tokens)) > len(texts) // 4


_TRADITIONAL = """2024年度工作總結
姓名：周  敏
部門：客服部
一、主要成績
全年處理客戶投訴 1,236 件，滿意度從 91% 提升到 96.5%，沒有一件升級為重大投訴。
我負責華南區域，維護老客戶，及時跟進訂單，全年回款率達到百分之九十五。
協助研發同事修復了工單系統導出報表亂碼的問題。
二、存在的不足
對新產品的功能還不夠熟悉，部分複雜問題只能轉交二線，響應速度有待提高。
三、明年計劃
學 習 數 據 分 析，爭取把平均響應時間縮短到 2 小時以內；𠀋字與㐀字不在常用範圍。
"""


def test_documents_of_every_kind_get_the_per_sentence_reference_results():
    """Whole documents as the build analyses them (a document's sentences batched: character pairs, lexicon
    counts and model sums over arrays) give every sentence the sentiment, label and themes that the
    per-sentence reference functions give it: demo corpus files of every format, a Traditional document
    with figures, spaced-out Han characters and characters outside jieba's range, and GBK bytes."""
    from analysis import pipeline
    from analysis.judge import aggregate, sentiment, themes
    from analysis.paths import DEFAULT_CORPUS
    from analysis.read import decode, ingest, metadata, normalize
    from analysis.text import sections
    from analysis.text.segment import content_words, cut

    items = [i for i in ingest.iter_corpus(DEFAULT_CORPUS) if not isinstance(i, ingest.FileFailure)]
    docx = [i for i in items if i[0].endswith(".docx")][:3]
    md = [i for i in items if i[0].endswith(".md")][:3]
    txt = [i for i in items if i[0].endswith(".txt")][:6]
    assert len(docx) == len(md) == 3
    docs = [(name, data) for name, data, _ in docx + md + txt]
    docs += [("總結.txt", _TRADITIONAL.encode("utf-8")), ("总结_gbk.txt", GOOD_A.encode("gbk")),
             ("總結_big5.txt", _TRADITIONAL.split("三、")[0].encode("big5"))]
    model, taxonomy, learned = sentiment.default_model(), themes.default_taxonomy(), themes.default_learned()
    checked, themed, labels = 0, 0, set()
    for name, data in docs:
        pipeline.clear_memo()
        a = pipeline.analyse_bytes(name, data)
        split = sections.split_document(normalize.normalize(decode.read_bytes(name, data)[0]).simplified)
        assert [s.text for s in split] == [r["text_simplified"] for r in a.sentences]
        for sent, row in zip(split, a.sentences):
            text, tokens = sent.text, cut(sent.text)
            scored = model.score(text, tokens, sent.is_heading or None)
            if sent.is_heading and metadata.is_metadata_line(text):
                found = []
            else:
                found = themes.combine({k: th.strength(text) for k, th in taxonomy.items()},
                                       learned.probabilities(tokens), taxonomy,
                                       clause_probabilities=learned.probabilities(tokens, clauses=True),
                                       short=themes.is_short_line(text))
            expected = {"sentiment": scored.sentiment, "label": scored.label,
                        "themes": found if found and aggregate.substantive(text) else [],
                        "words": [] if sent.is_heading else sorted(set(content_words(tokens)))}
            assert {k: row[k] for k in expected} == expected, (name, text)
            checked += 1
            themed += bool(row["themes"])
            labels.add(row["label"])
    assert checked > 300 and themed > 60 and labels == {"pos", "neu", "neg"}
    trad = pipeline.analyse_bytes("總結.txt", _TRADITIONAL.encode("utf-8"))
    assert trad.document["traditional"] is True and trad.document["encoding"] == "utf-8"
    assert pipeline.analyse_bytes("总结_gbk.txt", GOOD_A.encode("gbk")).document["encoding"] == "gb18030"
