import pytest

from analysis.text.sections import heading_section, is_heading, split_document, split_sentences


@pytest.mark.parametrize("line, section", [
    ("一、主要工作成绩", "成绩"),
    ("一、本年度工作回顾", "成绩"),
    ("二、工作中存在的问题", "不足"),
    ("三、自我剖析", "不足"),
    ("（三）不足与改进计划", "不足"),
    ("三、明年工作计划", "计划"),
    ("四、今后努力方向", "计划"),
    ("（二）抓好展厅管理，树立品牌形象", None),
])
def test_heading_section(line, section):
    assert is_heading(line)
    assert heading_section(line) == section


@pytest.mark.parametrize("line", [
    "今年我负责华东区域的客户开发与维护，全年新增意向客户三十五家。",
    "1、做好基本资料的整理，及时向工厂反映客户的情况；",
])
def test_body_lines_are_not_headings(line):
    assert not is_heading(line)


def test_split_sentences_keeps_quotes_and_semicolons():
    assert split_sentences("俗话说：“客户是上帝。”我们要做好服务；同时加强回款！") == [
        "俗话说：“客户是上帝。”", "我们要做好服务；", "同时加强回款！",
    ]


def test_sections_from_headings_and_subheadings():
    text = "\n".join([
        "2024年工作总结",
        "一、主要工作成绩",
        "全年完成销售额860万元。",
        "（一）抓好客户维护",
        "每月回访重点客户。",
        "二、存在的不足",
        "回访不够及时。",
        "三、区域情况分析",
        "华东市场竞争激烈。",
        "四、明年工作计划",
        "加强回款管理。",
    ])
    got = [(s.section, s.text) for s in split_document(text) if not s.is_heading]
    assert got == [
        ("成绩", "全年完成销售额860万元。"),
        ("成绩", "每月回访重点客户。"),
        ("不足", "回访不够及时。"),
        ("其他", "华东市场竞争激烈。"),
        ("计划", "加强回款管理。"),
    ]


def test_sections_from_cue_phrases_without_headings():
    text = "\n".join([
        "回顾这一年，我完成了全年销售任务。",
        "不足之处主要是对老客户的回访不够及时。",
        "新的一年里，我要把回款放在首位。",
    ])
    assert [s.section for s in split_document(text)] == ["成绩", "不足", "计划"]
