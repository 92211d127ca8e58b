"""Workplace sentiment: mild self-criticism is negative, plans and headings neutral, results positive."""
import pytest

from analysis.judge.sentiment import cues, default_model, fixes_a_problem, looks_like_heading
from analysis.read.normalize import to_simplified
from analysis.text.segment import cut


def label(text: str) -> str:
    s = to_simplified(text)
    return default_model().score(s, cut(s)).label


@pytest.mark.parametrize("sentence, expected", [
    ("全年完成销售额860万元，完成年度任务的108%。", "pos"),
    ("在领导和同事的帮助下，我较好地完成了上级下达的各项任务。", "pos"),
    ("感谢领导一年来的关心和支持。", "pos"),
    ("全年客户投诉比去年减少了一半。", "pos"),
    ("对部分老客户的回访不够及时，导致两笔订单流失。", "neg"),
    ("应收账款催收力度不够，个别客户账期偏长。", "neg"),
    ("由于经验少，跟进不够及时，今后要把客户分类做好记录。", "neg"),
    ("明年要多和客户沟通，加强回款管理。", "neu"),
    ("二、工作中存在的不足", "neu"),
    ("我负责华东区域的渠道维护工作。", "neu"),
])
def test_labels(sentence, expected):
    assert label(sentence) == expected


def test_negated_achievement_is_negative():
    c = cues("今年没有完成销售目标")
    assert c.neg > 0 and c.pos == 0


def test_contrast_clause_dominates():
    c = cues("虽然取得了一些成绩，但回款进度仍然不够理想")
    assert c.neg > c.pos


def test_scores_are_probabilities_and_ordered():
    model = default_model()
    good, bad = "超额完成了全年回款任务。", "回款严重滞后，多笔货款逾期。"
    g = model.score(good, cut(good)).sentiment
    b = model.score(bad, cut(bad)).sentiment
    assert 0.0 <= b < 0.5 < g <= 1.0


@pytest.mark.parametrize("text, heading", [
    ("一、主要工作成绩", True), ("工作中的不足", True),
    ("今年我负责华东区域的客户开发与维护，全年新增意向客户三十五家。", False),
])
def test_headings(text, heading):
    assert looks_like_heading(text) is heading


@pytest.mark.parametrize("sentence, label", [
    ("全年共签订合同43份，合同总额2160万元。", "pos"),  # a result with its figure is an achievement
    ("我负责华东区域经销商的日常管理。", "neu"),  # a duty, no result
    ("明年计划新开发客户20家。", "neu"),  # a target is a plan, not a result
])
def test_results_with_figures(sentence, label):
    from analysis.judge.sentiment import default_model
    from analysis.text.segment import cut

    assert default_model().score(sentence, cut(sentence)).label == label


# Kinds of real writing the first model misread (issue 12). Each row is a sentence written here, not
# taken from any real summary; the comment names the kind.
@pytest.mark.parametrize("sentence, expected", [
    # achievements stated as plain facts or list items
    ("研三，国家奖学金", "pos"),
    ("3篇论文", "pos"),
    ("全年完成项目交付11个。", "pos"),
    ("今年带的两个徒弟都已经能独立上岗了。", "pos"),
    ("這一年交付了兩百多個需求，全部按時上線。", "pos"),  # Traditional
    # casual praise and colloquial complaints outside the workplace word list
    ("这个月过得还不错。", "pos"),
    ("收到转正通知，超开心！", "pos"),
    ("需求又改了一遍，真是无力吐槽。", "neg"),
    ("原本轻松的周末变成了噩梦。", "neg"),
    ("連續加班一個月，整個人都快崩潰了。", "neg"),  # Traditional
    # neutral advice containing a problem word or a prohibition
    ("碰到服务器报警时，先看监控，再找原因。", "neu"),
    ("已经谈好的合作决不能因为拖延而丢掉。", "neu"),
    ("发现数据不一致时要先备份，再动手修改。", "neu"),
    # negation both ways
    ("今年没有完成全年目标。", "neg"),
    ("全年经手的凭证没有出过一次错。", "pos"),
    ("新流程推行半年，没有达到预期的目的。", "neg"),
    ("整个旺季一次都没有被客户投诉。", "pos"),
    # resolved problems
    ("去年的三起质量投诉都在一周内妥善解决，客户没有流失。", "pos"),
    ("修复了考勤机偶尔重复打卡的问题。", "pos"),
    ("解决了仓库扫码枪经常掉线的问题。", "pos"),
    # plans with targets and no named shortcoming
    ("明年个人回款目标定为925万元，回款率不低于95.0%。", "neu"),
    ("2024年计划完成销售额700万元，新签客户不少于12家。", "neu"),
    # a plan that names a shortcoming is negative
    ("由于对产品不熟，讲解时常常卡壳，明年要多学习。", "neg"),
    # duties described in upbeat words
    ("我负责积极热情地接待每一位来访客户。", "neu"),
    ("主要负责确保车间生产有序高效地进行。", "neu"),
    # polite closings
    ("以上总结不够全面，请各位领导审阅。", "neu"),
    ("不当之处，敬请批评指正。", "neu"),
])
def test_kinds_of_real_writing(sentence, expected):
    assert label(sentence) == expected


