"""Files for the upload tests: summaries written for them, zips, PDFs and a small analysed store.

Not a test module: ``test_intake*.py``, ``test_page_corpus.py`` and ``test_browser_upload.py`` share it.
"""
from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from tests.conftest import write_small_corpus

_BODY = (
    "{year}年度个人工作总结\n"
    "一、主要工作成绩\n"
    "这一年我负责{area}的日常工作，共完成{n}项任务，按时交付率达到百分之九十{m}。\n"
    "我主动向老同事请教，和团队成员配合默契，工作效率比去年明显提高。\n"
    "二、存在的不足\n"
    "遇到紧急任务时我的时间安排还不够合理，有{k}次加班才赶上进度。\n"
    "三、明年工作计划\n"
    "明年我要系统学习{topic}，争取独立负责一个完整的项目。\n"
)
_AREAS = ("合同审核", "档案整理", "招聘面试", "设备巡检", "仓库盘点", "培训组织", "费用报销", "展会筹备")
_TOPICS = ("法律法规", "数据分析", "沟通技巧", "安全规程", "项目管理")


def summary(seed: int, year: int = 2024, heading: str = "") -> str:
    """A short summary whose wording differs with ``seed`` (so every seed is its own document)."""
    text = _BODY.format(year=year, area=_AREAS[seed % len(_AREAS)], n=20 + seed, m=seed % 10, k=1 + seed % 5,
                        topic=_TOPICS[seed % len(_TOPICS)])
    if heading:
        lines = text.split("\n")
        text = "\n".join([lines[0], heading, *lines[1:]])
    return text


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def blank_pdf(password: str | None = None) -> bytes:
    """A page without a text layer (a scan), optionally encrypted."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if password:
        writer.encrypt(password)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def base_store(root: Path) -> Path:
    """An analysed store of the 11 summaries of ``tests.conftest.write_small_corpus``, built once per
    folder and copied by each test that changes it."""
    from analysis.build import build

    db = root / "base" / "insights.duckdb"
    if not db.exists():
        corpus = write_small_corpus(root / "base_corpus")
        build(corpus, db, workers=1, progress=False)
    return db


def copy_store(base: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(base, target / base.name)
    return target / base.name
