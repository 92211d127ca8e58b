"""The logistic regressions the sentiment and theme models are trained with, fitted to convergence.

Why not scikit-learn's defaults: with ``tol=1e-4`` L-BFGS stops well before the optimum, and where it stops
depends on the rounding of the BLAS it runs on: the same training files gave a sentiment bias of -0.7209 with
one BLAS thread and -0.7131 with two, enough to move labels near a threshold, so a model retrained on another
machine (or by a test under load) disagreed with the recorded figures. The objective is strictly convex (L2),
so fitted to a tight tolerance it has one answer whatever the arithmetic order; one BLAS thread makes that
answer the same to the last bit, and is also faster for matrices this small (the second thread only waits).
"""
from __future__ import annotations


def fit(x, y, c: float):
    """A fitted ``LogisticRegression`` (balanced classes, L2 strength ``c``) of labels ``y`` on rows ``x``."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return LogisticRegression(C=c, class_weight="balanced", max_iter=10000, tol=1e-8).fit(x, y)
