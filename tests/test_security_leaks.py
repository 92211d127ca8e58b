"""Attack tests for what a reader below HR admin can learn through the reads (issue 13, items 1, 3, 4, 12).

1: with filters narrowed to one person, "statistics withheld" against "no documents" told whether the
   search text occurs in that person's summary: a yes/no oracle.
3: keyword counts ran on the raw text beside masked hits: any prefix of a masked phone number counted.
4: a read returning a (summary, table) pair escaped the mask; every read in ui.data is walked here.
12: the 范文库 counted copies in every department, whoever asked.

Every number below is invented; only its shape is real (a mobile prefix, a valid birth date).
"""
from __future__ import annotations

import inspect
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.access import users
from analysis.access.scope import Access, Filters, full_access
from analysis.build import build
from analysis.insight import library
from analysis.report.content import ReportError, Scope
from analysis.schema import EXPORT_TABLES
from tests.auth_helpers import APP, disable_pages_discovery, sign_in, write_users
from tests.conftest import write_small_corpus
from ui.state import STORE_ENV

PHONE, PHONE_WIDE = "13900001111", "１３９００００２２２２"
ID_CARD, EMAIL, CARD = "11010519900307123X", "zhou.test@example.com", "6222 0000 1111 2222"
PLANTED = (PHONE, "13900002222", ID_CARD, EMAIL, "6222000011112222", CARD, PHONE_WIDE)

_HEAD = "{year}年度个人工作总结\n姓名：{name}\n部门：销售部\n岗位：销售代表\n一、主要工作成绩\n"
_BODY = (
    "今年共拜访客户120家，客户经理手机13900001111随时可以联系。\n"
    "全年完成销售额860万元，回款率达到百分之九十六，对账单已发邮箱zhou.test@example.com。\n"
    "20xx年我在xx地区完成了xxx万元的业绩，身份证11010519900307123X已登记。\n"
    "差旅报销打到工资卡6222 0000 1111 2222，财务已经核对。\n"
    "我与客户每月对账，货款及时回笼，有事打手机13900001111。\n"
    "二、存在的不足\n对部分老客户的回访不够及时，备用电话１３９００００２２２２经常占线。\n"
    "三、明年工作计划\n明年要把回款率提高到百分之九十八，每月回访重点客户30家，手机13900001111保持畅通。\n"
    "加强与客户的对账沟通，确保货款及时回笼，有事打手机13900001111。\n"
)


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """The test corpus plus three 销售部 summaries carrying personal data: 钱多多 in 2023 and 2024 (plan
    follow-through), 孙小美 copying 钱多多 word for word in 2024 (a copy pair), and a 范文 in the library."""
    root = tmp_path_factory.mktemp("planted")
    corpus = write_small_corpus(root / "corpus")
    for year, name, team in ((2023, "钱多多", "华东组"), (2024, "钱多多", "华东组"), (2024, "孙小美", "华东组")):
        path = corpus / str(year) / "销售部" / f"{name}_{team}.txt"
        path.write_text(_HEAD.format(year=year, name=name) + _BODY, encoding="utf-8")
    store = root / "insights.duckdb"
    build(corpus, store, workers=1, progress=False)
    library.add_template(store, "销售范文", _HEAD.format(year=2022, name="某某") + _BODY)
    return store


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


@pytest.fixture
def reader(planted, tmp_path, monkeypatch):
    """Read ``ui.data`` as a given ``Access`` outside a script run."""
    from ui import auth

    monkeypatch.setenv(STORE_ENV, str(planted))
    monkeypatch.setenv("YEAREND_AUDIT", str(tmp_path / "audit.jsonl"))

    def as_(acc: Access) -> None:
        monkeypatch.setattr(auth, "access", lambda: acc)

    return as_


HEAD_OF_SALES = Access(user="xiaoshou", name="销售部周经理", role="dept_head", departments=("销售部",),
                       min_group=0, mask=True)


