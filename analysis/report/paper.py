"""The report as a Word document, for printing and archiving: the deck's content written out, with
headings, tables and the charts as images (``figures``), the scope and data version in every page's footer."""
from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from analysis.report import figures, fonts
from analysis.report.content import Report
from analysis.report.slides import method_lines
from analysis.schema import FOLLOW_STATUSES

MUTED = RGBColor(0x66, 0x70, 0x7A)


def _fonts(doc) -> None:
    """Every style (table styles' conditional parts and the document defaults included) and the theme name
    the CJK font in all four slots."""
    styles = doc.styles.element
    for style in styles.findall(qn("w:style")):
        if style.find(qn("w:rPr")) is None and style.get(qn("w:type")) in ("paragraph", "character"):
            style.append(style.makeelement(qn("w:rPr"), {}))
    for rpr in styles.iter(qn("w:rPr")):
        fonts.word_rfonts(rpr)
    for rel in doc.part.rels.values():
        if rel.reltype.endswith("/theme") and not rel.is_external:
            rel.target_part._blob = fonts.drawing_theme(rel.target_part.blob)


class Paper:
    def __init__(self, report: Report):
        self.r = report
        self.doc = Document()
        _fonts(self.doc)
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.2)
        section.top_margin = section.bottom_margin = Cm(2.0)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(footer, report.footer, size=8, colour=MUTED)
        self._run(footer, " · 第 ", size=8, colour=MUTED)
        self._page_number(footer)
        self._run(footer, " 页", size=8, colour=MUTED)
        package = self.doc.part.package
        for rid, rel in list(package.rels.items()):
            if rel.reltype.endswith("/thumbnail"):  # the stock template's picture of another document
                del package.rels[rid]
        core = self.doc.core_properties
        core.title, core.author, core.subject = report.title, "年终洞察", report.scope.label
        core.language, core.last_modified_by, core.comments = "zh-CN", "年终洞察", report.footer
        core.keywords, core.created, core.modified = "年终总结", datetime.now(), datetime.now()

    def _run(self, para, text, size=None, bold=False, colour=None):
        run = para.add_run(text)
        if size:
            run.font.size = Pt(size)
        run.bold = bold
        if colour is not None:
            run.font.color.rgb = colour
        fonts.word_rfonts(run._r.get_or_add_rPr())
        return run

    def _page_number(self, para):
        run = self._run(para, "", size=8, colour=MUTED)
        for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
            if kind:
                el = run._r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind})
            else:
                el = run._r.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
                el.text = text
            run._r.append(el)

    def heading(self, text, level=1):
        para = self.doc.add_heading(level=level)
        self._run(para, text)
        return para

    def para(self, text, size=10.5, colour=None, style=None):
        para = self.doc.add_paragraph(style=style)
        self._run(para, text, size=size, colour=colour)
        return para

    def image(self, png: bytes, width_cm=16.0):
        if self.doc.paragraphs:
            self.doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the lead-in stays with its chart
        self.doc.add_picture(io.BytesIO(png), width=Cm(width_cm))
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    def table(self, frame: pd.DataFrame):
        table = self.doc.add_table(rows=1, cols=len(frame.columns))
        table.style = "Light Grid Accent 1"
        header = table.rows[0]
        trpr = header._tr.get_or_add_trPr()
        trpr.append(trpr.makeelement(qn("w:tblHeader"), {}))  # repeated on every page the table spans
        for cell, col in zip(header.cells, frame.columns):
            cell.text = ""
            cell.paragraphs[0].paragraph_format.keep_with_next = True  # never a heading row alone at a page foot
            self._run(cell.paragraphs[0], str(col), size=9.5, bold=True)
        for row in frame.itertuples(index=False):
            cells = table.add_row().cells
            for j, (cell, v) in enumerate(zip(cells, row)):
                cell.text = ""
                if j:
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
                self._run(cell.paragraphs[0], str(v), size=9.5)
        return table

    # ------------------------------------------------------------------ the report
    def build(self) -> bytes:
        r = self.r
        title = self.doc.add_heading(level=0)
        self._run(title, r.title)
        self.para(f"范围：{r.scope.label}，与 {r.previous_year} 年对比。数据：{r.now['documents']:,} 篇年终总结，"
                  f"{r.now['employees']:,} 名员工；数据版本 {r.data_version}。", colour=MUTED)
        self.para(f"生成：{r.generated_at}，{r.reader}（{r.role}）。最小报告人数 {r.min_group} 人"
                  + ("；电话、身份证号、邮箱、银行卡号已脱敏。" if r.masked else "。"), colour=MUTED)
        for note in r.notes:
            self.para("说明：" + note, colour=MUTED)

        self.heading("一、关键数字")
        self.table(r.key_figures)

        self.heading("二、谈什么：主题")
        t = r.themes
        series = [(f"{r.scope.year} 年", list(t["now"]))]
        if r.previous:
            series.append((f"{r.previous_year} 年", list(t["previous"])))
        if r.company:
            series.append((f"全公司 {r.scope.year} 年", list(t["company"])))
        self.para("提及该主题的文档占比" + ("，与上一年" + ("和全公司" if r.company else "") + "比较。"
                                    if r.previous or r.company else "。"))
        colours = {series[0][0]: figures.NOW, f"{r.previous_year} 年": figures.PREVIOUS,
                   f"全公司 {r.scope.year} 年": figures.COMPANY}
        self.image(figures.grouped_bars(t["theme"], series, colours))
        shown = pd.DataFrame({"主题": t["theme"], **{name: [_pct(v) for v in vals] for name, vals in series}})
        self.table(shown)

        self.heading("三、情感：按段落读")
        s = r.sentiment
        self.para("“不足”段落的负面语气是年终总结要求的自我批评，不代表不满。")
        self.image(figures.stacked_bars(s["section"], [("正面", list(s["pos_share"])), ("中性", list(s["neu_share"])),
                                                        ("负面", list(s["neg_share"]))], figures.LABEL_COLOURS))
        cols = {"段落": s["section"], "句数": [f"{int(v):,}" for v in s["sentences"]],
                f"{r.scope.year} 年平均情感": [f"{v:.2f}" for v in s["sentiment_mean"]]}
        if r.previous:
            cols[f"{r.previous_year} 年平均情感"] = [_score(v) for v in s["previous_mean"]]
        self.table(pd.DataFrame(cols))

        for i, voice in enumerate(r.voices):
            self.heading(f"{'四五'[i] if i < 2 else ''}、大家怎么谈{voice.section}")
            if voice.words.empty:
                self.para("该段落没有足够的文字。")
                continue
            self.para(f"“{voice.section}”段落中最常用的词（提及文档占比）"
                      + ("与有代表性的原句（每句只引用一次）。" if r.quotes else "。"))
            words = [("提及文档占比", list(voice.words["document_share"]))]
            self.image(figures.grouped_bars(voice.words["term"], words, {"提及文档占比": figures.NOW}, width=6.0),
                       width_cm=12.0)
            if r.quotes:
                for word, quote in voice.quotes:
                    self.para(f"【{word}】{quote}", style="List Bullet")
            else:
                self.para("只读账号的报告不引用原文句子。", colour=MUTED)

        self.heading("六、原创性与范文占位符")
        now, prev = r.originality["now"] or {}, r.originality["previous"] or {}
        series = [(f"{r.scope.year} 年", [now.get("copied_share"), now.get("placeholder_share")])]
        if prev:
            series.append((f"{r.previous_year} 年", [prev.get("copied_share"), prev.get("placeholder_share")]))
        self.image(figures.grouped_bars(["疑似抄袭", "含范文占位符"], series,
                                        {series[0][0]: figures.NOW, f"{r.previous_year} 年": figures.PREVIOUS},
                                        horizontal=False, width=6.0, height=2.8), width_cm=12.0)
        self.para(f"疑似抄袭（80% 以上的 5 字片段出现在更早的来源里）{int(now.get('copied') or 0)} 篇：抄同事 "
                  f"{int(now.get('copied_他人') or 0)}、抄本人往年 {int(now.get('copied_本人往年') or 0)}、抄范文 "
                  f"{int(now.get('copied_范文') or 0)}；"
                  f"留有范文占位符 {int(now.get('placeholder_documents') or 0)} 篇；"
                  f"平均具体度 {now.get('concreteness_mean') or 0:.0f} 分（0–100）。")

        self.heading("七、计划落实")
        f = r.follow
        if f.empty:
            self.para("没有可比较的计划（需要同一员工相邻两年的总结，且人数达到最小报告人数）。")
        else:
            cats = [f"{int(p)} 年计划 → {int(n)} 年" for p, n in zip(f["plan_year"], f["next_year"])]
            self.image(figures.stacked_bars(cats, [(st, list(f[st])) for st in FOLLOW_STATUSES], figures.STATUS_COLOURS,
                                            percent=False))
            table = pd.DataFrame({"计划年份": cats, "计划数": [f"{int(v):,}" for v in f["plans"]],
                                  **{st: [f"{int(v):,}" for v in f[st]] for st in FOLLOW_STATUSES},
                                  "落实率": [_pct(v) for v in f["rate"]]})
            self.table(table)
            self.para("落实率 =（落实 + ½ 部分落实）/ 计划数。", colour=MUTED)
            for status, plan, evidence in r.follow_examples:
                self.para(f"【{status}】{plan}" + (f" → {evidence}" if evidence else ""), style="List Bullet")

        self.heading("八、值得注意")
        for a in r.alerts or ["没有明显的变化或异常。"]:
            self.para(a, style="List Bullet")

        self.heading("九、方法与准确度")
        for line in method_lines(r):
            self.para(line.lstrip("• "), style="List Bullet")
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()


def _pct(v) -> str:
    return "—" if v is None or pd.isna(v) else f"{v:.0%}"


def _score(v) -> str:
    return "—" if v is None or pd.isna(v) else f"{v:.2f}"


def build(report: Report) -> bytes:
    """The .docx bytes of ``report``."""
    return Paper(report).build()
