"""Themes on Chinese sentences, Simplified and Traditional, including passing words that must not count."""
import pytest

from analysis.judge.themes import assign, load_taxonomy
from analysis.read.normalize import to_simplified


@pytest.mark.parametrize("sentence, expected", [
    ("对于浅意向客户，我每周电话跟进一次，并做好分类记录。", ["客户跟进"]),
    ("节前逐一拜访了华东区的十二家经销商，了解他们明年的采购计划。", ["客户跟进"]),
    ("与客户确认对账清单后，及时把开票资料寄给财务，确保货款按期回笼。", ["货款回笼"]),
    ("年底应收账款余额降到了一百二十万元，逾期欠款全部收回。", ["货款回笼"]),
    ("我系统学习了新产品的技术参数，能够独立为客户讲解产品性能。", ["产品知识", "学习成长"]),
    ("全年完成销售额860万元，完成年度任务的108%。", ["销售业绩"]),
    ("感谢客户一直以来的信任和支持。", []),
    ("今年公司搬进了新的办公楼。", []),
    ("年会上抽到了一等奖，运气不错。", []),
])
def test_assign_simplified(sentence, expected):
    assert assign(sentence) == expected


@pytest.mark.parametrize("traditional, theme", [
    ("維護老客戶，保持經常與老客戶聯繫，了解客戶對產品需求的最新動向。", "客户跟进"),
    ("與客戶確認對帳清單並確認回傳，做好貨款回籠工作。", "货款回笼"),
    ("堅持學習產品知識，熟悉每一款設備的技術參數。", "产品知识"),
])
def test_traditional_input_matches(traditional, theme):
    assert theme in assign(to_simplified(traditional))


