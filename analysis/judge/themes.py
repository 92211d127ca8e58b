"""Sentence-level theme assignment: the editable rules of ``data/themes.toml`` checked by a learned model.

Rules: a sentence gets a theme when it substantively concerns it: one strong cue (回款, 意向客户), or
two supporting cues together (客户 + 电话). Passing uses are removed first (感谢客户的信任). Matching
runs on Simplified text with one compiled regular expression per cue list, which is faster than
looking tokens up and does not depend on how jieba happened to cut a compound.

Rules alone reach a theme micro-F1 of about 0.76 on the held-out sentences: cue lists cannot list every
way of talking about product knowledge, and a cue word is sometimes used in passing. So a per-theme
logistic regression over the sentence's jieba words, trained (once, then cached) on the labelled sentences
shipped in ``data/sentiment_train_*.tsv`` (the same files that train the sentiment model) and in
``data/themes_train_*.tsv`` (themes only, written for the kinds of real writing the rules miss), both
confirms the rules (a rule match the model finds very unlikely is dropped) and adds the sentences it
is confident about on its own, except on short lines (``SHORT_LINE``: item labels, fragments), where a few
words make its confident guesses mostly wrong; a theme's word-order patterns marked ``trusted`` (a named
technology learnt) stand whatever the model says. Together: about 0.84 (README, ``python -m analysis evaluate``). Themes
HR adds to the taxonomy have no training sentences and are decided by their rules alone.
"""
from __future__ import annotations

import io
import itertools
import math
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from analysis.paths import data_path, write_cache
from analysis.schema import THEMES

# Chosen by `python -m analysis calibrate` (cross-validation on the training sentences).
CONFIRM = 0.4  # a match of supporting cues stands unless the model gives the theme less than this
CONFIRM_STRONG = 0.2  # a strong cue (回款, 意向客户) stands unless the model all but rules the theme out
ALONE = 0.7  # the model assigns a theme without any rule match above this probability
C = 8.0  # inverse regularisation strength of the logistic regressions
_HAN_WORD = re.compile(r"^[\u4e00-\u9fff]+$")
CLAUSE_BREAKS = frozenset("，,；;：:")
# A line this short (an item label, a heading, a fragment: 优化日志打印功能 / Node与服务端渲染) gives the model
# a handful of words, and on real writing its confident guesses there were mostly wrong: such a line gets its
# themes from the rules only, the model confirming or vetoing them but adding none of its own.
SHORT_LINE = 20  # characters of the stripped sentence
MIN_CLAUSE = 3  # words; shorter clauses (其中，) carry too little evidence to be scored alone


@dataclass(frozen=True)
class Theme:
    key: str
    description: str
    strong: re.Pattern | None
    weak: re.Pattern | None
    context: re.Pattern | None
    exclude: re.Pattern | None
    cue_words: tuple[str, ...] = ()  # the strong and supporting cue words, as written
    strong_words: tuple[str, ...] = ()  # the strong cue words alone (a subset of ``cue_words``)
    exclude_words: tuple[str, ...] = ()  # the phrases of ``exclude``, as written
    patterns: re.Pattern | None = None  # the strong word-order patterns alone
    trusted: bool = False  # a match of ``patterns`` stands whatever the model says (strength 3)

    def matches(self, text: str) -> bool:
        return self.strength(text) > 0

    def strength(self, text: str, has_cue: bool = False, may_exclude: bool = True) -> int:
        """3 for a trusted word-order pattern, 2 for a strong cue, 1 for supporting cues that only count
        together, 0 for none. ``has_cue``: the caller knows the text holds a cue word or pattern match;
        ``may_exclude`` False: the caller knows it holds none of the exclusions (nothing to remove)."""
        # most sentences carry no cue of most themes: rule those out before rewriting the text
        if not has_cue and not ((self.strong is not None and self.strong.search(text))
                or (self.weak is not None and self.weak.search(text))):
            return 0
        if self.exclude is not None and may_exclude:
            text = self.exclude.sub("。", text)
        if self.strong is not None and self.strong.search(text):
            return 3 if self.trusted and self.patterns.search(text) else 2
        return self.supporting(text)

    def supporting(self, text: str) -> int:
        """``strength`` of a text with no strong cue (and nothing excluded): 1 for two supporting cues, or one
        and a context word, else 0."""
        # distinct, non-overlapping matches: 大客户 is one cue, not 大客户 + 客户
        weak = len(set(self.weak.findall(text))) if self.weak is not None else 0
        if weak >= 2 or (weak == 1 and self.context is not None and self.context.search(text)):
            return 1
        return 0


