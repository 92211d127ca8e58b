"""Insight across documents: figures no single document can give.

In: the live snapshot (MinHash signatures, sentences, content words, the 范文 library, HR's
corrections). Out: HR's corrections applied to their sentences and documents, copy flags with their
sources, plan follow-through from year N to N+1, written into a snapshot by ``passes`` after every
build, upload, correction or library change.

- ``corrections``: HR's judgement of a sentence, found again after re-analysis and applied first.
- ``copies``: near-duplicate search (MinHash + LSH banding) and sentence alignment.
- ``followthrough``: did next year's summary report this year's plans.
- ``library``: the 范文 templates HR adds.
- ``passes``: recompute the cross-document figures of a whole snapshot.
"""