@pytest.mark.parametrize("text, heading", [
    ("研三，国家奖学金", False),  # an award listed without punctuation is an achievement, not a heading
    ("2篇专利", False),
    ("三、2024年工作计划", True),
    ("工作中存在的问题", True),
])
def test_achievement_items_are_not_headings(text, heading):
    assert looks_like_heading(text) is heading


def test_resolved_and_hedged_cues():
    assert cues("投诉都在一周内妥善解决").pos > 0 and cues("投诉都在一周内妥善解决").neg == 0
    assert cues("也谈不上什么低落").neg == 0
    assert cues("客户没有流失").neg == 0


def test_hownet_words_are_read_with_their_negator():
    from analysis.judge.sentiment import lexicon_counts

    assert lexicon_counts(["我", "很", "满意"]) == (1, 0)
    assert lexicon_counts(["我", "不", "满意"]) == (0, 1)


# Kinds fixed in the w11 round (issue 12): every sentence written for this test, none of them in the
# training files; the comment names the kind.
@pytest.mark.parametrize("sentence, expected", [
    # work-log items and bare result lines of several job families
    ("3. 完成了采购系统与财务系统的对接；", "pos"),
    ("- 搭建了门店的会员小程序", "pos"),
    ("全年办理对公开户210户，差错为零。", "pos"),
    ("退款工单：共处理960张，平均当天办结", "pos"),
    ("今年装配线的一次交检合格率做到了99.5%。", "pos"),
    # self-affirmation and casual praise, Simplified and Traditional
    ("今年过得挺充实，学到了不少东西。", "pos"),
    ("這一年收穫很多，整體還算滿意。", "pos"),
    # colloquial complaints and unfinished items
    ("这半年真是累惨了，天天被催进度。", "neg"),
    ("报表自动化（未完成）", "neg"),
    ("年初的读书计划又泡汤了。", "neg"),
    # advice and maxims that contain a problem word or a prohibition
    ("遇到客户投诉，要先耐心听完再解释。", "neu"),
    ("对账不清的款项一律不得入账。", "neu"),
    # duties and ideals in upbeat words
    ("作为客服，要始终为客户提供热情周到的服务。", "neu"),
    # neutral narrative with a negation
    ("今年没有换岗位，还在原来的部门。", "neu"),
])
def test_kinds_fixed_with_written_sentences(sentence, expected):
    assert label(sentence) == expected


@pytest.mark.parametrize("text, item, figures", [
    ("2. 开发报表导出功能，支持两种格式", True, 0),
    ("重构了库存模块", True, 0),
    ("二期接口联调没有完成", False, 0),  # a negated item is no achievement
    ("全年签约17单，金额328万", False, 2),
])
def test_work_log_items_and_figures_are_counted(text, item, figures):
    c = cues(text)
    assert (c.item, c.figures) == (item, figures)


