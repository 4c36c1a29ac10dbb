"""Training and evaluating the risk model (scikit-learn), on the outcomes customs recorded.

:func:`train` splits the decided declarations in time order: the oldest 65 % fit a logistic regression on
standardised features with non-negative weights (every feature is a risk indicator), the next 15 % calibrate it
(Platt scaling of its log-odds, folded back into the weights so the model stays linear and its reasons exact),
and the newest 20 % measure it (:func:`evaluate`: ROC AUC, precision at the top 5 %, inspections saved against
random selection). The model it returns is then refitted on every
decided declaration with the same recipe; its metrics are those of the held-out run. Declarations decided against
the score's advice weigh :data:`AGAINST_ADVICE_WEIGHT` times as much: they are where the model was wrong or the
officer was.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from portlink.domain.risk import (
    FEATURE_NAMES,
    DeclarationFacts,
    RiskModel,
    ValueReference,
    Vector,
    feature_rows,
    value_references,
)

#: Decided declarations needed, with both outcomes among them, before a model is trained.
MIN_TRAINING = 40
#: The share of declarations a port inspects in the evaluation (precision and catch rate at the top 5 %).
TOP_SHARE = 0.05
AGAINST_ADVICE_WEIGHT = 2.0
HELD_OUT = 0.2

Labels = npt.NDArray[np.int64]
CALIBRATION = 0.15


class NotEnoughOutcomes(ValueError):  # noqa: N818 - a reason, not a failure of the code
    """Too few decided declarations (or only one outcome) to train on."""


@dataclass(frozen=True)
class Metrics:
    """How a model ranks a held-out set: ROC AUC; of the top 5 % by score, the share that had a finding
    (precision) and the share of all findings they hold (catch rate); and the inspections saved: random selection
    needs ``catch rate * N`` inspections to catch as many, the model ``5 % * N``."""

    declarations: int
    findings: int
    roc_auc: float
    precision_at_5: float
    catch_rate_at_5: float
    inspections_saved: float

    def as_dict(self) -> dict[str, float]:
        """As stored with the model."""
        return {
            "heldOut": self.declarations,
            "findings": self.findings,
            "rocAuc": round(self.roc_auc, 4),
            "precisionAt5": round(self.precision_at_5, 4),
            "catchRateAt5": round(self.catch_rate_at_5, 4),
            "inspectionsSaved": round(self.inspections_saved, 4),
        }


def evaluate(labels: Sequence[int] | Labels, scores: Vector) -> Metrics:
    """The metrics of ``scores`` against ``labels`` (1: a finding)."""
    y = np.asarray(labels, dtype=np.int64)
    n, findings = len(y), int(y.sum())
    auc = float(roc_auc_score(y, scores)) if 0 < findings < n else float("nan")
    top = max(1, math.ceil(TOP_SHARE * n))
    caught = int(y[np.argsort(-scores, kind="stable")[:top]].sum())
    catch = caught / findings if findings else 0.0
    random_needed = catch * n
    saved = 1 - top / random_needed if random_needed > 0 else 0.0
    return Metrics(n, findings, auc, caught / top, catch, saved)


@dataclass(frozen=True)
class Fitted:
    """A fitted and calibrated linear model: standardisation and weights."""

    mean: Vector
    scale: Vector
    coef: Vector
    intercept: float


def _nonnegative_logistic(z: Vector, y: Labels, w: Vector) -> tuple[Vector, float]:
    """Weights and intercept of an L2-regularised logistic regression (scikit-learn's ``C=1``: half the squared
    weights plus the weighted log-loss) whose weights are all at least 0: every feature is a risk indicator, so
    none may lower a score as it grows (collinear indicators otherwise get weights of opposite signs, and a
    larger gate-in weight difference could read as a reason for less risk). L-BFGS-B with bounds (SciPy)."""
    k = z.shape[1]
    yf = y.astype(np.float64)

    def loss(params: Vector) -> tuple[float, Vector]:
        coef, intercept = params[:k], params[k]
        logits = z @ coef + intercept
        p = 1.0 / (1.0 + np.exp(-logits))
        value = float(np.sum(w * (np.logaddexp(0.0, logits) - yf * logits)) + 0.5 * coef @ coef)
        residual = w * (p - yf)
        return value, np.concatenate([z.T @ residual + coef, [residual.sum()]])

    start = np.zeros(k + 1)
    bounds = [(0.0, None)] * k + [(None, None)]
    found = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 1000})
    return found.x[:k].copy(), float(found.x[k])


def _fit(x: Vector, y: Labels, w: Vector, x_cal: Vector, y_cal: Labels, seed: int) -> Fitted:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    coef, intercept = _nonnegative_logistic((x - mean) / scale, y, w)
    if len(y_cal) and 0 < y_cal.sum() < len(y_cal):
        logits = ((x_cal - mean) / scale) @ coef + intercept
        platt = LogisticRegression(C=1e6, max_iter=200).fit(logits.reshape(-1, 1), y_cal)
        a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
        if a > 0:  # a calibration that reverses the ranking is a sign of a bad split: keep the fit as it is
            coef, intercept = coef * a, intercept * a + b
    return Fitted(mean, scale, coef, intercept)


def _model(
    fitted: Fitted,
    version: int,
    base_rate: float,
    train_scores: Vector,
    references: dict[str, ValueReference],
) -> RiskModel:
    medium, high = (float(x) for x in np.quantile(train_scores, [0.80, 0.95]))
    return RiskModel(
        version=version,
        features=FEATURE_NAMES,
        mean=tuple(float(x) for x in fitted.mean),
        scale=tuple(float(x) for x in fitted.scale),
        coef=tuple(float(x) for x in fitted.coef),
        intercept=fitted.intercept,
        base_rate=base_rate,
        cutoffs=(medium, max(high, medium)),
        references=references,
    )


def split(n: int) -> tuple[int, int]:
    """Where the fitting part of ``n`` decided declarations (oldest first) ends, and where the calibration part
    ends: the rest is held out."""
    return int(n * (1 - HELD_OUT - CALIBRATION)), int(n * (1 - HELD_OUT))


@dataclass(frozen=True)
class Training:
    """A trained model and what its held-out run measured."""

    model: RiskModel
    held_out: Metrics
    #: The held-out run's scores of the newest 20 % of the decided declarations, oldest first.
    held_out_scores: Vector
    seconds: float


def train(facts: Sequence[DeclarationFacts], *, version: int, seed: int = 21) -> Training:
    """Train model ``version`` on the decided declarations of ``facts`` (the undecided ones count as history:
    first-time parties); :class:`NotEnoughOutcomes` if there are too few or only one outcome."""
    started = time.perf_counter()
    ordered = sorted(range(len(facts)), key=lambda i: (facts[i].filed_at, facts[i].declaration_id))
    facts = [facts[i] for i in ordered]
    decided = [i for i, f in enumerate(facts) if f.outcome is not None]
    labels = np.array([facts[i].outcome for i in decided], dtype=np.int64)
    if len(decided) < MIN_TRAINING or labels.sum() in (0, len(labels)):
        raise NotEnoughOutcomes(
            f"{len(decided)} decided declarations with {int(labels.sum())} findings: training needs "
            f"{MIN_TRAINING} or more with both outcomes"
        )
    weights = np.array([AGAINST_ADVICE_WEIGHT if facts[i].against_advice else 1.0 for i in decided])

    # The held-out run: fit on the oldest, calibrate on the next, measure on the newest; value references and the
    # base rate from the fitting part only.
    n = len(decided)
    fit_end, cal_end = split(n)
    fit_part = [facts[i] for i in decided[:fit_end]]
    base = float(labels[:fit_end].mean()) if fit_end else float(labels.mean())
    references = value_references(fit_part)
    x = feature_rows(facts, references, base_rate=base, targets=decided).matrix
    fitted = _fit(x[:fit_end], labels[:fit_end], weights[:fit_end], x[fit_end:cal_end], labels[fit_end:cal_end], seed)
    held = _model(fitted, version, base, np.zeros(1), references)
    held_scores = held.scores(x[cal_end:])
    metrics = evaluate(labels[cal_end:], held_scores)

    # The model kept: the same recipe on everything decided (calibrated on the newest 15 %).
    base = float(labels.mean())
    all_references = value_references(facts[i] for i in decided)
    x = feature_rows(facts, all_references, base_rate=base, targets=decided).matrix
    cal = int(n * (1 - CALIBRATION))
    fitted = _fit(x, labels, weights, x[cal:], labels[cal:], seed)
    provisional = _model(fitted, version, base, np.zeros(1), dict(all_references))
    model = _model(fitted, version, base, provisional.scores(x), dict(all_references))
    window = {
        "declarations": n,
        "findings": int(labels.sum()),
        "fromFiledAt": facts[decided[0]].filed_at,
        "toFiledAt": facts[decided[-1]].filed_at,
    }
    finished = RiskModel(
        **{**model.__dict__, "trained_at": time.time(), "window": window, "metrics": metrics.as_dict()}
    )
    return Training(finished, metrics, held_scores, time.perf_counter() - started)