def _alternation(words: list[str], patterns: list[str] = ()) -> re.Pattern | None:
    """Any of ``words`` (the longest where several start at one place), else any of the ``patterns``. The
    words are written as a trie (``fastscore.literal_alternation``): the same matches, found faster."""
    from analysis.judge.fastscore import literal_alternation

    parts = ([literal_alternation(words)] if words else []) + list(patterns)
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
            cue_words=tuple(dict.fromkeys([*spec.get("strong", []), *spec.get("weak", [])])),
            strong_words=tuple(dict.fromkeys(spec.get("strong", []))),
            exclude_words=tuple(dict.fromkeys(spec.get("exclude", []))),
            patterns=_alternation([], spec.get("patterns", [])),
            trusted=bool(spec.get("trusted")) and bool(spec.get("patterns")),
        )
    return themes


@lru_cache(maxsize=1)
def default_taxonomy() -> dict[str, Theme]:
    return load_taxonomy()


def rule_strengths(texts: list[str], taxonomy: dict[str, Theme]) -> list[dict[str, int]]:
    """``{theme: theme.strength(text)}`` of every text (``rule_matrix`` as dictionaries)."""
    return [dict(zip(taxonomy, row)) for row in rule_matrix(texts, taxonomy).tolist()]


def rule_matrix(texts: list[str], taxonomy: dict[str, Theme]) -> np.ndarray:
    """``theme.strength(text)`` of every text (rows) and theme (columns, in taxonomy order). Most (text,
    theme) pairs have no cue at all: one Aho-Corasick pass over all the texts finds every cue word of every
    theme, and only the texts with a cue word (or a match of the theme's word-order patterns) are judged by
    ``strength``, or, where the automaton already tells what that would find, by what is left of it (below)."""
    (automaton, owners), literals = _automaton(taxonomy)
    themes = list(taxonomy.values())
    # no cue word holds a newline, so no match reaches over a separator; each hit is (end, row of ``owners``)
    hits = np.fromiter(itertools.chain.from_iterable(automaton.iter("\n".join(texts)) if len(automaton) else ()),
                       dtype=np.int64).reshape(-1, 2)
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
    n = len(themes)
    found = np.zeros((len(texts), 3 * n), dtype=bool)  # a cue word of theme j; an exclusion of it; a strong cue
    np.logical_or.at(found, np.searchsorted(ends, hits[:, 0], side="right"), owners[hits[:, 1]])
    # an empty exclusion (which the taxonomy editor refuses) matches everywhere, and no automaton reports it
    found, excluded, strong = (found[:, :n], found[:, n:2 * n] | [("" in t.exclude_words) for t in themes],
                               found[:, 2 * n:])
    may_match = literals.candidates(texts)  # fastscore: speed only, the same texts as searching them all
    for j, theme in enumerate(themes):
        if theme.patterns is not None:
            maybe = range(len(texts)) if may_match[theme.key] is None else sorted(may_match[theme.key])
            found[[i for i in maybe if not found[i, j] and theme.patterns.search(texts[i])], j] = True
    out = np.zeros((len(texts), len(themes)), dtype=np.int64)
    for i, j in zip(*(a.tolist() for a in np.nonzero(found))):
        theme, text = themes[j], texts[i]
        if excluded[i, j]:  # the exclusions rewrite the text first
            out[i, j] = theme.strength(text, has_cue=True)
        elif strong[i, j]:  # the theme's strong expression matches: a strong cue word is there
            out[i, j] = 3 if theme.trusted and theme.patterns.search(text) else 2
        elif theme.patterns is None or not (may_match[theme.key] is None or i in may_match[theme.key]):
            out[i, j] = theme.supporting(text)  # no strong cue word, and no word-order pattern can match
        else:
            out[i, j] = theme.strength(text, has_cue=True, may_exclude=False)
    return out


_built: dict[tuple[int, ...], tuple] = {}


