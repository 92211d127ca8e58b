"""Judgements on one sentence or one document: sentiment, themes, concreteness.

In: a sentence's text and tokens (with its section). Out: a sentiment score and label (pos / neu / neg),
the theme keys it substantively concerns, and a document's concreteness with its reasons. The rules
and training sentences are data files in ``analysis/data/``; ``evaluate`` measures all of it against
labelled sentences.

- ``sentiment``: snownlp's naive Bayes on jieba tokens plus workplace features, calibrated thresholds.
- ``themes``: the editable rules of ``data/themes.toml`` checked by a learned model.
- ``concreteness``: checkable facts against stock phrases (套话).
- ``aggregate``: which sentences are substantive, and a document's figures from its judged sentences.
- ``evaluate``: accuracy, per-class and per-theme figures on a labelled file.
- ``quality``: the recorded evaluations (``data/quality.json``) the dashboard's method page shows.
"""