def test_taxonomy_requires_the_ten_keys(tmp_path):
    bad = tmp_path / "themes.toml"
    bad.write_text('["客户跟进"]\nstrong = ["回访"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="缺少必需的主题"):
        load_taxonomy(bad)


def test_hr_can_add_a_theme(tmp_path):
    from analysis.paths import data_path

    text = data_path("themes.toml").read_text(encoding="utf-8")
    text += '\n["安全生产"]\ndescription = "安全"\nstrong = ["安全隐患", "安全事故"]\n'
    path = tmp_path / "themes.toml"
    path.write_text(text, encoding="utf-8")
    taxonomy = load_taxonomy(path)
    assert assign("今年车间排查安全隐患四十余项，全部整改到位。", taxonomy)[-1] == "安全生产"


def test_learned_model_reads_unknown_compounds_through_known_parts():
    from analysis.judge.themes import Learned
    from analysis.text.segment import cut

    rows = [
        {"text": "本月回款三百万元。", "themes": ["货款回笼"]},
        {"text": "月底前催收回款。", "themes": ["货款回笼"]},
        {"text": "我每周拜访客户。", "themes": ["客户跟进"]},
        {"text": "节前拜访了老客户。", "themes": ["客户跟进"]},
        {"text": "今天开了部门例会。", "themes": []},
        {"text": "车间完成了设备检修。", "themes": []},
    ]
    learned = Learned(rows, cut)
    assert learned.themes == ("客户跟进", "货款回笼")
    assert learned._row("回款率") == learned._row("回款") is not None  # 回款率 is one jieba word
    assert learned._row("天气") is None
    p = learned.probabilities(["回款率", "达到", "九成"])
    assert p["货款回笼"] > 0.5 > p["客户跟进"]
    assert learned.probabilities(["。"]) == {"客户跟进": 0.0, "货款回笼": 0.0}


def test_a_words_row_does_not_depend_on_the_words_looked_up_before_it():
    # the stored analysis of a document must be a function of the document: 回款率高 once borrowed the row
    # 回款率 had been given by an earlier look-up, and 2340 the row of whatever number came first
    from analysis.judge.themes import Learned
    from analysis.text.segment import cut

    rows = [{"text": "本月回款三百万元。", "themes": ["货款回笼"]}, {"text": "我每周拜访客户23次。", "themes": ["客户跟进"]},
            {"text": "今天开了部门例会。", "themes": []}]
    words = ["回款率", "回款率高", "2340", "234", "23"]
    fresh = Learned(rows, cut)
    expected = {w: fresh._row(w) for w in reversed(words)}
    learned = Learned(rows, cut)
    assert {w: learned._row(w) for w in words} == expected
    assert expected["回款率高"] == expected["回款率"] == learned.rows["回款"]
    assert expected["2340"] is None and expected["23"] == learned.rows["23"]


def test_a_document_is_scored_the_same_alone_or_in_a_batch():
    from analysis.judge.themes import assign, assign_many
    from analysis.text.segment import cut

    sentences = ["全年回款率达到百分之九十五。", "节前拜访了二十家老客户。", "窗外下着小雨。"]
    tokens = [cut(s) for s in sentences]
    assert assign_many(sentences, tokens) == [assign(s) for s in sentences] == [["货款回笼"], ["客户跟进"], []]


def test_a_strong_cue_in_one_clause_of_a_long_sentence_still_counts():
    # scored as a whole, the follow-up words of the first clauses count against payment collection
    sentence = "今年我负责华南区域，维护老客户，及时跟进订单，全年回款率达到百分之九十五。"
    assert {"客户跟进", "货款回笼"} <= set(assign(sentence))


def test_combine_rules_and_model():
    from analysis.judge.themes import combine

    order = ["客户跟进", "货款回笼", "安全生产"]
    p = {"客户跟进": 0.1, "货款回笼": 0.9}
    # a strong cue the model does not exclude stands; supporting cues the model doubts do not;
    # a theme without training sentences (安全生产) follows its rules; the model alone adds 货款回笼
    assert combine({"客户跟进": 2, "安全生产": 1}, p, order, confirm=0.4, alone=0.8, confirm_strong=0.05) == [
        "客户跟进", "货款回笼", "安全生产"]
    assert combine({"客户跟进": 1}, p, order, confirm=0.4, alone=0.95, confirm_strong=0.05) == []


def test_trained_weights_survive_the_cache(tmp_path):
    from analysis.judge.themes import Learned
    from analysis.text.segment import cut

    rows = [{"text": "本月回款三百万元。", "themes": ["货款回笼"]}, {"text": "我每周拜访客户。", "themes": ["客户跟进"]},
            {"text": "今天开了部门例会。", "themes": []}]
    learned = Learned(rows, cut)
    learned.save(tmp_path / "m.npz")
    again = Learned.load(tmp_path / "m.npz")
    assert again.themes == learned.themes
    tokens = ["回款率", "拜访", "例会"]
    assert again.probabilities(tokens) == learned.probabilities(tokens)


# Kinds of real writing the first rules misread (issue 12): paraphrases that were missed and passing
# words that were counted. Sentences written here.
@pytest.mark.parametrize("sentence, present, absent", [
    ("下班后坚持看书，一年读完了十五本。", "学习成长", None),
    ("博客更新了四十多篇，主要写踩过的坑。", "学习成长", None),
    ("月底前要把三家经销商的尾款催回来。", "货款回笼", None),
    ("給拖欠的客戶逐一打電話催款。", "货款回笼", None),  # Traditional
    ("今年系统地学了一遍Kafka的原理。", "产品知识", None),
    ("修复了安卓端偶发闪退的bug。", "质量与交付", None),
    ("和产品经理一起把需求过了一遍。", None, "产品知识"),
    ("体脂率从百分之三十降到了百分之二十二，手机电量常年低于20%。", None, "销售业绩"),
    ("祝大家新年快乐，一切顺利！", None, "团队协作"),
    ("大家都顺利到家了。", None, "团队协作"),
    ("组里开发了一套用户管理系统。", None, "管理与制度"),
])
def test_kinds_of_real_writing(sentence, present, absent):
    got = assign(to_simplified(sentence))
    if present:
        assert present in got
    if absent:
        assert absent not in got


@pytest.mark.parametrize("sentence, expected", [
    # learning named technologies, courses, certificates, reading and blogging are growth
    ("今年下半年开始学Rust，用它写了一个命令行小工具。", ["产品知识", "学习成长"]),
    ("利用午休时间恶补了一遍Linux的常用命令。", ["产品知识", "学习成长"]),
    ("年初报了一门统计学的网课，每周末跟着做练习。", ["学习成长"]),
    ("今年拿到了中级经济师的证书。", ["学习成长"]),
    ("全年一共读了二十本书，做了五万字的读书笔记。", ["学习成长"]),
    ("這一年我開始寫部落格，記錄學習中遇到的問題。", ["学习成长"]),
    # cooperation without 团队 words; figures without 销售 words
    ("和测试同学一起复现了几次问题，最终定位到原因。", ["团队协作", "质量与交付"]),
    ("年度存款任务完成了百分之一百零五。", ["销售业绩"]),
    ("本年度共签下新合同二十三份，金额合计一千一百万元。", ["销售业绩"]),
    ("修复了导出报表时金额显示错位的问题。", ["质量与交付"]),
    # passing release, recruiting, approval and safety words are no theme
    ("上线了招聘小程序的新版首页。", []),
    ("优化了列表页的代码结构。", []),
    ("负责学校的水电、绿化和安全巡查。", []),
    ("熟悉了公司信贷产品的申请条件和审批要求。", ["产品知识"]),
    ("在線客服的平均回覆時間縮短到了半分鐘以內。", ["客户服务"]),
    ("給組員定了每週目標，週五對照檢查完成情況。", ["管理与制度"]),
])
def test_real_writing_kinds(sentence, expected):
    assert assign(to_simplified(sentence)) == expected


@pytest.mark.parametrize("sentence, expected", [
    # a 完成情况 item or heading reports a result (LABELS: task completion) in any job family
    ("完成情况：已完成八成，剩下的转到下个月。", ["销售业绩"]),
    ("工作完成情况", ["销售业绩"]),
    ("本季度的六项任务完成了五项。", ["销售业绩"]),
    # ... but checking how far others have got is supervision, and finishing a task is narration
    ("給組員定了每週目標，週五對照檢查完成情況。", ["管理与制度"]),
    ("完成了手上的任务之后，我被派去支援另一个项目。", []),
    # a defect of the client software is quality; a problem of learning or daily life is not a defect
    ("解決了客戶端切換帳號後消息列表不刷新的問題。", ["质量与交付"]),
    ("周末和朋友组队解决了生活中的各种问题。", []),
    # refactoring, a group's tools, hobbies and routine checks are no theme
    ("把三个页面里重复的表单校验抽成了一个公共组件。", []),
    ("组内的代码仓库今年迁到了新平台。", []),
    ("上半年打了三十多场球，体重降了八斤。", []),
    ("开学前检查了各教室的灯具和门窗。", []),
    # a job title in a self-introduction is not the theme of the job
    ("我是客服部的一名普通員工，入職兩年。", []),
    # growth without study words; working with other roles without 团队 words
    ("从只会照着做，到会问一句为什么，这是我今年最大的变化。", ["学习成长"]),
    ("接口有疑问时，我直接去找后端当面确认。", ["团队协作"]),
])
def test_kinds_fixed_in_issue_12(sentence, expected):
    assert assign(to_simplified(sentence)) == expected


@pytest.mark.parametrize("sentence, expected", [
    # growth without study words: lessons drawn, the move from school to work, demands on oneself
    ("这几年换了三个岗位，每个岗位都给了我不同的感悟。", ["学习成长"]),
    ("从校园到职场，最难适应的是没有人再告诉你下一步该做什么。", ["学习成长"]),
    ("明年要严格要求自己，少找借口。", ["学习成长"]),
    # ... but a bad mood in daily life is not a mindset to grow
    ("赶上连续三天的暴雨，通勤要两个小时，心态崩了。", []),
    # working together without 团队 words; code review is working together, not a management rule
    ("年底忙季，几个班组相互支持，没有一单积压。", ["团队协作"]),
    ("每周组里轮流做代码评审，看别人的写法很有启发。", ["团队协作"]),
    # team culture and agreed conventions are management
    ("新部门成立后，我们花了不少心思营造互相尊重的团队氛围。", ["团队协作", "管理与制度"]),
    ("組裡統一了編碼規範，新人也能很快看懂老代碼。", ["管理与制度"]),
    # messy code is a quality problem; a 解决方案 is a plan, not a defect fixed
    ("老模块里重复代码太多，维护起来很费劲。", ["质量与交付"]),
    ("给排班表想了个解决方案，避免同一人连上两个夜班的错误。", []),
    # growth work named by its own words stands where the model doubts
    ("5. 官网改版，顺带给新品页面引流", ["市场开拓"]),
    ("3. SEO：重写了二十个页面的标题和描述", ["市场开拓"]),
])
def test_kinds_fixed_in_issue_12_round_3(sentence, expected):
    assert assign(to_simplified(sentence)) == expected


@pytest.mark.parametrize("sentence, expected", [
    # knowledge of a named technology acquired, or a technology taken up again: growth and knowledge
    ("这一年熟练掌握了 Kafka 的分区和消费组，消息积压的问题自己就能处理。", ["产品知识", "学习成长"]),
    ("實習期間掌握了 MySQL 的索引優化，慢查詢少了一大半。", ["产品知识", "学习成长"]),
    ("今年重新学起了搁下多年的 Java。", ["产品知识", "学习成长"]),
    # ... while learning new technology in general is growth only
    ("利用业余时间学习新技术，提升自己。", ["学习成长"]),
    ("上半年深入了解了公司产品的技术参数。", ["产品知识"]),
    # syncing with colleagues and partners is working together
    ("接口改动后第一时间与前端同事同步，联调很顺利。", ["团队协作"]),
    ("我會及時向合作方同步項目進展和風險。", ["团队协作"]),
    # the figures of promotion work (but UV glue is a material)
    ("小程序上线三个月，日均UV稳定在五千左右。", ["市场开拓"]),
    ("官网改版后访客数翻了一番，注册率也从1%升到了2.4%。", ["市场开拓"]),
    ("视频号今年涨粉一万二。", ["市场开拓"]),
    ("这款UV胶的固化时间比原来短。", []),
    # test data, test methods and self-review of code are quality work
    ("提测前准备了三套测试数据，边界情况都覆盖到了。", ["质量与交付"]),
    ("今年把测试方法从手工点检改成了接口测试加自动化回归。", ["质量与交付"]),
    ("每次提交代码前都会做一遍代码自查。", ["质量与交付"]),
    # how to manage people is management; managing one's time is not
    ("管理方面经验不足，任务分配不太合理。", ["管理与制度"]),
    ("还在学习如何管理一个五个人的小组。", ["学习成长", "管理与制度"]),
    ("要学会如何管理自己的时间。", ["学习成长"]),
    # the server side of software is not customer service
    ("服务端给用户返回的错误提示不够清楚，下个版本统一改写。", []),
    ("服务器扩容以后，用户高峰期访问不再卡。", []),
    ("把服务器上的用户日志按天归档，保留半年。", []),
    ("参与了订单系统的微服务改造。", []),
])
def test_kinds_fixed_in_issue_12_round_4(sentence, expected):
    """These kinds are decided by the rules of ``themes.toml`` (the model only confirms): the rules alone
    find exactly the expected themes, so the test does not rest on what the model happens to learn."""
    from analysis.judge.themes import default_taxonomy, rule_strengths

    simple = to_simplified(sentence)
    assert [k for k, v in rule_strengths([simple], default_taxonomy())[0].items() if v] == expected
    assert assign(simple) == expected


def test_short_lines_get_themes_from_rules_only():
    """An item label or fragment (at most ``SHORT_LINE`` characters) gets only the themes its rules find:
    the model confirms or vetoes them but adds none, however confident; a written-out sentence it may."""
    from analysis.judge.themes import ALONE, SHORT_LINE, combine, default_learned, default_taxonomy, is_short_line
    from analysis.text.segment import cut

    label = "优化首页加载速度"  # no rule cue; the model alone would say 质量与交付
    assert is_short_line(label)
    assert default_learned().probabilities(cut(label))["质量与交付"] >= ALONE
    assert assign(label) == []
    assert assign("这个季度主要在优化首页的加载速度，把首屏时间从三秒压到了一秒左右，用户打开明显快了。") == ["质量与交付"]
    assert assign("客户端崩溃率统计") == ["质量与交付"]  # a rule cue the model confirms stands
    assert is_short_line("一" * SHORT_LINE) and is_short_line(" 一二三 \n") and not is_short_line("一" * (SHORT_LINE + 1))

    taxonomy = default_taxonomy()
    sure = {"质量与交付": 0.95}
    assert combine({}, sure, taxonomy, short=True) == []
    assert combine({}, sure, taxonomy) == ["质量与交付"]
    assert combine({"团队协作": 1}, {"团队协作": 0.1}, taxonomy, short=True) == []  # vetoed
    assert combine({"团队协作": 1}, {"团队协作": 0.5}, taxonomy, short=True) == ["团队协作"]  # confirmed
    assert combine({"产品知识": 3}, {"产品知识": 0.01}, taxonomy, short=True) == ["产品知识"]  # trusted


def test_supporting_cues_need_the_whole_sentence():
    """Two supporting cues are confirmed by the model's probability for the whole sentence, not by its
    best clause; a strong cue is still rescued by a clause."""
    from analysis.judge.themes import combine, default_taxonomy

    taxonomy = default_taxonomy()
    whole, clause = {"销售业绩": 0.1}, {"销售业绩": 0.9}
    assert combine({"销售业绩": 1}, whole, taxonomy, clause_probabilities=clause) == []
    assert combine({"销售业绩": 2}, {"销售业绩": 0.1}, taxonomy, clause_probabilities=clause) == ["销售业绩"]
    assert combine({"销售业绩": 2}, {"销售业绩": 0.1}, taxonomy, clause_probabilities={"销售业绩": 0.1}) == []


def test_trusted_pattern_stands_where_the_model_doubts():
    from analysis.judge.themes import combine, default_taxonomy

    taxonomy = default_taxonomy()
    assert taxonomy["产品知识"].strength("下班后啃了两周Rust的官方教程") == 3
    assert taxonomy["学习成长"].strength("下班后啃了两周Rust的官方教程") == 3
    assert taxonomy["产品知识"].strength("新机型的技术参数要记牢") == 2  # a strong word, not a trusted pattern
    doubt = {"产品知识": 0.01, "学习成长": 0.01}
    assert combine({"产品知识": 3, "学习成长": 2}, doubt, taxonomy) == ["产品知识"]


def test_theme_training_sentences_are_valid_and_not_held_out():
    from analysis.judge.sentiment import read_labelled
    from analysis.judge.themes import theme_training_files, theme_training_rows
    from analysis.paths import PACKAGE_DIR
    from analysis.schema import THEMES

    assert [p.name for p in theme_training_files()] == ["themes_train_a.tsv", "themes_train_b.tsv",
                                                        "themes_train_c.tsv", "themes_train_d.tsv",
                                                        "themes_train_e.tsv", "themes_train_f.tsv"]
    rows = theme_training_rows()
    assert len(rows) == 589
    assert {t for r in rows for t in r["themes"]} == set(THEMES)
    assert sum(not r["themes"] for r in rows) == 167  # sentences with passing cue words and no theme
    held_out = {r["text"] for r in read_labelled(PACKAGE_DIR.parent / "tests/data/labelled_sentences.tsv")}
    assert not held_out & {r["text"] for r in rows}
