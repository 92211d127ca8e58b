"""The report as a PowerPoint deck with native charts: HR edits a chart's colours or figures in
PowerPoint itself, and the numbers behind each chart are in its embedded sheet.

One slide per question (key figures, themes, sentiment by section, 不足, 计划, originality,
follow-through, alerts, method), each with the scope and the data version in its footer.
"""
from __future__ import annotations

import io
import math
from datetime import datetime

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.util import Emu, Inches, Pt

from analysis.report import fonts
from analysis.report.content import ACCURACY, Report
from analysis.schema import FOLLOW_STATUSES

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
INK = RGBColor(0x22, 0x33, 0x44)
MUTED = RGBColor(0x66, 0x70, 0x7A)
NOW, PREVIOUS, COMPANY = RGBColor(0x2F, 0x5D, 0x7C), RGBColor(0x9D, 0xB4, 0xC8), RGBColor(0xC9, 0x8E, 0x6B)
LABEL_COLOURS = {"正面": RGBColor(0x5E, 0x9C, 0x8F), "中性": RGBColor(0xC8, 0xCD, 0xD2),
                 "负面": RGBColor(0xC9, 0x71, 0x6B)}
STATUS_COLOURS = {"落实": RGBColor(0x5E, 0x9C, 0x8F), "部分落实": RGBColor(0xE0, 0xB8, 0x6B),
                  "未落实": RGBColor(0xC9, 0x71, 0x6B)}


