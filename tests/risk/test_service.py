"""The risk service over a migrated SQLite index holding generated declarations: labels from the outcomes customs
recorded, scores stored with their reasons, decisions against the advice, alerts over a port's threshold, training,
and a worker whose failing round is retried rather than fatal. The same service over a real chain and indexer:
tests/api/test_risk.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from portlink.api.routes.risk import model_public
from portlink.domain.risk import assess
from portlink.errors import ForbiddenError, NotFoundError
from portlink.services.access import Caller
from portlink.services.risk import RiskConfig, RiskService, RiskWorker
from portlink.store import schema
from portlink.store.engine import migrate, open_engine
from sqlalchemy import Connection, Engine, insert, select, text, update

from tests.risk import store_rows
from tests.risk.generator import generate

CUSTOMS = Caller("k1", "0x" + "0c" * 20, "customs", (("CUSTOMS", "CNSHK"),))
SHIPPER = Caller("k2", "0x" + "5a" * 20, "shipper", (("SHIPPER", None),))


@pytest.fixture
def engine(database: Callable[[], str]) -> Iterator[Engine]:
    engine = open_engine(database())
    migrate(engine)
    history = generate(3_000, seed=7)
    decided, open_ = history[:2_900], history[2_900:]
    store_rows.write(engine, [*decided, *(replace(f, outcome=None, decided_at=None) for f in open_)])
    with engine.begin() as conn:
        conn.execute(
            insert(schema.index_state),
            {
                "id": 1,
                "chain_id": 1,
                "genesis_hash": "0x0",
                "checkpoint_block": 4_000,
                "head_block": 4_000,
                "final_block": 4_000,
                "rollback_floor": 0,
            },
        )
    yield engine
    engine.dispose()


def hold(conn: Connection, declaration_id: str, block: int) -> None:
    """A customs hold at Shekou on ``declaration_id``, indexed at ``block``."""
    conn.execute(
        insert(schema.customs_holds),
        {
            "declaration_id": declaration_id,
            "port": "CNSHK",
            "officer": CUSTOMS.member,
            "reason_code": "X-RAY",
            "active": True,
            "released_by": None,
            "block_number": block,
            "confirmed": True,
        },
    )


def open_ids(engine: Engine) -> list[str]:
    d = schema.declarations
    with engine.connect() as conn:
        return [str(x) for x in conn.execute(select(d.c.declaration_id).where(d.c.state == "FILED")).scalars()]


def test_labels_come_from_rejections_holds_and_clearances(engine: Engine) -> None:
    risk = RiskService(engine)
    facts = {f.declaration_id: f for f in risk.facts()}
    truth = generate(3_000, seed=7)
    assert [facts[f.declaration_id].outcome for f in truth[:2_900]] == [f.outcome for f in truth[:2_900]]
    assert all(facts[f.declaration_id].outcome is None for f in truth[2_900:])
    one = truth[0]
    assert facts[one.declaration_id].weight_deviation == pytest.approx(one.weight_deviation, abs=1e-3)
    assert facts[one.declaration_id].declared_kg == one.declared_kg
    # A hold alone is a finding too, decided at the hold's block.
    cleared = next(f for f in truth[:2_900] if f.outcome == 0)
    with engine.begin() as conn:
        hold(conn, cleared.declaration_id, 3_500)
    held = next(f for f in risk.facts() if f.declaration_id == cleared.declaration_id)
    assert (held.outcome, held.decided_at) == (1, 3_500)


def test_open_declarations_are_scored_with_reasons_for_customs_only(engine: Engine) -> None:
    risk = RiskService(engine, RiskConfig(retrain_after=10**9))
    ids = open_ids(engine)
    done, checkpoint = risk.round(-1)
    assert done.scored == len(ids) == 100
    assert checkpoint == 4_000
    score = risk.get(CUSTOMS, ids[0])
    assert 0 < score.score < 1
    assert score.model_version == 0
    assert score.band in ("low", "medium", "high")
    assert score.advice
    assert score.reasons
    assert all(r.text for r in score.reasons)
    with pytest.raises(ForbiddenError):
        risk.get(SHIPPER, ids[0])
    with pytest.raises(NotFoundError):
        risk.get(CUSTOMS, "0x" + "f" * 64)
    again, _ = risk.round(checkpoint)
    assert again.scored == 0  # nothing changed since
    rolled, _ = risk.round(checkpoint + 10)  # the index is behind the last round: a reorganisation rolled it back
    assert rolled.scored == 100


def test_training_stores_a_new_version_and_open_declarations_are_rescored_by_it(engine: Engine) -> None:
    risk = RiskService(engine, RiskConfig(retrain_after=10**9))
    risk.round(-1)
    info = risk.train()
    assert info.version == 1
    assert info.trained
    assert info.window["declarations"] == 2_900
    assert 0.6 < info.metrics["rocAuc"] <= 1
    assert info.value_references > 0
    public = model_public(info).model_dump(by_alias=True)
    assert public["window"]["declarations"] == 2_900
    assert public["metrics"]["rocAuc"] == info.metrics["rocAuc"]
    assert public["metrics"]["precisionAt5"] == info.metrics["precisionAt5"]
    done, _ = risk.round(4_000)
    assert done.scored == 100  # scored by an older model
    assert {s.model_version for s in risk.scores(open_ids(engine)).values()} == {1}


def test_the_worker_trains_once_enough_outcomes_arrived(engine: Engine) -> None:
    risk = RiskService(engine, RiskConfig(retrain_after=2_900))
    done, checkpoint = risk.round(-1)
    assert done.trained == 1
    assert done.scored == 100
    assert risk.decided_since_training() == 0
    done, _ = risk.round(checkpoint - 1)
    assert done.trained is None  # no new outcomes


def test_a_decision_against_the_advice_is_recorded_and_weighs_in_training(engine: Engine) -> None:
    risk = RiskService(engine, RiskConfig(retrain_after=10**9))
    risk.round(-1)
    ids = open_ids(engine)
    scores = risk.scores(ids)
    with engine.begin() as conn:
        conn.execute(
            update(schema.risk_scores).where(schema.risk_scores.c.declaration_id == ids[0]).values(band="high")
        )
        conn.execute(update(schema.risk_scores).where(schema.risk_scores.c.declaration_id == ids[1]).values(band="low"))
        for n, (declaration, decision) in enumerate(
            ((ids[0], "APPROVE"), (ids[1], "REQUEST_INSPECTION"), (ids[2], "APPROVE"))
        ):
            conn.execute(
                insert(schema.customs_decisions),
                {
                    **store_rows._log(5_000 + n, 0),
                    "declaration_id": declaration,
                    "port": "CNSHK",
                    "officer": CUSTOMS.member,
                    "version": 1,
                    "decision": decision,
                    "reason_code": None,
                    "submitted_by": CUSTOMS.member,
                },
            )
    assert risk.record_decisions(5_002) == 0  # indexed at blocks 5000-5002: none after 5002
    assert risk.record_decisions(5_001) == 1
    assert risk.record_decisions() == 2
    assert risk.record_decisions() == 0  # each decision once
    recorded = {d.declaration_id: d for i in ids[:3] for d in risk.decisions(i)}
    assert recorded[ids[0]].against_advice
    assert recorded[ids[0]].band == "high"
    assert recorded[ids[1]].against_advice
    assert recorded[ids[1]].decision == "REQUEST_INSPECTION"
    assert recorded[ids[2]].against_advice is (scores[ids[2]].band == "high")
    assert recorded[ids[0]].score == scores[ids[0]].score
    with engine.begin() as conn:  # the first one's goods are then cleared: it is a label, marked against the advice
        conn.execute(
            update(schema.declarations).where(schema.declarations.c.declaration_id == ids[0]).values(state="CLEARED")
        )
    marked = next(f for f in risk.facts() if f.declaration_id == ids[0])
    assert (marked.outcome, marked.against_advice) == (0, True)


def test_a_score_over_the_ports_threshold_raises_one_alert(engine: Engine) -> None:
    risk = RiskService(engine, RiskConfig(threshold=1.0, port_thresholds={"CNSDE": 0.0001}))
    risk.round(-1)
    alerts = risk.alerts()
    waiting = {(d, p) for d, p in _waiting(engine) if p == "CNSDE"}
    assert {(a.declaration_id, a.port) for a in alerts} == waiting
    assert waiting
    assert all(a.threshold == 0.0001 and a.reasons for a in alerts)
    risk.rescore(open_ids(engine))
    assert len(risk.alerts()) == len(alerts)  # once per declaration, port and version
    assert risk.alerts(after=alerts[-1].raised_at) == []
    # Numbered in the order raised: a stream or a webhook reads on from the last it had.
    assert [a.seq for a in alerts] == list(range(1, len(alerts) + 1))
    assert risk.last_alert_seq() == len(alerts)
    assert risk.alerts(after_seq=1) == alerts[1:]
    assert risk.alerts(after_seq=len(alerts)) == []


def test_migration_0010_numbers_the_alerts_raised_so_far_and_starts_webhooks_after_them(
    database: Callable[[], str],
) -> None:
    from importlib.resources import files

    from alembic import command
    from alembic.config import Config

    engine = open_engine(database())
    config = Config()
    config.set_main_option("script_location", str(files("portlink.store") / "migrations"))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0009")
        alert = {"port": "CNSHK", "declaration_version": 1, "threshold": 0.5, "model_version": 0, "reasons": "r"}
        conn.execute(
            text(
                "INSERT INTO risk_alerts (declaration_id, port, declaration_version, score, threshold, model_version,"
                " reasons, raised_at) VALUES (:declaration_id, :port, :declaration_version, :score, :threshold,"
                " :model_version, :reasons, :raised_at)"
            ),
            [
                {**alert, "declaration_id": "0x" + "bb" * 32, "score": 0.9, "raised_at": 20.0},
                {**alert, "declaration_id": "0x" + "aa" * 32, "score": 0.8, "raised_at": 10.0},
            ],
        )
        conn.execute(
            text(
                "INSERT INTO subscriptions (subscription_id, topic, member, callback_url, secret, filters, cursor,"
                " created_at, updated_at, next_attempt_at, attempts, delivered_events) VALUES ('s1', 'alerts',"
                " :member, 'https://example.com/hook', 'c2VjcmV0', '{}', 0, 0, 0, 0, 0, 0)"
            ),
            {"member": CUSTOMS.member},
        )
    migrate(engine)
    risk = RiskService(engine)
    assert [(a.declaration_id[:4], a.seq) for a in risk.alerts()] == [("0xaa", 1), ("0xbb", 2)]
    assert risk.last_alert_seq() == 2
    with engine.connect() as conn:
        assert conn.execute(select(schema.subscriptions.c.risk_cursor)).scalar_one() == 2
    engine.dispose()


def _waiting(engine: Engine) -> list[tuple[str, str]]:
    from portlink.services.overview import waiting_declarations

    w = waiting_declarations()
    with engine.connect() as conn:
        return [(str(a), str(b)) for a, b in conn.execute(select(w.c.declaration_id, w.c.port))]


def test_a_failing_round_is_logged_and_retried_never_fatal(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    risk = RiskService(engine, RiskConfig(poll_seconds=0.05, retry_seconds=0.05))
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE risk_scores RENAME TO risk_scores_away"))
    worker = RiskWorker(risk, None)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while worker.failures < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker.failures >= 2
    assert thread.is_alive()
    assert "risk round failed; trying again" in caplog.text
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE risk_scores_away RENAME TO risk_scores"))
    while worker.rounds < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.stop()
    thread.join(5)
    assert worker.rounds >= 1
    assert len(risk.scores(open_ids(engine))) == 100


def test_the_history_read_through_indexes_scores_as_the_whole_index_would(engine: Engine) -> None:
    risk = RiskService(engine, RiskConfig(retrain_after=10**9))
    model = risk.train() and risk.model()
    everything = risk.facts()
    where = {f.declaration_id: i for i, f in enumerate(everything)}
    for declaration_id in open_ids(engine)[:25]:
        history = risk.history_of([declaration_id])
        assert len(history) < len(everything) / 4
        (windowed,) = assess(model, history, [[f.declaration_id for f in history].index(declaration_id)])
        (whole,) = assess(model, everything, [where[declaration_id]])
        assert windowed == whole


def test_cached_history_follows_the_index(engine: Engine) -> None:
    risk = RiskService(engine, RiskConfig(retrain_after=10**9))
    target = open_ids(engine)[0]
    history = {f.declaration_id: f for f in risk.history_of([target])}
    cleared = next(f for f in history.values() if f.outcome == 0)
    with engine.begin() as conn:  # a hold indexed in the next block, and the checkpoint moves on
        hold(conn, cleared.declaration_id, 4_001)
        conn.execute(update(schema.index_state).values(checkpoint_block=4_001))
    again = {f.declaration_id: f for f in risk.history_of([target])}
    assert (again[cleared.declaration_id].outcome, again[cleared.declaration_id].decided_at) == (1, 4_001)
    # A reorganisation replaces block 4001 (its hash changes) and indexes it without the hold: all is read again.
    with engine.begin() as conn:
        conn.execute(insert(schema.blocks), {"number": 4_001, "hash": "0xaaaa"})
    risk.history_of([target])  # remembers the hash of the checkpoint's block
    with engine.begin() as conn:
        conn.execute(schema.customs_holds.delete().where(schema.customs_holds.c.block_number == 4_001))
        conn.execute(update(schema.blocks).where(schema.blocks.c.number == 4_001).values(hash="0xbbbb"))
    replayed = {f.declaration_id: f for f in risk.history_of([target])}
    assert replayed[cleared.declaration_id].outcome == 0


def test_one_worker_per_database_the_others_stand_by_and_take_over(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("one process on SQLite: nothing to share the work with")
    config = RiskConfig(poll_seconds=0.05, retry_seconds=0.05)
    first = RiskWorker(RiskService(engine, config), None)
    second = RiskWorker(RiskService(open_engine(str(engine.url.render_as_string(hide_password=False))), config), None)
    threads = [threading.Thread(target=w.run, daemon=True) for w in (first, second)]
    threads[0].start()
    deadline = time.monotonic() + 20
    while first.rounds < 1:
        assert time.monotonic() < deadline, "the first worker never worked"
        time.sleep(0.05)
    threads[1].start()
    while not second.standing_by:
        assert time.monotonic() < deadline, "the second worker did not stand by"
        time.sleep(0.05)
    worked = first.rounds
    time.sleep(0.5)
    assert second.rounds == 0  # every round was the first's
    assert first.rounds > worked
    first.stop()  # its process stops: the lock goes with its connection
    threads[0].join(5)
    while second.rounds < 1:
        assert time.monotonic() < deadline, "the second worker never took over"
        time.sleep(0.05)
    assert not second.standing_by
    second.stop()
    threads[1].join(5)
    assert len(first.risk.scores(open_ids(engine))) == 100
