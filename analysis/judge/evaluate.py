"""Quality against labelled sentences: three-way sentiment accuracy and per-theme precision/recall.

The numbers the README quotes come from ``python -m analysis evaluate`` on the held-out file
``tests/data/labelled_sentences.tsv``, which nothing is trained or tuned on, and from
``python -m analysis evaluate dev.csv`` on real sentences labelled by two annotators. The second
format has no single truth: a sentence's sentiment is scored only where the two agree, and a theme
only where they agree about it for that sentence (a theme one annotator gave and the other did not
is neither rewarded nor punished), so disagreement never counts as a model error.
"""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from analysis.schema import LABELS, THEMES


def evaluate_rows(rows: list[dict], model=None, themes_of=None) -> dict:
    """Scores of ``model`` (a sentiment model) and ``themes_of(simplified, tokens)`` (default: the
    product's theme assignment) against ``rows``; a row whose ``label`` is None is not scored for
    sentiment, and its ``unscored_themes`` are ignored whether predicted or not."""
    from analysis.judge.sentiment import default_model
    from analysis.judge.themes import assign
    from analysis.read.normalize import to_simplified
    from analysis.text.segment import cut

    model = model or default_model()
    confusion: Counter[tuple[str, str]] = Counter()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    errors = []
    for row in rows:
        simple = to_simplified(row["text"])
        tokens = cut(simple)
        label = model.score(simple, tokens).label
        if row["label"] is not None:
            confusion[(row["label"], label)] += 1
        got = set(themes_of(simple, tokens) if themes_of else assign(simple, tokens=tokens))
        want = set(row["themes"])
        got -= set(row.get("unscored_themes", ()))
        for t in got & want:
            tp[t] += 1
        for t in got - want:
            fp[t] += 1
        for t in want - got:
            fn[t] += 1
        if (row["label"] is not None and label != row["label"]) or got != want:
            errors.append({"text": row["text"], "label": row["label"], "got": label,
                           "themes": sorted(want), "got_themes": sorted(got)})
    n = sum(confusion.values())
    polar = [(g, p) for (g, p) in confusion.elements() if g != "neu"]
    per_class = {}
    for c in LABELS:
        predicted = sum(v for (_, p), v in confusion.items() if p == c)
        actual = sum(v for (g, _), v in confusion.items() if g == c)
        hit = confusion[(c, c)]
        per_class[c] = {"precision": hit / predicted if predicted else 0.0,
                        "recall": hit / actual if actual else 0.0, "support": actual}
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
        "rows": len(rows),
        "sentences": n,
        "per_class": per_class,
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


DEV_COLUMNS = ("text", "sentiment_a", "themes_a", "sentiment_b", "themes_b")


def _theme_set(cell: str | None) -> set[str]:
    """Themes of one annotator's cell: ``|``-separated in the dev format (commas accepted too)."""
    return {t.strip() for t in (cell or "").replace(",", "|").replace("，", "|").split("|") if t.strip()}


def read_two_annotator_csv(path: Path) -> list[dict]:
    """Rows of a CSV labelled by two annotators (id,source,sha1,text,sentiment_a,themes_a,sentiment_b,
    themes_b), as the rows ``evaluate_rows`` reads: ``label`` is the agreed sentiment or None,
    ``themes`` the themes both gave, ``unscored_themes`` those only one of them gave."""
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in DEV_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{path.name} 缺少列：{', '.join(missing)}")
        for row in reader:
            text = (row["text"] or "").strip()
            if not text:
                continue
            a, b = (row["sentiment_a"] or "").strip(), (row["sentiment_b"] or "").strip()
            ta, tb = _theme_set(row["themes_a"]), _theme_set(row["themes_b"])
            rows.append({"text": text, "label": a if a == b and a in LABELS else None,
                         "themes": sorted(ta & tb), "unscored_themes": sorted(ta ^ tb)})
    return rows