# Kinds worked on in the w12 round (issue 12; docs/method.md "w12 这一轮"): every sentence written for this
# test, none of them in the training files or the dev set; the comment names the kind.
@pytest.mark.parametrize("sentence, expected", [
    # work-log status and result lines without a word of praise
    ("工作结果：新员工办理入职从半天缩短到一小时。", "pos"),
    ("进度：接口开发100%，联调100%。", "pos"),
    ("排查并修好了打卡机时间不同步的毛病。", "pos"),  # a colloquial fix verb, the object closing on 毛病
    # a team's effort told as a story, and a good ending after a hard start
    ("一年来，客服组的同事们坚守岗位，保障了大促期间的咨询零积压。", "pos"),
    ("辛苦没有白费，新车间按期投产。", "pos"),
    ("前期踩了不少坑，好在最后还是按时交付了。", "pos"),
    # colloquial joy, and growth told as what one can do now
    ("今年最开心的事：拿到了心仪学校的录取通知！", "pos"),
    ("自己做的小程序有人用了，美滋滋。", "pos"),
    ("做了一年出纳，现在点账又快又准。", "pos"),
    # purposes and maxims in upbeat words, plain technical notes and narrative
    ("设立值班制度是为了保证节假日也有人响应客户。", "neu"),
    ("只有把细节做好，才能赢得客户的信任。", "neu"),
    ("如果网络断开，数据会先存在手机里，联网后再上传。", "neu"),
    ("今年从采购部调到了仓储部。", "neu"),
    # colloquial complaints, failures and mild self-criticism
    ("这个项目简直就是个无底坑，怎么填都填不满。", "neg"),
    ("年初立的目标，到年底一个都没实现。", "neg"),
    ("考了两次中级会计，都差几分没过。", "neg"),
    ("我的表达能力一直是短板，汇报时经常讲不清重点。", "neg"),
    ("对业务的理解还很浅，很多规则要反复问人。", "neg"),
])
def test_kinds_fixed_in_w12(sentence, expected):
    assert label(sentence) == expected


@pytest.mark.parametrize("text, fixes", [
    ("配合财务部解决发票无法打印的问题。", True),  # done for someone: the helper opens the item
    ("协助仓库同事修复扫码入库报错", True),
    ("修改订单页在低版本手机上加载失败的情况。", True),  # the object closes on the situation, not on 问题
    ("帮客户处理了退款到账慢的毛病", True),
    ("搞定了报表导出乱码的问题", True),  # colloquial fix verbs
    ("这个工具主要解决重复录入的问题", False),  # what a tool is for opens with its subject
    ("协助运维同事排查网关偶发502的问题", False),  # searching is not fixing
])
def test_fix_items_done_for_someone_or_closing_on_the_situation(text, fixes):
    assert fixes_a_problem(text) is fixes


# w13: the build passes the layout's heading flag (every unpunctuated line of up to 30 characters); only a
# line that also reads as a heading here counts as one, and an unnumbered one is weighed by the regression
# with its heading feature on. Sentences written here, not in the training files.
@pytest.mark.parametrize("line, expected", [
    ("项目验收一次通过", "pos"),
    ("年底评上了先进个人", "pos"),
    ("全年零差错", "pos"),
    ("接手的三个老项目全部按期验收了", "pos"),
    ("二、存在的不足", "neu"),  # numbered: neutral outright
    ("3. 下一步工作计划", "neu"),
    ("工作中的不足", "neu"),  # unnumbered headings stay neutral through the regression
    ("客户满意度调查", "neu"),
    ("明年的打算", "neu"),
    ("部门：财务部", "neu"),
])
def test_lines_laid_out_as_headings(line, expected):
    from analysis.text.sections import is_heading

    assert is_heading(line)
    model = default_model()
    assert model.score_many([line], [cut(line)], [True])[0].label == expected
    assert model.score(line, cut(line), True).label == expected


def test_cues_under_a_condition_or_goal_are_counted_apart():
    framed = cues("只有把每个细节都核对清楚，才能让客户满意。")
    assert framed.pos_irrealis == framed.pos > 0
    plain = cues("客户非常满意。")
    assert plain.pos > 0 and plain.pos_irrealis == 0


@pytest.mark.parametrize("sentence", [
    "为了保证数据安全，所有导出操作都要留痕。",
    "如果每张单据都能当天录入，月底就不会手忙脚乱。",
    "只要用心去做，没有干不好的工作。",
    "排班的目的是让每个时段都有人值守。",
    "只有把每个细节都核对清楚，才能让客户放心。",
    "一旦发现质量问题，要立即停线上报。",
    "如果沒有把握，就先和主管確認再回覆客戶。",  # Traditional
])
def test_conditions_goals_and_advice_are_neutral(sentence):
    assert label(sentence) == "neu"


