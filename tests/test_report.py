"""The report (analysis/report): the files opened back with python-pptx and python-docx, their charts'
values against the queries the pages ask, Chinese fonts in the East-Asian slots, and the reader's scope:
the reporting minimum, masking, viewers without sentences, department heads without the company."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document
from pptx import Presentation

from analysis import query
from analysis.access import audit
from analysis.access.scope import Access, Filters, full_access
from analysis.cli import main
from analysis.paths import CJK_FONT_FAMILY
from analysis.report import make, paper, slides
from analysis.report.content import ReportError, Scope, core, gather
from analysis.schema import DOCUMENT_COLUMNS, FOLLOW_STATUSES, SENTENCE_COLUMNS

K = 5
YEAR = 2024
HR = full_access(user="lin", name="人事部林主管", local=False)
HEAD = Access(user="zhou", name="销售部周经理", role="dept_head", departments=("销售部",), min_group=K, mask=True)
VIEWER = Access(user="guest", name="财务分析员", role="viewer", min_group=K, mask=True)
# words that must never reach a reader: the store's column names and the report's own field names
ENGLISH = {*DOCUMENT_COLUMNS, *SENTENCE_COLUMNS, "document_share", "sentiment_mean", "pos_share", "neu_share",
           "previous_mean", "plan_year", "next_year", "company", "previous", "Series", "Category", "None", "nan"}


# ---------------------------------------------------------------- reading the files back

def deck(data: bytes):
    return Presentation(io.BytesIO(data))


def slide_texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [c.text for row in shape.table.rows for c in row.cells]
        if shape.has_chart:
            chart = shape.chart
            out += [str(c) for c in chart.plots[0].categories]
            out += [s.name for s in chart.plots[0].series]
    return out


def slide_titled(prs, title: str):
    for slide in prs.slides:
        texts = slide_texts(slide)
        if texts and texts[0] == title:
            return slide
    raise AssertionError(f"没有标题为“{title}”的幻灯片：{[slide_texts(s)[:1] for s in prs.slides]}")


def charts(slide) -> list:
    return [s.chart for s in slide.shapes if s.has_chart]


def series(chart) -> dict[str, list]:
    return {s.name: list(s.values) for s in chart.plots[0].series}


def all_text(prs) -> str:
    return "\n".join(t for s in prs.slides for t in slide_texts(s))


def package_text(data: bytes) -> str:
    """Every XML part of an Office file (slides, charts, their embedded sheets' strings), as one string."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            raw = z.read(name)
            if name.endswith(".xlsx"):
                out.append(package_text(raw))
            elif name.endswith((".xml", ".rels")):
                out.append(raw.decode("utf-8"))
    return "\n".join(out)


def figures(access: Access, scope: Scope, year: int | None = None) -> Filters:
    return replace(access.scope(scope.filters(year)), min_group=K)


@pytest.fixture(scope="module")
def sales(demo_store) -> Path:
    return demo_store


@pytest.fixture(scope="module")
def hr_report(sales):
    return gather(sales, HR, Scope("销售部", YEAR), K)


@pytest.fixture(scope="module")
def hr_deck(hr_report):
    return slides.build(hr_report)


@pytest.fixture(scope="module")
def hr_paper(hr_report):
    return paper.build(hr_report)


# ---------------------------------------------------------------- the deck

def test_deck_has_every_slide_in_chinese_with_the_footer(hr_deck, hr_report, sales):
    prs = deck(hr_deck)
    titles = [slide_texts(s)[0] for s in prs.slides]
    assert titles == [hr_report.title, "关键数字", "谈什么：主题", "情感：按段落读", "大家怎么谈不足", "大家怎么谈计划",
                      "原创性与范文占位符", "计划落实", "值得注意", "方法与准确度"]
    assert hr_report.title == "销售部 2024 年度总结分析报告"
    info = query.store_info(sales)
    for slide in prs.slides:
        footer = slide_texts(slide)
        assert any("销售部 · 2024 年（对比 2023 年）" in t and info["built_at"][:10] in t
                   and f"分析版本 {info['analysis_version']}" in t for t in footer), footer
    words = set(re.findall(r"[A-Za-z_]+", all_text(prs)))
    assert not words & ENGLISH, words & ENGLISH
    assert (prs.core_properties.title, prs.core_properties.author) == (hr_report.title, "年终洞察")


def test_charts_are_native_and_their_values_are_the_queries(hr_deck, sales):
    prs = deck(hr_deck)
    scope = Scope("销售部", YEAR)
    now, before = figures(HR, scope), figures(HR, scope, YEAR - 1)

    (themes,) = charts(slide_titled(prs, "谈什么：主题"))
    got = series(themes)
    cats = [str(c) for c in themes.plots[0].categories]
    expected = query.theme_totals(sales, now).set_index("theme")["document_share"]
    last = query.theme_totals(sales, before).set_index("theme")["document_share"]
    company = query.theme_totals(sales, replace(HR.scope(Filters(years=(YEAR, YEAR))), min_group=K))
    assert cats == list(expected.index)
    assert got["2024 年"] == pytest.approx(list(expected))
    assert got["2023 年"] == pytest.approx([last[t] for t in cats])
    assert got["全公司 2024 年"] == pytest.approx(list(company.set_index("theme").loc[cats, "document_share"]))

    stacked, means = charts(slide_titled(prs, "情感：按段落读"))
    sent = query.section_sentiment(sales, now)
    assert [str(c) for c in stacked.plots[0].categories] == list(sent["section"]) == ["成绩", "不足", "计划", "其他"]
    got = series(stacked)
    for label, col in (("正面", "pos_share"), ("中性", "neu_share"), ("负面", "neg_share")):
        assert got[label] == pytest.approx(list(sent[col]))
    assert series(means)["2024 年"] == pytest.approx(list(sent["sentiment_mean"]))

    (words,) = charts(slide_titled(prs, "大家怎么谈不足"))
    terms = query.section_terms(sales, now, section="不足", top=10)
    assert [str(c) for c in words.plots[0].categories] == list(terms["term"])
    assert series(words)["提及文档占比"] == pytest.approx(list(terms["document_share"]))

    (orig,) = charts(slide_titled(prs, "原创性与范文占位符"))
    row = query.originality(sales, now).iloc[0]
    assert series(orig)["2024 年"] == pytest.approx([row["copied_share"], row["placeholder_share"]])

    (follow,) = charts(slide_titled(prs, "计划落实"))
    rates = query.follow_rates(sales, figures(HR, scope, YEAR - 1)).iloc[0]
    assert [str(c) for c in follow.plots[0].categories][-1] == "2023 年计划 → 2024 年"
    assert {s: v[-1] for s, v in series(follow).items()} == {s: rates[s] for s in FOLLOW_STATUSES}


def test_key_figures_table(hr_deck, sales):
    table = next(s.table for s in slide_titled(deck(hr_deck), "关键数字").shapes if s.has_table)
    rows = {table.cell(i, 0).text: [table.cell(i, j).text for j in range(1, 4)] for i in range(len(table.rows))}
    assert rows["指标"] == ["今年", "去年", "变化"]
    now = query.overview(sales, figures(HR, Scope("销售部", YEAR)))
    assert rows["文档数"][0] == f"{now['documents']:,}"
    assert rows["员工数"][0] == f"{now['employees']:,}"
    assert rows["平均情感（0–1）"][0] == f"{now['sentiment_mean']:.2f}"


def test_every_run_and_chart_names_the_cjk_font_in_the_east_asian_slot(hr_deck):
    ea = f'<a:ea typeface="{CJK_FONT_FAMILY}"/>'
    with zipfile.ZipFile(io.BytesIO(hr_deck)) as z:
        slides_xml = [z.read(n).decode() for n in z.namelist() if re.match(r"ppt/slides/slide\d+\.xml", n)]
        charts_xml = [z.read(n).decode() for n in z.namelist() if re.match(r"ppt/charts/chart\d+\.xml", n)]
        theme = z.read("ppt/theme/theme1.xml").decode()
    for xml in slides_xml:
        assert xml.count("<a:latin ") == xml.count(ea) > 0  # every run that names a font names both
    for xml in charts_xml:
        assert ea in xml
    assert theme.count(f'<a:ea typeface="{CJK_FONT_FAMILY}"/>') == 2  # major and minor fonts


def test_quotes_each_once_and_from_the_section(hr_report, hr_deck):
    quoted = [q for v in hr_report.voices for _, q in v.quotes]
    assert quoted and len(quoted) == len(set(quoted))
    text = all_text(deck(hr_deck))
    for voice in hr_report.voices:
        for word, quote in voice.quotes:
            assert word in quote or word in quote.replace("爲", "为")
            assert f"【{word}】{quote}" in text
    assert core("（5）交付后的回访做得不够。") == core("5、交付后的回访做得不够。") == "交付后的回访做得不够。"


def test_a_sections_texts_are_simplified_in_one_call_as_each_alone():
    """The voices convert a section's sentences in one OpenCC call: the same text as converting each."""
    from analysis.read.normalize import to_simplified
    from analysis.report.content import _representative, _simplified

    texts = ["應收帳款的對帳還不夠及時。", "乾隆年間的故事。", "台帳整理得不夠細緻", "", "回款率提升到95%。"]
    assert _simplified(texts) == [to_simplified(t) for t in texts] == [
        "应收账款的对账还不够及时。", "乾隆年间的故事。", "台账整理得不够细致", "", "回款率提升到95%。"]
    assert _simplified(["第一行\n第二行", "對帳"]) == ["第一行\n第二行", "对账"]  # a line break: one at a time
    assert _simplified([]) == []
    # the first of the sentences that speak for most of the top words, not quoted yet
    found = ["（1）客户回访不及时。", "客户回访和对账都不够及时，需要改进。", "2、客户回访和对账都不够及时，需要改进。"]
    assert _representative(found, ["客户", "对账"], set()) == "客户回访和对账都不够及时，需要改进。"
    assert _representative(found, ["客户", "对账"], {"客户回访和对账都不够及时，需要改进。"}) == "客户回访不及时。"


# ---------------------------------------------------------------- the written report

def test_paper_has_the_same_content(hr_paper, hr_report, sales):
    doc = Document(io.BytesIO(hr_paper))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == [hr_report.title, "一、关键数字", "二、谈什么：主题", "三、情感：按段落读", "四、大家怎么谈不足",
                        "五、大家怎么谈计划", "六、原创性与范文占位符", "七、计划落实", "八、值得注意", "九、方法与准确度"]
    key = doc.tables[0]
    assert [c.text for c in key.rows[0].cells] == ["指标", "今年", "去年", "变化"]
    assert [[c.text for c in r.cells] for r in key.rows[1:]] == hr_report.key_figures.values.tolist()
    themes = doc.tables[1]
    assert [c.text for c in themes.rows[0].cells] == ["主题", "2024 年", "2023 年", "全公司 2024 年"]
    expected = query.theme_totals(sales, figures(HR, Scope("销售部", YEAR)))
    assert [r.cells[1].text for r in themes.rows[1:]] == [f"{v:.0%}" for v in expected["document_share"]]
    images = [r for r in doc.part.rels.values() if "image" in r.reltype]
    assert len(images) >= 5
    footer = doc.sections[0].footer.paragraphs[0].text
    assert hr_report.footer in footer and "第" in footer
    body = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for t in doc.tables for r in t.rows
                                                                 for c in r.cells)
    for _, quote in hr_report.voices[0].quotes:
        assert quote in body
    assert not set(re.findall(r"[A-Za-z_]+", body)) & ENGLISH


