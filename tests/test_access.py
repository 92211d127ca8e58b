"""What each role sees, page by page (AppTest), in downloads and in the audit log."""
from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime

import pytest

from analysis import query
from analysis.access import audit, users
from analysis.access.scope import Filters, for_user
from tests.auth_helpers import PASSWORD, disable_pages_discovery, sign_in, start, titles, write_users
from ui.state import AUDIT_PAGE, PAGES, STORE_ENV

OWN = "销售部"


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


def as_reader(monkeypatch, username: str):
    """Make ``ui.data`` read as this user outside a script run (for the download callables)."""
    from ui import auth

    cfg = users.load(users.users_path())
    acc = for_user(cfg.users[username], cfg.policy)
    monkeypatch.setattr(auth, "access", lambda: acc)
    return acc


# 探索 shows the words of the reader's own sentences, and a 销售部 sentence may name another department
# (配合市场部…): such a word is not that department's data. The network's scope is checked edge by edge in
# tests/test_explore_page.py.
WORD_CHARTS = ("ex_network", "ex_ca", "ex_word")


def departments_on_page(at, everyone: set[str]) -> set[str]:
    """Every department name the page shows in a table's 部门 column, a chart or a choice list."""
    seen: set[str] = set()
    for df in at.dataframe:
        for col in ("部门", "department", "group"):
            if col in df.value.columns:
                seen |= {v for v in df.value[col] if isinstance(v, str)}
    for el in at.get("plotly_chart"):
        if el.proto.id.endswith(WORD_CHARTS):
            continue
        spec = json.loads(el.proto.spec)
        text = json.dumps(spec["data"], ensure_ascii=False)
        seen |= {d for d in everyone if d in text}
    for widget in [*at.selectbox, *at.multiselect]:
        if widget.key in WORD_CHARTS:
            continue
        seen |= {o for o in widget.options if o in everyone}
    return seen & everyone


def test_department_head_sees_only_own_department_on_every_page(env):
    everyone = set(query.options(env)["department"])
    assert OWN in everyone and len(everyone) > 1
    at = sign_in(start(), "xiaoshou")
    visible = [p for p in PAGES if "dept_head" in p.roles]
    assert ["总览", "主题", "情感", "关键词", "探索", "原创性", "计划落实", "员工", "对比", "文档", "报告", "方法与准确度", "导出"]
    for spec in visible:
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.title, [e.message for e in at.exception])
        assert titles(at) == [spec.title]
        assert at.multiselect(key="f_department").options == [OWN]
        assert departments_on_page(at, everyone) == {OWN}, spec.title
    for hidden in (AUDIT_PAGE, "pages/corpus.py"):  # the audit log and uploads are HR admin's
        with pytest.raises(ValueError, match="Known pages"):
            at.switch_page(hidden)


def test_department_head_figures_are_their_departments(env):
    at = sign_in(start(), "xiaoshou")
    mine = query.overview(env, Filters(departments=(OWN,)))
    assert [m.value for m in at.metric if m.label == "文档数"][0] == f"{mine['documents']:,}"
    assert [m.value for m in at.metric if m.label == "部门数"] == ["1"]
    # the sidebar does not give the size of the whole store
    assert not any("篇文档" in c.value for c in at.sidebar.caption)


def test_department_head_cannot_open_another_departments_document(env):
    other = query.documents(env, Filters(departments=("客服部",))).iloc[0]
    at = sign_in(start(), "xiaoshou")
    at.session_state["doc_id"] = other["doc_id"]
    at.switch_page("pages/documents.py").run()
    assert not at.exception
    assert OWN in at.subheader[0].value and "客服部" not in at.subheader[0].value
    shown = " ".join(m.value for m in at.markdown)
    for sentence in query.sentences_of(env, other["doc_id"])["text"].head(5):
        assert sentence not in shown


def test_small_team_figures_are_withheld_on_the_page(env):
    at = sign_in(start(), "xiaoshou")
    at.multiselect(key="f_team").set_value(["大客户组"]).run()  # 2 to 3 people a year
    assert not at.exception
    assert any("没有可以显示的统计" in i.value and "不少于 5 人" in i.value for i in at.info)
    assert not at.metric and not at.get("plotly_chart")
    # the documents themselves stay readable for their department head
    at.switch_page("pages/documents.py").run()
    table = next(df.value for df in at.dataframe if "部门" in df.value.columns)
    assert len(table) == len(query.documents(env, Filters(departments=(OWN,), teams=("大客户组",)))) > 0


