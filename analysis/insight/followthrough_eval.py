"""How well the follow-through judgement agrees with plan pairs labelled by hand.

``data/followthrough_pairs.tsv`` holds plan sentences of year N written for this project, each with a
few sentences of the writer's year N+1 summary and the verdict a reader gives (落实 / 部分落实 /
未落实). Each pair is segmented and scored the way the build does it (jieba tokens, content words,
the sentiment label) and judged by ``followthrough.judge``; the result is precision and recall per
verdict. Run ``python -m analysis.insight.followthrough_eval`` to print the table the README quotes.
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from analysis.insight import followthrough as ft
from analysis.paths import data_path
from analysis.read.normalize import to_simplified

PAIRS = data_path("followthrough_pairs.tsv")


def read_pairs(path: Path = PAIRS) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(expected verdict, plan sentence, [(section, sentence), …]) per labelled line."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        verdict, plan, report = line.split("\t")
        sentences = [tuple(part.split(":", 1)) for part in report.split("｜")]
        out.append((verdict, plan, [(sec.strip(), text.strip()) for sec, text in sentences]))
    return out


def _sentence(idx: int, section: str, text: str, model) -> ft.Sentence:
    from analysis.text import segment

    simplified = to_simplified(text)
    tokens = segment.cut(simplified)
    label = model.score(simplified, tokens).label if model is not None else "neu"
    return ft.Sentence(idx, section, label, sorted(set(segment.content_words(tokens))))


def judge_pairs(pairs=None, model=None) -> list[tuple[str, str]]:
    """(expected, judged) for every labelled pair; a plan with no target counts as 未落实."""
    from analysis.judge.sentiment import default_model

    model = model or default_model()
    out = []
    for expected, plan_text, report_texts in pairs if pairs is not None else read_pairs():
        plan = _sentence(0, "计划", plan_text, model)
        report = [_sentence(n, sec, text, model) for n, (sec, text) in enumerate(report_texts)]
        result = ft.judge("plan", plan, "next", report, ft.weights(plan.words))
        out.append((expected, result.status if result else ft.STATUS_NOT))
    return out


def scores(judged: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Per verdict: precision, recall and the number of pairs labelled so."""
    out = {}
    for verdict in (ft.STATUS_DONE, ft.STATUS_PARTLY, ft.STATUS_NOT):
        tp = sum(1 for e, j in judged if e == j == verdict)
        said = sum(1 for _, j in judged if j == verdict)
        true = sum(1 for e, _ in judged if e == verdict)
        out[verdict] = {"precision": tp / said if said else 0.0, "recall": tp / true if true else 0.0,
                        "pairs": true}
    out["accuracy"] = {"value": sum(e == j for e, j in judged) / len(judged) if judged else 0.0}
    return out


def main() -> int:
    judged = judge_pairs()
    table = scores(judged)
    print(f"{len(judged)} 对标注计划（{PAIRS.name}）")
    print("判断      精确率  召回率  标注数")
    for verdict in (ft.STATUS_DONE, ft.STATUS_PARTLY, ft.STATUS_NOT):
        s = table[verdict]
        print(f"{verdict:<6}  {s['precision']:6.2f}  {s['recall']:6.2f}  {s['pairs']:5d}")
    print(f"准确率 {table['accuracy']['value']:.2f}")
    confusion = Counter(judged)
    print("混淆（期望 → 判断）：" + "；".join(f"{e}→{j} {n}" for (e, j), n in sorted(confusion.items()) if e != j))
    return 0


if __name__ == "__main__":
    sys.exit(main())
