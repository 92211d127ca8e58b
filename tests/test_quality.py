"""Quality on the held-out labelled sentences (tests/data/labelled_sentences.tsv).

Nothing is trained or tuned on this file. The floors sit a little under what was measured when they
were set (see README), so a change that makes quality worse fails here.
"""
from pathlib import Path

from analysis.judge.evaluate import evaluate_file

HELD_OUT = Path(__file__).parent / "data" / "labelled_sentences.tsv"


def test_held_out_quality_floor():
    r = evaluate_file(HELD_OUT)
    assert r["sentences"] == 420
    assert r["accuracy"] >= 0.90
    assert r["accuracy"] > r["always_neu"] + 0.25
    assert r["polar_accuracy"] >= 0.88
    assert r["micro_f1"] >= 0.74
    for key in ("货款回笼", "产品知识", "客户跟进"):
        assert r["themes"][key]["f1"] >= 0.70, key


def test_method_page_states_the_training_set_size_it_has():
    # the method page tells HR how many written sentences the sentiment model learns from; it said 3,400
    # long after the set had grown past 7,900, so the stated figure is held to the files (within 5 %)
    import re

    from analysis.judge.sentiment import read_labelled
    from analysis.paths import DATA_DIR, PROJECT_DIR

    stated = re.search(r"约 ([\d,]+) 句句子", (PROJECT_DIR / "pages" / "method.py").read_text(encoding="utf-8"))
    have = sum(len(read_labelled(f)) for f in DATA_DIR.glob("sentiment_train_*.tsv"))
    assert stated and abs(int(stated.group(1).replace(",", "")) - have) <= 0.05 * have