def test_paper_names_the_cjk_font_in_every_style_and_run(hr_paper):
    with zipfile.ZipFile(io.BytesIO(hr_paper)) as z:
        styles, document = z.read("word/styles.xml").decode(), z.read("word/document.xml").decode()
    assert "eastAsiaTheme" not in styles
    assert f'w:eastAsia="{CJK_FONT_FAMILY}"' in styles
    runs = re.findall(r"<w:r>.*?</w:r>|<w:r .*?</w:r>", document, flags=re.S)
    text_runs = [r for r in runs if "<w:t" in r]
    assert text_runs and all(f'w:eastAsia="{CJK_FONT_FAMILY}"' in r for r in text_runs)


# ---------------------------------------------------------------- scope, minimum, masking, audit

def test_department_head_gets_no_company_and_no_other_department(sales):
    report = gather(sales, HEAD, Scope("销售部", YEAR), K)
    assert not report.company
    data = slides.build(report)
    prs = deck(data)
    (themes,) = charts(slide_titled(prs, "谈什么：主题"))
    assert set(series(themes)) == {"2024 年", "2023 年"}
    others = set(query.options(sales)["department"]) - {"销售部"}
    text = package_text(data)
    # a quoted sentence may mention another department (配合财务部……); no figure or heading does
    for quote in [q for v in report.voices for _, q in v.quotes] + [x for e in report.follow_examples for x in e]:
        text = text.replace(quote.replace("&", "&amp;").replace("<", "&lt;"), "")
    assert not [d for d in others if d in text]
    assert "大客户组" not in text  # a team of 2: no figure of its own, never named
    with pytest.raises(ReportError, match="不在您的权限范围内"):
        gather(sales, HEAD, Scope("客服部", YEAR), K)


