"""Scoring a CLV model against relsim's truth: who was alive, and how good the predictions were."""

from __future__ import annotations

import numpy as np
import pandas as pd


def alive_at(truth: pd.DataFrame, step: int) -> pd.Series:
    """Whether each customer_id of ``truth`` (:func:`clv_truth`) was in a relationship at the
    end of week ``step``: one that had started and not yet ended (ends at a later step or
    runs at the horizon).  What a CLV model's P(alive) at ``step`` estimates."""
    end = truth["end_step"].astype("Float64").fillna(np.inf)
    alive = (truth["start_step"] <= step) & (end > step)
    return alive.astype(bool).groupby(truth["customer_id"], sort=False).any()


def clv_scores(predicted: pd.Series, actual: pd.Series, p_alive: pd.Series,
               alive: pd.Series) -> dict[str, float]:
    """Scores of a CLV model against the truth, over the customers of ``predicted``.

    ``predicted`` / ``actual``: purchases per customer_id in a holdout period (predicted and
    observed; a customer missing from ``actual`` bought nothing); ``p_alive`` / ``alive``:
    the model's P(alive) and the truth (:func:`alive_at`) at the end of the calibration
    period.  Returns ``customers`` scored and ``unscored`` (the model gave NaN), the
    correlation (Pearson) and mean absolute error of the individual predictions, the
    predicted and actual totals, ``aggregate_error`` (relative error of the total) and the
    ``auc`` of P(alive): the probability that a customer alive in truth gets a higher
    P(alive) than a dead one (Mann-Whitney U / (alive x dead)).
    """
    from scipy.stats import mannwhitneyu

    index = predicted.index
    pred = predicted.to_numpy(float)
    score = p_alive.reindex(index).to_numpy(float)
    scored = np.isfinite(pred) & np.isfinite(score)
    pred, score = pred[scored], score[scored]
    act = actual.reindex(index).fillna(0).to_numpy(float)[scored]
    truth = alive.reindex(index).fillna(False).to_numpy(bool)[scored]
    n_alive, n_dead = int(truth.sum()), int((~truth).sum())
    auc = (mannwhitneyu(score[truth], score[~truth]).statistic / (n_alive * n_dead)
           if n_alive and n_dead else np.nan)
    return {"customers": int(scored.sum()), "unscored": int((~scored).sum()),
            "correlation": float(np.corrcoef(pred, act)[0, 1]) if len(pred) > 1 else np.nan,
            "mae": float(np.mean(np.abs(pred - act))) if len(pred) else np.nan,
            "predicted_total": float(pred.sum()), "actual_total": float(act.sum()),
            "aggregate_error": float(pred.sum() / act.sum() - 1.0) if act.sum() else np.nan,
            "auc": float(auc)}
