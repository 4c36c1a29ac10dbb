"""The risk engine on its own: features in time order, scores with reasons, training and evaluation (no chain)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from portlink.domain.risk import (
    FEATURE_NAMES,
    DeclarationFacts,
    RiskModel,
    assess,
    feature_rows,
    prior_model,
    value_references,
)
from portlink.domain.risk_training import MIN_TRAINING, NotEnoughOutcomes, evaluate, train

from tests.risk.generator import SEAL_CORRIDOR, generate


def facts(i: int, **changes: object) -> DeclarationFacts:
    base = DeclarationFacts(
        declaration_id=f"0x{i:064x}",
        shipper="0xshipper",
        consignee="0xconsignee",
        origin="CNSHK",
        destination="HKHKG",
        hs_codes=("850440",),
        customs_value=1_000_000,
        currency="HKD",
        declared_kg=1_000,
        filed_at=i,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def trained() -> tuple[list[DeclarationFacts], RiskModel]:
    history = generate(20_000)
    return history, train(history, version=1).model


def texts(model: RiskModel, history: list[DeclarationFacts], target: DeclarationFacts) -> tuple[float, list[str]]:
    (found,) = assess(model, [*history, target], [len(history)])
    return found.score, [r.text for r in found.reasons]


def test_a_declaration_without_history_or_known_heading_gets_a_score_and_says_why() -> None:
    model = prior_model()
    (found,) = assess(model, [facts(1, hs_codes=("970100",))], [0])
    assert 0 < found.score < 1
    said = [r.text for r in found.reasons]
    assert "first declaration of this shipper: no history to judge by" in said
    assert "first declaration for this consignee: no history to judge by" in said
    assert any("value not compared" in t for t in said)


def test_an_unseen_heading_under_a_trained_model_is_named(trained: tuple[list[DeclarationFacts], RiskModel]) -> None:
    history, model = trained
    score, said = texts(model, history, facts(10**6, filed_at=10**6, hs_codes=("010100",)))
    assert 0 < score < 1
    assert any(t.startswith("HS heading 0101 in HKD has too few declarations") for t in said), said
    _, said = texts(model, history, facts(10**6, filed_at=10**6, declared_kg=0))
    assert "no gross weight declared: the value per kg is not compared" in said


def test_history_is_counted_in_time_order_and_never_includes_the_declaration_itself() -> None:
    first = facts(1, outcome=1, decided_at=5, seal_discrepancy=True)
    second = facts(3)  # filed before the first was decided
    third = facts(7)
    rows = feature_rows([first, second, third], {}, base_rate=0.1)
    s, seals = FEATURE_NAMES.index("shipper_first"), FEATURE_NAMES.index("shipper_seals")
    assert rows.matrix[:, s].tolist() == [1.0, 0.0, 0.0]
    assert [c.shipper_decided for c in rows.contexts] == [0, 0, 1]
    assert [c.shipper_findings for c in rows.contexts] == [0, 0, 1]
    assert rows.matrix[:, seals].tolist() == [0.0, 0.0, 1.0]
    live = feature_rows([first, second, third], {}, base_rate=0.1, targets=[1], now=True)
    assert live.contexts[0].shipper_findings == 1  # scored now, the second sees the first's outcome
    assert live.matrix[0, s] == 0.0  # and is still not the shipper's first declaration


def test_value_per_kg_is_compared_with_its_heading_in_the_same_currency() -> None:
    peers = [facts(i, customs_value=1_000_000 + 1_000 * i) for i in range(30)]
    refs = value_references(peers)
    assert set(refs) == {"8504/HKD"}
    assert value_references(peers[:19]) == {}
    low = facts(99, customs_value=10_000)
    rows = feature_rows([*peers, low], refs, base_rate=0.05, targets=[30])
    assert rows.matrix[0, FEATURE_NAMES.index("value_low")] == 10.0  # capped
    assert rows.contexts[0].value_percentile == 0.0
    usd = feature_rows([*peers, replace(low, currency="USD")], refs, base_rate=0.05, targets=[30])
    assert usd.matrix[0, FEATURE_NAMES.index("value_unknown")] == 1.0


def test_planted_patterns_raise_the_score_and_are_given_as_reasons(
    trained: tuple[list[DeclarationFacts], RiskModel],
) -> None:
    history, model = trained
    t = history[-1].filed_at + 1
    typical = next(f for f in reversed(history) if f.outcome == 0 and not f.seal_discrepancy)
    clean = replace(typical, declaration_id="0x" + "c" * 64, filed_at=t, decided_at=None, outcome=None)
    clean_score, _ = texts(model, history, clean)
    cheap = replace(clean, customs_value=max(1, clean.customs_value // 20))
    score, said = texts(model, history, cheap)
    assert score > 3 * clean_score
    assert any(s.startswith("declared value per kg is in the lowest 1 % of HS") for s in said), said
    sealed = replace(clean, origin=SEAL_CORRIDOR[0], destination=SEAL_CORRIDOR[1], seal_discrepancy=True)
    score, said = texts(model, history, sealed)
    assert score > 3 * clean_score
    assert "a seal at gate-in is not the seal declared" in said


def test_the_model_survives_its_json_and_refuses_other_features(
    trained: tuple[list[DeclarationFacts], RiskModel],
) -> None:
    history, model = trained
    again = RiskModel.from_json(model.to_json())
    rows = feature_rows(history[:500], model.references, base_rate=model.base_rate).matrix
    assert np.array_equal(again.scores(rows), model.scores(rows))
    assert model.metrics["rocAuc"] > 0.75
    assert min(model.coef) >= 0  # every feature is a risk indicator: none lowers a score as it grows
    assert model.window["declarations"] == 20_000
    assert model.cutoffs[0] < model.cutoffs[1]
    other = {**model.to_json(), "features": ["value_low"]}
    with pytest.raises(ValueError, match="made for features"):
        RiskModel.from_json(other)


def test_training_needs_enough_outcomes_of_both_kinds() -> None:
    with pytest.raises(NotEnoughOutcomes, match="training needs"):
        train([facts(i, outcome=i % 2, decided_at=i + 1) for i in range(MIN_TRAINING - 1)], version=1)
    with pytest.raises(NotEnoughOutcomes, match="0 findings"):
        train([facts(i, outcome=0, decided_at=i + 1) for i in range(200)], version=1)
    undecided = [facts(i) for i in range(500)]
    with pytest.raises(NotEnoughOutcomes, match="0 decided"):
        train(undecided, version=1)


def test_evaluation_counts_the_top_five_percent() -> None:
    labels = np.array([1] * 10 + [0] * 190)
    perfect = evaluate(labels, np.linspace(1, 0, 200))
    assert (perfect.roc_auc, perfect.precision_at_5, perfect.catch_rate_at_5) == (1.0, 1.0, 1.0)
    assert perfect.inspections_saved == pytest.approx(0.95)  # 10 inspections instead of 200
    worst = evaluate(labels, np.linspace(0, 1, 200))
    assert worst.precision_at_5 == 0.0
    assert worst.inspections_saved == 0.0


def test_decisions_against_the_advice_weigh_more_in_training() -> None:
    history = generate(3_000, seed=5)
    plain = train(history, version=1).model
    marked = [replace(f, against_advice=f.outcome == 1 and f.seal_discrepancy) for f in history]
    weighted = train(marked, version=2).model
    seal = FEATURE_NAMES.index("seal_broken")
    assert weighted.coef[seal] > plain.coef[seal]
