"""Insight across documents: figures no single document can give.

In: the live snapshot (MinHash signatures, sentences, content words, the 范文 library). Out: copy
flags with their sources, plan follow-through from year N to N+1, written into a snapshot by
``passes`` after every build or library change.

- ``copies``: near-duplicate search (MinHash + LSH banding) and sentence alignment.
- ``followthrough``: did next year's summary report this year's plans.
- ``library``: the 范文 templates HR adds.
- ``passes``: recompute the cross-document figures of a whole snapshot.
"""
