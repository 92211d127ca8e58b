"""Exploring beyond the ten themes: word co-occurrence networks, correspondence analysis, collocates and
topics found in the corpus itself (issue 15). Pure functions over plain data (word lists, counts); the
store's questions that feed them live in ``analysis.query.explore``, the topic pass in ``passes``.

- Co-occurrence network, as in KH Coder (Higuchi): the unit is the sentence, each word is the set of
  sentences it occurs in, and two words are linked by the Jaccard coefficient of those sets,
  |A∩B| / |A∪B|. Only words of a minimum frequency take part; the strongest N edges (or all edges
  above a threshold) are drawn, and communities are found by modularity (Clauset–Newman–Moore, networkx's
  ``greedy_modularity_communities``, deterministic for a given graph).
- Correspondence analysis: the SVD of the matrix of standardised residuals
  S = D_r^{-1/2} (P − r cᵀ) D_c^{-1/2} (Greenacre, *Correspondence Analysis in Practice*, ch. 4).
  Principal coordinates of rows F = D_r^{-1/2} U Σ and of columns G = D_c^{-1/2} V Σ (a symmetric map):
  a word near a group is used there more than elsewhere.
- Topics: non-negative matrix factorisation of the documents' TF-IDF (content words), deterministic for a
  given corpus and seed (``init='nndsvd'``). Fitted on documents rather than sentences: summaries repeat
  stock sentences so often that, at sentence level, the factors spend themselves on those repeats.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

EDGE_COLUMNS = ("source", "target", "cooccurrences", "jaccard", "source_freq", "target_freq",
                "source_community", "target_community")


def cooccurrence(sentences: list[list[str]], min_freq: int = 5, top_edges: int = 60,
                 threshold: float | None = None, max_words: int = 150) -> pd.DataFrame:
    """The edges of the co-occurrence network of ``sentences`` (each a list of content words).

    Words need ``min_freq`` occurrences (the ``max_words`` most frequent of those take part). With a
    ``threshold`` every edge whose Jaccard reaches it is kept, else the ``top_edges`` strongest; ties
    are broken by co-occurrence count, then by the words, so the same corpus always gives the same map.
    """
    freq = Counter(w for words in sentences for w in words)
    vocab = sorted(vocabulary(freq, min_freq, max_words))
    index = {w: i for i, w in enumerate(vocab)}
    ids, codes = [], []
    for n, ws in enumerate(sentences):
        for w in set(ws):
            if w in index:
                ids.append(n)
                codes.append(index[w])
    return edges_from_pairs(np.array(ids, dtype=np.int64), np.array(codes, dtype=np.int64), vocab,
                            top_edges, threshold)


DEFAULT_NETWORK = (5, 60, None, "", 150)
"""min_freq, top_edges, threshold, highlight, max_words of the network the page opens with."""


def network(con, where: str = "TRUE", params: list | None = None, min_freq: int = 5, top_edges: int = 60,
            threshold: float | None = None, highlight: str = "", max_words: int = 150) -> pd.DataFrame:
    """The co-occurrence network of the documents ``where`` selects (a condition over ``documents d``) in
    a store's connection. The vocabulary (words occurring at least ``min_freq`` times, the ``max_words``
    most frequent) comes from the per-document ``terms`` table, and only the (sentence, word) pairs of those
    words leave DuckDB, as integers. With ``highlight`` (a department), every word's over-representation
    there: ``source_lift``, ``target_lift`` = log2 of its share of that department's sentences over its
    share of all the sentences."""
    import pyarrow as pa

    params = list(params or [])
    vocab = sorted(r[0] for r in con.execute(
        f"SELECT t.term FROM documents d JOIN terms t ON t.doc_id = d.doc_id WHERE {where} "
        f"GROUP BY 1 HAVING SUM(t.n) >= ? ORDER BY SUM(t.n) DESC, t.term LIMIT {int(max_words)}",
        [*params, int(min_freq)]).fetchall())
    if len(vocab) < 2:
        return edges_from_pairs(np.array([]), np.array([]), [])
    con.register("_vocab", pa.table({"word": vocab, "code": list(range(len(vocab)))}))
    try:
        pairs = con.execute(
            "WITH s AS (SELECT row_number() OVER () AS sid, d.department = ? AS mine, w.words "
            f"FROM documents d JOIN sentence_words w ON w.doc_id = d.doc_id WHERE {where}), "
            "u AS (SELECT sid, mine, unnest(words) AS word FROM s) "
            "SELECT u.sid, v.code, u.mine FROM u JOIN _vocab v USING (word)", [highlight, *params]).fetchnumpy()
    finally:
        con.unregister("_vocab")
    codes = np.asarray(pairs["code"], dtype=np.int64)
    edges = edges_from_pairs(np.asarray(pairs["sid"], dtype=np.int64), codes, vocab, top_edges, threshold)
    if highlight and not edges.empty:
        n, n_mine = con.execute(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE d.department = ?) FROM documents d "
            f"JOIN sentence_words w ON w.doc_id = d.doc_id WHERE {where}", [highlight, *params]).fetchall()[0]
        mine_mask = np.asarray(pairs["mine"], dtype=bool)
        counts = pd.Series(np.bincount(codes, minlength=len(vocab)), index=vocab, dtype=float)
        mine = pd.Series(np.bincount(codes[mine_mask], minlength=len(vocab)), index=vocab, dtype=float)
        value = lift(mine, counts, int(n_mine), int(n)).round(3)
        edges["source_lift"] = edges["source"].map(value)
        edges["target_lift"] = edges["target"].map(value)
    return edges


def vocabulary(freq: dict[str, int], min_freq: int, max_words: int) -> list[str]:
    """The words of the network: at least ``min_freq`` occurrences, the ``max_words`` most frequent (ties by
    the word, in code-point order, as DuckDB sorts them)."""
    return sorted((w for w, n in freq.items() if n >= min_freq), key=lambda w: (-freq[w], w))[:max_words]


def edges_from_pairs(sentence_ids: np.ndarray, codes: np.ndarray, vocab: list[str], top_edges: int = 60,
                     threshold: float | None = None) -> pd.DataFrame:
    """The network from (sentence, word) pairs, one per distinct word of a sentence: ``codes`` index
    ``vocab``, which is sorted (the store's question finds the pairs in SQL)."""
    from scipy import sparse

    if len(vocab) < 2 or len(codes) == 0:
        return pd.DataFrame(columns=list(EDGE_COLUMNS))
    rows, _ = pd.factorize(sentence_ids)
    x = sparse.csr_matrix((np.ones(len(codes)), (rows, codes)), shape=(rows.max() + 1, len(vocab)))
    co = (x.T @ x).tocoo()
    f = np.asarray(x.sum(axis=0)).ravel()
    keep = co.row < co.col
    return edges_from_counts(co.row[keep], co.col[keep], co.data[keep], f, vocab, top_edges, threshold)


def edges_from_counts(a: np.ndarray, b: np.ndarray, c: np.ndarray, f: np.ndarray, vocab: list[str],
                      top_edges: int = 60, threshold: float | None = None) -> pd.DataFrame:
    """The network from its counts: ``c`` sentences hold both words ``a`` < ``b`` (codes into the sorted
    ``vocab``; only pairs with ``c`` > 0), ``f`` the sentences holding each word. The stored network of a
    build is drawn from counts it keeps (``analysis.insight.passes.update_network``), a page's from pairs."""
    if len(vocab) < 2:
        return pd.DataFrame(columns=list(EDGE_COLUMNS))
    f = np.asarray(f, dtype=float)
    c = np.asarray(c, dtype=float)
    jac = c / (f[a] + f[b] - c)
    # each pair once, its more frequent word first (ties: the word first in vocab, i.e. code-point order)
    first = (f[a] > f[b]) | ((f[a] == f[b]) & (a < b))
    src, dst = np.where(first, a, b), np.where(first, b, a)
    edges = pd.DataFrame({"source": [vocab[i] for i in src], "target": [vocab[i] for i in dst],
                          "cooccurrences": c.astype(int), "jaccard": jac,
                          "source_freq": f[src].astype(int), "target_freq": f[dst].astype(int)})
    edges = edges.sort_values(["jaccard", "cooccurrences", "source", "target"],
                              ascending=[False, False, True, True])
    edges = edges[edges["jaccard"] >= threshold] if threshold is not None else edges.head(int(top_edges))
    edges = edges.reset_index(drop=True)
    community = communities(edges)
    edges["source_community"] = edges["source"].map(community).astype(int)
    edges["target_community"] = edges["target"].map(community).astype(int)
    edges["jaccard"] = edges["jaccard"].round(6)
    return edges[list(EDGE_COLUMNS)]


def communities(edges: pd.DataFrame) -> dict[str, int]:
    """word → community number (0 the largest) by modularity over the Jaccard-weighted edges."""
    import networkx as nx
    from networkx.algorithms.community import greedy_modularity_communities

    if edges.empty:
        return {}
    graph = nx.Graph()
    graph.add_weighted_edges_from(edges[["source", "target", "jaccard"]].itertuples(index=False, name=None))
    found = greedy_modularity_communities(graph, weight="weight")
    ordered = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    return {w: n for n, group in enumerate(ordered) for w in group}


def lift(word_counts: pd.Series, word_counts_all: pd.Series, n_group: int, n_all: int) -> pd.Series:
    """log2 of a word's share of sentences in a group over its share in all: > 0 over-represented there."""
    inside = (word_counts.reindex(word_counts_all.index).fillna(0) + 0.5) / (n_group + 1)
    overall = (word_counts_all + 0.5) / (n_all + 1)
    return np.log2(inside / overall)


def collocates(sentences: list[list[str]], word: str, top: int = 20, min_count: int = 2) -> pd.DataFrame:
    """The words that share sentences with ``word`` (the window is the sentence): co-occurrences, the
    collocate's frequency, Jaccard and pointwise mutual information log2 P(a,b) / (P(a) P(b))."""
    sets = [set(s) for s in sentences]
    with_word = [s for s in sets if word in s]
    together = Counter(w for s in with_word for w in s if w != word)
    freq = Counter(w for s in sets for w in s)
    table = pd.DataFrame([(w, c, freq[w]) for w, c in together.items() if c >= min_count],
                         columns=["collocate", "cooccurrences", "frequency"])
    return collocate_scores(table, len(with_word), len(sets), top)


def collocate_scores(table: pd.DataFrame, fa: int, n: int, top: int = 20) -> pd.DataFrame:
    """Jaccard and PMI of collocates from counts: ``table`` has collocate, cooccurrences (c) and frequency
    (f_b); ``fa`` is the sentences with the word, ``n`` all sentences."""
    cols = ["collocate", "cooccurrences", "frequency", "jaccard", "pmi"]
    if table.empty or not fa or not n:
        return pd.DataFrame(columns=cols)
    c, fb = table["cooccurrences"].astype(float), table["frequency"].astype(float)
    out = table.assign(jaccard=(c / (fa + fb - c)).round(4), pmi=np.log2(c * n / (fa * fb)).round(4))
    out = out.sort_values(["cooccurrences", "jaccard", "collocate"], ascending=[False, False, True]).head(top)
    return out[cols].reset_index(drop=True)


def chi_square_words(counts: pd.DataFrame, top: int = 60) -> pd.DataFrame:
    """The ``top`` rows (words) of a words × groups count table whose distribution over the groups
    departs most from the groups' sizes (Pearson's chi-square of the row against the column margins)."""
    if counts.empty:
        return counts
    total = counts.to_numpy().sum()
    col_share = counts.sum(axis=0) / total
    expected = np.outer(counts.sum(axis=1), col_share)
    chi = ((counts.to_numpy() - expected) ** 2 / np.where(expected > 0, expected, 1)).sum(axis=1)
    order = pd.Series(chi, index=counts.index).sort_values(ascending=False, kind="stable")
    return counts.loc[order.index[:top]]


@dataclass(frozen=True)
class CA:
    rows: pd.DataFrame      # label, x, y, mass
    columns: pd.DataFrame   # label, x, y, mass
    inertia: tuple[float, float]   # share of the total inertia on each of the two axes


def correspondence(counts: pd.DataFrame) -> CA:
    """Correspondence analysis of a rows × columns table of counts (two dimensions, symmetric map)."""
    table = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    p = table.to_numpy(dtype=float)
    p = p / p.sum()
    r, c = p.sum(axis=1), p.sum(axis=0)
    s = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, sigma, vt = np.linalg.svd(s, full_matrices=False)
    # a deterministic sign: the largest loading of each axis is positive
    for k in range(len(sigma)):
        if vt[k, np.argmax(np.abs(vt[k]))] < 0:
            u[:, k], vt[k] = -u[:, k], -vt[k]
    dims = min(2, len(sigma))
    f = (u[:, :dims] * sigma[:dims]) / np.sqrt(r)[:, None]
    g = (vt[:dims].T * sigma[:dims]) / np.sqrt(c)[:, None]
    if dims < 2:
        f, g = np.column_stack([f, np.zeros(len(f))]), np.column_stack([g, np.zeros(len(g))])
    total = float((sigma ** 2).sum()) or 1.0
    inertia = tuple(float(sigma[k] ** 2 / total) if k < len(sigma) else 0.0 for k in range(2))
    rows = pd.DataFrame({"label": table.index.astype(str), "x": f[:, 0], "y": f[:, 1], "mass": r})
    cols = pd.DataFrame({"label": table.columns.astype(str), "x": g[:, 0], "y": g[:, 1], "mass": c})
    return CA(rows, cols, inertia)


# ------------------------------------------------------------------------------------------ topics
TOPICS = 16
"""Topics found in the corpus; measured on the demo corpus, where 16 separate the planted 数字化转型."""
TOPIC_WORDS = 12
SEED = 0
MAX_FIT_DOCUMENTS = 1000
"""Documents the factorisation is fitted on (a deterministic sample beyond); the rest are projected."""


@dataclass(frozen=True, eq=False)
class TopicModel:
    """What projecting a document on the topics needs: the vocabulary (sorted), its smoothed idf and the
    factor matrix of the topics kept (topics × vocabulary)."""
    vocab: list[str]
    idf: np.ndarray
    components: np.ndarray


@dataclass(frozen=True)
class Topics:
    words: list[list[str]]              # per topic, its top words, strongest first
    weights: list[list[float]]          # their weights in the topic
    documents: dict[str, list[float]]   # doc_id → the document's share of each topic (sums to 1, or all 0)
    model: TopicModel | None = field(default=None, compare=False)  # to project documents added later


def fit_topics(doc_words: dict[str, list[str]], k: int = TOPICS, seed: int = SEED) -> Topics:
    """NMF of the documents' TF-IDF (``fit_topic_counts`` on the documents' word counts)."""
    ids = sorted(doc_words)
    rows = [(n, w) for n, d in enumerate(ids) for w in doc_words[d]]
    if not rows:
        return Topics([], [], {})
    frame = pd.DataFrame(rows, columns=["doc", "word"]).value_counts().reset_index(name="n")
    return fit_topic_counts(ids, frame["doc"].to_numpy(), frame["word"].to_numpy(), frame["n"].to_numpy(), k, seed)


def fit_topic_counts(ids: list[str], docs, words, counts, k: int = TOPICS, seed: int = SEED) -> Topics:
    """``fit_topic_codes`` from (document index into ``ids``, word, count) triples: words in fewer than three
    documents or in more than half of them are left out (TfidfVectorizer's ``min_df=3, max_df=0.5``)."""
    n_docs = len(ids)
    frame = pd.DataFrame({"doc": np.asarray(docs), "word": np.asarray(words, dtype=object),
                          "n": np.asarray(counts)})
    df = frame.groupby("word")["doc"].nunique()
    vocab = sorted(df[(df >= 3) & (df <= n_docs / 2)].index)
    frame = frame[frame["word"].isin(vocab)]
    codes = pd.Categorical(frame["word"], categories=vocab).codes
    return fit_topic_codes(ids, vocab, frame["doc"].to_numpy(), codes, frame["n"].to_numpy(), k, seed)


def fit_rows(n_docs: int, seed: int = SEED) -> np.ndarray:
    """The rows (document indexes, sorted) the factorisation is fitted on: all of them up to
    ``MAX_FIT_DOCUMENTS``, else a sample drawn with ``seed``."""
    if n_docs <= MAX_FIT_DOCUMENTS:
        return np.arange(n_docs)
    return np.sort(np.random.default_rng(seed).choice(n_docs, MAX_FIT_DOCUMENTS, replace=False))


def fit_topic_codes(ids: list[str], vocab: list[str], docs, codes, counts, k: int = TOPICS,
                    seed: int = SEED) -> Topics:
    """NMF of the documents' TF-IDF from (document index, word code into ``vocab``, count) triples (the
    store's ``terms`` table, vocabulary already chosen); deterministic for the same counts and seed.

    The factorisation is fitted on the ``fit_rows`` sample (``fit_sample``); every document's weights are
    then its TF-IDF row projected on the topics by non-negative least squares (``project``); a corpus of
    at most ``MAX_FIT_DOCUMENTS`` keeps the factorisation's own weights. The build's topic pass does the
    same without holding every document's counts: it reads the sample's rows, then projects ranges."""
    from scipy import sparse

    n_docs = len(ids)
    if n_docs < max(3, k) or len(vocab) < 2 or len(codes) == 0:
        return Topics([], [], {})
    x = sparse.csr_matrix((np.asarray(counts, dtype=float), (np.asarray(docs), np.asarray(codes))),
                          shape=(n_docs, len(vocab)))
    rows = fit_rows(n_docs, seed)
    found = fit_sample(x[rows], vocab, k, seed)
    shares = found.shares if n_docs == len(rows) else project(found.model, x)
    return Topics(found.words, found.weights, dict(zip(ids, shares.tolist())), found.model)


@dataclass(frozen=True, eq=False)
class Fitted:
    words: list[list[str]]     # per topic kept, its top words, strongest first
    weights: list[list[float]]
    model: TopicModel
    shares: np.ndarray         # the sample's own weights as shares (sample rows × topics kept)


def fit_sample(x_fit, vocab: list[str], k: int = TOPICS, seed: int = SEED) -> Fitted:
    """NMF of the TF-IDF of ``x_fit`` (the ``fit_rows`` sample's word counts, sparse, over ``vocab``).

    Term frequencies are sublinear (1 + log tf), idf smoothed, rows L2-normalised (TfidfTransformer)."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfTransformer

    tfidf = TfidfTransformer(sublinear_tf=True).fit(x_fit)
    x_fit = tfidf.transform(x_fit)
    k = min(k, x_fit.shape[1], x_fit.shape[0])
    model = NMF(n_components=k, init="nndsvd", random_state=seed, max_iter=300)
    w = model.fit_transform(x_fit)
    words_out, weights, kept = [], [], []
    for t, h in enumerate(model.components_):
        order = [i for i in np.argsort(-h, kind="stable")[:TOPIC_WORDS] if h[i] > 0]
        if order:  # a factor the data left empty is no topic
            kept.append(t)
            words_out.append([str(vocab[i]) for i in order])
            weights.append([round(float(h[i]), 6) for i in order])
    fitted = TopicModel([str(v) for v in vocab], tfidf.idf_.copy(), model.components_[kept])
    return Fitted(words_out, weights, fitted, _shares(w[:, kept]))


def _shares(w: np.ndarray) -> np.ndarray:
    totals = w.sum(axis=1, keepdims=True)
    return np.divide(w, totals, out=np.zeros_like(w), where=totals > 0).round(6)


def project(model: TopicModel, counts) -> np.ndarray:
    """Each row of ``counts`` (documents × ``model.vocab``, sparse word counts) as shares of the topics.

    The row's TF-IDF (as the fit weighs it: 1 + log tf, times idf, L2-normalised) is projected on the
    topics by exact non-negative least squares, min ‖x − wH‖ over w ≥ 0, row by row. Through the
    Gram matrix H Hᵀ = L Lᵀ each row is a k × k problem, ‖Lᵀw − L⁻¹Hxᵀ‖: a document's shares depend
    on that document and the model only, not on which other documents are projected with it."""
    from scipy import sparse
    from scipy.linalg import solve_triangular
    from scipy.optimize import nnls

    x = sparse.csr_matrix(counts, dtype=float)
    x.data = np.log(x.data) + 1.0
    x = x @ sparse.diags(model.idf)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    x = sparse.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ x
    h = np.asarray(model.components, dtype=float)
    k = h.shape[0]
    if k == 0:
        return np.zeros((x.shape[0], 0))
    gram = h @ h.T
    lower = np.linalg.cholesky(gram + np.eye(k) * 1e-12 * max(1.0, float(np.trace(gram))))
    targets = solve_triangular(lower, np.asarray(x @ h.T).T, lower=True)  # k × documents
    upper = np.ascontiguousarray(lower.T)
    w = np.array([nnls(upper, targets[:, i])[0] for i in range(targets.shape[1])]).reshape(-1, k)
    return _shares(w)


def sentence_topic(words: list[str], topic_words: list[list[str]], min_shared: int = 2) -> tuple[int, int]:
    """The topic a sentence speaks of: the one sharing most of its top words with the sentence (at least
    ``min_shared``; ties to the lower number), as (topic, shared words); (-1, 0) for none."""
    have = set(words)
    best, shared = -1, 0
    for t, tw in enumerate(topic_words):
        n = len(have.intersection(tw))
        if n > shared:
            best, shared = t, n
    return (best, shared) if shared >= min_shared else (-1, 0)


def topic_label(words: list[str], n: int = 3) -> str:
    return "·".join(words[:n])


def layout(edges: pd.DataFrame, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Positions of the network's words, fixed by ``seed`` so the same network is drawn the same way.

    Each connected part is laid out on its own (Fruchterman–Reingold, networkx) and the parts are set side by side
    in rows, largest first, each in a cell sized to its number of words: laid out together, a dozen small
    parts would be squeezed into the corners and their labels would overlap."""
    import networkx as nx

    if edges.empty:
        return {}
    graph = nx.Graph()
    graph.add_weighted_edges_from(edges[["source", "target", "jaccard"]].itertuples(index=False, name=None))
    parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    cols = max(1, math.ceil(math.sqrt(len(parts))))
    pos: dict[str, tuple[float, float]] = {}
    x0 = y0 = row_height = 0.0
    for n, part in enumerate(parts):
        size = math.sqrt(len(part))  # the cell's side
        if n and n % cols == 0:
            x0, y0, row_height = 0.0, y0 - row_height - 0.8, 0.0
        sub = graph.subgraph(part)
        if len(part) == 2:
            local = {part[0]: (-0.5, 0.0), part[1]: (0.5, 0.0)}
        else:
            local = nx.spring_layout(sub, weight=None, seed=seed, scale=0.5, center=(0, 0))
        for w in part:
            lx, ly = local[w]
            pos[w] = (x0 + size / 2 + float(lx) * size, y0 - size / 2 + float(ly) * size)
        x0 += size + 0.9
        row_height = max(row_height, size)
    return pos


def nodes(edges: pd.DataFrame, lift_column: bool = False) -> pd.DataFrame:
    """One row per word of the edge list: its frequency, community and (if given) lift."""
    parts = []
    for end in ("source", "target"):
        cols = {end: "word", f"{end}_freq": "freq", f"{end}_community": "community"}
        if lift_column and f"{end}_lift" in edges:
            cols[f"{end}_lift"] = "lift"
        parts.append(edges[list(cols)].rename(columns=cols))
    if not parts or edges.empty:
        return pd.DataFrame(columns=["word", "freq", "community"])
    return pd.concat(parts).drop_duplicates("word").sort_values(["community", "freq"], ascending=[True, False])