def read_any(path: Path) -> list[dict]:
    """The project's TSV (label, themes, text) or the two-annotator CSV, told apart by the header."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header = fh.readline()
    if "sentiment_a" in header and "sentiment_b" in header:
        return read_two_annotator_csv(path)
    from analysis.judge.sentiment import read_labelled

    return read_labelled(path)


def evaluate_file(path: Path) -> dict:
    return evaluate_rows(read_any(path))


def format_report(r: dict) -> str:
    lines = [
        f"句子 {r['rows']}，情感计分 {r['sentences']}（两位标注者一致的句子；单一标注文件即全部）",
        f"情感三分类准确率 {r['accuracy']:.1%}（全答中性的基线 {r['always_neu']:.1%}）",
        f"正负句召回率（polar recall）{r['polar_accuracy']:.1%}",
        "情感类别      P      R    支持数",
    ]
    for c, m in r["per_class"].items():
        lines.append(f"{c:<8}  {m['precision']:.3f}  {m['recall']:.3f}  {m['support']:>5}")
    lines += [
        f"主题 micro P {r['micro_precision']:.3f} R {r['micro_recall']:.3f} F1 {r['micro_f1']:.3f}",
        "主题          P      R      F1    支持数",
    ]
    for t, m in r["themes"].items():
        lines.append(f"{t:<8}  {m['precision']:.3f}  {m['recall']:.3f}  {m['f1']:.3f}  {m['support']:>4}")
    lines.append("混淆（标注->预测）：" + "，".join(f"{k} {v}" for k, v in r["confusion"].items()))
    return "\n".join(lines)


def cross_validate(rows: list[dict], grid: list, folds: int = 5) -> list[tuple[object, dict]]:
    """Every parameter set of ``grid`` scored by ``folds``-fold cross-validation on ``rows``.

    The naive-Bayes part is retrained on each fold's training part; the cues and tokens do not depend
    on the fold and are computed once, so a large grid costs little more than one pass.
    """
    from analysis.judge.sentiment import LogOdds, combine, cues, features, looks_like_heading, train_bayes
    from analysis.read.normalize import to_simplified
    from analysis.text.segment import cut

    simple = [to_simplified(r["text"]) for r in rows]
    tokens = [features(cut(s)) for s in simple]
    prepared = [(cues(s), looks_like_heading(s)) for s in simple]
    nb = [0.0] * len(rows)
    for k in range(folds):
        train = [r for i, r in enumerate(rows) if i % folds != k]
        log_odds = LogOdds(train_bayes(train, cut))
        for i in range(k, len(rows), folds):
            nb[i] = log_odds(tokens[i])
    results = []
    for params in grid:
        labels = [combine(c, nb[i], h, params).label for i, (c, h) in enumerate(prepared)]
        gold = [r["label"] for r in rows]
        polar = [(g, p) for g, p in zip(gold, labels) if g != "neu"]
        results.append((params, {
            "accuracy": sum(g == p for g, p in zip(gold, labels)) / len(rows),
            "polar_accuracy": sum(g == p for g, p in polar) / len(polar) if polar else 0.0,
        }))
    return results


def cross_validate_polarity(rows: list[dict], cs=(1.0, 3.0, 10.0), folds: int = 5) -> list[tuple[float, dict]]:
    """Three-way accuracy and polar recall of the current sentiment model (naive Bayes + regression) for
    each regularisation ``c``, by ``folds``-fold cross-validation on ``rows``: each fold's model is
    trained on the other folds only, naive Bayes and regression alike."""
    from analysis.judge.sentiment import SentimentModel, train
    from analysis.read.normalize import to_simplified
    from analysis.text.segment import cut

    simple = [to_simplified(r["text"]) for r in rows]
    tokens = [cut(s) for s in simple]
    out = []
    for c in cs:
        labels = [""] * len(rows)
        for k in range(folds):
            log_odds, polarity = train([r for i, r in enumerate(rows) if i % folds != k], cut, c=c)
            model = SentimentModel(log_odds=log_odds, polarity=polarity)
            for i in range(k, len(rows), folds):
                labels[i] = model.score(simple[i], tokens[i]).label
        gold = [r["label"] for r in rows]
        polar = [(g, p) for g, p in zip(gold, labels) if g != "neu"]
        out.append((c, {"accuracy": sum(g == p for g, p in zip(gold, labels)) / len(rows),
                        "polar_accuracy": sum(g == p for g, p in polar) / len(polar) if polar else 0.0}))
    return out


def calibration_grid() -> list:
    from itertools import product

    from analysis.judge.sentiment import Params

    return [Params(nb_weight=w, pos_threshold=pt, neg_threshold=nt, plan_pos_factor=f, plan_floor=fl)
            for w, pt, nt, f, fl in product((0.3, 0.4, 0.5, 0.6, 0.8), (0.6, 0.75, 0.9, 1.0, 1.2),
                                            (0.5, 0.6, 0.75, 0.9, 1.0), (0.5, 0.7), (False, True))]


def calibrate(folds: int = 5, top: int = 10) -> str:
    """The report of ``python -m analysis calibrate``: the best parameter sets by cross-validation.

    Ranked by the mean of three-way and polar accuracy, since a model that calls everything neutral
    scores well on three-way accuracy alone and is useless to HR.
    """
    from analysis.judge.sentiment import C_POLARITY, PARAMS, training_rows

    rows = training_rows()
    lines = [f"训练句 {len(rows)}，{folds} 折交叉验证：情感模型（朴素贝叶斯 + 三分类回归）",
             "C        三分类    正负句"]
    for c, m in cross_validate_polarity(rows, folds=folds):
        mark = "  ← 当前" if c == C_POLARITY else ""
        lines.append(f"{c:<7}  {m['accuracy']:.1%}  {m['polar_accuracy']:.1%}{mark}")
    lines.append("")
    grid = calibration_grid()
    if PARAMS not in grid:
        grid.append(PARAMS)
    results = cross_validate(rows, grid, folds)
    ranked = sorted(results, key=lambda x: -(x[1]["accuracy"] + x[1]["polar_accuracy"]))
    lines += [f"（旧的线性组合，仅作对照）训练句 {len(rows)}，{folds} 折交叉验证，{len(grid)} 组参数",
              "nb_weight  pos_thr  neg_thr  plan_pos  plan_floor  三分类    正负句"]
    for params, m in ranked[:top]:
        lines.append(f"{params.nb_weight:>9}  {params.pos_threshold:>7}  {params.neg_threshold:>7}  "
                     f"{params.plan_pos_factor:>8}  {params.plan_floor!s:>10}  "
                     f"{m['accuracy']:.1%}  {m['polar_accuracy']:.1%}")
    current = dict(results)[PARAMS]
    lines.append(f"当前参数 {PARAMS}：三分类 {current['accuracy']:.1%}，正负句 {current['polar_accuracy']:.1%}")

    from analysis.judge import themes

    theme_results = sorted(cross_validate_themes(rows, folds), key=lambda x: -x[1])
    lines += ["", "主题：       C  confirm  alone  confirm_strong  micro-F1"]
    lines += [f"{c:>12}  {confirm:>7}  {alone:>5}  {strong:>14}  {f1:.3f}"
              for (c, confirm, alone, strong), f1 in theme_results[:top]]
    now = dict(theme_results).get((themes.C, themes.CONFIRM, themes.ALONE, themes.CONFIRM_STRONG))
    if now is not None:
        lines.append(f"当前 C={themes.C} confirm={themes.CONFIRM} alone={themes.ALONE} "
                     f"confirm_strong={themes.CONFIRM_STRONG}：micro-F1 {now:.3f}")
    return "\n".join(lines)


def cross_validate_themes(rows: list[dict], folds: int = 5, cs=(2.0, 4.0, 8.0), confirms=(0.1, 0.2, 0.3, 0.4),
                          alones=(0.5, 0.6, 0.7, 0.8), strongs=(0.0, 0.05, 0.1, 0.2),
                          ) -> list[tuple[tuple[float, float, float, float], float]]:
    """Theme micro-F1 of every (C, confirm, alone, confirm_strong) by cross-validation on ``rows``."""
    from itertools import product

    from analysis.judge.themes import Learned, combine, default_taxonomy, is_short_line
    from analysis.read.normalize import to_simplified
    from analysis.text.segment import cut

    taxonomy = default_taxonomy()
    simple = [to_simplified(r["text"]) for r in rows]
    tokens = [cut(s) for s in simple]
    rules = [{k: t.strength(s) for k, t in taxonomy.items()} for s in simple]
    short = [is_short_line(s) for s in simple]  # as ``assign_many`` decides: rules only on short lines
    results = []
    for c in cs:
        probs: list[dict] = [{}] * len(rows)
        clause_probs: list[dict] = [{}] * len(rows)
        for k in range(folds):
            learned = Learned([r for i, r in enumerate(rows) if i % folds != k], cut, c=c)
            for i in range(k, len(rows), folds):
                probs[i] = learned.probabilities(tokens[i])
                clause_probs[i] = learned.probabilities(tokens[i], clauses=True)
        for confirm, alone, strong in product(confirms, alones, strongs):
            tp = fp = fn = 0
            for i, r in enumerate(rows):
                got = set(combine(rules[i], probs[i], taxonomy, confirm, alone, strong, clause_probs[i],
                                      short=short[i]))
                want = set(r["themes"])
                tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
            results.append(((c, confirm, alone, strong), 2 * tp / (2 * tp + fp + fn) if tp else 0.0))
    return results
