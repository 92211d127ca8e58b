"""HR corrections of sentence judgements (issue 12, item 5): made in the page, applied to the sentence and
its document's figures on every read and export, kept across rebuilds and an ANALYSIS_VERSION bump,
audited, listed, undone, exported as training sentences; refused to a department head."""
from __future__ import annotations

import fnmatch
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import build, edits, query
from analysis.access import audit, users
from analysis.access.scope import Access, Filters, full_access
from analysis.insight import corrections
from analysis.judge import sentiment
from analysis.judge.sentiment import TRAIN_GLOB, read_labelled
from analysis.query import export
from analysis.text.sections import is_heading
from tests.auth_helpers import disable_pages_discovery, sign_in, write_users
from tests.conftest import write_small_corpus
from ui.state import STORE_ENV

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
SENTENCE = "我和同事互相帮助，团队配合越来越默契。"  # 客服部's summaries (tests/conftest.py), 2023 and 2024
HR = full_access()


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("corrections")
    corpus = write_small_corpus(root / "corpus")
    store = root / "base" / "insights.duckdb"
    build.build(corpus, store, workers=1, progress=False)
    return corpus, store


@pytest.fixture
def env(base, tmp_path, monkeypatch) -> tuple[Path, Path]:
    """A copy of the corpus and of its store, the dashboard and the audit log pointed at them."""
    corpus = tmp_path / "corpus"
    shutil.copytree(base[0], corpus)
    store = tmp_path / "store" / "insights.duckdb"
    store.parent.mkdir()
    shutil.copy(base[1], store)
    monkeypatch.setenv(STORE_ENV, str(store))
    monkeypatch.setenv(audit.AUDIT_ENV, str(tmp_path / "audit.jsonl"))
    return corpus, store


def target(store: Path, year: int = 2023) -> pd.Series:
    """王丽's sentence about helping colleagues, in her summary of ``year`` (with doc_id and idx)."""
    rows = query.evidence(store, Filters(departments=("客服部",)), limit=1000)
    rows = rows[(rows["text"] == SENTENCE) & (rows["year"] == year) & (rows["employee"] == "王丽")]
    assert len(rows) == 1
    return rows.iloc[0]


def doc(store: Path, doc_id: str) -> pd.Series:
    return query.documents(store, Filters(doc_ids=(doc_id,))).iloc[0]


def body_count(store: Path, doc_id: str) -> int:
    return sum(not is_heading(t) for t in query.sentences_of(store, doc_id)["text_simplified"])


def sentence(store: Path, doc_id: str, idx: int) -> pd.Series:
    rows = query.sentences_of(store, doc_id)
    return rows[rows["idx"] == idx].iloc[0]


def expected_after(before: pd.Series, model: pd.Series, body: int) -> dict:
    """The document's figures once SENTENCE is 中性 with themes 团队协作 + 学习成长, from the model's figures."""
    pos = round(before["pos_share"] * body) - (model["label"] == "pos")
    neg = round(before["neg_share"] * body) - (model["label"] == "neg")
    mean = before["sentiment_mean"] + (0.5 - model["sentiment"]) / body
    themes = {t: int(before[t]) - (t in model["themes"]) + (t in ("团队协作", "学习成长"))
              for t in ("团队协作", "学习成长", "客户服务")}
    return {"pos_share": round(pos / body, 4), "neg_share": round(neg / body, 4),
            "sentiment_mean": pytest.approx(mean, abs=1e-4), **themes}


def figures(row: pd.Series) -> dict:
    return {k: row[k] for k in ("pos_share", "neg_share", "sentiment_mean", "团队协作", "学习成长", "客户服务")}


def csv_row(store: Path, doc_id: str) -> dict:
    data = export.csv_bytes(export.table(store, "documents", Filters(doc_ids=(doc_id,))))
    assert data.startswith(b"\xef\xbb\xbf")
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig").iloc[0].to_dict()


