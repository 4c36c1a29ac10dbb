"""The pilot scenario (``deployments/pilot-scenario.yaml``): step times, the mix of journeys, financing terms, the
traditional baseline and the cost model, each figure with its source or marked as an assumption."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from portlink.errors import ConfigurationError

ASSUMPTION = "assumption"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where figures come from."""

    title: str
    url: str | None = None
    date: str | None = None
    says: str


class Figure(_Strict):
    """One number and where it comes from."""

    value: float
    unit: str = ""
    source: str
    note: str = ""


class Label(_Strict):
    """A code or name and where it comes from."""

    value: str
    unit: str = ""
    source: str
    note: str = ""


class Spread(_Strict):
    """A triangular distribution (hours unless ``unit`` says otherwise)."""

    min: float
    mode: float
    max: float
    unit: str = "hours"
    source: str
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Spread:
        if not 0 <= self.min <= self.mode <= self.max:
            raise ValueError(f"needs 0 <= min <= mode <= max, not {self.min}, {self.mode}, {self.max}")
        return self

    def draw(self, rng: random.Random) -> float:
        """A value drawn with ``rng``."""
        return self.min if self.max == self.min else rng.triangular(self.min, self.max, self.mode)


class Choice(_Strict):
    """A discrete distribution."""

    choices: list[int] = Field(min_length=1)
    weights: list[float]
    source: str
    note: str = ""

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if len(self.weights) != len(self.choices) or any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
            raise ValueError("give one non-negative weight per choice")
        return self

    def draw(self, rng: random.Random) -> int:
        return rng.choices(self.choices, self.weights)[0]


class Range(_Strict):
    """A range a source gives."""

    min: float
    max: float
    unit: str
    source: str
    note: str = ""


class Pilot(_Strict):
    teu: Figure
    container_size_type: Label
    teu_per_container: Figure
    containers_per_shipment: Choice
    shipments_per_day: Figure
    export_share: Figure
    declared_gross_kg: Spread
    customs_value_per_teu: Figure


class Variability(_Strict):
    inspection: Figure
    rejection: Figure
    reefer: Figure
    reefer_breach: Figure
    ecommerce_financing: Figure
    tax_rebate_financing: Figure


class Steps(_Strict):
    registration_to_gate_in: Spread
    registration_to_filing: Spread
    customs_decision: Spread
    inspection: Spread
    amendment: Spread
    breach_to_resolution: Spread
    clearance_to_load: Spread
    load_to_departure: Spread
    transit: Spread
    arrival_to_discharge: Spread
    discharge_to_gate_out: Spread
    between_boxes: Spread


class Financing(_Strict):
    ecommerce_amount_per_teu: Figure
    ecommerce_fee_bps: Figure
    tax_rebate_amount_per_teu: Figure
    tax_rebate_fee_bps: Figure
    request_to_offer: Spread
    offer_to_acceptance: Spread
    acceptance_to_funding: Spread
    gate_out_to_repayment: Spread
    clearance_to_rebate_paid: Spread


class Phase(_Strict):
    name: str
    days: Figure


class Traditional(_Strict):
    phases: list[Phase] = Field(min_length=1)
    total_days: Range
    combined_target_days: Figure
    cost_reduction_reported: Figure


class Cost(Figure):
    applies: Literal["traditional", "combined", "both"]


class Scenario(_Strict):
    """The whole scenario file."""

    version: int = Field(ge=1)
    name: str
    sources: dict[str, Source]
    pilot: Pilot
    variability: Variability
    steps: Steps
    financing: Financing
    traditional: Traditional
    costs: dict[str, Cost]
    #: SHA-256 of the file, set by :func:`load_scenario`.
    sha256: str = ""

    @model_validator(mode="after")
    def _sourced(self) -> Scenario:
        for path, source in self.figures():
            if source != ASSUMPTION and source not in self.sources:
                raise ValueError(f"{path}: source {source!r} is neither a key of `sources` nor `{ASSUMPTION}`")
        return self

    def figures(self) -> list[tuple[str, str]]:
        """Every figure's path in the file and its source."""
        found: list[tuple[str, str]] = []

        def walk(prefix: str, value: object) -> None:
            if isinstance(value, Figure | Label | Spread | Choice | Range):
                found.append((prefix, value.source))
            elif isinstance(value, BaseModel):
                for name in type(value).model_fields:
                    walk(f"{prefix}.{name}" if prefix else name, getattr(value, name))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    walk(f"{prefix}.{i}", item)
            elif isinstance(value, dict):
                for key, item in value.items():
                    walk(f"{prefix}.{key}", item)

        for name in ("pilot", "variability", "steps", "financing", "traditional", "costs"):
            walk(name, getattr(self, name))
        return found

    def assumptions(self) -> list[str]:
        """The paths of the figures marked as assumptions."""
        return [path for path, source in self.figures() if source == ASSUMPTION]


def load_scenario(path: Path) -> Scenario:
    """The scenario at ``path``, checked; :class:`ConfigurationError` naming the file and the bad entry."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the pilot scenario {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(raw)
        scenario = Scenario.model_validate({**data, "sha256": hashlib.sha256(raw).hexdigest()})
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path} is not YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigurationError(f"{path}: {where}: {first['msg']}") from None
    except TypeError:
        raise ConfigurationError(f"{path} is not a scenario (a YAML mapping)") from None
    return scenario
