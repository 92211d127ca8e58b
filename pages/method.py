"""方法与准确度: how sentiment and themes are decided, how accurate that is, and where it is weak.

Every role may read it. The figures come from ``analysis/data/quality.json``, written by
``python -m analysis evaluate FILE --record NAME`` (never typed into this page); a test re-runs the
evaluation of the held-out file and fails when the models change without the entry being recorded again.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.judge.quality import HELD_OUT
from analysis.schema import ANALYSIS_VERSION, LABEL_NAMES
from ui import data, state
from ui.widgets import pct

st.title("方法与准确度")
state.filters()  # keeps the sidebar's filters across pages; nothing here depends on them
st.caption("本页说明看板上的情感与主题是怎么判断出来的、在人工标注的句子上有多准、哪里容易出错。"
           "所有角色都可以查看。")

st.subheader("情感怎么判断")
st.markdown(
    "- **逐句判断**。每一句话判为 **正面**（报告成绩、进展、满意、感谢）、**负面**（报告问题、不足、困难、抱怨；"
    "点名了不足的计划也算负面）或 **中性**（叙述、标题、不提问题的计划和愿望）。标准是一位认真的 HR 读者的判断。\n"
    "- **怎么算**：一个在本项目撰写的约 7,900 句句子（各岗位的正式文体、研发与学生的口语、繁体）上训练的朴素贝叶斯模型"
    "（snownlp），它的判断与职场用语的线索——否定（“没有一笔逾期”）、已解决的问题（“投诉都妥善解决”）、坏事减少"
    "（“投诉减少”）、“但是”之后的分句更重要、带数字的成果、计划与建议句——以及通用的正负面词表（HowNet）和句中的字词，"
    "一起交给一个在同一批句子上训练的逻辑回归，由它给出正面、中性或负面。"
    "目的、条件和假设里的褒贬词（“确保客户满意”“如果……就……”）单独计数，不当作已经做到的事。"
    "编号的标题（“二、存在的不足”）一律为中性；没有编号的短行也交给逻辑回归，"
    "它从训练句中学到这类短行几乎都是中性，但“项目验收一次通过”这样的短行是成绩。\n"
    "- **文档的数字**：正面句占比、负面句占比、平均情感都只按正文句子计算（不含标题；读作正面或负面的短行算正文）。"
    "“不足”段落里的负面句是年终总结要求的自我批评，不代表员工不满，所以情感页也按段落分别给出。"
)
st.subheader("主题怎么判断")
st.markdown(
    "- **逐句判断，可以有多个主题或没有主题**。十个主题（客户跟进、货款回笼、产品知识……）各有一份可编辑的提示词表"
    "（`analysis/data/themes.toml`）：一个强提示词（如“回款”“意向客户”），或两个不同的弱提示词同时出现，"
    "才算这句话在谈这个主题；“感谢客户的信任”这类顺带一提先被去掉。\n"
    "- 再由一个在同一批训练句上训练的模型（读词与相邻的两个字）复核："
    "规则命中但模型认为几乎不可能的去掉，模型很有把握而规则漏掉的补上。"
    "HR 新增的主题没有训练句，只按提示词判断。\n"
    "- **只有实质谈到主题的句子才计入文档**：标题（如“三、团队建设”）和只有套话的句子（“做好本职工作，"
    "为公司的发展贡献自己的力量”）不计入文档的主题次数。\n"
    "- **主题页的默认指标“相对全公司”**：某部门的句子中谈到该主题的占比 ÷ 全公司的同一占比。"
    "几乎每份总结都会提到团队、学习和制度，“提及文档占比”在各部门都接近 100%，看不出差别；"
    "“相对全公司”显示的是各部门写的内容里这个主题的比重比全公司多还是少。其他指标仍可切换。"
)

st.subheader("准确度")
entries = data.quality_entries()
if not entries:
    st.info("还没有记录任何评测结果。请运行 `python -m analysis evaluate --record 留出评测集`。",
            icon=":material/info:")
for entry in entries:
    held_out = entry["name"] == HELD_OUT
    st.markdown(f"#### {entry['name']}（{entry['sentences']:,} 句，文件 `{entry['file']}`）")
    st.caption(("本项目按标注规则撰写、从不用于训练或调参的句子（写法比真实总结规整，数字偏乐观）。" if held_out else
                "真实的、公开的工作总结中的句子，由两位标注者各自标注，只计两人一致的判断；项目从不用它训练："
                "这是看板在真实文本上的准确度。")
               + f"测量于 {entry['measured']}，分析版本 {entry['analysis_version']}。")
    if str(entry["analysis_version"]) != ANALYSIS_VERSION:
        st.warning(f"这组数字是分析版本 {entry['analysis_version']} 的结果，当前版本为 {ANALYSIS_VERSION}："
                   "请用下面的命令重新测量。", icon=":material/history:")
    c = st.columns(4)
    c[0].metric("情感三分类准确率", pct(entry["accuracy"], 1),
                help=f"三类都判对的句子占比；全部回答“中性”可得 {pct(entry['always_neu'], 1)}")
    c[1].metric("正负句召回", pct(entry["polar_recall"], 1),
                help="人工标为正面或负面的句子中，被判成同一类的占比")
    c[2].metric("主题 micro-F1", f"{entry['theme_micro_f1']:.3f}",
                help="把所有（句子, 主题）判断合起来算的精确率与召回率的调和平均，1.0 为全对")
    c[3].metric("评测句数", f"{entry['sentences']:,}")
    left, right = st.columns(2)
    classes = pd.DataFrame([{"情感": LABEL_NAMES[k], "精确率": 100 * v["precision"], "召回率": 100 * v["recall"],
                             "句数": v["support"]} for k, v in entry["per_class"].items()])
    left.dataframe(classes, hide_index=True, width="stretch", key=f"q_classes_{entry['name']}",
                   column_config={"精确率": st.column_config.NumberColumn(format="%.1f%%"),
                                  "召回率": st.column_config.NumberColumn(format="%.1f%%")})
    themes = pd.DataFrame([{"主题": t, "精确率": 100 * m["precision"], "召回率": 100 * m["recall"], "F1": m["f1"],
                            "句数": m["support"]} for t, m in entry.get("themes", {}).items()])
    right.dataframe(themes, hide_index=True, width="stretch", key=f"q_themes_{entry['name']}",
                    column_config={"精确率": st.column_config.NumberColumn(format="%.1f%%"),
                                   "召回率": st.column_config.NumberColumn(format="%.1f%%"),
                                   "F1": st.column_config.NumberColumn(format="%.2f")})
    st.markdown("重新测量（在项目目录运行）：")
    st.code(entry["command"], language="bash")
if entries and all(e["name"] == HELD_OUT for e in entries):
    st.info("在真实年终总结句子上的测量还没有记录：有了人工标注的真实句子后，运行 "
            "`python -m analysis evaluate 文件 --record 名称`，结果会出现在这里。", icon=":material/pending:")

st.subheader("已知的薄弱之处")
st.markdown(
    "- **学习成长与团队协作的边界**：“培训”既可能是自己学习，也可能是组织别人培训；“大家”常见于团队句子，"
    "一句与工作无关的“大家心情都不错”也可能被标为团队协作。\n"
    "- **含蓄的不满与委婉的自我批评**：“还有提升空间”“有待加强”这类说法，以及既有成绩又有问题的长句，"
    "最容易判错；按规则以占主导的一方为准。\n"
    "- **训练句是本项目撰写的**，以销售、客服、生产、财务等岗位为主；研发、实习生、学生等写法差别大的文本，"
    "准确率可能明显低于上表（见真实文本上的测量，如已记录）。\n"
    "- **只是顺带提到的词**：研发条目里的“考勤”“评审”可能带出管理与制度；“从需求到上线的整个过程”这类过程叙述"
    "可能被标为质量与交付；“学会了做饭”这类生活爱好可能被标为学习成长；没有学习字眼的心态与反思句常漏掉学习成长。\n"
    "- **新增主题**只按提示词判断，没有模型复核，漏判会多一些。\n"
    "- **发现判错时**：HR 管理员可以在证据句表下方的“纠正这句话”里改正情感或主题，改正立即反映到所有页面和导出，"
    "重新构建后仍然保留，并会在下次训练模型时作为训练句（见“语料管理”页的“人工纠正”）。"
)