def test_regressions_are_fitted_to_their_optimum_not_to_where_lbfgs_stopped():
    """The weights must not depend on the machine: scikit-learn's default tolerance left the sentiment bias
    0.008 from the optimum, in a direction set by the BLAS's rounding (one thread or two), and a model
    retrained under another thread count moved labels near a threshold. Fitted to convergence, L-BFGS
    agrees with an exact Newton solver on the same (strictly convex) problem."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    from analysis.judge.logistic import fit

    rows = [("今年回款率达到百分之九十八，超额完成任务。", "pos"), ("客户投诉较多，交付多次延期。", "neg"),
            ("三月份开始负责华东区的渠道。", "neu"), ("新产品培训效果不错，大家都很满意。", "pos"),
            ("回款速度慢，应收账款压力很大。", "neg"), ("明年计划每月拜访重点客户两次。", "neu"),
            ("系统上线后故障明显减少。", "pos"), ("沟通不到位，导致返工。", "neg"), ("本季度参加了两次例会。", "neu")]
    vectorizer = CountVectorizer(analyzer=lambda ws: ws, binary=True)
    x = normalize(vectorizer.fit_transform([cut(t) for t, _ in rows]).astype(float))
    y = [lab for _, lab in rows]
    exact = LogisticRegression(C=4.0, class_weight="balanced", solver="newton-cg", tol=1e-12, max_iter=1000).fit(x, y)
    ours = fit(x, y, 4.0)
    assert list(ours.classes_) == ["neg", "neu", "pos"]
    assert np.abs(ours.coef_ - exact.coef_).max() < 1e-5
    assert np.abs(ours.intercept_ - exact.intercept_).max() < 1e-5
    assert [ours.predict(x[i])[0] for i in range(len(rows))] == y


# Issue 12, round 4: a work-log status line that reports its item done is an achievement, whatever words
# the status uses; one still going on, late or undone is not. Sentences written here, not in the training files.
@pytest.mark.parametrize("line, expected", [
    ("完成情况：月度报表自动化，已完成。", "pos"),
    ("完成情况：库房盘点、账实核对，全部完成", "pos"),
    ("完成情况：客户回访名单整理，完成", "pos"),
    ("工作结果：新人上岗培训从两周缩短到一周；", "pos"),
    ("完成情況：門店收銀系統切換，完成。", "pos"),  # Traditional
    ("完成情况：测试中，下周提交验收。", "neu"),
    ("完成情况：暂停，等待法务审核", "neu"),
    ("完成情况：因供应商缺货延期。", "neg"),
    ("完成情况：未完成，客户需求还在调整。", "neg"),
])
def test_status_lines_reporting_an_item_done(line, expected):
    assert label(line) == expected


def test_a_status_line_done_counts_as_one_positive_cue():
    assert cues("完成情况：客户回访名单整理，完成").pos == 1.0
    assert cues("工作结果：新人上岗培训从两周缩短到一周").pos == 1.0
    for undone in ("完成情况：测试中，下周提交验收。", "完成情况：因供应商缺货延期。", "工作结果：暂无", "完成情况：",
                   "（一）工作完成情况", "下一步：完成情况：待定"):
        assert cues(undone).pos == 0.0, undone


def test_cues_of_many_texts_are_the_cues_of_each():
    """``cues_many`` scans the texts joined; every text's cues are what ``cues`` finds in it alone, including
    texts that end or start on a figure's digits or unit, or hold the newline and 。 that join them."""
    from analysis.judge.sentiment import cues_many, read_labelled
    from analysis.paths import DATA_DIR, PROJECT_DIR
    from tests.test_pipeline import _demo_sentences

    texts = _demo_sentences(40) + [to_simplified(r["text"]) for r in read_labelled(
        PROJECT_DIR / "tests/data/labelled_sentences.tsv")] + [r["text"] for r in read_labelled(
        DATA_DIR / "sentiment_train_a.tsv")]
    texts += ["完成了12", "个项目，回款率提高", "下降了8", "%。投诉减少", "没有\n问题。完成", "", "。", "超额完成任务\n"]
    assert len(texts) > 2000
    for n in range(0, len(texts), 300):
        assert cues_many(texts[n:n + 300]) == [cues(t) for t in texts[n:n + 300]]
    assert cues_many([]) == []