def _text(value) -> str:
    """Everything a read returned, as one string to search."""
    if isinstance(value, pd.DataFrame):
        return value.to_csv(index=False)
    if isinstance(value, bytes):
        if value.startswith(b"PK"):  # .xlsx / .pptx / .docx: the text is in the zipped XML parts
            with zipfile.ZipFile(io.BytesIO(value)) as z:
                return " ".join(z.read(n).decode("utf-8", errors="replace") for n in z.namelist()
                                if n.endswith(".xml"))
        return value.decode("utf-8-sig", errors="replace")
    if isinstance(value, dict):
        return " ".join(f"{k}={_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value)
    return str(value)


WRITES = {"add_template", "remove_template", "template_text", "may_edit_library"}
NOT_READS = WRITES | {"prefetch"}  # it only starts reads of ui.data early: the reads themselves are walked here


def _every_read(planted: Path) -> dict[str, list]:
    """Call every read function of ui.data with every argument a page could give it."""
    from analysis import query
    from ui import data

    doc_ids = query.documents(planted, Filters(departments=("销售部",)))["doc_id"].tolist()
    values = {"f": [Filters(), Filters(departments=("销售部",), search="客户")], "doc_id": doc_ids,
              "term": ["客户", "139000", PHONE, "回款"], "name": list(EXPORT_TABLES), "fmt": ["csv"],
              "section": ["成绩", "不足", "计划"], "records": [False, True], "include_near": [True],
              "word": ["客户", "回款"], "a": [Filters(departments=("销售部",))], "b": [Filters()],
              "department": ["销售部"], "employee": ["钱多多"], "topic": [0, 1], "title": ["边表"],
              "frame": [pd.DataFrame({"词": ["客户"], "句子": [f"有事打手机{PHONE}"]})],
              "scope": [Scope("销售部", 2024)], "pair": [None, (2023, 2024)]}
    results: dict[str, list] = {}
    for name in sorted(n for n in dir(data) if not n.startswith("_")):
        fn = getattr(data, name)
        if not inspect.isfunction(fn) or name in NOT_READS:
            continue
        calls = [{}]
        for param in inspect.signature(fn).parameters.values():
            options = {"fmt": ["pptx", "docx"]}.get(param.name) if name == "report_download" else None
            options = options or values.get(param.name)
            if options is None:
                assert param.default is not inspect.Parameter.empty, f"没有为 {name}({param.name}) 准备参数"
                continue
            calls = [{**c, param.name: v} for c in calls for v in options]
        out = []
        for kwargs in calls:
            try:
                result = fn(**kwargs)
                if name in ("download", "download_frame"):
                    result = result[1]()  # the file itself
                elif name == "report_download":
                    result = result[2]()
            except ReportError as exc:  # a report refused (reporting minimum): its message is walked too
                result = str(exc)
            out.append(result)
        results[name] = out
    return results


def test_every_read_is_masked_for_a_masked_reader(reader, planted):
    reader(full_access("hr", "人事部林主管", local=False))
    unmasked = _every_read(planted)
    # the walk reaches the planted data: HR admin sees it in the sentences, the concreteness reasons,
    # the copy passages, the placeholders and the evidence
    for name in ("sentences_of", "concreteness_reasons", "copy_passages", "placeholder_sentences",
                 "evidence", "keyword_hits"):
        assert any(value in _text(unmasked[name]) for value in PLANTED), name
    assert ID_CARD in _text(unmasked["concreteness_reasons"]) or ID_CARD in _text(unmasked["sentences_of"])

    reader(HEAD_OF_SALES)
    masked = _every_read(planted)
    assert set(masked) == set(unmasked)
    assert "concreteness_reasons" in masked and "download" in masked
    for name, results in masked.items():
        text = _text(results)
        for value in PLANTED:
            assert value not in text, (name, value)
    assert "[手机号]" in _text(masked["concreteness_reasons"])


def test_keyword_counts_run_on_masked_text(reader):
    from ui import data

    reader(HEAD_OF_SALES)
    for prefix in ("139", "13900", "1390000", PHONE, "zhou.test", "6222"):
        assert data.keyword_hits(Filters(), prefix).empty, prefix
        assert data.keyword_counts(Filters(), prefix).empty, prefix
    counts = data.keyword_counts(Filters(), "回款率")
    assert int(counts["occurrences"].sum()) >= 6 and set(counts["department"]) == {"销售部"}
    assert data.keyword_counts(Filters(), "手机号").empty  # the bracketed word is the mask, not the text


def test_sidebar_search_cannot_probe_masked_numbers(reader):
    from ui import data

    reader(HEAD_OF_SALES)
    assert data.documents(Filters(search="139000")).empty
    assert data.documents(Filters(search=PHONE)).empty
    assert not data.documents(Filters(search="回访重点客户")).empty
    reader(full_access("hr", "人事部林主管", local=False))
    assert len(data.documents(Filters(search="139000"))) == 3  # HR admin reads the raw text


def test_template_library_counts_only_what_the_reader_may_see(reader):
    from ui import data

    reader(full_access("hr", "人事部林主管", local=False))
    everyone = data.template_library()
    assert everyone.loc[everyone["name"] == "销售范文", "copied_documents"].item() >= 1
    reader(Access(user="kefu", name="客服部经理", role="dept_head", departments=("客服部",), min_group=0,
                  mask=True))
    other = data.template_library()
    assert other.loc[other["name"] == "销售范文", "copied_documents"].item() == 0
    reader(Access(user="guest", name="分析员", role="viewer", min_group=5, mask=True))
    small = data.template_library()  # 销售部's years have fewer than 5 people: no publishable count
    assert small.loc[small["name"] == "销售范文", "copied_documents"].item() == 0


# ---------------------------------------------------------------- 1: no yes/no oracle on one person


def _page_texts(at: AppTest, term: str) -> list[str]:
    out = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error", "metric"):
        out += [str(getattr(el, "value", "")).replace(term, "〈检索词〉") for el in at.get(kind)]
    out += [str(df.value.shape) for df in at.dataframe]
    return out


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("small")
    store = root / "insights.duckdb"
    build(write_small_corpus(root / "corpus"), store, workers=1, progress=False)
    return store


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/keywords.py", "pages/export.py"])
def test_one_persons_summary_cannot_be_probed_with_the_search(page, small_store, tmp_path, monkeypatch):
    monkeypatch.setenv(STORE_ENV, str(small_store))
    monkeypatch.setenv("YEAREND_AUDIT", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv(users.USERS_ENV, str(write_users(tmp_path / "users.toml")))
    seen = {}
    # 褚亮 is the only 质检员 of 生产部; "订单490批" is in his summary, "订单491批" in nobody's
    for term in ("订单490批", "订单491批"):
        at = sign_in(AppTest.from_file(APP, default_timeout=60).run(), "guest")
        at.multiselect(key="f_department").set_value(["生产部"]).run()
        at.multiselect(key="f_role").set_value(["质检员"]).run()
        at.text_input(key="f_search").input(term).run()
        at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
        seen[term] = _page_texts(at, term)
    assert seen["订单490批"] == seen["订单491批"]
    assert any("没有可以显示的统计" in t for t in seen["订单490批"])


def test_downloads_are_the_same_whether_or_not_the_person_matches(reader, planted):
    from ui import data

    reader(Access(user="guest", name="分析员", role="viewer", min_group=5, mask=True))
    files = {}
    for term in ("回访重点客户", "没有人写过的一句话"):
        f = Filters(departments=("销售部",), roles=("销售代表",), search=term)
        files[term] = {name: data.download(name, f, "csv")[1]().decode("utf-8-sig") for name in EXPORT_TABLES
                       if name != "documents"}
    assert files["回访重点客户"] == files["没有人写过的一句话"]
    assert all(len(pd.read_csv(io.StringIO(text))) == 0 for text in files["回访重点客户"].values())