def test_department_head_download_holds_only_own_department_and_is_audited(env, monkeypatch):
    from ui import data

    as_reader(monkeypatch, "xiaoshou")
    name, make = data.download("documents", Filters(), "csv")
    assert name == f"年终洞察_文档_{OWN}.csv"
    rows = list(csv.DictReader(io.StringIO(make().decode("utf-8-sig"))))
    expected = query.documents(env, Filters(departments=(OWN,)))
    assert {r["部门"] for r in rows} == {OWN}
    assert sorted(r["文件"] for r in rows) == sorted(expected["source_file"])
    # asking for another department through the filters gives nothing, not that department
    _, other = data.download("documents", Filters(departments=("客服部",)), "csv")
    assert list(csv.DictReader(io.StringIO(other().decode("utf-8-sig")))) == []
    # the groups table: team rows that would describe fewer than 5 people are blank and flagged
    _, groups = data.download("groups", Filters(), "csv")
    table = list(csv.DictReader(io.StringIO(groups().decode("utf-8-sig"))))
    assert {r["部门"] for r in table} == {OWN}
    hidden = [r for r in table if r["人数不足未显示"] == "是"]
    assert hidden and all(r["员工数"] == "" and r["平均情感分（0–1）"] == "" for r in hidden)
    assert all(int(r["员工数"]) >= 5 for r in table if r["人数不足未显示"] == "否")

    log = audit.read(audit.audit_path(env))
    assert list(log["table"]) == ["groups", "documents", "documents"]
    first = log.iloc[-1]
    assert (first["user"], first["name"], first["role"], first["format"], first["rows"]) == (
        "xiaoshou", "销售部周经理", "dept_head", "csv", len(expected))
    assert first["filters"] == {"allowed_departments": [OWN]}
    assert first["file_name"] == name
    assert log.iloc[1]["filters"] == {"departments": ["客服部"], "allowed_departments": [OWN]}
    assert log.iloc[1]["rows"] == 0
    assert log.iloc[0]["filters"] == {"allowed_departments": [OWN], "min_group": 5}


def test_excel_download_is_audited_too(env, monkeypatch):
    from ui import data

    as_reader(monkeypatch, "hr")
    name, make = data.download("themes", Filters(departments=("客服部",), years=(2023, 2024)), "xlsx")
    assert make()[:2] == b"PK"
    entry = audit.read(audit.audit_path(env)).iloc[0]
    assert (entry["user"], entry["table"], entry["format"], entry["file_name"]) == ("hr", "themes", "xlsx", name)
    assert entry["filters"] == {"departments": ["客服部"], "years": "2023-2024"}
    assert entry["rows"] == len(query.theme_sections(env, Filters(departments=("客服部",), years=(2023, 2024))))


def test_viewer_sees_aggregates_only(env):
    at = sign_in(start(), "guest")
    at.run()
    for hidden in ("pages/documents.py", "pages/corpus.py", AUDIT_PAGE):
        with pytest.raises(ValueError, match="Known pages"):
            at.switch_page(hidden)
    at.switch_page("pages/themes.py").run()
    assert not at.exception
    assert any("只能查看汇总数据，不显示原文句子" in i.value for i in at.info)
    assert not any("句子" in df.value.columns for df in at.dataframe)
    at.switch_page("pages/sentiment.py").run()
    assert any("逐篇文档的情感分布只对" in i.value for i in at.info)
    assert not any("句子" in df.value.columns for df in at.dataframe)
    at.switch_page("pages/keywords.py").run()
    at.text_input(key="kw_term").input("客户").run()
    assert not at.exception
    assert not any("前文" in df.value.columns for df in at.dataframe)
    assert any("只能查看汇总数据" in i.value for i in at.info)
    at.switch_page("pages/export.py").run()
    # offered only what a viewer can take away: the summary tables, the first one ready to download
    assert at.radio(key="export_table").options == ["分组", "主题", "关键词"]
    assert at.radio(key="export_table").value == "groups"
    assert any("不能导出逐篇文档" in c.value for c in at.caption)
    assert {b.label for b in at.get("download_button")} == {"下载 CSV", "下载 Excel"}
    assert not any("证据句" in c.value for c in at.caption)  # the .xlsx holds no sentences for a viewer


