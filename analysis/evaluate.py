"""Quality against labelled sentences: three-way sentiment accuracy and per-theme precision/recall.

The numbers the README quotes come from ``python -m analysis evaluate`` on the held-out file
``tests/data/labelled_sentences.tsv``, which nothing is trained or tuned on.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from analysis.schema import THEMES


def evaluate_rows(rows: list[dict], model=None) -> dict:
    from analysis.normalize import to_simplified
    from analysis.segment import cut
    from analysis.sentiment import default_model
    from analysis.themes import assign

    model = model or default_model()
    confusion: Counter[tuple[str, str]] = Counter()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    errors = []
    for row in rows:
        simple = to_simplified(row["text"])
        label = model.score(simple, cut(simple)).label
        confusion[(row["label"], label)] += 1
        got, want = set(assign(simple)), set(row["themes"])
        for t in got & want:
            tp[t] += 1
        for t in got - want:
            fp[t] += 1
        for t in want - got:
            fn[t] += 1
        if label != row["label"] or got != want:
            errors.append({"text": row["text"], "label": row["label"], "got": label,
                           "themes": sorted(want), "got_themes": sorted(got)})
    n = sum(confusion.values())
    polar = [(g, p) for (g, p) in confusion.elements() if g != "neu"]
    per_theme = {}
    for t in THEMES:
        p = tp[t] / (tp[t] + fp[t]) if tp[t] + fp[t] else 0.0
        r = tp[t] / (tp[t] + fn[t]) if tp[t] + fn[t] else 0.0
        per_theme[t] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                        "support": tp[t] + fn[t]}
    stp, sfp, sfn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    micro_p = stp / (stp + sfp) if stp + sfp else 0.0
    micro_r = stp / (stp + sfn) if stp + sfn else 0.0
    return {
        "sentences": n,
        "accuracy": sum(v for (g, p), v in confusion.items() if g == p) / n if n else 0.0,
        "polar_accuracy": sum(1 for g, p in polar if g == p) / len(polar) if polar else 0.0,
        "always_neu": sum(v for (g, _), v in confusion.items() if g == "neu") / n if n else 0.0,
        "confusion": {f"{g}->{p}": v for (g, p), v in sorted(confusion.items())},
        "themes": per_theme,
        "micro_precision": micro_p,
        "micro_recall": micro_r,
        "micro_f1": 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0,
        "errors": errors,
    }


def evaluate_file(path: Path) -> dict:
    from analysis.sentiment import read_labelled

    return evaluate_rows(read_labelled(path))


def format_report(r: dict) -> str:
    lines = [
        f"句子 {r['sentences']}",
        f"情感三分类准确率 {r['accuracy']:.1%}（全答中性的基线 {r['always_neu']:.1%}）",
        f"正负句准确率 {r['polar_accuracy']:.1%}",
        f"主题 micro P {r['micro_precision']:.3f} R {r['micro_recall']:.3f} F1 {r['micro_f1']:.3f}",
        "主题          P      R      F1    支持数",
    ]
    for t, m in r["themes"].items():
        lines.append(f"{t:<8}  {m['precision']:.3f}  {m['recall']:.3f}  {m['f1']:.3f}  {m['support']:>4}")
    lines.append("混淆（标注->预测）：" + "，".join(f"{k} {v}" for k, v in r["confusion"].items()))
    return "\n".join(lines)