def _value(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


class Deck:
    def __init__(self, report: Report):
        self.r = report
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT
        theme = self.prs.slide_masters[0].part.part_related_by(RT.THEME)
        theme._blob = fonts.drawing_theme(theme.blob)
        self.blank = self.prs.slide_layouts[6]
        core = self.prs.core_properties
        core.title, core.subject, core.author, core.last_modified_by = (report.title, report.scope.label, "年终洞察",
                                                                         "年终洞察")
        core.language, core.keywords, core.comments = "zh-CN", "年终总结", report.footer
        core.created = core.modified = datetime.now()

    # ------------------------------------------------------------------ building blocks
    def text(self, slide, left, top, width, height, lines, size=16, bold=False, colour=INK, align=None):
        box = slide.shapes.add_textbox(left, top, width, height)
        frame = box.text_frame
        frame.word_wrap = True
        for i, line in enumerate([lines] if isinstance(lines, str) else lines):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            if align:
                para.alignment = align
            run = para.add_run()
            run.text = line
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.color.rgb = colour
            fonts.drawing_rpr(run._r.get_or_add_rPr())
            para.space_after = Pt(size * 0.4)
        return box

    def slide(self, title: str, subtitle: str = ""):
        slide = self.prs.slides.add_slide(self.blank)
        self.text(slide, Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.8), title, size=28, bold=True)
        if subtitle:
            self.text(slide, Inches(0.5), Inches(0.95), Inches(12.3), Inches(0.5), subtitle, size=14, colour=MUTED)
        self.text(slide, Inches(0.5), Inches(7.0), Inches(12.3), Inches(0.4), self.r.footer, size=10, colour=MUTED)
        return slide

    def chart(self, slide, kind, categories, series, left, top, width, height, fmt="0%", colours=None,
              legend=True, labels=True):
        percent = fmt.endswith("%")
        data = CategoryChartData(number_format=fmt)
        data.categories = list(categories)
        for name, values in series:
            data.add_series(name, [_value(v) for v in values])
        chart = slide.shapes.add_chart(kind, left, top, width, height, data).chart
        chart.font.size = Pt(12)
        fonts.drawing_rpr(chart._chartSpace.get_or_add_txPr().p_lst[0].get_or_add_pPr().get_or_add_defRPr())
        chart.has_legend = legend and len(series) > 1
        if chart.has_legend:
            chart.legend.position = XL_LEGEND_POSITION.BOTTOM
            chart.legend.include_in_layout = False
        plot = chart.plots[0]
        if labels:
            plot.has_data_labels = True
            dl = plot.data_labels
            dl.number_format = fmt
            dl.number_format_is_linked = False
            dl.font.size = Pt(10)
            fonts.drawing_rpr(dl._element.get_or_add_txPr().p_lst[0].get_or_add_pPr().get_or_add_defRPr())
        for (name, _), s in zip(series, plot.series):
            colour = (colours or {}).get(name)
            if colour is not None:
                s.format.fill.solid()
                s.format.fill.fore_color.rgb = colour
        if kind in (XL_CHART_TYPE.BAR_CLUSTERED, XL_CHART_TYPE.BAR_STACKED, XL_CHART_TYPE.BAR_STACKED_100):
            chart.category_axis.reverse_order = True  # the first category on top, as read
        chart.has_title = False
        if percent and kind != XL_CHART_TYPE.BAR_STACKED_100:
            chart.value_axis.maximum_scale = 1.0
            chart.value_axis.minimum_scale = 0.0
            chart.value_axis.tick_labels.number_format = "0%"
            chart.value_axis.tick_labels.number_format_is_linked = False
        return chart

    def table(self, slide, frame, left, top, width, size=14, widths=None):
        rows, cols = len(frame) + 1, len(frame.columns)
        shape = slide.shapes.add_table(rows, cols, left, top, width, Emu(int(Inches(0.42) * rows)))
        table = shape.table
        for j, col in enumerate(frame.columns):
            if widths:
                table.columns[j].width = Emu(int(width * widths[j]))
            self._cell(table.cell(0, j), str(col), size, bold=True)
        for i, row in enumerate(frame.itertuples(index=False), start=1):
            for j, v in enumerate(row):
                self._cell(table.cell(i, j), str(v), size, align=PP_ALIGN.RIGHT if j else None)
        return table

    def _cell(self, cell, text, size, bold=False, align=None):
        cell.text = ""
        para = cell.text_frame.paragraphs[0]
        if align:
            para.alignment = align
        run = para.add_run()
        run.text = text
        run.font.size = Pt(size)
        run.font.bold = bold
        fonts.drawing_rpr(run._r.get_or_add_rPr())

    # ------------------------------------------------------------------ the slides
    def build(self) -> bytes:
        r = self.r
        self.cover()
        self.key_figures()
        self.themes()
        self.sentiment()
        for voice in r.voices:
            self.voice(voice)
        self.originality()
        self.follow()
        self.alerts()
        self.method()
        buf = io.BytesIO()
        self.prs.save(buf)
        return buf.getvalue()

    def cover(self):
        r = self.r
        slide = self.prs.slides.add_slide(self.blank)
        self.text(slide, Inches(0.8), Inches(2.0), Inches(11.7), Inches(1.2), r.title, size=40, bold=True)
        self.text(slide, Inches(0.8), Inches(3.3), Inches(11.7), Inches(2.5), [
            f"范围：{r.scope.label}，与 {r.previous_year} 年对比",
            f"数据：{r.now['documents']:,} 篇年终总结，{r.now['employees']:,} 名员工；数据版本 {r.data_version}",
            f"生成：{r.generated_at}，{r.reader}（{r.role}）",
            f"最小报告人数 {r.min_group} 人" + ("；电话、身份证号、邮箱等已脱敏" if r.masked else ""),
        ], size=18, colour=MUTED)
        if r.notes:
            self.text(slide, Inches(0.8), Inches(5.6), Inches(11.7), Inches(1.2), ["说明：" + n for n in r.notes],
                      size=12, colour=MUTED)
        self.text(slide, Inches(0.5), Inches(7.0), Inches(12.3), Inches(0.4), r.footer, size=10, colour=MUTED)

    def key_figures(self):
        r = self.r
        slide = self.slide("关键数字", f"{r.scope.year} 年与 {r.previous_year} 年")
        self.table(slide, r.key_figures, Inches(1.5), Inches(1.6), Inches(10.3), size=16,
                   widths=(0.4, 0.2, 0.2, 0.2))

    def themes(self):
        r = self.r
        t = r.themes
        series = [(f"{r.scope.year} 年", t["now"])]
        if r.previous:
            series.append((f"{r.previous_year} 年", t["previous"]))
        if r.company:
            series.append((f"全公司 {r.scope.year} 年", t["company"]))
        against = "、".join(name for name, _ in series[1:])
        sub = "提及该主题的文档占比" + (f"；与{against}比较" if against else "")
        slide = self.slide("谈什么：主题", sub)
        colours = {series[0][0]: NOW, f"{r.previous_year} 年": PREVIOUS, f"全公司 {r.scope.year} 年": COMPANY}
        self.chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, t["theme"], series, Inches(0.5), Inches(1.5), Inches(12.3),
                   Inches(5.4), colours=colours, labels=len(series) == 1)

    def sentiment(self):
        r = self.r
        s = r.sentiment
        slide = self.slide("情感：按段落读", "“不足”段落的负面语气是年终总结要求的自我批评，不代表不满")
        series = [("正面", s["pos_share"]), ("中性", s["neu_share"]), ("负面", s["neg_share"])]
        self.chart(slide, XL_CHART_TYPE.BAR_STACKED_100, s["section"], series, Inches(0.5), Inches(1.5),
                   Inches(7.0), Inches(5.4), colours=LABEL_COLOURS)
        means = [(f"{r.scope.year} 年", s["sentiment_mean"])]
        if r.previous:
            means.append((f"{r.previous_year} 年", s["previous_mean"]))
        chart = self.chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, s["section"], means, Inches(7.7), Inches(1.5),
                           Inches(5.1), Inches(5.4), fmt="0.00",
                           colours={means[0][0]: NOW, f"{r.previous_year} 年": PREVIOUS})
        chart.has_title = True
        chart.chart_title.text_frame.text = "平均情感（0 = 消极，1 = 积极）"
        for run in (rn for p in chart.chart_title.text_frame.paragraphs for rn in p.runs):
            run.font.size = Pt(12)
            fonts.drawing_rpr(run._r.get_or_add_rPr())

    def voice(self, voice):
        r = self.r
        title = {"不足": "大家怎么谈不足", "计划": "大家怎么谈计划"}.get(voice.section, voice.section)
        slide = self.slide(title, f"“{voice.section}”段落中最常用的词（提及文档占比）" +
                           ("与有代表性的原句（每句只引用一次）" if r.quotes else ""))
        if voice.words.empty:
            self.text(slide, Inches(0.5), Inches(1.8), Inches(12), Inches(1), "该段落没有足够的文字。", size=16)
            return
        self.chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, voice.words["term"],
                   [("提及文档占比", voice.words["document_share"])], Inches(0.5), Inches(1.5), Inches(5.2),
                   Inches(5.4), colours={"提及文档占比": NOW})
        if r.quotes:
            lines = [f"【{w}】{q}" for w, q in voice.quotes] or ["没有可引用的句子。"]
        else:
            lines = ["只读账号的报告不引用原文句子。"]
        self.text(slide, Inches(6.0), Inches(1.6), Inches(6.8), Inches(5.2), lines, size=15)

    def originality(self):
        r = self.r
        now, prev = r.originality["now"] or {}, r.originality["previous"] or {}
        slide = self.slide("原创性与范文占位符",
                           "疑似抄袭：80% 以上的 5 字片段出现在更早的来源里（同事、本人往年、范文）")
        cats = ["疑似抄袭", "含范文占位符"]
        series = [(f"{r.scope.year} 年", [now.get("copied_share"), now.get("placeholder_share")])]
        if prev:
            series.append((f"{r.previous_year} 年", [prev.get("copied_share"), prev.get("placeholder_share")]))
        self.chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, cats, series, Inches(0.5), Inches(1.5), Inches(6.5),
                   Inches(5.4), colours={series[0][0]: NOW, f"{r.previous_year} 年": PREVIOUS})
        lines = [f"疑似抄袭 {int(now.get('copied') or 0)} 篇：抄同事 {int(now.get('copied_他人') or 0)}、"
                 f"抄本人往年 {int(now.get('copied_本人往年') or 0)}、抄范文 {int(now.get('copied_范文') or 0)}",
                 f"留有范文占位符（20xx、xx地市、xxx万元……）{int(now.get('placeholder_documents') or 0)} 篇",
                 f"平均具体度 {now.get('concreteness_mean') or 0:.0f} 分（0–100；具体句多、套话少则高）"
                 + (f"，{r.previous_year} 年 {prev.get('concreteness_mean') or 0:.0f} 分" if prev else "")]
        self.text(slide, Inches(7.3), Inches(1.8), Inches(5.5), Inches(5), lines, size=16)

    def follow(self):
        r = self.r
        f = r.follow
        slide = self.slide("计划落实", "上一年“计划”中有具体目标的每一条，次年的总结有没有写到")
        if f.empty:
            self.text(slide, Inches(0.5), Inches(1.8), Inches(12), Inches(1),
                      "没有可比较的计划（需要同一员工相邻两年的总结，且人数达到最小报告人数）。", size=16)
            return
        cats = [f"{int(p)} 年计划 → {int(n)} 年" for p, n in zip(f["plan_year"], f["next_year"])]
        self.chart(slide, XL_CHART_TYPE.BAR_STACKED, cats, [(s, f[s]) for s in FOLLOW_STATUSES], Inches(0.5),
                   Inches(1.5), Inches(6.5), Inches(3.2), fmt="0", colours=STATUS_COLOURS)
        lines = [f"{c}：{int(p):,} 条计划，落实率 {rate:.0%}" for c, p, rate in zip(cats, f["plans"], f["rate"])]
        lines.append("落实率 =（落实 + ½ 部分落实）/ 计划数")
        self.text(slide, Inches(7.3), Inches(1.8), Inches(5.5), Inches(3), lines, size=15)
        if r.follow_examples:
            ex = [f"【{s}】{p}" + (f" → {e}" if e else "") for s, p, e in r.follow_examples]
            self.text(slide, Inches(0.5), Inches(4.9), Inches(12.3), Inches(2), ex, size=12)

    def alerts(self):
        r = self.r
        slide = self.slide("值得注意",
                           f"与上一年相比变化明显之处，以及异常的总结（只统计不少于 {r.min_group} 人的分组）")
        lines = [f"• {a}" for a in r.alerts] or ["没有明显的变化或异常。"]
        self.text(slide, Inches(0.7), Inches(1.6), Inches(12), Inches(5.3), lines, size=18)

    def method(self):
        r = self.r
        slide = self.slide("方法与准确度", "数字怎么来的、有多准")
        self.text(slide, Inches(0.7), Inches(1.5), Inches(12), Inches(5.4), method_lines(r), size=15)


