"""Risk-based inspection targeting: the features of a declaration, the model that weighs them, and its reasons.

Pure and fast (numpy only; training is :mod:`portlink.domain.risk_training`, which brings scikit-learn in). A
declaration is described by :class:`DeclarationFacts`, what the index knows of it: its parties, route, HS codes,
value and declared weight, the evidence of its journey (gate-in weight and seal discrepancies, IoT alerts) and, once
customs decided, its outcome. :func:`feature_rows` turns a list of facts into one feature row per declaration with
its *history*: the outcomes of its shipper's, consignee's and route's earlier declarations, counted in time order so
that a declaration never sees its own outcome or anything decided after the moment it is scored.

A :class:`RiskModel` is a logistic model on standardised features (its weights already calibrated): the score is a
probability that an inspection finds something, and each feature's share of the log-odds against the average
declaration is what :func:`reasons` turns into sentences an officer reads. The model is plain numbers (JSON), so it
is stored in the database and versioned, and scoring needs no unpickling.

The score is advice: the contracts and the decisions stay with customs.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

#: How many of a party's latest decided declarations (journeys) its history counts.
PARTY_WINDOW = 10
#: How many of a route's latest decided declarations its history counts.
ROUTE_WINDOW = 50
#: Declarations of one HS heading and currency needed before declared values are compared with them.
MIN_REFERENCE = 20
#: Pseudo-counts pulling a short history towards the overall rate (a party with 1 finding out of 1 is not 100 %).
PARTY_PRIOR, ROUTE_PRIOR = 2.0, 10.0
#: Log-odds a feature must add before it is given as a reason.
MIN_REASON = 0.15
#: Reasons given at most (notices about missing data come on top).
MAX_REASONS = 3

Vector = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Feature:
    """One input of the model: its name and what it measures."""

    name: str
    description: str


FEATURES: tuple[Feature, ...] = (
    Feature("value_low", "How far below its HS heading's usual value per kg the declared value is (robust z-score)"),
    Feature("value_high", "How far above its HS heading's usual value per kg the declared value is (robust z-score)"),
    Feature("value_unknown", "1 when the value per kg cannot be compared (heading rarely seen, no weight declared)"),
    Feature("shipper_first", "1 for the shipper's first declaration"),
    Feature("shipper_findings", "Share of the shipper's last 10 decided declarations held or rejected (smoothed)"),
    Feature("consignee_first", "1 for the consignee's first declaration"),
    Feature("consignee_findings", "Share of the consignee's last 10 decided declarations held or rejected"),
    Feature("shipper_seals", "Seal discrepancies on the shipper's last 10 journeys"),
    Feature("shipper_weights", "Gate-in weight discrepancies on the shipper's last 10 journeys"),
    Feature("weight_deviation", "This shipment's gate-in weight off the declared weight, in tenths (at most 1)"),
    Feature("seal_broken", "1 when a seal at gate-in differs from the seal declared"),
    Feature("iot_alerts", "log(1 + IoT alerts raised on this journey)"),
    Feature("route_findings", "Share of the route's last 50 decided declarations held or rejected (smoothed)"),
    Feature("route_seals", "Share of the route's last 50 journeys with a seal discrepancy"),
)
FEATURE_NAMES = tuple(f.name for f in FEATURES)
_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


@dataclass(frozen=True)
class DeclarationFacts:
    """What the index knows of one declaration.

    ``filed_at`` and ``decided_at`` order declarations in time (block numbers on a chain; any increasing clock in
    generated data). ``outcome``: 1 when customs found something (a rejection or a hold), 0 when the goods were
    cleared without one, ``None`` while undecided. ``weight_deviation``: the largest relative difference between
    the gross weight observed at gate-in and the declared one over the containers (``None``: not gated in yet).
    ``against_advice``: customs decided against the advice the score gave (weighed more in training)."""

    declaration_id: str
    shipper: str
    consignee: str
    origin: str
    destination: str
    hs_codes: tuple[str, ...]
    customs_value: int
    currency: str
    declared_kg: int
    filed_at: int
    weight_deviation: float | None = None
    seal_discrepancy: bool = False
    weight_discrepancy: bool = False
    iot_alerts: int = 0
    outcome: int | None = None
    decided_at: int | None = None
    against_advice: bool = False

    @property
    def heading(self) -> str:
        """The HS heading (4 digits) of the declaration's first HS code (its codes are ascending), or ``""``."""
        return self.hs_codes[0][:4] if self.hs_codes else ""

    @property
    def value_key(self) -> str:
        """The group whose values per kg this declaration's is compared with: heading and currency."""
        return f"{self.heading}/{self.currency}"

    @property
    def log_value_per_kg(self) -> float | None:
        """``log(value / kg)`` in the currency's minor units, or ``None`` without a value or a weight."""
        if self.declared_kg <= 0 or self.customs_value <= 0:
            return None
        return math.log(self.customs_value / self.declared_kg)