def test_correction_in_the_page_changes_figures_export_audit_list_and_survives_rebuilds(env):
    corpus, store = env
    # the evidence list shows a repeated sentence once, from the newest summary first: the page corrects
    # that occurrence, and the same words in 王丽's summary stay as they were
    shown = query.evidence(store, Filters(departments=("客服部",)), theme="团队协作", distinct=True)
    hit = shown[shown["text"] == SENTENCE].iloc[0]
    doc_id, idx = hit["doc_id"], int(hit["idx"])
    model = sentence(store, doc_id, idx)
    assert model["label"] == "pos" and "团队协作" in model["themes"]  # what the model says of it
    before = doc(store, doc_id)
    twin = target(store, 2024)  # the same words in another summary: another sentence, not corrected
    assert twin["doc_id"] != doc_id
    twin_before = figures(doc(store, twin["doc_id"]))
    body = body_count(store, doc_id)
    want = expected_after(before, model, body)

    # ---- in the page, as the local HR admin: 主题 → 团队协作 → 客服部 → the form under the evidence
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/themes.py").run()
    at.selectbox(key="theme_pick").set_value("团队协作").run()
    at.selectbox(key="theme_dept").set_value("客服部").run()
    assert not at.exception, [e.message for e in at.exception]
    at.selectbox(key="theme_ev_fix_pick").set_value((doc_id, idx)).run()
    assert any(c.value == f"现在的判断：情感 正面；主题 {'、'.join(model['themes'])}" for c in at.caption)
    at.selectbox(key="theme_ev_fix_label").set_value("中性").run()
    at.multiselect(key="theme_ev_fix_themes").set_value(["团队协作", "学习成长"]).run()
    at.button(key="theme_ev_fix_save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [s.value for s in at.success] == [
        f"已纠正“{SENTENCE}”：情感 中性；主题 团队协作、学习成长。各页面和导出已按纠正后的结果更新。"]

    # ---- the sentence, its document's figures (every read), the CSV export
    fixed = sentence(store, doc_id, idx)
    assert (fixed["label"], fixed["sentiment"], list(fixed["themes"])) == ("neu", 0.5, ["团队协作", "学习成长"])
    assert figures(doc(store, doc_id)) == want
    assert {k: v for k, v in csv_row(store, doc_id).items() if k in want} == want
    evidence = query.evidence(store, Filters(doc_ids=(doc_id,)), theme="学习成长")
    assert SENTENCE in set(evidence["text"])
    assert figures(doc(store, twin["doc_id"])) == twin_before
    # the page shows it at once (the store's data version changed)
    at.switch_page("pages/documents.py").run()
    at.session_state["doc_id"] = doc_id
    at.run()
    table = next(df.value for df in at.dataframe if "序号" in df.value.columns)
    row = table[table["序号"] == idx + 1].iloc[0]
    assert (row["倾向"], row["主题"]) == ("中性", "团队协作、学习成长")

    # ---- audited: who, when, what
    log = audit.read(audit.audit_path(store))
    entry = log.iloc[0]
    assert (entry["user"], entry["role"], entry["table"], entry["format"]) == ("local", "hr_admin", "句子纠正", "纠正")
    assert entry["detail"].endswith(f"“{SENTENCE}”：情感 正面；主题 {'、'.join(model['themes'])} → "
                                    "情感 中性；主题 团队协作、学习成长")

    # ---- listed on 语料管理
    at.switch_page("pages/corpus.py").run()
    listed = next(df.value for df in at.dataframe if "纠正情感" in df.value.columns)
    assert listed[["句子", "模型情感", "纠正情感", "纠正主题", "状态"]].values.tolist() == [
        [SENTENCE, "正面", "中性", "团队协作、学习成长", "已应用"]]

    # ---- a rebuild that writes a new snapshot (one more summary in the folder) keeps it
    extra = corpus / "2024" / "客服部" / "赵敏_热线组.txt"
    extra.write_text((corpus / "2024" / "客服部" / "王丽_热线组.txt").read_text(encoding="utf-8")
                     .replace("王丽", "赵敏") + "感谢部门同事的支持。\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "analysis", "build", "--corpus", str(corpus), "--store", str(store),
                          "--quiet", "--workers", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "analysed 1, reused 11, failed 0"
    assert figures(doc(store, doc_id)) == want
    assert list(sentence(store, doc_id, idx)["themes"]) == ["团队协作", "学习成长"]


def test_correction_survives_an_analysis_version_bump(env, monkeypatch):
    corpus, store = env
    hit = target(store)
    doc_id, idx = hit["doc_id"], int(hit["idx"])
    edits.correct(store, doc_id, idx, label="neg", themes=[], actor=HR)
    fixed = figures(doc(store, doc_id))
    monkeypatch.setattr(build, "ANALYSIS_VERSION", "99")
    monkeypatch.setattr("analysis.pipeline.ANALYSIS_VERSION", "99")
    report = build.build(corpus, store, workers=1, progress=False)
    assert (report.analysed, report.reused) == (11, 0)  # every document analysed afresh
    assert doc(store, doc_id)["analysis_version"] == "99"
    again = sentence(store, doc_id, idx)
    assert (again["label"], again["sentiment"], list(again["themes"])) == ("neg", 0.0, [])
    assert figures(doc(store, doc_id)) == fixed
    listed = query.corrections(store)
    assert listed[["text", "label", "model_label", "status"]].values.tolist() == [[SENTENCE, "neg", "pos", ""]]


def test_undo_restores_the_models_judgement(env):
    _, store = env
    hit = target(store)
    doc_id, idx = hit["doc_id"], int(hit["idx"])
    before, model = figures(doc(store, doc_id)), sentence(store, doc_id, idx)
    edits.correct(store, doc_id, idx, label="neg", actor=HR)
    assert sentence(store, doc_id, idx)["label"] == "neg"
    assert figures(doc(store, doc_id)) != before

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/corpus.py").run()
    at.button(key="fix_undo").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "已撤销纠正，这句话恢复为模型的判断。" in [s.value for s in at.success]
    assert figures(doc(store, doc_id)) == before
    restored = sentence(store, doc_id, idx)
    assert (restored["label"], restored["sentiment"], list(restored["themes"])) == (
        model["label"], model["sentiment"], list(model["themes"]))
    assert query.corrections(store).empty
    assert list(audit.read(audit.audit_path(store))["format"]) == ["撤销纠正", "纠正"]


def test_a_correction_whose_document_is_gone_is_reported_not_applied(env):
    corpus, store = env
    hit = target(store)
    edits.correct(store, hit["doc_id"], int(hit["idx"]), label="neg", actor=HR)
    (corpus / "2023" / "客服部" / "王丽_热线组.txt").unlink()
    out = subprocess.run([sys.executable, "-m", "analysis", "build", "--corpus", str(corpus), "--store", str(store),
                          "--quiet", "--workers", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"人工纠正未能应用 {hit['doc_id']}#{int(hit['idx'])}“{SENTENCE}”：{corrections.MISSING_DOCUMENT}" in out.stderr
    assert list(query.corrections(store)["status"]) == [corrections.MISSING_DOCUMENT]
    twin = target(store, 2024)  # the same words elsewhere are not corrected in its place
    assert sentence(store, twin["doc_id"], int(twin["idx"]))["label"] == "pos"


def test_corrected_sentences_become_training_data(env, monkeypatch):
    _, store = env
    hit = target(store)
    edits.correct(store, hit["doc_id"], int(hit["idx"]), label="neu", themes=["团队协作", "学习成长"], actor=HR)
    out_file = store.parent / "sentiment_train_corrections.tsv"
    assert fnmatch.fnmatch(out_file.name, TRAIN_GLOB)  # the trainer reads it from analysis/data/ by this name
    done = subprocess.run([sys.executable, "-m", "analysis", "corrections", "export", "--store", str(store),
                           "--out", str(out_file)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "已导出 1 句" in done.stdout
    assert read_labelled(out_file) == [{"label": "neu", "themes": ["团队协作", "学习成长"], "text": SENTENCE}]
    # placed beside the shipped training files, the trainer reads it with them (sentiment and themes)
    data_dir = store.parent / "data"
    data_dir.mkdir()
    shutil.copy(sentiment.DATA_DIR / "sentiment_train_a.tsv", data_dir)
    shutil.copy(out_file, data_dir)
    monkeypatch.setattr(sentiment, "DATA_DIR", data_dir)
    rows = sentiment.training_rows()
    assert rows[-1] == {"label": "neu", "themes": ["团队协作", "学习成长"], "text": SENTENCE}
    assert len(rows) == len(read_labelled(data_dir / "sentiment_train_a.tsv")) + 1
    listed = subprocess.run([sys.executable, "-m", "analysis", "corrections", "list", "--store", str(store)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert SENTENCE in listed.stdout and "情感 中性；主题 团队协作、学习成长" in listed.stdout


def test_department_head_sees_corrections_but_cannot_make_them(env, tmp_path, monkeypatch):
    _, store = env
    hit = target(store)
    doc_id, idx = hit["doc_id"], int(hit["idx"])
    head = Access(user="kefu", name="客服部经理", role="dept_head", departments=("客服部",))
    with pytest.raises(PermissionError, match="只有 HR 管理员"):
        edits.correct(store, doc_id, idx, label="neg", actor=head)
    with pytest.raises(PermissionError):
        edits.correct(store, doc_id, idx, label="neg", actor=Access(user="guest", name="", role="viewer"))
    assert query.corrections(store).empty

    edits.correct(store, doc_id, idx, label="neg", actor=HR)
    path = write_users(tmp_path / "users.toml", min_group=1)  # three summaries: shown, not withheld
    users.add_user("kefu", "年终总结2024!", "dept_head", ("客服部",), name="客服部经理", path=path, rounds=4)
    monkeypatch.setenv(users.USERS_ENV, str(path))
    at = sign_in(AppTest.from_file(APP, default_timeout=60).run(), "kefu")
    at.switch_page("pages/themes.py").run()
    at.selectbox(key="theme_pick").set_value("团队协作").run()
    assert not at.exception
    assert SENTENCE in set(at.dataframe[0].value["句子"])  # the evidence table is there …
    assert not [w for w in at.selectbox if w.key and "_fix_" in w.key]  # … without a correction form
    assert not [b for b in at.button if b.key and b.key.endswith("_fix_save")]
    at.switch_page("pages/documents.py").run()
    at.session_state["doc_id"] = doc_id
    at.run()
    table = next(df.value for df in at.dataframe if "序号" in df.value.columns)
    assert table[table["序号"] == idx + 1].iloc[0]["倾向"] == "负面"  # the correction is applied for them too
    assert not [b for b in at.button if b.key and b.key.endswith("_fix_save")]
    assert json.loads(audit.audit_path(store).read_text("utf-8").splitlines()[-1])["user"] == "local"
