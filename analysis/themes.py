"""Sentence-level theme assignment from the editable taxonomy in ``data/themes.toml``.

A sentence gets a theme only when it substantively concerns it: one strong cue (回款, 意向客户), or
two supporting cues together (客户 + 电话). Passing uses are removed first (感谢客户的信任). Matching
runs on Simplified text with one compiled regular expression per cue list, which is faster than
looking tokens up and does not depend on how jieba happened to cut a compound.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analysis.paths import data_path
from analysis.schema import THEMES


@dataclass(frozen=True)
class Theme:
    key: str
    description: str
    strong: re.Pattern | None
    weak: re.Pattern | None
    context: re.Pattern | None
    exclude: re.Pattern | None

    def matches(self, text: str) -> bool:
        # most sentences carry no cue of most themes: rule those out before rewriting the text
        if not ((self.strong is not None and self.strong.search(text))
                or (self.weak is not None and self.weak.search(text))):
            return False
        if self.exclude is not None:
            text = self.exclude.sub("。", text)
        if self.strong is not None and self.strong.search(text):
            return True
        # distinct, non-overlapping matches: 大客户 is one cue, not 大客户 + 客户
        weak = len(set(self.weak.findall(text))) if self.weak is not None else 0
        if weak >= 2:
            return True
        return weak == 1 and self.context is not None and bool(self.context.search(text))


def _alternation(words: list[str], patterns: list[str] = ()) -> re.Pattern | None:
    parts = [re.escape(w) for w in sorted(set(words), key=len, reverse=True)] + list(patterns)
    return re.compile("|".join(parts)) if parts else None


def load_taxonomy(path: Path | None = None) -> dict[str, Theme]:
    """Themes keyed by name, in the file's order; the ten required keys must all be present."""
    path = path or data_path("themes.toml")
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    missing = [k for k in THEMES if k not in raw]
    if missing:
        raise ValueError(f"{path.name} 缺少必需的主题：{'、'.join(missing)}")
    themes: dict[str, Theme] = {}
    for key, spec in raw.items():
        themes[key] = Theme(
            key=key,
            description=spec.get("description", ""),
            strong=_alternation(spec.get("strong", []), spec.get("patterns", [])),
            weak=_alternation(spec.get("weak", [])),
            context=_alternation(spec.get("context", [])),
            exclude=_alternation(spec.get("exclude", [])),
        )
    return themes


@lru_cache(maxsize=1)
def default_taxonomy() -> dict[str, Theme]:
    return load_taxonomy()


def assign(text_simplified: str, taxonomy: dict[str, Theme] | None = None) -> list[str]:
    """The themes a (Simplified) sentence substantively concerns, in taxonomy order."""
    taxonomy = taxonomy or default_taxonomy()
    return [key for key, theme in taxonomy.items() if theme.matches(text_simplified)]
