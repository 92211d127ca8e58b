"""Shared fixtures: one analysed store per test session, built from the demo corpus when there is one.

Under ``pytest -n 2`` every worker is its own session; the store is built once into the directory
the workers share (``getbasetemp().parent``) under a file lock, so the second worker reuses it.
"""
from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest

from analysis.paths import DEFAULT_CORPUS

SUFFIXES = {".txt", ".md", ".docx", ".pdf", ".zip"}

# A few summaries written for the tests: three departments, two years, teams and roles, each with the
# 成绩 → 不足 → 计划 structure and sentences that carry the themes the dashboard shows.
_PEOPLE = [
    # year, department, employee, team, role
    (2023, "销售部", "周明", "华东组", "销售代表"),
    (2023, "销售部", "吴芳", "华南组", "销售代表"),
    (2024, "销售部", "周明", "华东组", "销售主管"),
    (2024, "销售部", "吴芳", "华南组", "销售代表"),
    (2024, "销售部", "郑凯", "华东组", "销售代表"),
    (2023, "客服部", "王丽", "热线组", "客服专员"),
    (2024, "客服部", "王丽", "热线组", "客服专员"),
    (2024, "客服部", "冯涛", "售后组", "售后工程师"),
    (2023, "生产部", "陈刚", "装配组", "班组长"),
    (2024, "生产部", "陈刚", "装配组", "班组长"),
    (2024, "生产部", "褚亮", "质检组", "质检员"),
]

_ACHIEVE = {
    "销售部": [
        "全年完成销售额{n}万元，超额完成了公司下达的销售任务。",
        "我坚持每周拜访重点客户，及时跟进意向客户的采购计划。",
        "在催收货款方面，我与财务部门每月对账，年底回款率达到{p}%。",
        "通过参加产品培训，我对公司产品的技术参数更加熟悉，能够准确回答客户的问题。",
    ],
    "客服部": [
        "今年共处理客户来电{n}个，客户满意度保持在{p}%以上。",
        "对于客户投诉，我做到当天登记、三天内回复，售后问题处理得更及时。",
        "我和同事互相帮助，团队配合越来越默契。",
        "参加了两次服务礼仪培训，沟通技巧有了明显提高。",
    ],
    "生产部": [
        "本年度装配线按期交付订单{n}批，交货准时率达到{p}%。",
        "我们严格执行质量检验制度，产品一次合格率稳步提升。",
        "班组推行绩效考核办法，员工的工作积极性明显提高。",
        "通过技能培训，新员工很快掌握了装配工艺。",
    ],
}
_SHORTFALL = {
    "销售部": ["部分老客户的应收账款拖欠时间较长，催款力度还不够。",
            "对新市场的分析不够深入，开拓新渠道的效果不理想。"],
    "客服部": ["遇到情绪激动的客户时，我有时不够耐心。", "售后工单的跟踪记录还不够完整。"],
    "生产部": ["个别批次出现质量问题，导致返工和交期延误。", "设备保养计划执行得不够严格。"],
}
_PLAN = {
    "销售部": ["明年我将加大新客户开发力度，争取销售额增长{q}%。", "加强与客户的对账沟通，确保货款及时回笼。"],
    "客服部": ["新的一年我要继续学习产品知识，提高一次解决率。", "配合售后团队建立客户回访制度。"],
    "生产部": ["明年要完善质量管理制度，减少返工。", "优化排产计划，保证订单按时交付。"],
}


def _summary(i: int, year: int, dept: str, name: str, role: str) -> str:
    n, p, q = 120 + 37 * i, 85 + i % 10, 10 + i
    lines = [f"{year}年度个人工作总结", f"姓名：{name}", f"部门：{dept}", f"岗位：{role}", "",
             "一、主要工作成绩"]
    lines += [s.format(n=n, p=p) for s in _ACHIEVE[dept]]
    if i % 3 == 0:
        lines.append("20xx年我在xx地区完成了xxx万元的业绩。")  # a pasted template: placeholders
    lines += ["二、存在的不足", *_SHORTFALL[dept][: 1 + i % 2], "三、明年工作计划"]
    lines += [s.format(q=q) for s in _PLAN[dept]]
    return "\n".join(lines) + "\n"


def write_small_corpus(root: Path) -> Path:
    """The convention path ``<year>/<department>/<employee>_<team>.txt`` carries the metadata."""
    for i, (year, dept, name, team, role) in enumerate(_PEOPLE):
        path = root / str(year) / dept / f"{name}_{team}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_summary(i, year, dept, name, role), encoding="utf-8")
    return root


def _has_documents(corpus: Path) -> bool:
    return corpus.is_dir() and any(p.suffix.lower() in SUFFIXES for p in corpus.rglob("*") if p.is_file())


def _build_once(shared: Path) -> Path:
    from analysis.build import build

    store = shared / "demo_store" / "insights.duckdb"
    done = shared / "demo_store" / "built.json"
    store.parent.mkdir(parents=True, exist_ok=True)
    with open(shared / "demo_store.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                corpus = DEFAULT_CORPUS if _has_documents(DEFAULT_CORPUS) else write_small_corpus(
                    shared / "small_corpus")
                report = build(corpus, store, workers=1, progress=False)
                done.write_text(json.dumps({"corpus": str(corpus), "summary": report.summary()}))
            # the word clouds' cut of the CJK font, made once under the same lock (as `make run` does before the
            # server starts): a browser test's first 关键词 page does not wait 5–8 s for it
            from ui.cloud import common_font

            common_font()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return store


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An analysed store (built once per test run), from corpus/ if it has documents."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return _build_once(shared)


@pytest.fixture
def store(demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The dashboard on the demo store (single-user mode unless the test sets a users file)."""
    from ui.state import STORE_ENV

    monkeypatch.setenv(STORE_ENV, str(demo_store))
    return demo_store


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_store: Path) -> Path:
    """The dashboard on the demo store with the test users and an audit log of this test's own."""
    from analysis.access import audit, users
    from tests.auth_helpers import write_users
    from ui.state import STORE_ENV

    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv(audit.AUDIT_ENV, str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv(users.USERS_ENV, str(write_users(tmp_path / "users.toml")))
    return demo_store
