"""Attack tests for the mask (issue 13, item 5): the formats the security review got past it.

Invented numbers only: they have the shape of real ones (a mobile prefix, a valid birth date in an
ID number), nothing more.
"""
import pytest

from analysis.access.mask import find, mask_text


@pytest.mark.parametrize("text, expected", [
    # full-width digits, as a Chinese input method types them
    ("客户手机１３８１２３４５６７８，请回电。", "客户手机[手机号]，请回电。"),
    ("手机号１３８－１２３４－５６７８", "手机号[手机号]"),
    # mobiles with dots, spaces in other groupings, the prefix in brackets
    ("王经理138.1234.5678已离职", "王经理[手机号]已离职"),
    ("请拨138 123 45678找我", "请拨[手机号]找我"),
    ("请拨 138 1234 5678 找我", "请拨 [手机号] 找我"),
    ("手机(138)12345678", "手机[手机号]"),
    ("手机（１３８）１２３４５６７８", "手机[手机号]"),
    ("手机+86.138.1234.5678", "手机[手机号]"),
    # ID numbers written with spaces or hyphens, full-width, and the 15-digit first generation
    ("身份证110105 19880605 123X已交", "身份证[身份证号]已交"),
    ("身份证110105-19880605-1234已交", "身份证[身份证号]已交"),
    ("身份证１１０１０５１９８８０６０５１２３Ｘ已交", "身份证[身份证号]已交"),
    ("老身份证110105880605123已换", "老身份证[身份证号]已换"),
    # bank cards with dots, full-width digits and ideographic spaces
    ("工资卡6222.0212.3456.7890已绑定", "工资卡[银行卡号]已绑定"),
    ("卡号６２２２\u3000０２１２\u3000３４５６\u3000７８９０", "卡号[银行卡号]"),
    # e-mail with a full-width at sign, a Chinese domain, full-width letters
    ("邮箱zhou.ming＠example.com联系", "邮箱[邮箱]联系"),
    ("邮箱ｚｈｏｕ＠ｅｘａｍｐｌｅ．ｃｎ联系", "邮箱[邮箱]联系"),
    ("发到wang@例子.中国。", "发到[邮箱]。"),
    ("发到li@公司.cn，谢谢", "发到[邮箱]，谢谢"),
    # landlines in full-width
    ("座机（０１０）６２３４５６７８转接", "座机[电话]转接"),
    ("座机０５７１－８７６５４３２１", "座机[电话]"),
    ("座机010.6234.5678", "座机[电话]"),
    # circled digits are digits too
    ("手机⑬８１２３４５６７８", "手机[手机号]"),
])
def test_masks_formats_that_got_through(text, expected):
    assert mask_text(text) == expected
    assert not any(ch.isdigit() for ch in mask_text(text).replace("转接", ""))


@pytest.mark.parametrize("text", [
    "全年完成销售额1,280万元，回款率达到96.5%。",
    "２０２４年共拜访客户３５６家。",
    "第3季度交付订单12000件，交货准时率99%。",
    "客户满意度从88.5%提高到93.2%。",
    "会议定在2024.12.31下午3点。",
    "编号为A2024-0153的工单已经关闭。",
])
def test_ordinary_numbers_still_untouched(text):
    assert mask_text(text) == text


def test_find_reports_the_original_characters():
    assert find("手机１３８１２３４５６７８，邮箱a＠b.cn") == [("email", "a＠b.cn"), ("mobile", "１３８１２３４５６７８")]
