"""Masking of personal data in Chinese sentences: each kind replaced, nothing else touched."""
import pandas as pd
import pytest

from analysis.access.mask import find, mask_frame, mask_text


@pytest.mark.parametrize("text, expected", [
    # mobile numbers: plain, grouped, with the country code, next to Chinese characters
    ("客户王经理的手机13912345678已经停机。", "客户王经理的手机[手机号]已经停机。"),
    ("请拨打 139-1234-5678 联系售后。", "请拨打 [手机号] 联系售后。"),
    ("他的号码是+86 15800001111，周末也能接。", "他的号码是[手机号]，周末也能接。"),
    ("电话18600002222转给了新同事", "电话[手机号]转给了新同事"),
    # landlines: area code with hyphen, in full-width brackets, with an extension
    ("办公室座机010-62345678，工作日有人值守。", "办公室座机[电话]，工作日有人值守。"),
    ("华南仓库电话（0755）8888 6666。", "华南仓库电话[电话]。"),
    ("总机0571-87654321转302可以找到我。", "总机[电话]可以找到我。"),
    # 18-digit ID-card numbers, with a digit or an X at the end
    ("报销时填写的身份证号为11010519880605123X，已提交财务。", "报销时填写的身份证号为[身份证号]，已提交财务。"),
    ("身份证320102199912310018复印件已归档", "身份证[身份证号]复印件已归档"),
    # e-mail addresses, also right after Chinese text
    ("周报请发到邮箱zhou.ming@example.com。", "周报请发到邮箱[邮箱]。"),
    ("客户的邮箱是 li_na+sales@mail.example.cn，请及时回复", "客户的邮箱是 [邮箱]，请及时回复"),
    # bank card numbers: 16 to 19 digits, together or in groups of four
    ("差旅费请打到工资卡6222021234567890123。", "差旅费请打到工资卡[银行卡号]。"),
    ("卡号 6217 0000 1111 2222 已经挂失。", "卡号 [银行卡号] 已经挂失。"),
    ("对公账户6228-4800-1234-5678", "对公账户[银行卡号]"),
    # two kinds in one sentence
    ("联系人手机13700001234，邮箱wang@example.org。", "联系人手机[手机号]，邮箱[邮箱]。"),
])
def test_masks_each_kind(text, expected):
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", [
    "全年完成销售额1280万元，回款率达到96%。",
    "2024年共拜访客户356家，签订合同57份。",
    "客户满意度从88.5%提高到93.2%。",
    "第3季度交付订单12000件，交货准时率99%。",
    "编号为A2024-0153的工单已经关闭。",
    "",
])
def test_leaves_ordinary_numbers_alone(text):
    assert mask_text(text) == text


def test_find_reports_kinds_in_order():
    text = "身份证11010519880605123X，手机13912345678，卡号6222021234567890123，邮箱a@b.cn"
    assert find(text) == [
        ("email", "a@b.cn"), ("id_card", "11010519880605123X"), ("bank_card", "6222021234567890123"),
        ("mobile", "13912345678"),
    ]


def test_mask_frame_masks_text_cells_and_keeps_ids():
    frame = pd.DataFrame({
        "doc_id": ["1234567890123456abcd"],  # a content hash that happens to start with 16 digits
        "text": ["请回电13912345678"],
        "sentiment": [0.5],
        "themes": [["客户跟进"]],
    })
    out = mask_frame(frame)
    assert out.loc[0, "doc_id"] == "1234567890123456abcd"
    assert out.loc[0, "text"] == "请回电[手机号]"
    assert out.loc[0, "sentiment"] == 0.5
    assert out.loc[0, "themes"] == ["客户跟进"]
    assert frame.loc[0, "text"] == "请回电13912345678"  # the input is not changed
