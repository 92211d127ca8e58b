"""Copy detection: planted copies of the demo corpus recovered exactly; a 范文 added to the library is
found in a lightly edited copy (also inside a longer page, and from Traditional characters); the
library survives a rebuild; bad templates are refused with a reason."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import opencc
import pytest

from analysis import query
from analysis.access.scope import Filters
from analysis.build import build
from analysis.insight import copies, library
from analysis.paths import DEFAULT_CORPUS
from analysis.store import snapshot
from tests.conftest import write_small_corpus

PLANTED = json.loads((DEFAULT_CORPUS / "planted.json").read_text(encoding="utf-8"))["patterns"]

# A 范文 written for these tests, with the blanks such pages leave (20xx, xx地市, xxx万元).
TEMPLATE = """销售人员个人年终工作总结
20xx年即将过去，回首这一年的工作，我在公司领导和各位同事的支持下，较好地完成了各项销售任务，现将一年来的工作总结如下。
一、主要工作成绩
全年共完成销售额xxx万元，完成年度任务的xx%，新开发客户xx家。
我坚持每周走访xx地市的重点客户，及时了解客户的采购计划和使用反馈，与老客户保持了稳定的合作关系。
在货款回收方面，我每月与客户核对往来账目，全年回款率达到xx%，没有出现坏账。
二、存在的不足
对新产品的技术细节掌握得还不够深入，回答客户的专业问题时有时显得底气不足。
开发新客户的方法比较单一，主要依靠电话联系，效率不高。
三、明年的工作计划
明年我要系统学习公司新产品的技术资料，争取做到客户问到的问题当场就能解答。
继续巩固老客户，同时通过行业展会和老客户转介绍开发新客户，力争新客户数量比今年翻一番。
"""

# The same 范文, filled in and lightly edited by an employee: blanks filled, one sentence reworded,
# one dropped, one of his own added, his name and department on top.
FILLED = """2024年个人年终工作总结
姓名：林峰
部门：销售部
2024年即将过去，回首这一年的工作，我在公司领导和各位同事的支持下，较好地完成了各项销售任务，现将一年来的工作总结如下。
一、主要工作成绩
全年共完成销售额386万元，完成年度任务的104%，新开发客户9家。
我坚持每周走访唐山地市的重点客户，及时了解客户的采购计划和使用反馈，与老客户保持了稳定的合作关系。
在货款回收方面，我每月与客户核对往来账目，全年回款率达到97%，没有出现坏账。
二、存在的不足
对新产品的技术细节掌握得还不够深入，回答客户的专业问题时经常显得底气不足。
三、明年的工作计划
明年我要系统学习公司新产品的技术资料，争取做到客户问到的问题当场就能解答。
继续巩固老客户，同时通过行业展会和老客户转介绍开发新客户，力争新客户数量比今年翻一番。
另外，我准备把唐山周边三个县的经销商重新梳理一遍。
"""

# A second summary of the same imaginary 范文 page, to make the page longer than any one copy.
SECOND = """客服专员年终工作总结
这一年我在客服岗位上接听了大量来电，也处理了不少棘手的投诉。
对每一个投诉我都做到当天登记、当天回复，实在解决不了的问题及时转给技术部门跟进。
我的不足是遇到情绪激动的客户时还不够冷静，有时会跟着着急。
新的一年我打算多向老同事请教沟通技巧，把常见问题整理成文档，方便新同事查阅。
"""


def _files(store_path: Path, kind: str | None = None) -> dict[str, tuple[str, str, float]]:
    """source_file → (kind, source's file or template name, similarity) of the flagged documents."""
    rows = query.copied_documents(store_path, Filters(), kind=kind)
    return {r.source_file: (r.copy_kind, r.source_file_of_copy or r.source_template, r.copy_similarity)
            for r in rows.itertuples()}


def test_planted_copies_are_recovered_exactly(demo_store):
    flagged = _files(demo_store)
    expected = {}
    for pair in PLANTED["c_template_copies"]["pairs"]:  # same year: each is flagged against the other
        expected[pair["copy_file"]] = ("他人", pair["source_file"])
        expected[pair["source_file"]] = ("他人", pair["copy_file"])
    for pair in PLANTED["d_self_copies"]["pairs"]:  # last year's summary is the source, not a copy
        expected[pair["copy_file"]] = ("本人往年", pair["source_file"])
    assert {f: v[:2] for f, v in flagged.items()} == expected
    assert min(v[2] for v in flagged.values()) >= copies.COPY_THRESHOLD


def test_no_template_copies_without_a_library(demo_store):
    assert _files(demo_store, "范文") == {}
    assert query.template_library(demo_store).empty


def test_copy_passages_side_by_side(demo_store):
    pair = PLANTED["c_template_copies"]["pairs"][0]
    docs = query.documents(demo_store).set_index("source_file")
    passages = query.copy_passages(demo_store, docs.loc[pair["copy_file"], "doc_id"])
    source = query.sentences_of(demo_store, docs.loc[pair["source_file"], "doc_id"]).set_index("idx")
    mine = query.sentences_of(demo_store, docs.loc[pair["copy_file"], "doc_id"]).set_index("idx")
    # most of the copy lines up with its source, sentence for sentence and in order
    assert len(passages) >= 0.8 * len(mine)
    assert passages["source_idx"].is_monotonic_increasing
    for row in passages.itertuples():
        assert row.text == mine.loc[row.idx, "text"] and row.source_text == source.loc[row.source_idx, "text"]
        if row.ratio == 1.0:  # identical apart from figures
            assert copies.canonical([row.text]) == copies.canonical([row.source_text])
    # the two sentences swapped for others are not paired with anything of the source
    assert pair["sentences_replaced"] == 2
    assert len(mine) - len(passages) >= 2


@pytest.mark.parametrize(("lines", "expected"), [
    (["全年完成销售额120万元，回款率95.5%。"], "全年完成销售额#万元回款率#"),
    (["20xx年完成了xxx万元的任务。"], "#年完成了#万元的任务"),
    (["姓名：王小明", "部门：销售部", "今年我负责华东区。"], "今年我负责华东区"),
    (["一、主要工作成绩", "新签 12 家客户！"], "一主要工作成绩新签#家客户"),
])
def test_canonical_text_ignores_figures_placeholders_punctuation_and_metadata(lines, expected):
    assert copies.canonical(lines) == expected


def test_changed_figures_do_not_hide_a_copy():
    a = copies.shingles(copies.canonical(["今年完成销售额120万元，新签客户12家，回款率达到95%。"]))
    b = copies.shingles(copies.canonical(["今年完成销售额386万元，新签客户9家，回款率达到97%。"]))
    assert copies.overlap(a, b) == (1.0, 1.0)


@pytest.mark.parametrize(("query_doc", "source", "kind"), [
    (("李", "销售部", 2024), ("李", "销售部", 2023), "本人往年"),
    (("李", "销售部", 2023), ("李", "销售部", 2024), None),   # the later one copied the earlier one
    (("李", "销售部", 2024), ("王", "销售部", 2024), "他人"),  # same year: both ways
    (("李", "销售部", 2024), ("王", "客服部", 2022), "他人"),
    (("李", "销售部", 2022), ("王", "销售部", 2024), None),
    (("李", "销售部", 2024), ("李", "客服部", 2023), "他人"),  # a namesake in another department
])
def test_which_way_a_copy_goes(query_doc, source, kind):
    q = copies.Source("q", b"", 1, *query_doc)
    x = copies.Source("x", b"", 1, *source)
    assert copies._eligible(q, x) == kind
    assert copies._eligible(q, copies.Source("t", b"", 1, template="范文一")) == "范文"


def _sources(texts: dict[str, str]) -> tuple[list[copies.Source], dict]:
    sets, out = {}, []
    for key, text in texts.items():
        sets[key] = copies.shingles(copies.canonical(copies.template_lines(text)))
        out.append(copies.Source(key, copies.signature(sets[key]), len(sets[key]), employee=key, year=2024))
    return out, sets


def test_a_copy_inside_a_longer_page_is_found_by_containment():
    docs, sets = _sources({"林峰": FILLED, "周敏": SECOND.replace("客服专员", "售后专员")})
    page_set = copies.shingles(copies.canonical(copies.template_lines(TEMPLATE + SECOND)))
    page = copies.Source("page", copies.signature(page_set), len(page_set), template="范文网第三页")
    matches = {m.doc_id: m for m in copies.find_copies(docs, [page], lambda keys: {**sets, "page": page_set})}
    assert set(matches) == {"林峰", "周敏"}
    for m in matches.values():
        assert (m.copy_of, m.kind, m.copied) == ("范文网第三页", "范文", True)
        assert m.jaccard < 0.6 <= copies.COPY_THRESHOLD <= m.similarity  # Jaccard alone would miss it


def test_banding_finds_the_candidates_datasketch_lsh_finds(demo_store):
    from datasketch import LeanMinHash, MinHashLSH

    with snapshot.read(demo_store) as con:
        rows = con.execute("SELECT doc_id, minhash FROM signatures ORDER BY doc_id").fetchall()
    signatures = np.stack([np.frombuffer(blob, dtype=np.uint32) for _, blob in rows])
    index = MinHashLSH(threshold=copies.LSH_JACCARD, num_perm=copies.NUM_PERM)
    assert index.b == copies.BANDS
    lean = [LeanMinHash(seed=copies.SEED, hashvalues=sig, scheme=copies.SCHEME) for sig in signatures]
    for (doc_id, _), mh in zip(rows, lean):
        index.insert(doc_id, mh)
    expected = [set(index.query(mh)) - {doc_id} for (doc_id, _), mh in zip(rows, lean)]
    found = [{rows[j][0] for j in near} for near in copies.lsh_neighbours(signatures)]
    assert found == expected
    planted = len(PLANTED["c_template_copies"]["pairs"]) + len(PLANTED["d_self_copies"]["pairs"])
    assert sum(map(len, found)) >= 2 * planted  # each planted copy and its source find each other, at least


def test_equally_close_sources_are_always_reported_the_same_way():
    # 王芳 and 赵强 wrote the same text a year before 林峰 (figures differ, so the files differ): both
    # are equally good sources of his copy, whichever order the store returns the documents in
    variants = {"王芳": FILLED, "赵强": FILLED.replace("386万元", "412万元"), "林峰": FILLED.replace("97%", "99%")}
    sets = {k: copies.shingles(copies.canonical(copies.template_lines(t))) for k, t in variants.items()}
    years = {"王芳": 2023, "赵强": 2023, "林峰": 2024}
    docs = [copies.Source(k, copies.signature(sets[k]), len(sets[k]), employee=k, year=years[k]) for k in variants]
    forward = copies.find_copies(docs, [], lambda keys: sets)
    backward = copies.find_copies(docs[::-1], [], lambda keys: sets)
    assert set(forward) == set(backward)
    assert {m.doc_id: (m.copy_of, m.kind, m.similarity) for m in forward} == {
        "林峰": ("王芳", "他人", 1.0), "王芳": ("赵强", "他人", 1.0), "赵强": ("王芳", "他人", 1.0)}


def test_pairs_are_verified_a_run_at_a_time_with_the_same_matches(monkeypatch):
    """The exact shingle sets are asked for a run of ``VERIFY_PAIRS`` pairs at a time, never for every
    candidate at once (at 100,000 summaries that read the corpus back into one process), and the best
    match of every document is the one all pairs at once give."""
    variants = {"王芳": FILLED, "赵强": FILLED.replace("386万元", "412万元"), "林峰": FILLED.replace("97%", "99%"),
                "周敏": SECOND, "陈静": SECOND.replace("客服专员", "售后专员")}
    sets = {k: copies.shingles(copies.canonical(copies.template_lines(t))) for k, t in variants.items()}
    years = {"王芳": 2023, "赵强": 2023, "林峰": 2024, "周敏": 2023, "陈静": 2024}
    docs = [copies.Source(k, copies.signature(sets[k]), len(sets[k]), employee=k, year=years[k]) for k in variants]
    whole = copies.find_copies(docs, [], lambda keys: sets)
    asked: list[list[str]] = []

    def shingles_of(keys):
        asked.append(keys)
        return {k: sets[k] for k in keys}

    monkeypatch.setattr(copies, "VERIFY_PAIRS", 1)
    stats: dict = {}
    assert copies.find_copies(docs, [], shingles_of, stats) == whole
    assert {m.doc_id: (m.copy_of, m.kind) for m in whole} == {
        "林峰": ("王芳", "他人"), "王芳": ("赵强", "他人"), "赵强": ("王芳", "他人"), "陈静": ("周敏", "他人")}
    assert len(asked) == stats["verified_pairs"] >= 5  # one run per pair
    assert max(map(len, asked)) == 2  # a document and one source, never the corpus


@pytest.fixture
def small_store(tmp_path) -> Path:
    corpus = write_small_corpus(tmp_path / "corpus")
    target = corpus / "2024" / "销售部" / "林峰_华北组.txt"
    target.write_text(FILLED, encoding="utf-8")
    store = tmp_path / "insights.duckdb"
    build(corpus, store, workers=1, progress=False)
    return store


def test_a_template_added_to_the_library_is_matched_and_survives_a_rebuild(small_store):
    assert _files(small_store, "范文") == {}
    others = len(_files(small_store))  # the small corpus's summaries share most sentences by design
    copied = library.add_template(small_store, "销售员范文一", TEMPLATE, source="范文一.txt")
    assert copied == others + 1 == len(_files(small_store))
    flagged = _files(small_store, "范文")
    assert list(flagged) == ["2024/销售部/林峰_华北组.txt"]
    kind, name, similarity = flagged["2024/销售部/林峰_华北组.txt"]
    assert (kind, name) == ("范文", "销售员范文一") and similarity >= copies.COPY_THRESHOLD
    table = query.template_library(small_store)
    assert table[["name", "source", "copied_documents"]].values.tolist() == [["销售员范文一", "范文一.txt", 1]]
    # side by side: the filled-in figures still line up with the template's blanks
    doc_id = query.copied_documents(small_store, Filters(), kind="范文")["doc_id"].iloc[0]
    passages = query.copy_passages(small_store, doc_id)
    row = passages[passages["text"].str.contains("386万元")].iloc[0]
    assert (row["source_text"], row["ratio"]) == ("全年共完成销售额xxx万元，完成年度任务的xx%，新开发客户xx家。", 1.0)

    # a rebuild of the corpus folder (one file added) keeps the library and the finding
    corpus = small_store.parent / "corpus"
    (corpus / "2024" / "客服部" / "周敏_热线组.txt").write_text(SECOND.replace("客服专员", "热线专员"),
                                                            encoding="utf-8")
    report = build(corpus, small_store, workers=1, progress=False)
    assert report.analysed == 1 and report.written
    assert list(query.template_library(small_store)["name"]) == ["销售员范文一"]
    assert list(_files(small_store, "范文")) == ["2024/销售部/林峰_华北组.txt"]

    assert library.remove_template(small_store, "销售员范文一") == len(_files(small_store)) == others
    assert _files(small_store, "范文") == {} and query.template_library(small_store).empty


def test_a_traditional_template_matches_a_simplified_copy(small_store):
    traditional = opencc.OpenCC("s2t").convert(TEMPLATE)
    assert traditional != TEMPLATE
    library.add_template(small_store, "繁體範文", traditional)
    assert list(_files(small_store, "范文").values())[0][:2] == ("范文", "繁體範文")


def test_bad_templates_are_refused_with_a_reason(small_store):
    with pytest.raises(library.LibraryError, match="太短"):
        library.add_template(small_store, "短", "认真工作。")
    with pytest.raises(library.LibraryError, match="名字"):
        library.add_template(small_store, "  ", TEMPLATE)
    with pytest.raises(library.LibraryError, match="坏掉的.docx"):
        library.template_from_file("坏掉的.docx", b"PK\x03\x04 not really a docx")
    with pytest.raises(library.LibraryError, match="没有“不存在”"):
        library.remove_template(small_store, "不存在")
    missing = small_store.parent / "nothing" / "insights.duckdb"
    with pytest.raises(library.LibraryError, match="请先运行"):
        library.add_template(missing, "范文", TEMPLATE)


def test_template_cli(small_store, tmp_path, capsys):
    from analysis.cli import main

    path = tmp_path / "销售员范文二.txt"
    path.write_text(TEMPLATE, encoding="gb18030")
    assert main(["template", "add", str(path), "--store", str(small_store)]) == 0
    assert f"已添加范文“销售员范文二”；现有 {len(_files(small_store))} 篇文档被判为抄袭" in capsys.readouterr().out
    assert list(_files(small_store, "范文")) == ["2024/销售部/林峰_华北组.txt"]
    assert main(["template", "list", "--store", str(small_store)]) == 0
    assert capsys.readouterr().out.startswith("销售员范文二\t")
    assert main(["template", "add", str(tmp_path / "没有这个文件.txt"), "--store", str(small_store)]) == 2
    assert "没有这个文件.txt：文件不存在" in capsys.readouterr().err


def test_copy_columns_in_the_documents_export(demo_store, tmp_path):
    from analysis.cli import main

    out = tmp_path / "文档.csv"
    assert main(["export", "--table", "documents", "--out", str(out), "--store", str(demo_store)]) == 0
    import pandas as pd

    frame = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    for col in ("copy_of", "copy_similarity", "placeholders", "concreteness", "follow_through"):
        assert col in frame.columns
    pair = PLANTED["d_self_copies"]["pairs"][0]
    rows = frame.set_index("source_file")
    assert rows.loc[pair["copy_file"], "copy_kind"] == "本人往年"
    assert rows.loc[pair["copy_file"], "copy_of"] == rows.loc[pair["source_file"], "doc_id"]


def test_store_copy_is_untouched_by_a_refused_template(small_store, tmp_path):
    before = small_store.read_bytes()
    shutil.copy(small_store, tmp_path / "before.duckdb")
    with pytest.raises(library.LibraryError):
        library.add_template(small_store, "短", "好。")
    assert small_store.read_bytes() == before


# Stock text written for these tests: the phrases every summary of a company repeats.
STOCK = ("在公司领导的正确指导和各位同事的大力支持下，本人认真履行岗位职责，严格遵守公司各项规章制度，"
         "团结同事，服从安排，较好地完成了年初制定的各项工作任务，现将一年来的工作情况总结如下。")


def test_stock_text_in_every_summary_makes_no_candidate_pairs():
    """Every summary opens with the same stock paragraph (a third of its text); only the real copy is
    verified, and it is found both ways (same year: nothing tells who copied whom)."""
    import random

    rng = random.Random(3)
    texts = {f"员工{i:03d}": [STOCK, "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(160))]
             for i in range(600)}
    texts["抄写人"] = [STOCK, texts["员工007"][1][:150]]
    sets = {k: copies.shingles(copies.canonical(v)) for k, v in texts.items()}
    docs = [copies.Source(k, copies.signature(s), len(s), employee=k, year=2024) for k, s in sets.items()]
    stats: dict = {}
    matches = copies.find_copies(docs, [], lambda keys: sets, stats)
    assert {(m.doc_id, m.copy_of, m.kind, m.copied) for m in matches} == {
        ("抄写人", "员工007", "他人", True), ("员工007", "抄写人", "他人", True)}
    assert stats["verified_pairs"] == 2


def test_an_overfull_bucket_pairs_its_members_with_its_earliest_only():
    """A band value 1,000 documents share (stock text) pairs each of them with the four earliest, not
    with all 999 others; a copy that agrees on other bands is still paired."""
    rng = np.random.default_rng(5)
    n = 1000
    signatures = rng.integers(0, 2**32, size=(n, copies.NUM_PERM), dtype=np.uint64).astype(np.uint32)
    rows = copies.NUM_PERM // copies.BANDS
    signatures[:, :rows] = 7                      # band 0: the same in every document
    signatures[11] = signatures[10]               # a copy
    years = np.array([2020 + i % 5 for i in range(n)])
    left, right = copies.lsh_pairs(signatures, tiebreak=years)
    reps = [0, 5, 10, 15]                         # the first four of year 2020
    expected = {(min(i, r), max(i, r)) for i in range(n) for r in reps if i != r} | {(10, 11)}
    assert set(zip(left.tolist(), right.tolist())) == expected
    assert len(left) < 4 * n < n * (n - 1) // 2
    # without a cap (datasketch's banding), the stock band pairs everyone with everyone
    assert sum(map(len, copies.lsh_neighbours(signatures))) == n * (n - 1)


def test_a_stock_sentence_in_every_summary_makes_candidates_of_the_copy_only():
    """400 summaries whose minima on band 0 all come from one stock sentence, 40 of them (one
    department) also on band 1 from a stock phrase, and one real copy (row 6 of row 5). Unbounded
    banding pairs everyone with everyone; capped buckets still pair each with the earliest four;
    now a pair needs a band that is not all stock, or two all-stock bands."""
    n = 400
    signatures = (1_000_000 + np.arange(n)[:, None] * copies.NUM_PERM + np.arange(copies.NUM_PERM)).astype(np.uint32)
    signatures[:, 0:4] = [11, 12, 13, 14]                      # the stock sentence, in every summary
    department = np.arange(0, n, 10)
    signatures[department, 4:8] = [21, 22, 23, 24]             # a phrase of 40 summaries of one department
    signatures[6] = signatures[5]                               # a copy
    years = np.full(n, 2024)
    stock = copies._stock(signatures)
    assert stock[:, :4].all() and stock[department, 4:8].all() and stock.sum() == 4 * n + 4 * 40

    assert sum(map(len, copies.lsh_neighbours(signatures))) == n * (n - 1)  # datasketch's banding
    left, right = copies.lsh_pairs(signatures, tiebreak=years)
    # band 0: everyone with rows 0–3 (6 + 396·4); band 1: the department with rows 0, 10, 20, 30
    # (6 + 36·4, of which the 39 pairs of row 0 are already there); the copy
    assert len(left) == 6 + 396 * 4 + (6 + 36 * 4 - 39) + 1 == 1702

    stats: dict = {}
    left, right = copies.lsh_pairs(signatures, tiebreak=years, stats=stats, stock=stock)
    # the copy (31 bands that are not stock), and row 0 with the rest of its department: the earliest
    # member of both stock buckets, paired with each of them on two all-stock bands
    assert set(zip(left.tolist(), right.tolist())) == {(5, 6)} | {(0, int(d)) for d in department[1:]}
    assert stats["band_pairs"] == 1702


def test_each_document_keeps_its_best_partners_only():
    """With k = 2: a pair stays when it is among the two best of either document (most shared bands,
    then the partner of the earliest year, then row order); (2, 3) is neither's."""
    left = np.array([0, 0, 0, 0, 1, 2, 3])
    right = np.array([1, 2, 3, 4, 2, 3, 4])
    shared = np.array([5, 1, 1, 1, 1, 1, 2])
    years = np.array([2024, 2024, 2024, 2024, 2023])
    # best two: row 0 → 1 (5 bands), 4 (2023); row 1 → 0, 2; row 2 → 0, 1; row 3 → 4 (2 bands), 0; row 4 → 3, 0
    kept_left, kept_right = copies._top_partners(left, right, shared, years, 2)
    assert list(zip(kept_left.tolist(), kept_right.tolist())) == [(0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (3, 4)]
    assert len(kept_left) <= 2 * len(years)


def test_signature_is_datasketchs_minhash():
    """``signature`` computes on the array what datasketch's MinHash computes from a list of the shingles."""
    import operator

    rng = np.random.default_rng(18)
    sets = [np.empty(0, dtype=np.uint32), np.array([0, 2**32 - 1], dtype=np.uint32),
            copies.shingles(copies.canonical(["今年完成销售额120万元，回款率95%。", "明年继续开拓华东市场。"]))]
    sets += [np.unique(rng.integers(0, 2**32, int(rng.integers(1, 3000)), dtype=np.uint64).astype(np.uint32))
             for _ in range(50)]
    minhash = copies._minhash_class()
    for hashes in sets:
        reference = minhash(num_perm=copies.NUM_PERM, seed=copies.SEED, scheme=copies.SCHEME,
                            hashfunc=operator.index, permutations=copies._permutations())
        if len(hashes):
            reference.update_batch(hashes.tolist())
        assert copies.signature(hashes) == reference.hashvalues.astype(np.uint32).tobytes()


def test_the_sort_based_helpers_give_what_numpy_sorts_give():
    """``sorted_unique`` is ``np.unique``; ``_band_groups`` given the rows sorted by year once orders each band as
    ``np.lexsort((year, key))`` does; ``_stock`` (a hash table's counts) marks what a sort's runs mark; ``_codes``
    numbers equal names equally and the empty name -1."""
    rng = np.random.default_rng(20)
    for values in (np.empty(0, dtype=np.int64), np.array([3, 3, 3]), rng.integers(0, 50, 5000),
                   rng.integers(0, 2**32, 3000, dtype=np.uint64).astype(np.uint32)):
        got = copies.sorted_unique(values)
        assert got.dtype == values.dtype and np.array_equal(got, np.unique(values))
    # few distinct values per band and year, so that runs and ties within them are common
    signatures = rng.integers(0, 3, size=(2000, copies.NUM_PERM), dtype=np.uint64).astype(np.uint32)
    years = rng.integers(2021, 2026, 2000)
    by_year = np.argsort(years, kind="stable")
    for b in (0, 7, copies.BANDS - 1):
        order, starts, sizes = copies._band_groups(signatures, b, by_year)
        assert np.array_equal(order, np.lexsort((years, copies._band_keys(signatures, b))))
        assert sizes.min() > 1 and sizes.sum() <= 2000
    column = signatures[:, 5].copy()
    column[:copies.BUCKET_CAP + 1] = 99                       # one value in BUCKET_CAP + 1 documents: stock
    column[copies.BUCKET_CAP + 1:copies.BUCKET_CAP + 6] = 98   # five documents: not stock
    values, counts = np.unique(column, return_counts=True)
    expected = counts[np.searchsorted(values, column)] > copies.BUCKET_CAP
    assert np.array_equal(copies._stock(column[:, None])[:, 0], expected) and expected[:copies.BUCKET_CAP + 1].all()
    codes = copies._codes(["张三", "", "李四", "张三", ""])
    assert codes[0] == codes[3] != codes[2] and codes[0] >= 0 and codes[2] >= 0 and codes[1] == codes[4] == -1


def _clustered_signatures(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """600 signatures in 20 clusters of 30 near-copies (each keeps a random half to all of its cluster's bands), one
    band of stock text in every third, and their years: each document has more partners than it keeps."""
    rng = np.random.default_rng(seed)
    n, rows = 600, copies.NUM_PERM // copies.BANDS
    base = rng.integers(0, 2**32, size=(20, copies.NUM_PERM), dtype=np.uint64).astype(np.uint32)
    signatures = rng.integers(0, 2**32, size=(n, copies.NUM_PERM), dtype=np.uint64).astype(np.uint32)
    for i in range(n):
        kept = rng.random(copies.BANDS) < rng.uniform(0.5, 1.0)
        for b in np.flatnonzero(kept):
            signatures[i, b * rows:(b + 1) * rows] = base[i % 20, b * rows:(b + 1) * rows]
    signatures[::3, :rows] = [11, 12, 13, 14]
    years = rng.integers(2021, 2026, size=n)
    return signatures, years, copies._stock(signatures)


def test_the_pairs_of_some_rows_are_those_of_all_rows_that_involve_them():
    """``lsh_pairs(rows=…)`` (an incremental build's new documents) gives exactly the pairs of all rows that involve
    one of ``rows``, with and without stock marks, for none, a few, many and all rows; and it needs the partners'
    own pairs: ranking the partners by the rows' pairs alone keeps pairs the whole corpus drops."""
    signatures, years, stock = _clustered_signatures(8)
    n = len(signatures)
    every_left, every_right = copies.lsh_pairs(signatures, tiebreak=years, stock=stock)
    plain_left, plain_right = copies.lsh_pairs(signatures, tiebreak=years)
    banded_left, _, _ = copies._banded(signatures, copies.BUCKET_CAP, np.argsort(years, kind="stable"), None, stock)
    assert len(every_left) < len(banded_left)  # the best partners were chosen: some pairs went
    rng = np.random.default_rng(3)
    one_hop_differs = False
    for share in (0.0, 0.01, 0.05, 0.3, 1.0):
        rows = rng.random(n) < share
        for (left, right), kwargs in (((every_left, every_right), {"stock": stock}), ((plain_left, plain_right), {})):
            involved = rows[left] | rows[right]
            got_left, got_right = copies.lsh_pairs(signatures, tiebreak=years, rows=rows, **kwargs)
            assert got_left.tolist() == left[involved].tolist() and got_right.tolist() == right[involved].tolist()
        keys = [copies._band_keys(signatures, b) for b in range(copies.BANDS)]
        left, right, shared = copies._banded(signatures, copies.BUCKET_CAP, years, None, stock, rows, keys)
        left, right = copies._top_partners(left, right, shared, years, copies.PER_DOCUMENT)
        involved = rows[every_left] | rows[every_right]
        one_hop_differs |= len(left) != int(involved.sum())
    assert one_hop_differs