def _automaton(taxonomy: dict[str, Theme]):
    """``_cue_automaton`` of the taxonomy's themes and the ``fastscore.LiteralFilter`` of their word-order
    patterns, found by the themes' identity (speed only: hashing every field of ten themes per document
    cost a tenth of the rule check)."""
    key = tuple(map(id, taxonomy.values()))
    hit = _built.get(key)
    if hit is None:
        if len(_built) >= 16:
            _built.clear()
        themes = tuple(taxonomy.values())  # kept in the value, so that their ids are not reused
        from analysis.judge.fastscore import LiteralFilter

        patterns = {t.key: t.patterns for t in themes if t.patterns is not None}
        hit = _built[key] = (themes, (_cue_automaton(themes), LiteralFilter(patterns)))
    return hit[1]


@lru_cache(maxsize=16)
def _cue_automaton(themes: tuple[Theme, ...]):
    """Every cue word and excluded phrase of ``themes`` → a row of the returned matrix, which tells the
    themes it is a cue of (column j: the j-th theme), those it is excluded from (column len(themes) + j) and
    those it is a strong cue of (column 2 · len(themes) + j)."""
    import ahocorasick

    owners: dict[str, list[int]] = {}
    for j, theme in enumerate(themes):
        for word in theme.cue_words:
            owners.setdefault(word, []).append(j)
        for word in theme.exclude_words:
            owners.setdefault(word, []).append(len(themes) + j)
        for word in theme.strong_words:
            owners.setdefault(word, []).append(2 * len(themes) + j)
    rows: dict[tuple[int, ...], int] = {}
    automaton = ahocorasick.Automaton()
    for word, columns in owners.items():
        automaton.add_word(word, rows.setdefault(tuple(columns), len(rows)))
    automaton.make_automaton()
    table = np.zeros((len(rows), 3 * len(themes)), dtype=bool)
    for columns, row in rows.items():
        table[row, list(columns)] = True
    return automaton, table


