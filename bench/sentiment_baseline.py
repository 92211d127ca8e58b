"""snownlp as commonly used — ``SnowNLP(text).sentiments`` with cut-offs 0.4/0.6 — on the held-out
labelled sentences, next to the engine, so the README's comparison can be reproduced:

    .venv/bin/python bench/sentiment_baseline.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.judge.evaluate import evaluate_file  # noqa: E402
from analysis.judge.sentiment import read_labelled  # noqa: E402

HELD_OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "labelled_sentences.tsv"


def main() -> None:
    from snownlp import SnowNLP

    rows = read_labelled(HELD_OUT)
    start = time.perf_counter()
    scores = [SnowNLP(r["text"]).sentiments for r in rows]
    seconds = time.perf_counter() - start
    labels = ["pos" if s > 0.6 else "neg" if s < 0.4 else "neu" for s in scores]
    acc = sum(lab == r["label"] for lab, r in zip(labels, rows)) / len(rows)
    polar = [(lab, r["label"]) for lab, r in zip(labels, rows) if r["label"] != "neu"]
    sign = [("pos" if s >= 0.5 else "neg", r["label"]) for s, r in zip(scores, rows) if r["label"] != "neu"]
    print(f"snownlp 原始模型（0.4/0.6）：三分类 {acc:.1%}，正负句 {sum(a == b for a, b in polar) / len(polar):.1%}，"
          f"正负号 {sum(a == b for a, b in sign) / len(sign):.1%}，{len(rows) / seconds:.0f} 句/秒")
    start = time.perf_counter()
    r = evaluate_file(HELD_OUT)
    seconds = time.perf_counter() - start
    print(f"本引擎：三分类 {r['accuracy']:.1%}，正负句 {r['polar_accuracy']:.1%}，主题 micro-F1 {r['micro_f1']:.3f}"
          f"（含模型训练 {seconds:.1f} 秒）")


if __name__ == "__main__":
    main()
