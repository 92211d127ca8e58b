import pytest

from analysis.read.normalize import find_placeholders, normalize, to_simplified


@pytest.mark.parametrize("traditional, simplified", [
    ("維護老客戶，及時跟進意向客戶", "维护老客户，及时跟进意向客户"),
    ("與客戶確認對帳清單，做好貨款回籠", "与客户确认对账清单，做好货款回笼"),
    ("堅持學習產品知識", "坚持学习产品知识"),
])
def test_traditional_to_simplified(traditional, simplified):
    assert to_simplified(traditional) == simplified


@pytest.mark.parametrize("text, expected", [
    ("20xx年已经过去了", ["20xx"]),
    ("负责xx、xx和xx三个地市", ["xx", "xx", "xx"]),
    ("完成合同额xxx万元", ["xxx"]),
    ("为**月份的销售高潮奠定了基础", ["**"]),
    ("以x个月完成任务的xx%", ["x", "xx"]),
    ("某某公司的订单", ["某某"]),
    ("今年使用Excel和XXL-Job整理了数据", []),
    ("2023年销售额增长12%", []),
])
def test_placeholders(text, expected):
    assert find_placeholders(text) == expected


def test_normalize_flags_traditional_and_counts_placeholders():
    n = normalize("20xx年，我負責xx地市的銷售，完成xxx萬元。")
    assert n.simplified == "20xx年，我负责xx地市的销售，完成xxx万元。"
    assert n.traditional is True
    assert n.placeholders == ("20xx", "xx", "xxx")
    assert normalize("今年我负责华东区域的销售。").traditional is False