@dataclass(frozen=True)
class ValueReference:
    """The values per kg of one HS heading and currency: robust centre and spread of ``log(value/kg)`` and its
    percentiles 0-100."""

    count: int
    median: float
    mad: float
    percentiles: tuple[float, ...]

    def z(self, log_value: float) -> float:
        """The robust z-score of ``log_value`` (median and scaled MAD)."""
        return (log_value - self.median) / max(1.4826 * self.mad, 1e-6)

    def percentile(self, log_value: float) -> float:
        """The share (0-100) of reference declarations with a lower value per kg, interpolated."""
        q = self.percentiles
        i = bisect.bisect_left(q, log_value)
        if i == 0:
            return 0.0
        if i >= len(q):
            return 100.0
        span = q[i] - q[i - 1]
        return (i - 1) + ((log_value - q[i - 1]) / span if span > 0 else 0.0)

    def to_json(self) -> dict[str, Any]:
        """As the model stores it."""
        return {"count": self.count, "median": self.median, "mad": self.mad, "percentiles": list(self.percentiles)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ValueReference:
        """From :meth:`to_json`."""
        return cls(int(data["count"]), float(data["median"]), float(data["mad"]), tuple(data["percentiles"]))


def value_references(facts: Iterable[DeclarationFacts]) -> dict[str, ValueReference]:
    """The value-per-kg reference of every heading and currency with at least :data:`MIN_REFERENCE` declarations."""
    groups: dict[str, list[float]] = {}
    for f in facts:
        value = f.log_value_per_kg
        if value is not None:
            groups.setdefault(f.value_key, []).append(value)
    found = {}
    for key, values in groups.items():
        if len(values) >= MIN_REFERENCE:
            a = np.asarray(values)
            median = float(np.median(a))
            mad = float(np.median(np.abs(a - median)))
            percentiles = tuple(float(x) for x in np.percentile(a, np.arange(101)))
            found[key] = ValueReference(len(values), median, mad, percentiles)
    return found


# ---------------------------------------------------------------------------------------------------- history


@dataclass
class _Party:
    """What is known of a shipper or consignee: when it filed, and its latest decided journeys."""

    filings: list[int] = field(default_factory=list)
    #: (finding, seal discrepancy, weight discrepancy) of the latest decided declarations, newest last.
    journeys: deque[tuple[int, bool, bool]] = field(default_factory=lambda: deque(maxlen=PARTY_WINDOW))


@dataclass
class _Route:
    journeys: deque[tuple[int, bool]] = field(default_factory=lambda: deque(maxlen=ROUTE_WINDOW))


@dataclass(frozen=True)
class Context:
    """The history behind one feature row, kept for the reasons' words."""

    shipper_filings: int
    shipper_decided: int
    shipper_findings: int
    shipper_seals: int
    shipper_weights: int
    consignee_filings: int
    consignee_decided: int
    consignee_findings: int
    route_decided: int
    route_findings: int
    route_seals: int
    value_percentile: float | None
    value_reference_count: int
    iot_alerts: int
    weight_deviation: float | None


@dataclass(frozen=True)
class FeatureRows:
    """Feature rows of declarations (one per row of ``matrix``) with the history behind each."""

    matrix: Vector
    contexts: list[Context]


def _share(findings: int, decided: int, prior: float, base_rate: float) -> float:
    return (findings + prior * base_rate) / (decided + prior)


def feature_rows(
    facts: Sequence[DeclarationFacts],
    references: dict[str, ValueReference],
    *,
    base_rate: float,
    targets: Sequence[int] | None = None,
    now: bool = False,
) -> FeatureRows:
    """Feature rows of ``facts[i]`` for each ``i`` in ``targets`` (default: every declaration).

    The history is swept in time order: a declaration's outcome counts for the declarations scored after its
    decision. Each target is scored at its filing (``now=False``: how training sees it, nothing it could not have
    known) or after everything in ``facts`` (``now=True``: live scoring of open declarations; "first declaration"
    still means none was filed before it)."""
    wanted = range(len(facts)) if targets is None else targets
    sweep: list[tuple[int, int, int]] = []
    for i, f in enumerate(facts):
        if f.outcome is not None and f.decided_at is not None:
            sweep.append((f.decided_at, 1, i))
    end = max((t for t, _, _ in sweep), default=0) + 1
    for i in wanted:
        sweep.append((end if now else facts[i].filed_at, 0, i))
    sweep.sort()  # at equal times, scoring (0) before outcomes (1): a declaration never sees its own outcome
    shippers: dict[str, _Party] = {}
    consignees: dict[str, _Party] = {}
    routes: dict[tuple[str, str], _Route] = {}
    for f in facts:
        shippers.setdefault(f.shipper, _Party()).filings.append(f.filed_at)
        consignees.setdefault(f.consignee, _Party()).filings.append(f.filed_at)
    for party in (*shippers.values(), *consignees.values()):
        party.filings.sort()
    rows: dict[int, tuple[list[float], Context]] = {}
    for _, kind, i in sweep:
        f = facts[i]
        shipper, consignee = shippers[f.shipper], consignees[f.consignee]
        route = routes.setdefault((f.origin, f.destination), _Route())
        if kind == 1:
            seal, weight = f.seal_discrepancy, f.weight_discrepancy
            shipper.journeys.append((f.outcome or 0, seal, weight))
            consignee.journeys.append((f.outcome or 0, seal, weight))
            route.journeys.append((f.outcome or 0, seal))
        else:
            rows[i] = _row(f, shipper, consignee, route, references, base_rate)
    order = list(wanted)
    matrix = np.array([rows[i][0] for i in order], dtype=np.float64).reshape(len(order), len(FEATURES))
    return FeatureRows(matrix, [rows[i][1] for i in order])


def _row(
    f: DeclarationFacts,
    shipper: _Party,
    consignee: _Party,
    route: _Route,
    references: dict[str, ValueReference],
    base_rate: float,
) -> tuple[list[float], Context]:
    value_low = value_high = 0.0
    value_unknown = 1.0
    percentile: float | None = None
    reference = references.get(f.value_key)
    log_value = f.log_value_per_kg
    if reference is not None and log_value is not None:
        z = max(-10.0, min(10.0, reference.z(log_value)))
        value_low, value_high, value_unknown = max(0.0, -z), max(0.0, z), 0.0
        percentile = reference.percentile(log_value)
    s_filed = bisect.bisect_left(shipper.filings, f.filed_at)
    c_filed = bisect.bisect_left(consignee.filings, f.filed_at)
    s_found = sum(j[0] for j in shipper.journeys)
    c_found = sum(j[0] for j in consignee.journeys)
    r_found = sum(j[0] for j in route.journeys)
    s_seals = sum(j[1] for j in shipper.journeys)
    s_weights = sum(j[2] for j in shipper.journeys)
    r_seals = sum(j[1] for j in route.journeys)
    deviation = min(1.0, 10 * f.weight_deviation) if f.weight_deviation is not None else 0.0
    row = [
        value_low,
        value_high,
        value_unknown,
        1.0 if s_filed == 0 else 0.0,
        _share(s_found, len(shipper.journeys), PARTY_PRIOR, base_rate),
        1.0 if c_filed == 0 else 0.0,
        _share(c_found, len(consignee.journeys), PARTY_PRIOR, base_rate),
        float(s_seals),
        float(s_weights),
        deviation,
        1.0 if f.seal_discrepancy else 0.0,
        math.log1p(f.iot_alerts),
        _share(r_found, len(route.journeys), ROUTE_PRIOR, base_rate),
        r_seals / len(route.journeys) if route.journeys else 0.0,
    ]
    context = Context(
        shipper_filings=s_filed,
        shipper_decided=len(shipper.journeys),
        shipper_findings=s_found,
        shipper_seals=s_seals,
        shipper_weights=s_weights,
        consignee_filings=c_filed,
        consignee_decided=len(consignee.journeys),
        consignee_findings=c_found,
        route_decided=len(route.journeys),
        route_findings=r_found,
        route_seals=r_seals,
        value_percentile=percentile,
        value_reference_count=reference.count if reference else 0,
        iot_alerts=f.iot_alerts,
        weight_deviation=f.weight_deviation,
    )
    return row, context


# ---------------------------------------------------------------------------------------------------- the model

#: Bands of a score, from the model's cut-offs: ``high`` is "inspect", ``medium`` "check the documents".
BANDS = ("low", "medium", "high")


@dataclass(frozen=True)
class RiskModel:
    """A logistic model on standardised features, calibrated; plain numbers, stored as JSON.

    ``version`` 0 is the prior PortLink starts with before any training: hand-set weights (documented in
    docs/risk.md), no value references. ``cutoffs``: the scores at which a declaration is ``medium`` and ``high``
    (for a trained model, the 80th and 95th percentiles of its training scores: the top 5 % are "inspect")."""

    version: int
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    base_rate: float
    cutoffs: tuple[float, float]
    references: dict[str, ValueReference]
    trained_at: float | None = None
    window: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.features != FEATURE_NAMES:
            raise ValueError(f"model {self.version} was made for features {self.features}, not {FEATURE_NAMES}")
        if not len(self.mean) == len(self.scale) == len(self.coef) == len(FEATURES):
            raise ValueError(f"model {self.version}: one mean, scale and weight per feature")

    @property
    def trained(self) -> bool:
        """Whether it was trained on outcomes (not the prior)."""
        return self.version > 0

    def logits(self, matrix: Vector) -> Vector:
        """Log-odds of each row."""
        z = (matrix - np.asarray(self.mean)) / np.asarray(self.scale)
        result: Vector = z @ np.asarray(self.coef) + self.intercept
        return result

    def scores(self, matrix: Vector) -> Vector:
        """The probability, row by row, that an inspection finds something."""
        result: Vector = 1.0 / (1.0 + np.exp(-self.logits(matrix)))
        return result

    def contributions(self, matrix: Vector) -> Vector:
        """Each feature's share of each row's log-odds, against a declaration with every feature at its mean."""
        result: Vector = (matrix - np.asarray(self.mean)) / np.asarray(self.scale) * np.asarray(self.coef)
        return result

    def band(self, score: float) -> str:
        """``low``, ``medium`` or ``high``."""
        return BANDS[0] if score < self.cutoffs[0] else BANDS[1] if score < self.cutoffs[1] else BANDS[2]

    def to_json(self) -> dict[str, Any]:
        """The model as stored."""
        return {
            "version": self.version,
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "baseRate": self.base_rate,
            "cutoffs": list(self.cutoffs),
            "references": {k: v.to_json() for k, v in sorted(self.references.items())},
            "trainedAt": self.trained_at,
            "window": dict(self.window),
            "metrics": dict(self.metrics),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RiskModel:
        """From :meth:`to_json`; ``ValueError`` for a model of other features."""
        return cls(
            version=int(data["version"]),
            features=tuple(data["features"]),
            mean=tuple(float(x) for x in data["mean"]),
            scale=tuple(float(x) for x in data["scale"]),
            coef=tuple(float(x) for x in data["coef"]),
            intercept=float(data["intercept"]),
            base_rate=float(data["baseRate"]),
            cutoffs=(float(data["cutoffs"][0]), float(data["cutoffs"][1])),
            references={k: ValueReference.from_json(v) for k, v in data["references"].items()},
            trained_at=data.get("trainedAt"),
            window={k: int(v) for k, v in data.get("window", {}).items()},
            metrics={k: float(v) for k, v in data.get("metrics", {}).items()},
        )


#: The prior's log-odds per unit of each feature (raw units): what an experienced officer would weigh before any
#: outcome is recorded. Replaced by the first trained model.
PRIOR_WEIGHTS = {
    "value_low": 0.6,
    "value_high": 0.3,
    "value_unknown": 0.2,
    "shipper_first": 0.7,
    "shipper_findings": 3.0,
    "consignee_first": 0.3,
    "consignee_findings": 2.0,
    "shipper_seals": 0.5,
    "shipper_weights": 0.4,
    "weight_deviation": 2.0,
    "seal_broken": 2.0,
    "iot_alerts": 1.0,
    "route_findings": 2.0,
    "route_seals": 2.0,
}
PRIOR_BASE_RATE = 0.05


def prior_model() -> RiskModel:
    """Version 0: the hand-set weights of :data:`PRIOR_WEIGHTS` against an unremarkable declaration (a known
    shipper and consignee with a clean record, nothing at gate-in), whose score is the assumed base rate 5 %."""
    typical = dict.fromkeys(FEATURE_NAMES, 0.0)
    for name in ("shipper_findings", "consignee_findings", "route_findings"):
        typical[name] = PRIOR_BASE_RATE
    typical["value_unknown"] = 1.0  # the prior has no value references: every value is unknown
    mean = tuple(typical[n] for n in FEATURE_NAMES)
    return RiskModel(
        version=0,
        features=FEATURE_NAMES,
        mean=mean,
        scale=(1.0,) * len(FEATURES),
        coef=tuple(PRIOR_WEIGHTS[n] for n in FEATURE_NAMES),
        intercept=math.log(PRIOR_BASE_RATE / (1 - PRIOR_BASE_RATE)),
        base_rate=PRIOR_BASE_RATE,
        cutoffs=(0.1, 0.3),
        references={},
    )


# ---------------------------------------------------------------------------------------------------- reasons


@dataclass(frozen=True)
class Reason:
    """Why a score is what it is: the feature, its share of the log-odds (0 for a notice about missing data), and
    the sentence an officer reads."""

    feature: str
    contribution: float
    text: str


def _pct(share: float) -> str:
    return f"{max(1, round(share))} %"


def _words(name: str, f: DeclarationFacts, c: Context) -> str:
    heading = f"HS {f.heading} declarations in {f.currency}"
    route = f"{f.origin} to {f.destination}"
    texts = {
        "value_low": f"declared value per kg is in the lowest {_pct(c.value_percentile or 0)} of {heading}",
        "value_high": f"declared value per kg is in the highest {_pct(100 - (c.value_percentile or 100))} of {heading}",
        "shipper_first": "first declaration of this shipper: no history to judge by",
        "shipper_findings": f"{c.shipper_findings} of this shipper's last {c.shipper_decided} decided declarations "
        "were held or rejected",
        "consignee_first": "first declaration for this consignee: no history to judge by",
        "consignee_findings": f"{c.consignee_findings} of this consignee's last {c.consignee_decided} decided "
        "declarations were held or rejected",
        "shipper_seals": f"{c.shipper_seals} seal discrepancies on this shipper's last {c.shipper_decided} journeys",
        "shipper_weights": f"{c.shipper_weights} gate-in weight discrepancies on this shipper's last "
        f"{c.shipper_decided} journeys",
        "weight_deviation": "gross weight at gate-in differs from the declared weight by "
        f"{_pct(100 * (c.weight_deviation or 0))}",
        "seal_broken": "a seal at gate-in is not the seal declared",
        "iot_alerts": f"{c.iot_alerts} IoT alert{'s' if c.iot_alerts != 1 else ''} raised on this journey",
        "route_findings": f"{c.route_findings} of the last {c.route_decided} declarations from {route} were held or "
        "rejected",
        "route_seals": f"{c.route_seals} seal discrepancies on the last {c.route_decided} journeys from {route}",
    }
    return texts.get(name, name)


def _value_notice(f: DeclarationFacts, c: Context, model: RiskModel) -> str:
    if f.declared_kg <= 0:
        return "no gross weight declared: the value per kg is not compared"
    if not model.references:
        return "no value references yet (the model is not trained on this chain's declarations): value not compared"
    return (
        f"HS heading {f.heading or '?'} in {f.currency} has too few declarations to compare the value per kg "
        f"({c.value_reference_count or 'none'} seen, {MIN_REFERENCE} needed)"
    )


def reasons(model: RiskModel, f: DeclarationFacts, row: Vector, c: Context) -> list[Reason]:
    """The features that raised this declaration's score most (at most :data:`MAX_REASONS`), strongest first, then
    what could not be judged (no history, a value that cannot be compared); a declaration where nothing stands out
    says so."""
    contributions = model.contributions(row.reshape(1, -1))[0]
    found: list[Reason] = []
    for i in np.argsort(-contributions):
        name = FEATURE_NAMES[int(i)]
        value = float(contributions[i])
        if value < MIN_REASON or len(found) >= MAX_REASONS:
            break
        if name == "value_unknown" or row[i] == 0.0:
            continue  # notices below; a feature at 0 is "nothing found", never a reason to look
        found.append(Reason(name, round(value, 4), _words(name, f, c)))
    given = {r.feature for r in found}
    if row[_INDEX["value_unknown"]] == 1.0:
        found.append(Reason("value_unknown", 0.0, _value_notice(f, c, model)))
    for name in ("shipper_first", "consignee_first"):
        if row[_INDEX[name]] == 1.0 and name not in given:
            found.append(Reason(name, 0.0, _words(name, f, c)))
    if not any(r.contribution > 0 for r in found):
        found.insert(0, Reason("none", 0.0, "nothing stands out: no indicator is above its usual level"))
    return found


@dataclass(frozen=True)
class Assessment:
    """A declaration's score (0-1), band and reasons under one model version."""

    declaration_id: str
    score: float
    band: str
    reasons: list[Reason]
    model_version: int


def assess(
    model: RiskModel, facts: Sequence[DeclarationFacts], targets: Sequence[int], *, now: bool = True
) -> list[Assessment]:
    """Score ``facts[i]`` for each ``i`` in ``targets``, with the rest of ``facts`` as history."""
    rows = feature_rows(facts, model.references, base_rate=model.base_rate, targets=targets, now=now)
    scores = model.scores(rows.matrix) if len(targets) else np.zeros(0)
    found = []
    for k, i in enumerate(targets):
        score = float(scores[k])
        f = facts[i]
        found.append(
            Assessment(
                declaration_id=f.declaration_id,
                score=round(score, 6),
                band=model.band(score),
                reasons=reasons(model, f, rows.matrix[k], rows.contexts[k]),
                model_version=model.version,
            )
        )
    return found