def test_small_team_gets_no_report(sales):
    teams = query.groups(sales, Filters(departments=("销售部",), years=(YEAR, YEAR)), by=("team",))
    small = teams[(teams["employees"] < K) & (teams["team"] != "")]["team"].iloc[0]
    for reader in (HR, HEAD):
        with pytest.raises(ReportError, match=f"不足 {K} 人"):
            gather(sales, reader, Scope("销售部", YEAR, small), K)


def test_company_comparison_leaves_out_departments_below_the_minimum(sales):
    """With a minimum of 12, only 销售部 (13 people a year) is a group: the company is 销售部 alone."""
    per = query.groups(sales, Filters(years=(YEAR, YEAR)), by=("department",)).set_index("department")
    assert per.loc["销售部", "employees"] >= 12 and (per.drop("销售部")["employees"] < 12).all()
    report = gather(sales, HR, Scope("销售部", YEAR), 12)
    got = series(charts(slide_titled(deck(slides.build(report)), "谈什么：主题"))[0])
    assert got["全公司 2024 年"] == pytest.approx(got["2024 年"])
    with pytest.raises(ReportError, match="不足 12 人"):
        gather(sales, HR, Scope("客服部", YEAR), 12)


def test_viewer_gets_figures_without_sentences(sales, hr_report):
    report = gather(sales, VIEWER, Scope("销售部", YEAR), K)
    assert not report.quotes and all(not v.quotes for v in report.voices) and not report.follow_examples
    assert report.company  # a viewer reads every department's aggregates on the dashboard too
    for data in (slides.build(report), paper.build(report)):
        text = package_text(data)
        assert "只读账号的报告只含汇总数据，不引用原文句子" in text
        for voice in hr_report.voices:
            for _, quote in voice.quotes:
                assert quote not in text