class Learned:
    """One logistic regression per theme over the set of words of a sentence (binary, L2-normalised).

    Trained with scikit-learn, then reduced to a word → weight-vector table, so scoring a sentence is a
    few dictionary lookups and one small sum instead of building a sparse matrix per sentence.
    """

    def __init__(self, rows: list[dict], tokenize, c: float = C) -> None:
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.preprocessing import normalize

        from analysis.judge.logistic import fit
        from analysis.read.normalize import to_simplified

        self.themes = tuple(t for t in THEMES if any(t in r["themes"] for r in rows))
        docs = [learned_features(tokenize(to_simplified(r["text"]))) for r in rows]
        vectorizer = CountVectorizer(analyzer=lambda ws: ws, binary=True)
        x = normalize(vectorizer.fit_transform(docs).astype(float))
        coef = np.zeros((len(vectorizer.vocabulary_), len(self.themes)))
        self.bias = np.zeros(len(self.themes))
        for j, theme in enumerate(self.themes):
            y = np.array([theme in r["themes"] for r in rows])
            model = fit(x, y, c)
            coef[:, j], self.bias[j] = model.coef_[0], model.intercept_[0]
        self.coef = coef
        self.rows: dict[str, int] = dict(vectorizer.vocabulary_)
        self._unknown: dict[str, int | None] = {}

    def _row(self, word: str) -> int | None:
        """The model's row for ``word``, else for its longest known prefix or suffix of two characters
        or more: the user dictionary keeps compounds such as 回款率 whole, and a model that met only 回款
        should still read them (Chinese words only: 2340 has nothing to do with 23). Unknown words are
        remembered, so each is looked into once; the look-up reads the vocabulary only, so a word's row
        never depends on the words seen before it."""
        try:
            return self.rows[word]
        except KeyError:
            pass
        try:
            return self._unknown[word]
        except KeyError:
            pass
        found = None
        for n in range(len(word) - 1 if _HAN_WORD.match(word) else 0, 1, -1):  # not 2340 → 23
            for part in (word[:n], word[-n:]):
                if part in self.rows:
                    found = self.rows[part]
                    break
            if found is not None:
                break
        self._unknown[word] = found
        return found

    def _z(self, tokens: list[str]) -> np.ndarray | None:
        rows = {r for r in map(self._row, learned_features(tokens)) if r is not None}
        if not rows:
            return None
        return self.bias + self.coef[list(rows)].sum(axis=0) / math.sqrt(len(rows))

    def _as_dict(self, z: np.ndarray | None) -> dict[str, float]:
        if z is None:
            return dict.fromkeys(self.themes, 0.0)
        return dict(zip(self.themes, (1.0 / (1.0 + np.exp(-z))).tolist()))

    def probabilities_many(self, token_lists: list[list[str]]) -> list[dict[str, float]]:
        """``probabilities`` of many sentences (``probability_matrix`` as dictionaries)."""
        return [dict(zip(self.themes, p)) for p in self.probability_matrix(token_lists).tolist()]

    def probability_matrix(self, token_lists: list[list[str]]) -> np.ndarray:
        """``probabilities`` of many sentences (rows) per theme (columns, ``self.themes``) with one matrix sum: a
        document's sentences are scored together, since numpy's fixed cost per call outweighs the arithmetic
        of one sentence."""
        sets = self._row_sets(token_lists)
        sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
        out = np.zeros((len(sets), len(self.themes)))
        known = np.flatnonzero(sizes)
        if len(known):
            # each set's rows in its iteration order, added one after the other (``reduceat``)
            flat = np.fromiter(itertools.chain.from_iterable(sets), dtype=np.int64, count=int(sizes.sum()))
            starts = (np.cumsum(sizes) - sizes)[known]
            z = np.add.reduceat(self.coef[flat], starts, axis=0) / np.sqrt(sizes[known])[:, None] + self.bias
            out[known] = 1.0 / (1.0 + np.exp(-z))
        return out

    def clause_probabilities_many(self, token_lists: list[list[str]]) -> list[dict[str, float]]:
        """``probabilities(tokens, clauses=True)`` of many sentences (``clause_matrix`` as dictionaries)."""
        return [dict(zip(self.themes, p)) for p in self.clause_matrix(token_lists).tolist()]

    def clause_matrix(self, token_lists: list[list[str]]) -> np.ndarray:
        """``probabilities(tokens, clauses=True)`` of many sentences, as ``probability_matrix``: every sentence
        and clause scored, then the best of each sentence's."""
        pieces: list[list[str]] = []
        owner: list[int] = []
        for n, tokens in enumerate(token_lists):
            pieces.append(tokens)
            owner.append(n)
            clause: list[str] = []
            for t in [*tokens, "，"]:
                if t in CLAUSE_BREAKS:
                    if MIN_CLAUSE <= len(clause) < len(tokens):
                        pieces.append(clause)
                        owner.append(n)
                    clause = []
                else:
                    clause.append(t)
        z = self._z_many(pieces)
        best: list[np.ndarray | None] = [None] * len(token_lists)
        whole: list[bool] = [False] * len(token_lists)
        for n, zn in zip(owner, z):
            if not whole[n]:  # the sentence itself comes first: without evidence it scores nothing
                whole[n], best[n] = True, zn
            elif best[n] is not None and zn is not None:
                best[n] = np.maximum(best[n], zn)
        out = np.zeros((len(token_lists), len(self.themes)))
        known = [n for n, b in enumerate(best) if b is not None]
        if known:
            out[known] = 1.0 / (1.0 + np.exp(-np.array([best[n] for n in known])))
        return out

    def _row_sets(self, token_lists: list[list[str]]) -> list[set[int]]:
        """``{self._row(f) for f in learned_features(tokens)} - {None}`` of each token list, built in the same
        order by ``fastscore.row_sets`` (speed only: each word's row is worked out once per process)."""
        try:
            words, pairs = self._fast
        except AttributeError:
            from analysis.judge.fastscore import PairRows, Rows
            from analysis.judge.sentiment import _PUNCT

            words = Rows(lambda w: None if _PUNCT.match(w) else self._row(w))  # ``words``: no punctuation
            pairs = PairRows({k[1:]: r for k, r in self.rows.items() if k[:1] == "\x01"})  # ``_learned_bigrams``'
            self._fast = words, pairs
        from analysis.judge.fastscore import row_sets

        return row_sets(token_lists, words, pairs)

    def _z_many(self, token_lists: list[list[str]]) -> list[np.ndarray | None]:
        """``_z`` of many token lists, summed exactly as ``_z`` sums (numpy's ``sum`` pairs its terms;
        ``reduceat`` would add them in order and differ in the last bit)."""
        out: list[np.ndarray | None] = []
        for rows in self._row_sets(token_lists):
            out.append(self.bias + self.coef[list(rows)].sum(axis=0) / math.sqrt(len(rows)) if rows else None)
        return out

    def probabilities(self, tokens: list[str], clauses: bool = False) -> dict[str, float]:
        """Per theme, the probability that the sentence is about it.

        With ``clauses``, the larger of the whole sentence's and its best clause's: a sentence that lists
        several duties (维护老客户，及时跟进订单，全年回款率达到95%) is about each of them, while scored as
        a whole the words of one theme count against the others. Used only to confirm rule matches;
        on its own it would find themes in every long sentence.
        """
        z = self._z(tokens)
        if z is None or not clauses:
            return self._as_dict(z)
        clause: list[str] = []
        for t in [*tokens, "，"]:
            if t in CLAUSE_BREAKS:
                if MIN_CLAUSE <= len(clause) < len(tokens):
                    zc = self._z(clause)
                    if zc is not None:
                        z = np.maximum(z, zc)
                clause = []
            else:
                clause.append(t)
        return self._as_dict(z)

    def save(self, path: Path) -> None:
        words = list(self.rows)
        rows = np.array([self.rows[w] for w in words], dtype=np.int64)
        data = io.BytesIO()
        np.savez(data, themes=np.array(self.themes), bias=self.bias, coef=self.coef, words=np.array(words),
                 rows=rows)
        write_cache(path, data.getvalue())

    @classmethod
    def load(cls, path: Path) -> Learned:
        with np.load(path, allow_pickle=False) as z:
            learned = cls.__new__(cls)
            learned.themes = tuple(str(t) for t in z["themes"])
            learned.bias, learned.coef = z["bias"], z["coef"]
            learned.rows = dict(zip((str(w) for w in z["words"]), z["rows"].tolist()))
            learned._unknown = {}
        return learned