@pytest.mark.parametrize("user, offered, evidence", [
    ("hr", ["文档", "分组", "主题", "关键词"], True),
    ("xiaoshou", ["文档", "分组", "主题", "关键词"], True),
    ("guest", ["分组", "主题", "关键词"], False),
])
def test_export_page_offers_each_role_what_it_can_take_away(env, user, offered, evidence):
    """导出 as each role: the tables offered, the default one ready to download on arrival, and the
    evidence sentences promised only to readers whose .xlsx holds them."""
    at = sign_in(start(), user)
    at.switch_page("pages/export.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.radio(key="export_table").options == offered
    assert {b.label for b in at.get("download_button")} == {"下载 CSV", "下载 Excel"}
    assert any("证据句" in c.value for c in at.caption) is evidence
    assert any("不能导出逐篇文档" in c.value for c in at.caption) is not evidence
    assert not at.info  # no table offered that then says it cannot be had


def test_viewer_reads_return_no_text(env, monkeypatch):
    from ui import data

    as_reader(monkeypatch, "guest")
    doc_id = query.documents(env).iloc[0]["doc_id"]
    assert data.documents(Filters()).empty
    assert data.sentences_of(doc_id).empty
    assert data.evidence(Filters()).empty
    assert data.sentiment_box(Filters()).empty  # per-document scores, even as a box plot's figures
    assert data.keyword_hits(Filters(), "客户").empty
    assert data.overview(Filters())["documents"] > 0  # aggregates stay


@pytest.fixture
def shanghai(monkeypatch):
    """The server's local time zone is UTC+8 for the test (TZ, as a server sets it)."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_audit_page_lists_downloads_for_hr_admin(env, shanghai):
    log = audit.audit_path(env)
    audit.record(log, user="xiaoshou", name="销售部周经理", role="dept_head", table="documents", fmt="csv",
                 filters=Filters(years=(2024, 2024), allowed_departments=(OWN,)), rows=13, file_name="年终洞察_文档_销售部_2024.csv",
                 now=datetime(2026, 12, 2, 1, 50, tzinfo=UTC))
    at = sign_in(start(), "hr")
    at.switch_page(AUDIT_PAGE).run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "用户" in df.value.columns)
    row = table.iloc[0]
    assert (row["用户"], row["姓名"], row["角色"], row["表"], row["格式"], row["行数"]) == (
        "xiaoshou", "销售部周经理", "部门负责人", "文档", "CSV", 13)
    assert row["筛选条件"] == "年份：2024；权限范围：销售部"
    assert row["时间"] == "2026-12-02 09:50:00"  # the local time, not an ISO stamp with its offset
    assert any("服务器所在时区的当地时间" in c.value for c in at.caption)
    assert row["文件名"] == "年终洞察_文档_销售部_2024.csv"


@pytest.mark.parametrize("stamp, zone, shown", [
    ("2026-12-02T01:50:00+00:00", "Asia/Shanghai", "2026-12-02 09:50:00"),
    ("2026-12-02T09:50:00+08:00", "Europe/Berlin", "2026-12-02 02:50:00"),
    ("2026-12-02T09:50:00+08:00", "不是时区", "2026-12-02 09:50:00"),  # the server's zone (Shanghai here)
    ("坏掉的时间", None, "坏掉的时间"),
])
def test_audit_times_are_local(shanghai, stamp, zone, shown):
    assert audit.local_time(stamp, zone) == shown


@pytest.mark.parametrize("filters, text", [
    (Filters(years=(2023, 2025), departments=("销售部", "客服部")), "部门：销售部、客服部；年份：2023-2025"),
    (Filters(years=(2024, 2024), min_group=5), "年份：2024；最小报告人数：5"),
])
def test_audit_records_the_year_range_as_one_value(filters, text):
    logged = audit.describe_filters(filters)
    assert logged["years"] == text.split("年份：")[1].split("；")[0]
    assert audit.filters_text(logged) == text
    assert audit.filters_text({"years": [2023, 2024]}) == "年份：2023-2024"  # a line written before the change


def test_wrong_password_reads_nothing_even_outside_the_router(env):
    """``ui.data`` without a signed-in reader (a page run on its own) sees no document at all."""
    from ui.auth import NO_ACCESS

    assert NO_ACCESS.scope(Filters(), record=True).allowed_departments == ()
    assert query.documents(env, NO_ACCESS.scope(Filters(), record=True)).empty
    assert query.overview(env, NO_ACCESS.scope(Filters()))["documents"] == 0
    assert PASSWORD  # the fixture's users exist; nobody is signed in here


# ---------------------------------------------------------------- masking where sentences leave the data layer

_PRIVATE = ("2024年度个人工作总结\n姓名：何静\n部门：销售部\n岗位：销售代表\n\n一、主要工作成绩\n"
            "我负责的重点客户联系电话是13912345678，每周固定回访一次。\n"
            "客户对账单统一发到邮箱hejing@example.com，回款进度一目了然。\n"
            "差旅报销打到工资卡6222021234567890123，财务当月就处理完毕。\n"
            "二、存在的不足\n对新客户的跟进还不够及时。\n三、明年工作计划\n明年继续加强客户回访。\n")


@pytest.fixture(scope="module")
def private_store(tmp_path_factory):
    from analysis.build import build
    from tests.conftest import write_small_corpus

    root = tmp_path_factory.mktemp("private")
    corpus = write_small_corpus(root / "corpus")
    (corpus / "2024" / "销售部" / "何静_华南组.txt").write_text(_PRIVATE, encoding="utf-8")
    path = root / "insights.duckdb"
    build(corpus, path, workers=1, progress=False)
    return path


@pytest.fixture
def private_env(tmp_path, monkeypatch, private_store):
    monkeypatch.setenv(STORE_ENV, str(private_store))
    monkeypatch.setenv(audit.AUDIT_ENV, str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv(users.USERS_ENV, str(write_users(tmp_path / "users.toml", min_group=1)))
    return private_store


def _private_doc(path) -> str:
    docs = query.documents(path, Filters(departments=(OWN,)))
    return docs[docs["employee"] == "何静"].iloc[0]["doc_id"]


def test_department_head_reads_masked_sentences(private_env):
    at = sign_in(start(), "xiaoshou")
    at.session_state["doc_id"] = _private_doc(private_env)
    at.switch_page("pages/documents.py").run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "句子" in df.value.columns)
    texts = list(table["句子"])
    assert "我负责的重点客户联系电话是[手机号]，每周固定回访一次。" in texts
    assert "客户对账单统一发到邮箱[邮箱]，回款进度一目了然。" in texts
    assert "差旅报销打到工资卡[银行卡号]，财务当月就处理完毕。" in texts
    page = " ".join(m.value for m in at.markdown) + " ".join(texts)
    for raw in ("13912345678", "hejing@example.com", "6222021234567890123"):
        assert raw not in page


def test_keyword_in_context_is_masked_before_it_is_cut(private_env):
    at = sign_in(start(), "xiaoshou")
    at.switch_page("pages/keywords.py").run()
    at.text_input(key="kw_term").input("联系电话").run()
    assert not at.exception
    kwic = next(df.value for df in at.dataframe if "前文" in df.value.columns)
    assert list(kwic["后文"]) == ["是[手机号]，每周固定回访一次。"]
    # the number itself cannot be searched for
    at.text_input(key="kw_term").input("13912345678").run()
    assert not any("前文" in df.value.columns for df in at.dataframe)


def test_hr_admin_reads_the_original(private_env):
    at = sign_in(start(), "hr")
    at.session_state["doc_id"] = _private_doc(private_env)
    at.switch_page("pages/documents.py").run()
    table = next(df.value for df in at.dataframe if "句子" in df.value.columns)
    assert "我负责的重点客户联系电话是13912345678，每周固定回访一次。" in list(table["句子"])


def test_masking_can_be_switched_off_in_the_policy(private_env, tmp_path, monkeypatch):
    monkeypatch.setenv(users.USERS_ENV, str(write_users(tmp_path / "open.toml", min_group=1, mask=False)))
    at = sign_in(start(), "xiaoshou")
    at.session_state["doc_id"] = _private_doc(private_env)
    at.switch_page("pages/documents.py").run()
    table = next(df.value for df in at.dataframe if "句子" in df.value.columns)
    assert "我负责的重点客户联系电话是13912345678，每周固定回访一次。" in list(table["句子"])


def test_viewer_never_gets_text_columns_even_from_a_figure_read(env, monkeypatch):
    """A read not declared a record read (as a page added later might be) still loses its text."""
    from ui import data
    from ui.data import cache

    as_reader(monkeypatch, "guest")
    monkeypatch.setattr(cache, "RECORD_READS", frozenset())
    frame = data.evidence(Filters(departments=(OWN,)))
    assert "text" not in frame.columns
