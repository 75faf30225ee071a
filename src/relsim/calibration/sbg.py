"""The shifted-beta-geometric (sBG) model of Fader & Hardie (2007), fitted by maximum likelihood.

Each customer renews at the end of every period with a fixed probability
``1 - theta``; ``theta`` varies over customers as Beta(alpha, beta).  A cohort's
survival is then

    S(t) = B(alpha, beta + t) / B(alpha, beta),        t = 0, 1, 2, ...

and the probability of leaving in period ``t`` is P(T = t) = S(t - 1) - S(t)
(Fader & Hardie 2007, "How to Project Customer Retention", Journal of
Interactive Marketing 21(1), equations 3 and 4).  The survival function is
relsim's own :func:`relsim.rules.churn.sbg_survival`, whose (mean,
heterogeneity) are alpha / (alpha + beta) and 1 / (alpha + beta): a simulated
customer's beta-distributed weekly churn proneness is the same mixing.

The log-likelihood of a cohort of ``n_0`` customers of whom ``n_t`` are alive
at the start of period ``t`` (t = 1..T, the last period right-censored) is

    LL = sum_{t=1..T} (n_{t-1} - n_t) log P(T = t) + n_T log S(T)

(Fader & Hardie 2007, equation 5).  :func:`fit_sbg` maximises it over
log(alpha), log(beta) with scipy's bounded L-BFGS-B and gives standard errors
from the Hessian of the negative log-likelihood (delta method to alpha, beta).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from relsim.rules.churn import sbg_survival

LOG_BOUNDS = (np.log(1e-3), np.log(1e4))
"""Bounds of log(alpha) and log(beta) in the fit."""


def survival(alpha: float, beta: float, t) -> np.ndarray:
    """S(t) = B(alpha, beta + t) / B(alpha, beta): share of a cohort alive after t periods."""
    return sbg_survival(alpha / (alpha + beta), 1.0 / (alpha + beta), np.asarray(t, dtype=float))


def churn_probability(alpha: float, beta: float, t) -> np.ndarray:
    """P(T = t) = S(t - 1) - S(t): probability of leaving in period t (t >= 1)."""
    t = np.asarray(t, dtype=float)
    return survival(alpha, beta, t - 1) - survival(alpha, beta, t)


def cohort_log_likelihood(survival_curve, alive, floor: float = 0.0) -> float:
    """Log-likelihood of survivor counts ``alive`` (n_0 = cohort size, n_1, ..., n_T) given a
    survival curve S(0) = 1, S(1), ..., S(T) at the same periods: churners of each period
    are multinomial, those alive at period T right-censored (Fader & Hardie 2007, eq. 5).
    Any model's curve can be scored: the sBG's or a simulated one.  Probabilities below
    ``floor`` are raised to it (a simulated curve may have a period without churners)."""
    s = np.asarray(survival_curve, dtype=float)
    n = np.asarray(alive, dtype=float)
    lost = n[:-1] - n[1:]
    p = np.maximum(s[:-1] - s[1:], floor)
    churned = lost > 0
    with np.errstate(divide="ignore"):
        terms = lost[churned] * np.log(np.maximum(p[churned], 0.0))
        tail = n[-1] * np.log(max(s[-1], floor)) if n[-1] > 0 else 0.0
    return float(terms.sum() + tail)


def sbg_log_likelihood(alpha: float, beta: float, alive) -> float:
    """Log-likelihood of survivor counts ``alive`` (n_0, ..., n_T) under the sBG model."""
    periods = np.arange(len(alive))
    return cohort_log_likelihood(survival(alpha, beta, periods), alive)


def hessian_stencil(x, step) -> list[np.ndarray]:
    """The points a central-difference Hessian at ``x`` evaluates: x, x +- h_i e_i and
    x +- h_i e_i +- h_j e_j (j < i); ``step`` is h, a scalar or one per coordinate."""
    x = np.asarray(x, dtype=float)
    h = np.broadcast_to(np.asarray(step, dtype=float), x.shape)
    e = np.eye(len(x)) * h
    points = [x]
    for i in range(len(x)):
        points += [x + e[i], x - e[i]]
        for j in range(i):
            points += [x + e[i] + e[j], x + e[i] - e[j], x - e[i] + e[j], x - e[i] - e[j]]
    return points


def hessian(values, x, step) -> np.ndarray:
    """Central-difference Hessian at ``x`` from the function's ``values`` at
    :func:`hessian_stencil` ``(x, step)``, with a fixed step per coordinate.

    A fixed step, rather than an adaptive one, is what a simulated objective needs
    (steps wide enough to span its small jumps: relsim's point fit), and what a smooth
    one (the sBG log-likelihood) is content with.  Taking the values rather than the
    function lets a caller evaluate the stencil as one parallel batch.
    """
    x = np.asarray(x, dtype=float)
    h = np.broadcast_to(np.asarray(step, dtype=float), x.shape)
    f = iter(np.asarray(values, dtype=float))
    f0 = next(f)
    k = len(x)
    out = np.empty((k, k))
    for i in range(k):
        plus, minus = next(f), next(f)
        out[i, i] = (plus - 2 * f0 + minus) / h[i] ** 2
        for j in range(i):
            pp, pm, mp, mm = next(f), next(f), next(f), next(f)
            out[i, j] = out[j, i] = (pp - pm - mp + mm) / (4 * h[i] * h[j])
    return out


@dataclass(frozen=True)
class SBGFit:
    """A maximum-likelihood sBG fit: estimates, standard errors and the log-likelihood."""

    alpha: float
    beta: float
    alpha_se: float
    beta_se: float
    log_likelihood: float
    periods: int
    """Periods of data fitted (T: survivor counts n_1..n_T)."""
    log_covariance: np.ndarray
    """Covariance of (log alpha, log beta) from the Hessian."""

    def survival(self, t) -> np.ndarray:
        """Projected share of the cohort alive after t periods."""
        return survival(self.alpha, self.beta, t)

    def retention_rate(self, t) -> np.ndarray:
        """Projected retention rate r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)."""
        t = np.asarray(t, dtype=float)
        return self.survival(t) / self.survival(t - 1)


def fit_sbg(alive) -> SBGFit:
    """Maximum-likelihood sBG fit to survivor counts ``alive`` (n_0 = cohort size, n_1..n_T).

    Minimises -LL over (log alpha, log beta) in :data:`LOG_BOUNDS` with L-BFGS-B
    from several starts; standard errors are sqrt of the diagonal of the inverse
    Hessian of -LL on the log scale, times alpha and beta (delta method).
    """
    alive = np.asarray(alive, dtype=float)
    if alive.ndim != 1 or len(alive) < 3:
        raise ValueError("the sBG fit needs the cohort size and at least two periods of counts")

    def negative(x):
        return -sbg_log_likelihood(np.exp(x[0]), np.exp(x[1]), alive)

    best = None
    for start in ((0.0, 0.0), (-1.0, 1.0), (1.0, 2.0)):
        res = minimize(negative, start, method="L-BFGS-B", bounds=[LOG_BOUNDS] * 2)
        if best is None or res.fun < best.fun:
            best = res
    x = best.x
    step = 1e-4
    cov = np.linalg.pinv(hessian([negative(p) for p in hessian_stencil(x, step)], x, step))
    se = np.sqrt(np.maximum(np.diag(cov), 0.0)) * np.exp(x)
    return SBGFit(alpha=float(np.exp(x[0])), beta=float(np.exp(x[1])), alpha_se=float(se[0]),
                  beta_se=float(se[1]), log_likelihood=-float(best.fun), periods=len(alive) - 1,
                  log_covariance=cov)


def sbg_band(fit: SBGFit, t, draws: int = 2000, seed: int = 0,
             level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise band of the projected survival from the estimates' uncertainty: quantiles
    of S(t) over (log alpha, log beta) drawn from their asymptotic normal distribution."""
    rng = np.random.default_rng(seed)
    logs = rng.multivariate_normal([np.log(fit.alpha), np.log(fit.beta)], fit.log_covariance,
                                   size=draws)
    curves = np.array([survival(np.exp(a), np.exp(b), t) for a, b in logs])
    tail = (1 - level) / 2
    return np.quantile(curves, tail, axis=0), np.quantile(curves, 1 - tail, axis=0)
