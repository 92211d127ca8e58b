"""The recorded quality figures the dashboard's 方法与准确度 page shows: ``analysis/data/quality.json``.

The page never shows a figure typed by hand. ``python -m analysis evaluate FILE --record NAME`` runs the
evaluation (``analysis.judge.evaluate``) and writes or updates the entry ``NAME`` here with the command
that reproduces it; tests/test_quality.py re-runs the evaluation of the project's held-out file and fails
when the models changed without the entry being recorded again.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from analysis.paths import PROJECT_DIR, data_path
from analysis.schema import ANALYSIS_VERSION, LABELS

QUALITY_FILE = data_path("quality.json")
HELD_OUT = "留出评测集"
"""The name of the entry for the project's own held-out sentences (tests/data/labelled_sentences.tsv)."""


def per_class(confusion: dict[str, int]) -> dict[str, dict[str, float]]:
    """Precision and recall of each sentiment label from a ``gold->predicted`` confusion count."""
    pairs = {tuple(k.split("->")): v for k, v in confusion.items()}
    out = {}
    for label in LABELS:
        predicted = sum(v for (_, p), v in pairs.items() if p == label)
        gold = sum(v for (g, _), v in pairs.items() if g == label)
        hit = pairs.get((label, label), 0)
        out[label] = {"precision": round(hit / predicted, 4) if predicted else 0.0,
                      "recall": round(hit / gold, 4) if gold else 0.0, "support": gold}
    return out


def _shown_path(path: Path) -> str:
    """The file as the command should name it: relative to the project when inside it."""
    path = Path(path).resolve()
    for base, prefix in ((PROJECT_DIR, ""), (PROJECT_DIR.parent, "../")):  # a labelled file beside the clone
        try:
            return prefix + str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


def entry(name: str, path: Path, report: dict, today: dt.date | None = None) -> dict:
    """One recorded measurement from an ``evaluate_file`` report."""
    shown = _shown_path(path)
    return {
        "name": name,
        "file": Path(path).name,
        "command": f"python -m analysis evaluate {shown} --record {name}",
        "sentences": int(report["sentences"]),
        "accuracy": round(report["accuracy"], 4),
        "always_neu": round(report["always_neu"], 4),
        "per_class": per_class(report["confusion"]),
        "polar_recall": round(report["polar_accuracy"], 4),
        "theme_micro_f1": round(report["micro_f1"], 4),
        "theme_micro_precision": round(report["micro_precision"], 4),
        "theme_micro_recall": round(report["micro_recall"], 4),
        "themes": {t: {k: round(v, 4) if isinstance(v, float) else v for k, v in m.items()}
                   for t, m in report["themes"].items()},
        "measured": (today or dt.date.today()).isoformat(),
        "analysis_version": ANALYSIS_VERSION,
    }


def load(path: Path = QUALITY_FILE) -> list[dict]:
    """Every recorded entry, in the file's order (empty when nothing is recorded yet)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))["entries"]
    except (OSError, ValueError, KeyError):
        return []


def record(new: dict, path: Path = QUALITY_FILE) -> list[dict]:
    """Write ``new`` into the file, replacing the entry of the same name; returns all entries."""
    entries = [e for e in load(path) if e["name"] != new["name"]]
    entries.append(new)
    entries.sort(key=lambda e: (e["name"] != HELD_OUT, e["name"]))
    text = json.dumps({"entries": entries}, ensure_ascii=False, indent=2) + "\n"
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return entries