def test_audit_records_who_built_which_report(sales, tmp_path):
    log = tmp_path / "audit.jsonl"
    name, data = make.make(sales, HEAD, Scope("销售部", YEAR), "docx", K, audit_log=log)
    assert name == "年终洞察报告_销售部_2024.docx" and data[:2] == b"PK"
    entry = audit.read(log).iloc[0]
    assert (entry["user"], entry["role"], entry["table"], entry["format"], entry["file_name"]) == (
        "zhou", "dept_head", "report", "docx", name)
    assert entry["filters"] == {"departments": ["销售部"], "years": str(YEAR), "allowed_departments": ["销售部"],
                                "min_group": K}
    assert entry["rows"] == query.overview(sales, figures(HEAD, Scope("销售部", YEAR)))["documents"]


def test_command_line(sales, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(audit.AUDIT_ENV, str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("YEAREND_USERS", str(tmp_path / "none.toml"))
    out = tmp_path / "销售部.pptx"
    assert main(["report", "--department", "销售部", "--year", str(YEAR), "--store", str(sales),
                 "--out", str(out)]) == 0
    assert slide_texts(deck(out.read_bytes()).slides[0])[0] == "销售部 2024 年度总结分析报告"
    assert audit.read(tmp_path / "audit.jsonl").iloc[0]["format"] == "pptx"
    assert main(["report", "--department", "销售部", "--year", str(YEAR), "--store", str(sales),
                 "--out", str(tmp_path / "x.pdf")]) == 2
    assert "请用 .pptx 或 .docx" in capsys.readouterr().err
    assert main(["report", "--department", "没有这个部门", "--year", str(YEAR), "--store", str(sales),
                 "--out", str(tmp_path / "x.docx")]) == 2
    assert "没有文档" in capsys.readouterr().err


# ---------------------------------------------------------------- masking, on a store with personal numbers

PHONE, MAIL = "13912345678", "hejing@example.com"


def _summary(name: str, year: int) -> str:
    return (f"{year}年度个人工作总结\n姓名：{name}\n部门：法务部\n岗位：法务专员\n\n一、主要工作成绩\n"
            "全年审核合同三百余份，没有出现重大法律风险。\n"
            "二、存在的不足\n"
            f"合同审核意见常发到邮箱{MAIL}，业务部门的回复不够及时。\n"
            "三、明年工作计划\n"
            f"明年把合同审核的咨询电话{PHONE}公布给业务部门，合同审核当天回复。\n"
            "继续加强合同审核的培训。\n")


@pytest.fixture(scope="module")
def private_store(tmp_path_factory):
    from analysis.build import build

    root = tmp_path_factory.mktemp("report_private")
    for year in (2023, 2024):
        for name in ("何静", "孙波", "钱敏"):
            path = root / "corpus" / str(year) / "法务部" / f"{name}_合同组.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_summary(name, year), encoding="utf-8")
    store = root / "insights.duckdb"
    build(root / "corpus", store, workers=1, progress=False)
    return store


def test_masked_reader_gets_masked_numbers(private_store):
    head = Access(user="h", name="法务部负责人", role="dept_head", departments=("法务部",), min_group=1, mask=True)
    report = gather(private_store, head, Scope("法务部", 2024), 1)
    quoted = [q for v in report.voices for _, q in v.quotes]
    assert any("[手机号]" in q for q in quoted) and any("[邮箱]" in q for q in quoted)
    for data in (slides.build(report), paper.build(report)):
        text = package_text(data)
        assert PHONE not in text and MAIL not in text
        assert "[手机号]" in text
    # HR admin reads the original, as on the dashboard
    original = gather(private_store, HR, Scope("法务部", 2024), 1)
    assert any(PHONE in q for v in original.voices for _, q in v.quotes)


def test_the_report_reads_whole_grains_and_gives_the_base_tables_figures(sales, monkeypatch):
    """The report's questions get scope filters (a department-year and the teams of its whole publication cells),
    never a list of documents: they read the build's aggregates, and the report is the one the base tables give."""
    import pandas as pd

    from analysis.query import sql

    asked: list[Filters] = []
    for name in ("section_terms", "theme_totals", "section_sentiment", "follow_rates", "follow_examples",
                 "section_texts"):
        real = getattr(query, name)
        monkeypatch.setattr(query, name, lambda p, f, *a, _real=real, **k: asked.append(f) or _real(p, f, *a, **k))
    # a department head under the minimum: 销售部's small teams are left out of its cells
    summed = gather(sales, HEAD, Scope("销售部", YEAR), K)
    assert len(asked) > 8 and all(sql.aggregable(f) and not f.doc_ids and f.min_group == 0 for f in asked)
    cells = query.documents(sales, figures(HEAD, Scope("销售部", YEAR)))
    assert {f.teams for f in asked if f.years == (YEAR, YEAR)} == {tuple(sorted(set(cells["team"])))}
    monkeypatch.setattr(sql, "AGGREGATES", False)
    base = gather(sales, HEAD, Scope("销售部", YEAR), K)
    for field in ("now", "previous", "originality", "follow_examples", "alerts", "notes"):
        assert getattr(summed, field) == getattr(base, field), field
    for field in ("key_figures", "themes", "sentiment", "follow"):  # sums of scores added in another order
        pd.testing.assert_frame_equal(getattr(summed, field), getattr(base, field), rtol=1e-12, atol=0, obj=field)
    assert [(v.section, v.words.to_dict("records"), v.quotes) for v in summed.voices] == \
        [(v.section, v.words.to_dict("records"), v.quotes) for v in base.voices]
