"""The scenario file and the plan it gives (no chain): every figure sourced or marked as an assumption, the plan
repeatable from its seed, and the percentile method the KPIs document."""

from __future__ import annotations

import statistics

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from portlink.errors import ConfigurationError
from portlink.pilot.replay import plan_journeys
from portlink.pilot.scenario import ASSUMPTION, load_scenario
from portlink.services.kpis import Distribution, Period, percentile

from tests.conftest import ROOT

SCENARIO = ROOT / "deployments" / "pilot-scenario.yaml"


def test_the_shipped_scenario_sources_every_figure():
    scenario = load_scenario(SCENARIO)
    figures = scenario.figures()
    assert len(figures) > 40
    for path, source in figures:
        assert source == ASSUMPTION or scenario.sources[source].says, path
    assert scenario.pilot.teu.value == 200
    assert scenario.pilot.teu.source != ASSUMPTION
    assert set(scenario.assumptions()) < {p for p, _ in figures}
    assert all(s.url or key == "seed" for key, s in scenario.sources.items())


def test_a_bad_scenario_names_the_entry(tmp_path):
    text = SCENARIO.read_text()
    cases = [
        (text.replace("min: 5, mode: 6, max: 9", "min: 9, mode: 6, max: 5"), "steps.transit"),
        (text.replace("version: 1", "version: 0"), "version"),
        ("- just a list", "not a scenario"),
        ("a: [", "is not YAML"),
    ]
    for content, words in cases:
        path = tmp_path / "s.yaml"
        path.write_text(content)
        with pytest.raises(ConfigurationError, match=words.replace(".", r"\.")):
            load_scenario(path)
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")


def test_the_plan_is_repeatable_and_moves_the_teu_asked_for():
    scenario = load_scenario(SCENARIO)
    first, again, other = (plan_journeys(scenario, 200, seed) for seed in (2020, 2020, 2021))
    assert first == again
    assert first != other
    assert sum(j.containers for j in first) == 100
    kinds = ("inspection", "rejection", "breach", "ecommerce", "tax_rebate")
    assert all(any(getattr(j, k) for j in first) for k in kinds)
    assert all(j.export for j in first if j.tax_rebate)
    assert all(j.reefer for j in first if j.breach)
    assert all(not (j.inspection and j.rejection) for j in first)
    assert {j.origin for j in first} == {"CNSUD", "CNSHK"}


@given(st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1, max_size=60))
def test_percentiles_are_numpys_default_and_pythons_inclusive_method(values):
    ordered = sorted(values)
    for q in (0.5, 0.9):
        assert percentile(ordered, q) == pytest.approx(float(np.percentile(values, q * 100)), rel=1e-9, abs=1e-6)
    if len(values) > 1:
        deciles = statistics.quantiles(values, n=10, method="inclusive")
        assert percentile(ordered, 0.5) == pytest.approx(deciles[4], rel=1e-9, abs=1e-6)
        assert percentile(ordered, 0.9) == pytest.approx(deciles[8], rel=1e-9, abs=1e-6)
    d = Distribution.of(values)
    assert (d.count, d.min, d.max) == (len(values), ordered[0], ordered[-1])


def test_a_period_must_run_forward():
    assert 5 in Period.of(5, 6)
    assert 6 not in Period.of(5, 6)
    with pytest.raises(ValueError, match="starts"):
        Period.of(7, 6)
    with pytest.raises(ValueError, match="empty"):
        Period.of(6, 6)