def words(tokens: list[str]) -> list[str]:
    from analysis.judge.sentiment import features

    return features(tokens)  # the same test as the sentiment model's, answered from its memo


def learned_features(tokens: list[str]) -> list[str]:
    """Words and the character bigrams of the sentence they spell: 催回来 and 催款 share 催, 看书 and 读书 share
    书, however jieba cut them, so a paraphrase of a theme's wording still carries its evidence."""
    return [*words(tokens), *_learned_bigrams("".join(tokens))]


@lru_cache(maxsize=4096)
def _learned_bigrams(text: str) -> tuple[str, ...]:
    from analysis.judge.sentiment import char_bigrams

    return tuple("\x01" + g for g in char_bigrams(text))


THEME_TRAIN_GLOB = "themes_train_*.tsv"


def theme_training_files() -> list[Path]:
    """Sentences labelled with themes only (columns ``themes``, ``text``): real-writing kinds of every job
    family (reading and courses as 学习成长, cooperation without 团队 words, figures without 销售 words, and
    sentences with passing cue words and no theme). The sentiment model does not read them."""
    from analysis.paths import DATA_DIR

    return sorted(DATA_DIR.glob(THEME_TRAIN_GLOB))


def theme_training_rows() -> list[dict]:
    import csv

    rows = []
    for path in theme_training_files():
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                text = (row.get("text") or "").strip()
                if text:
                    themes = [t.strip() for t in (row.get("themes") or "").split(",") if t.strip()]
                    rows.append({"themes": themes, "text": text})
    return rows


@lru_cache(maxsize=1)
def default_learned() -> Learned:
    """The model trained on the shipped sentences, kept in ``data/cache/`` once trained.

    Importing scikit-learn and fitting ten regressions costs about 1.5 s, paid by every build and every
    server process otherwise; the cached weights load in milliseconds. The cache is keyed by everything
    the weights depend on, and an unwritable or damaged cache only means training again.
    """
    from analysis.judge.sentiment import training_key, training_rows
    from analysis.paths import CACHE_DIR
    from analysis.text.segment import cut

    extra = f"{C}" + "".join(p.read_text(encoding="utf-8") for p in theme_training_files())
    path = CACHE_DIR / f"themes-{training_key(Path(__file__), extra)}.npz"
    try:
        return Learned.load(path)
    except (OSError, ValueError, KeyError):
        pass
    learned = Learned([*training_rows(), *theme_training_rows()], cut)
    learned.save(path)
    return learned


