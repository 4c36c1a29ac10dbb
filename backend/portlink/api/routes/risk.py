"""Risk-based inspection targeting, advice to customs only: a declaration's score with its reasons, the model in
use, and the alerts of scores over a port's threshold. For customs and auditors; the contracts and the decisions
stay with customs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from portlink.api.deps import CallerDep, Limit, RuntimeDep
from portlink.api.fields import UnLocode
from portlink.api.models import Public
from portlink.api.problems import responses
from portlink.errors import ForbiddenError
from portlink.services.risk import ModelInfo

declarations = APIRouter(prefix="/v1/declarations", tags=["risk"])
router = APIRouter(prefix="/v1/risk", tags=["risk"])

DeclarationId = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="The declaration id (bytes32).")]
Band = Literal["low", "medium", "high"]


class ReasonPublic(Public):
    """Why the score is what it is: the feature, its share of the log-odds against the average declaration (0 for
    a notice about missing data), and the sentence an officer reads."""

    feature: str
    contribution: float
    text: str


class RiskDecisionPublic(Public):
    """A customs decision on the declaration with the score it had then; ``againstAdvice``: a ``high`` band
    approved without an inspection, or a ``low`` band inspected or rejected (it weighs more in the next training)."""

    declaration_id: str
    port: str
    version: int
    decision: str
    officer: str
    score: float | None
    band: Band | None
    model_version: int | None
    against_advice: bool
    block_number: int


class RiskPublic(Public):
    """A declaration's risk score: the probability that an inspection finds something under ``modelVersion``, its
    band and what the band advises (``inspect``, ``check the documents``, ``release``), and the reasons, strongest
    first. Advice only: customs decide."""

    declaration_id: str
    declaration_version: int
    score: float = Field(ge=0, le=1)
    band: Band
    advice: str
    reasons: list[ReasonPublic]
    model_version: int = Field(description="0: the untrained prior (hand-set weights, docs/risk.md).")
    evidence_block: int = Field(description="The index checkpoint the evidence was read at.")
    computed_at: float
    decisions: list[RiskDecisionPublic] = Field(description="Customs decisions so far, with the advice they had.")


class FeaturePublic(Public):
    """An input of the model and its weight (log-odds per standard deviation)."""

    name: str
    description: str
    weight: float


class WindowPublic(Public):
    """The decided declarations a model was trained on: how many, with how many findings, filed between which
    blocks."""

    declarations: int
    findings: int
    from_filed_at: int
    to_filed_at: int


class MetricsPublic(Public):
    """What the held-out run measured (the newest 20 % of the decided declarations, in time order): ROC AUC, the
    share of the top 5 % by score with a finding, the share of all findings among them, and the inspections saved
    against random selection at the same catch rate."""

    held_out: int
    findings: int
    roc_auc: float
    precision_at5: float
    catch_rate_at5: float
    inspections_saved: float


class ModelPublic(Public):
    """The model in use: version (0: the untrained prior), when it was trained and on which window of decided
    declarations (``declarations``, ``findings``, ``fromFiledAt`` and ``toFiledAt`` as block numbers), the metrics
    of its held-out run (``rocAuc``, ``precisionAt5``, ``catchRateAt5``, ``inspectionsSaved``), the score
    cut-offs of the ``medium`` and ``high`` bands, and its features."""

    version: int
    trained: bool
    trained_at: float | None
    window: WindowPublic | None = Field(description="Null for the untrained prior.")
    metrics: MetricsPublic | None = Field(description="Null for the untrained prior.")
    cutoffs: tuple[float, float]
    base_rate: float
    features: list[FeaturePublic]
    value_references: int = Field(description="HS headings and currencies whose values per kg it compares.")


class RiskAlertPublic(Public):
    """A score at or over a port's threshold while the declaration waits for that port's customs (raised once per
    declaration version and port)."""

    declaration_id: str
    port: str
    declaration_version: int
    score: float
    threshold: float
    model_version: int
    reasons: str
    raised_at: float


def model_public(info: ModelInfo) -> ModelPublic:
    """The public view of the model in use (no window or metrics for the untrained prior)."""
    trained = {"window": info.window or None, "metrics": info.metrics or None}
    return ModelPublic.model_validate({**asdict(info), **trained})


def _oversight(caller: CallerDep) -> None:
    if not caller.oversight:
        raise ForbiddenError("risk scores are for customs and auditors")


@declarations.get("/{declaration_id}/risk", response_model=RiskPublic, responses=responses(401, 403, 404))
def get_risk(declaration_id: DeclarationId, runtime: RuntimeDep, caller: CallerDep) -> RiskPublic:
    """A declaration's risk score with its reasons (customs and auditors). A declaration the worker has not scored
    yet is scored on the spot; one without history, or of an HS heading never seen, gets a score whose reasons
    say so."""
    score = runtime.risk.get(caller, declaration_id)
    decisions = [asdict(d) for d in runtime.risk.decisions(declaration_id)]
    return RiskPublic.model_validate({**asdict(score), "decisions": decisions})


@router.get("/model", response_model=ModelPublic, responses=responses(401, 403))
def get_model(runtime: RuntimeDep, caller: CallerDep) -> ModelPublic:
    """The risk model in use, its training window and held-out metrics (customs and auditors)."""
    _oversight(caller)
    return model_public(runtime.risk.model_info())


@router.get("/alerts", response_model=list[RiskAlertPublic], responses=responses(401, 403))
def list_risk_alerts(
    runtime: RuntimeDep,
    caller: CallerDep,
    port: Annotated[UnLocode | None, Query(description="Only alerts of this port.")] = None,
    after: Annotated[float, Query(ge=0, description="Only alerts raised after this unix time (to poll).")] = 0.0,
    limit: Limit = 50,
) -> list[RiskAlertPublic]:
    """Risk alerts, oldest first: scores that crossed a port's threshold (``PORTLINK_RISK_ALERT_THRESHOLD``,
    ``PORTLINK_RISK_PORT_THRESHOLDS``) while the declaration waited there. The alert stream sends them too
    (``event: RiskAlert``)."""
    _oversight(caller)
    return [RiskAlertPublic.model_validate(a) for a in runtime.risk.alerts(port=port, after=after, limit=limit)]