def method_lines(r: Report) -> list[str]:
    a = ACCURACY
    return [
        "• 每篇总结按句切分并标注段落（成绩 / 不足 / 计划 / 其他）、情感（正面 / 中性 / 负面）与十类主题；"
        "主题只在句子实质涉及时才计入。",
        f"• 准确度（{a['sentences']} 句留出评测句，从不参与训练）：情感三分类 {a['sentiment3']:.1%}，"
        f"正负句 {a['polar']:.1%}；主题 micro-F1 {a['themes_f1']:.2f}。",
        "• 主题提及率 = 提及该主题的文档 / 文档数；平均情感是各篇句子情感的平均，再对文档取平均。",
        "• 疑似抄袭：80% 以上的 5 字片段出现在更早的来源里；计划落实按次年总结里与计划对应的句子判断。",
        f"• 隐私：人数不足 {r.min_group} 人的分组不统计、不引用；"
        + ("电话、身份证号、邮箱、银行卡号已脱敏；" if r.masked else "")
        + "每次生成报告都记入审计日志。",
        f"• 数据版本 {r.data_version}；报告由年终洞察生成于 {r.generated_at}，数字与看板同一时刻的页面一致。",
    ]


def build(report: Report) -> bytes:
    """The .pptx bytes of ``report``."""
    return Deck(report).build()