def is_short_line(text: str) -> bool:
    """Whether ``text`` is short enough (``SHORT_LINE``) that the model may not add a theme to it alone."""
    return len(text.strip()) <= SHORT_LINE


def combine(rules: dict[str, int], probabilities: dict[str, float], order, confirm: float = CONFIRM,
            alone: float = ALONE, confirm_strong: float = CONFIRM_STRONG,
            clause_probabilities: dict[str, float] | None = None, short: bool = False) -> list[str]:
    """Rule matches the model does not contradict, plus what the model is confident of, in ``order``.

    ``rules`` maps a theme to its rule strength (3 trusted pattern, 2 strong cue, 1 supporting cues). A
    trusted pattern (a named technology learnt: 啃了两周Rust的教程) always stands; a strong cue is
    trusted unless the model all but excludes the theme in the sentence and in each of its clauses: the
    model has seen only some thousand sentences, and a domain word it never met (回款率) dilutes its
    evidence rather than adding to it. Supporting cues need the model's word for the whole sentence: two
    of them meet by chance in a long clause-rich sentence (完成了……的任务之后), and the best clause
    would confirm them too easily. On a ``short`` line (``is_short_line``) the model only confirms or
    vetoes: a theme no rule found is not added, however confident the model.
    """
    out = []
    clause_probabilities = clause_probabilities or probabilities
    for key in order:
        p = probabilities.get(key)
        strength = rules.get(key, 0)
        if p is None:
            keep = strength > 0
        else:
            pc = clause_probabilities[key]
            keep = (strength == 3 or (strength == 2 and pc >= confirm_strong) or (strength == 1 and p >= confirm)
                    or (p >= alone and not short))
        if keep:
            out.append(key)
    return out


def assign(text_simplified: str, taxonomy: dict[str, Theme] | None = None, tokens: list[str] | None = None,
           learned: Learned | None = None) -> list[str]:
    """The themes a (Simplified) sentence substantively concerns, in taxonomy order.

    ``tokens`` are the sentence's jieba words when the caller already has them (the pipeline does).
    """
    if tokens is None:
        from analysis.text.segment import cut

        tokens = cut(text_simplified)
    return assign_many([text_simplified], [tokens], taxonomy, learned)[0]


def assign_many(texts: list[str], token_lists: list[list[str]], taxonomy: dict[str, Theme] | None = None,
                learned: Learned | None = None) -> list[list[str]]:
    """``assign`` for many sentences at once (a document's): the model scores them in one batch, and
    ``combine`` is applied to all of them as array operations on the rule strengths and probabilities."""
    taxonomy = taxonomy or default_taxonomy()
    learned = learned or default_learned()
    keys = list(taxonomy)
    rules = rule_matrix(texts, taxonomy)
    column = {k: j for j, k in enumerate(learned.themes)}
    modelled = np.array([k in column for k in keys], dtype=bool)  # themes HR added have rules only
    take = [column.get(k, 0) for k in keys]
    p = learned.probability_matrix(token_lists)[:, take] if column else np.zeros(rules.shape)
    # clauses are scored only when a strong cue would otherwise be dropped: most sentences need not
    doubtful = np.flatnonzero(((rules == 2) & modelled & (p < CONFIRM_STRONG)).any(axis=1))
    pc = p.copy()
    if len(doubtful):
        pc[doubtful] = learned.clause_matrix([token_lists[n] for n in doubtful.tolist()])[:, take]
    short = np.array([is_short_line(t) for t in texts], dtype=bool)[:, None]
    keep = ((rules == 3) | ((rules == 2) & (pc >= CONFIRM_STRONG)) | ((rules == 1) & (p >= CONFIRM))
            | ((p >= ALONE) & ~short))  # ``combine``, theme by theme
    keep = np.where(modelled, keep, rules > 0)
    return [list(itertools.compress(keys, row)) for row in keep.tolist()]
