"""Risk-based inspection targeting: a score with its reasons for every filed declaration, advice to customs only.

What the engine (:mod:`portlink.domain.risk`) weighs is read from the index here (:meth:`RiskService.facts`): the
declaration and its shipment's parties and route, the declared and gate-in weights, seal and weight discrepancies,
IoT alerts, and the outcomes customs recorded on chain, which are also the training labels: a **finding** is a
rejection or a hold, a **clean** declaration one cleared without either; an undecided one has no label yet.

A :class:`RiskWorker` keeps the scores current beside the indexer, never inside it: each round it notes the
decisions customs took since the last one (with the advice they had: :attr:`DecisionRecord.against_advice`), then
rescores the open declarations whose evidence changed (their shipment, or the history of their shipper,
consignee or route), raises an alert for each score over a port's threshold, and retrains when enough new
outcomes arrived. A round that fails is logged and tried again after a pause; the indexer never waits for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Engine,
    Float,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
    tuple_,
    union,
)

from portlink.domain.risk import (
    FEATURES,
    PARTY_WINDOW,
    ROUTE_WINDOW,
    Assessment,
    DeclarationFacts,
    RiskModel,
    assess,
    prior_model,
)
from portlink.errors import ForbiddenError, NotFoundError, PortLinkError
from portlink.indexer.bulk import upsert_rows
from portlink.services.access import Caller
from portlink.services.changes import IndexChanges, Wakeup
from portlink.store import schema
from portlink.store.locks import RISK_WORKER_LOCK, SessionLock

log = logging.getLogger("portlink.risk")


class RiskTrainingError(PortLinkError, ValueError):
    """Too few decided declarations (or only one outcome) to train the risk model on."""


#: How many more of a party's or route's latest declarations are read than the engine's windows count: those not
#: decided yet make room for older decided ones.
HISTORY_FACTOR = 2
#: Declaration ids per query.
CHUNK = 2_000
#: How often the worker counts the outcomes that arrived since the model's window (to retrain).
RETRAIN_CHECK_SECONDS = 60.0
#: Facts kept in memory at most (about 0.5 kB each); the cache starts again beyond.
MAX_CACHED = 300_000

#: What a band advises.
ADVICE = {"low": "release", "medium": "check the documents", "high": "inspect"}


@dataclass(frozen=True)
class RiskConfig:
    """How scores alert and how often the model is retrained (``PORTLINK_RISK_*``)."""

    threshold: float = 0.5
    port_thresholds: dict[str, float] = field(default_factory=dict)
    poll_seconds: float = 2.0
    retry_seconds: float = 5.0
    retrain_after: int = 200

    def threshold_of(self, port: str) -> float:
        """The score at or above which a declaration waiting at ``port`` raises an alert."""
        return self.port_thresholds.get(port, self.threshold)


@dataclass(frozen=True)
class ReasonRecord:
    """One reason of a score: the feature, its share of the log-odds, the sentence."""

    feature: str
    contribution: float
    text: str


@dataclass(frozen=True)
class RiskScore:
    """A declaration's current score: the probability that an inspection finds something, its band and the
    advice it gives, the reasons, and the model and evidence it was computed from."""

    declaration_id: str
    declaration_version: int
    score: float
    band: str
    advice: str
    reasons: list[ReasonRecord]
    model_version: int
    evidence_block: int
    computed_at: float


@dataclass(frozen=True)
class FeatureInfo:
    """One input of the model and its weight (log-odds per standard deviation)."""

    name: str
    description: str
    weight: float


@dataclass(frozen=True)
class ModelInfo:
    """The model in use: version 0 is the untrained prior."""

    version: int
    trained: bool
    trained_at: float | None
    window: dict[str, int]
    metrics: dict[str, float]
    cutoffs: tuple[float, float]
    base_rate: float
    features: list[FeatureInfo]
    value_references: int


@dataclass(frozen=True)
class DecisionRecord:
    """A customs decision as the risk engine saw it: the score at that moment and whether it went against the
    advice (a ``high`` band approved without an inspection, a ``low`` band inspected or rejected)."""

    declaration_id: str
    port: str
    version: int
    decision: str
    officer: str
    score: float | None
    band: str | None
    model_version: int | None
    against_advice: bool
    block_number: int


@dataclass(frozen=True)
class RiskAlert:
    """A score at or over a port's threshold while the declaration waits for that port's customs."""

    declaration_id: str
    port: str
    declaration_version: int
    score: float
    threshold: float
    model_version: int
    reasons: str
    raised_at: float
    #: Raised order (1, 2, …): where a stream or a webhook is in the alerts.
    seq: int


@dataclass(frozen=True)
class Round:
    """What one round of the worker did."""

    decisions: int
    scored: int
    alerts: int
    trained: int | None = None


def _against(band: str | None, decision: str, inspected: bool) -> bool:
    if band == "high":
        return decision == "APPROVE" and not inspected
    if band == "low":
        return decision in ("REQUEST_INSPECTION", "REJECT")
    return False


class RiskService:
    """Scores, their reasons and the model, from the index; the worker's rounds."""

    def __init__(self, engine: Engine, config: RiskConfig | None = None) -> None:
        self.engine = engine
        self.config = config or RiskConfig()
        self._model: RiskModel | None = None
        self._lock = threading.Lock()
        #: Facts already read, valid up to the index checkpoint ``_cache_block``: each new checkpoint evicts the
        #: declarations whose evidence changed since (one indexed query per evidence table).
        self._cache: dict[str, DeclarationFacts] = {}
        self._cache_block: int | None = None
        self._cache_hash: str | None = None
        self._cache_lock = threading.Lock()
        #: The model version of the worker's last round (a new one rescores every open declaration).
        self._round_version: int | None = None
        self._retrain_checked = -RETRAIN_CHECK_SECONDS

    # ------------------------------------------------------------------ the model

    def model(self) -> RiskModel:
        """The newest stored model (the prior if none was trained yet)."""
        m = schema.risk_models
        with self.engine.connect() as conn:
            version = conn.execute(select(func.max(m.c.version))).scalar()
            if version is None:
                return prior_model()
            with self._lock:
                if self._model is not None and self._model.version == version:
                    return self._model
            stored = conn.execute(select(m.c.model).where(m.c.version == version)).scalar_one()
        model = RiskModel.from_json(stored)
        with self._lock:
            self._model = model
        return model

    def model_info(self) -> ModelInfo:
        """The model in use, its training window and held-out metrics."""
        model = self.model()
        return ModelInfo(
            version=model.version,
            trained=model.trained,
            trained_at=model.trained_at,
            window=dict(model.window),
            metrics=dict(model.metrics),
            cutoffs=model.cutoffs,
            base_rate=model.base_rate,
            features=[
                FeatureInfo(f.name, f.description, round(w, 4)) for f, w in zip(FEATURES, model.coef, strict=True)
            ],
            value_references=len(model.references),
        )

    def train(self) -> ModelInfo:
        """Train the next model version on every decided declaration and store it (:class:`PortLinkError` naming
        what is missing when there are too few outcomes)."""
        from portlink.domain.risk_training import NotEnoughOutcomes, train  # scikit-learn: only when training

        facts = self.facts()
        version = self.model().version + 1
        try:
            trained = train(facts, version=version)
        except NotEnoughOutcomes as exc:
            raise RiskTrainingError(f"risk model not trained: {exc}") from None
        model = trained.model
        with self.engine.begin() as conn:
            conn.execute(
                schema.risk_models.insert(),
                {
                    "version": model.version,
                    "trained_at": model.trained_at or time.time(),
                    "declarations": model.window.get("declarations", 0),
                    "model": model.to_json(),
                },
            )
        log.info("risk model %d trained in %.1f s: %s", version, trained.seconds, model.metrics)
        return self.model_info()

    # ------------------------------------------------------------------ facts from the index

    def facts(self, ids: Collection[str] | None = None) -> list[DeclarationFacts]:
        """Every declaration as the engine sees it, or those with these ids."""
        with self.engine.connect() as conn:
            if ids is None:
                return self._facts(conn, None)
            found: list[DeclarationFacts] = []
            wanted = sorted(ids)
            for start in range(0, len(wanted), CHUNK):
                found += self._facts(conn, wanted[start : start + CHUNK])
            return found

    def history_of(self, declaration_ids: Collection[str]) -> list[DeclarationFacts]:
        """These declarations with the history they are scored against: the latest declarations of their shippers,
        consignees and routes (:data:`HISTORY_FACTOR` times the windows the engine counts, by registration, so
        that the engine's latest decided ones are among them) and each party's first declaration (is it its
        first?). One prepared statement per declaration, through indexes, so that scoring one costs the same on a
        large index; the facts themselves mostly come from the cache."""
        ids: set[str] = set()
        with self.engine.connect() as conn:
            for declaration_id in declaration_ids:
                ids.update(conn.execute(_history_statement(), {"target": declaration_id}).scalars())
            return self._cached_facts(conn, sorted(ids))

    def _cached_facts(self, conn: Connection, ids: Sequence[str]) -> list[DeclarationFacts]:
        """The facts of ``ids``, from the cache where it is still valid, the rest read now."""
        with self._cache_lock:
            checkpoint = self._checkpoint(conn)
            # A reorganisation re-indexes blocks at or below the cached checkpoint: its block's hash changed.
            mark = self._block_hash(conn, self._cache_block) if self._cache_block is not None else None
            if (
                self._cache_block is None
                or checkpoint < self._cache_block
                or mark != self._cache_hash
                or len(self._cache) > MAX_CACHED
            ):
                self._cache.clear()
            elif checkpoint > self._cache_block:
                for declaration_id in self._touched(conn, self._cache_block):
                    self._cache.pop(declaration_id, None)
            self._cache_block, self._cache_hash = checkpoint, self._block_hash(conn, checkpoint)
            missing = [i for i in ids if i not in self._cache]
            for start in range(0, len(missing), CHUNK):
                self._cache.update((f.declaration_id, f) for f in self._facts(conn, missing[start : start + CHUNK]))
            return [self._cache[i] for i in ids if i in self._cache]

    @staticmethod
    def _block_hash(conn: Connection, number: int) -> str | None:
        """The hash the index keeps of block ``number`` (recent blocks only; ``None`` for older, final ones)."""
        b = schema.blocks
        found = conn.execute(select(b.c.hash).where(b.c.number == number)).scalar()
        return None if found is None else str(found)

    def _forget(self, declaration_ids: Collection[str]) -> None:
        with self._cache_lock:
            for declaration_id in declaration_ids:
                self._cache.pop(declaration_id, None)

    @staticmethod
    def _touched(conn: Connection, block: int) -> set[str]:
        """Declarations (by id, which is their shipment's) with evidence indexed after ``block``."""
        touched: set[str] = set()
        for table, key in (
            (schema.declarations, "shipment_id"),
            (schema.containers, "shipment_id"),
            (schema.discrepancies, "shipment_id"),
            (schema.customs_holds, "declaration_id"),
            (schema.customs_decisions, "declaration_id"),
            (schema.iot_alerts, "shipment_id"),
        ):
            query = select(table.c[key]).where(table.c.block_number > block).distinct()
            touched.update(str(x) for x in conn.execute(query).scalars())
        return touched

    @staticmethod
    def _facts(conn: Connection, ids: Sequence[str] | None) -> list[DeclarationFacts]:
        """Facts of declarations, their evidence read by subqueries on the declaration's keys (index lookups, so
        reading a few costs little however large the index)."""
        found = conn.execute(_facts_statement(ids is not None), {} if ids is None else {"ids": list(ids)})
        return [_fact(r._mapping) for r in found]  # type: ignore[arg-type]

    # ------------------------------------------------------------------ reading scores

    def get(self, caller: Caller, declaration_id: str) -> RiskScore:
        """The current score of a declaration, for customs and auditors; scored now if the worker has not yet."""
        if not caller.oversight:
            raise ForbiddenError("risk scores are for customs and auditors")
        declaration_id = declaration_id.lower()
        with self.engine.connect() as conn:
            version = conn.execute(
                select(schema.declarations.c.version).where(schema.declarations.c.declaration_id == declaration_id)
            ).scalar()
            stored = (
                conn.execute(select(schema.risk_scores).where(schema.risk_scores.c.declaration_id == declaration_id))
                .mappings()
                .first()
            )
        if version is None:
            raise NotFoundError(f"no declaration {declaration_id} in the index (it may not be indexed yet)")
        if stored is None or stored["declaration_version"] != version:
            self.rescore([declaration_id])
            found = self.scores([declaration_id]).get(declaration_id)
            if found is None:
                raise NotFoundError(f"declaration {declaration_id} has no indexed shipment yet: it cannot be scored")
            return found
        return _score(dict(stored))

    def scores(self, declaration_ids: Sequence[str]) -> dict[str, RiskScore]:
        """The stored scores of these declarations (those scored)."""
        r = schema.risk_scores
        with self.engine.connect() as conn:
            found = conn.execute(select(r).where(r.c.declaration_id.in_(list(declaration_ids)))).mappings().all()
        return {x["declaration_id"]: _score(dict(x)) for x in found}

    def decisions(self, declaration_id: str) -> list[DecisionRecord]:
        """The decisions customs took on a declaration, as the risk engine recorded them."""
        rd = schema.risk_decisions
        with self.engine.connect() as conn:
            found = conn.execute(
                select(rd).where(rd.c.declaration_id == declaration_id.lower()).order_by(rd.c.block_number)
            ).mappings()
            return [_decision(dict(x)) for x in found]

    def alerts(
        self, *, port: str | None = None, after: float = 0.0, after_seq: int = 0, limit: int = 100
    ) -> list[RiskAlert]:
        """Risk alerts raised after ``after`` (unix time) and after the ``after_seq``-th, oldest first."""
        ra = schema.risk_alerts
        query = select(ra).where(ra.c.raised_at > after, ra.c.seq > after_seq)
        if port:
            query = query.where(ra.c.port == port)
        with self.engine.connect() as conn:
            found = conn.execute(query.order_by(ra.c.seq).limit(limit)).mappings()
            return [RiskAlert(**dict(x)) for x in found]

    def last_alert_seq(self) -> int:
        """The ``seq`` of the newest risk alert (0: none yet): a reader that starts now starts after it."""
        with self.engine.connect() as conn:
            return newest_alert_seq(conn)

    # ------------------------------------------------------------------ the worker's round

    def _checkpoint(self, conn: Connection) -> int:
        return int(conn.execute(select(schema.index_state.c.checkpoint_block)).scalar() or 0)

    def record_decisions(self, after_block: int = -1) -> int:
        """Note the customs decisions indexed after ``after_block`` not yet seen, with the score each declaration
        had (before it is rescored)."""
        cd, rd, r = schema.customs_decisions, schema.risk_decisions, schema.risk_scores
        seen = and_(
            rd.c.declaration_id == cd.c.declaration_id,
            rd.c.port == cd.c.port,
            rd.c.version == cd.c.version,
            rd.c.decision == cd.c.decision,
        )
        query = (
            select(cd, r.c.score, r.c.band, r.c.model_version)
            .outerjoin(r, r.c.declaration_id == cd.c.declaration_id)
            .where(cd.c.block_number > after_block, ~select(rd.c.declaration_id).where(seen).exists())
            .order_by(cd.c.block_number, cd.c.log_index)
        )
        with self.engine.begin() as conn:
            fresh = [dict(x) for x in conn.execute(query).mappings()]
            inspected = {
                (x["declaration_id"], x["port"], x["version"]) for x in fresh if x["decision"] == "REQUEST_INSPECTION"
            }
            earlier = select(rd).where(
                rd.c.decision == "REQUEST_INSPECTION", rd.c.declaration_id.in_({x["declaration_id"] for x in fresh})
            )
            inspected |= {(x.declaration_id, x.port, x.version) for x in conn.execute(earlier)}
            now = time.time()
            rows: dict[tuple[str, str, int, str], dict[str, Any]] = {}
            for x in fresh:
                key = (x["declaration_id"], x["port"], x["version"], x["decision"])
                rows[key] = {
                    "declaration_id": key[0],
                    "port": key[1],
                    "version": key[2],
                    "decision": key[3],
                    "officer": x["officer"],
                    "score": x["score"],
                    "band": x["band"],
                    "model_version": x["model_version"],
                    "against_advice": _against(x["band"], x["decision"], key[:3] in inspected),
                    "block_number": x["block_number"],
                    "recorded_at": now,
                }
            upsert_rows(conn, rd, list(rows.values()))
        self._forget({key[0] for key in rows})  # whether a decision went against the advice is a fact of it
        return len(rows)

    def changed_since(self, block: int) -> set[str]:
        """Open declarations whose evidence changed after ``block``: their own rows, or the history of their
        shipper, consignee or route; and every open declaration not scored, or scored by an older model."""
        d, s, r = schema.declarations, schema.shipments, schema.risk_scores
        version = self.model().version
        with self.engine.connect() as conn:
            touched = self._touched(conn, block)
            open_ = select(d.c.declaration_id).join(s, s.c.shipment_id == d.c.shipment_id).where(d.c.state == "FILED")
            stale = open_.outerjoin(r, r.c.declaration_id == d.c.declaration_id).where(
                or_(r.c.declaration_id.is_(None), r.c.model_version != version, r.c.declaration_version != d.c.version)
            )
            wanted = {str(x) for x in conn.execute(stale).scalars()}
            if touched:
                parts = conn.execute(
                    select(s.c.shipper, s.c.consignee, s.c.origin_port, s.c.destination_port).where(
                        s.c.shipment_id.in_(touched)
                    )
                ).all()
                if parts:
                    related = open_.where(
                        or_(
                            s.c.shipper.in_({p[0] for p in parts}),
                            s.c.consignee.in_({p[1] for p in parts}),
                            tuple_(s.c.origin_port, s.c.destination_port).in_({(p[2], p[3]) for p in parts}),
                        )
                    )
                    wanted.update(str(x) for x in conn.execute(related).scalars())
        return wanted

    def rescore(self, declaration_ids: Collection[str]) -> list[Assessment]:
        """Score these declarations now against their history and store the scores; raise the alerts of those
        over a port's threshold while waiting there."""
        if not declaration_ids:
            return []
        model = self.model()
        with self.engine.connect() as conn:
            checkpoint = self._checkpoint(conn)
        facts = self.history_of(declaration_ids)
        index = {f.declaration_id: i for i, f in enumerate(facts)}
        targets = [index[x] for x in declaration_ids if x in index]
        found = assess(model, facts, targets, now=True)
        now = time.time()
        d = schema.declarations
        with self.engine.begin() as conn:
            scored = [x.declaration_id for x in found]
            versions = dict(
                conn.execute(select(d.c.declaration_id, d.c.version).where(d.c.declaration_id.in_(scored))).all()
            )
            upsert_rows(
                conn,
                schema.risk_scores,
                [
                    {
                        "declaration_id": x.declaration_id,
                        "declaration_version": versions[x.declaration_id],
                        "score": x.score,
                        "band": x.band,
                        "reasons": [r.__dict__ for r in x.reasons],
                        "model_version": x.model_version,
                        "evidence_block": checkpoint,
                        "computed_at": now,
                    }
                    for x in found
                ],
            )
            self._raise_alerts(conn, found, versions, now)
        return found

    def _raise_alerts(self, conn: Connection, found: Sequence[Assessment], versions: dict[str, int], now: float) -> int:
        from portlink.services.overview import waiting_declarations

        over = {
            x.declaration_id: x
            for x in found
            if x.score >= min(self.config.threshold, *self.config.port_thresholds.values(), 1.0)
        }
        if not over:
            return 0
        w, ra = waiting_declarations(), schema.risk_alerts
        waiting = conn.execute(select(w.c.declaration_id, w.c.port).where(w.c.declaration_id.in_(list(over)))).all()
        rows: list[dict[str, Any]] = []
        # One worker writes alerts (one per database: the risk worker lock), so the next number is free.
        seq = newest_alert_seq(conn)
        for declaration_id, port in waiting:
            x = over[declaration_id]
            threshold = self.config.threshold_of(port)
            key = (declaration_id, port, versions[declaration_id])
            if x.score < threshold:
                continue
            exists = conn.execute(
                select(ra.c.declaration_id).where(
                    ra.c.declaration_id == key[0], ra.c.port == key[1], ra.c.declaration_version == key[2]
                )
            ).first()
            if exists is None:
                rows.append(
                    {
                        "declaration_id": key[0],
                        "port": key[1],
                        "declaration_version": key[2],
                        "score": x.score,
                        "threshold": threshold,
                        "model_version": x.model_version,
                        "reasons": "; ".join(r.text for r in x.reasons),
                        "raised_at": now,
                        "seq": seq + len(rows) + 1,
                    }
                )
        upsert_rows(conn, ra, rows)
        return len(rows)

    def decided_since_training(self) -> int:
        """Declarations with an outcome (cleared, rejected or held) filed after the window of the model in use."""
        d, s, h = schema.declarations, schema.shipments, schema.customs_holds
        model = self.model()
        since = model.window.get("toFiledAt", -1) if model.trained else -1
        held = select(h.c.declaration_id).where(h.c.declaration_id == d.c.declaration_id).exists()
        query = (
            select(func.count())
            .select_from(d.join(s, s.c.shipment_id == d.c.shipment_id))
            .where(s.c.registered_block > since, or_(d.c.state.in_(("CLEARED", "REJECTED")), held))
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def round(self, since_block: int) -> tuple[Round, int]:
        """One round of the worker after the index's ``since_block``: decisions noted, declarations rescored,
        alerts raised, and a retraining when :attr:`RiskConfig.retrain_after` new outcomes arrived. Returns what
        it did and the checkpoint to start the next round from."""
        with self.engine.connect() as conn:
            checkpoint = self._checkpoint(conn)
        if checkpoint < since_block:  # rolled back: what the removed blocks held is gone, look at everything
            since_block = -1
        decisions = self.record_decisions(since_block)
        trained = None
        if checkpoint > since_block and time.monotonic() >= self._retrain_checked + RETRAIN_CHECK_SECONDS:
            self._retrain_checked = time.monotonic()  # outcomes are counted at most once a minute
            if self.decided_since_training() >= self.config.retrain_after:
                try:
                    trained = self.train().version
                except RiskTrainingError as exc:
                    log.info("%s", exc)
        version = self.model().version
        if checkpoint == since_block and version == self._round_version:
            return Round(decisions, 0, 0), checkpoint  # nothing new in the index, the same model
        self._round_version = version
        wanted = self.changed_since(since_block)
        before = self._alert_count()
        found = self.rescore(wanted)
        return Round(decisions, len(found), self._alert_count() - before, trained), checkpoint

    def _alert_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.risk_alerts)).scalar_one())


class RiskWorker:
    """Keeps scores current in a thread of the API process: a round whenever the index commits (or every
    ``poll_seconds``); a failing round is logged and tried again after ``retry_seconds``. On PostgreSQL one worker
    of all the API processes of a database works, the one holding its advisory lock; the others stand by and take
    over when its process stops (its connection, and with it the lock, goes)."""

    def __init__(self, risk: RiskService, changes: IndexChanges | None) -> None:
        self.risk, self.changes = risk, changes
        self.stop_event = threading.Event()
        self.rounds = 0
        self.failures = 0
        #: Whether another process's worker holds the database's risk lock (this one waits for it).
        self.standing_by = False
        engine = risk.engine
        self.lock = SessionLock(engine, RISK_WORKER_LOCK) if engine.dialect.name == "postgresql" else None

    def run(self) -> None:
        """Round after round until stopped."""
        wakeup = self.changes.subscribe(None) if self.changes is not None else None
        since = -1
        try:
            while not self.stop_event.is_set():
                try:
                    if self.lock is not None and not self.lock.try_acquire():
                        if not self.standing_by:
                            log.info("risk worker standing by: another process keeps the scores")
                        self.standing_by, since = True, -1  # taking over later starts from a full round
                        self._pause(wakeup, self.risk.config.poll_seconds)
                        continue
                    self.standing_by = False
                    done, since = self.risk.round(since)
                    self.rounds += 1
                    if done.scored or done.alerts or done.trained:
                        log.info("risk round: %s", done)
                    pause = self.risk.config.poll_seconds
                except Exception:
                    self.failures += 1
                    log.exception("risk round failed; trying again")
                    pause = self.risk.config.retry_seconds
                self._pause(wakeup, pause)
        finally:
            if self.lock is not None:
                self.lock.release()
            if wakeup is not None and self.changes is not None:
                self.changes.unsubscribe(wakeup)

    def _pause(self, wakeup: Wakeup | None, seconds: float) -> None:
        if wakeup is not None:
            wakeup.wait(seconds)
        else:
            self.stop_event.wait(seconds)

    def stop(self) -> None:
        """Stop after the current round."""
        self.stop_event.set()


def newest_alert_seq(conn: Connection) -> int:
    """The ``seq`` of the newest risk alert (0: none yet)."""
    return int(conn.execute(select(func.max(schema.risk_alerts.c.seq))).scalar() or 0)


@cache
def _facts_statement(by_id: bool) -> Select[Any]:
    """The facts of every declaration, or (``by_id``) of those in ``:ids``, built once (see
    :meth:`RiskService._facts`)."""
    d, s, c = schema.declarations, schema.shipments, schema.containers
    x, h, a, cd, rd = (
        schema.discrepancies,
        schema.customs_holds,
        schema.iot_alerts,
        schema.customs_decisions,
        schema.risk_decisions,
    )
    shipment = c.c.shipment_id == d.c.shipment_id
    deviation = case(
        (
            and_(c.c.observed_gross_kg.is_not(None), c.c.declared_gross_kg > 0),
            func.abs(cast(c.c.observed_gross_kg - c.c.declared_gross_kg, Float)) / c.c.declared_gross_kg,
        ),
        else_=None,
    )

    def discrepancy(kind: str) -> Any:
        return select(x.c.shipment_id).where(x.c.shipment_id == d.c.shipment_id, x.c.kind == kind).exists()

    query = select(
        d.c.declaration_id,
        d.c.hs_codes,
        d.c.customs_value,
        d.c.currency,
        d.c.state,
        d.c.block_number,
        s.c.shipper,
        s.c.consignee,
        s.c.origin_port,
        s.c.destination_port,
        s.c.registered_block,
        select(func.sum(c.c.declared_gross_kg)).where(shipment).scalar_subquery().label("kg"),
        select(func.max(deviation)).where(shipment).scalar_subquery().label("deviation"),
        discrepancy("SEALS").label("seals"),
        discrepancy("WEIGHT").label("weight"),
        select(func.count()).where(a.c.shipment_id == d.c.shipment_id).scalar_subquery().label("alerts"),
        select(func.min(cd.c.block_number))
        .where(cd.c.declaration_id == d.c.declaration_id, cd.c.decision == "REJECT")
        .scalar_subquery()
        .label("rejected_at"),
        select(func.min(h.c.block_number))
        .where(h.c.declaration_id == d.c.declaration_id)
        .scalar_subquery()
        .label("held_at"),
        select(rd.c.declaration_id)
        .where(rd.c.declaration_id == d.c.declaration_id, rd.c.against_advice.is_(True))
        .exists()
        .label("against"),
    ).join(s, s.c.shipment_id == d.c.shipment_id)
    return query.where(d.c.declaration_id.in_(bindparam("ids", expanding=True))) if by_id else query


@cache
def _history_statement() -> CompoundSelect[Any]:
    """The ids of a declaration (``:target``) and of its history (see :meth:`RiskService.history_of`), built once."""
    d, s = schema.declarations, schema.shipments
    target = select(s).where(s.c.shipment_id == bindparam("target")).subquery("target")
    with_declaration = select(d.c.declaration_id.label("id")).join(s, s.c.shipment_id == d.c.shipment_id)
    party, route = HISTORY_FACTOR * PARTY_WINDOW, HISTORY_FACTOR * ROUTE_WINDOW
    shipper = with_declaration.where(s.c.shipper == select(target.c.shipper).scalar_subquery())
    consignee = with_declaration.where(s.c.consignee == select(target.c.consignee).scalar_subquery())
    on_route = with_declaration.where(
        s.c.origin_port == select(target.c.origin_port).scalar_subquery(),
        s.c.destination_port == select(target.c.destination_port).scalar_subquery(),
    )
    parts = [
        select(d.c.declaration_id.label("id")).where(d.c.declaration_id == bindparam("target")),
        shipper.order_by(s.c.registered_block.desc()).limit(party),
        shipper.order_by(s.c.registered_block).limit(1),
        consignee.order_by(s.c.registered_block.desc()).limit(party),
        consignee.order_by(s.c.registered_block).limit(1),
        on_route.order_by(s.c.registered_block.desc()).limit(route),
    ]
    subqueries = [p.subquery() for p in parts]
    return union(*(select(q.c.id) for q in subqueries))


def _fact(r: Mapping[str, Any]) -> DeclarationFacts:
    finding_at = min((t for t in (r["rejected_at"], r["held_at"]) if t is not None), default=None)
    if finding_at is not None:
        outcome, decided_at = 1, int(finding_at)
    elif r["state"] == "CLEARED":
        outcome, decided_at = 0, int(r["block_number"])
    else:
        outcome, decided_at = None, None
    try:
        value = int(r["customs_value"])
    except (TypeError, ValueError):
        value = 0
    return DeclarationFacts(
        declaration_id=r["declaration_id"],
        shipper=str(r["shipper"]).lower(),
        consignee=str(r["consignee"]).lower(),
        origin=r["origin_port"],
        destination=r["destination_port"],
        hs_codes=tuple(sorted(str(x) for x in r["hs_codes"] or ())),
        customs_value=value,
        currency=r["currency"],
        declared_kg=int(r["kg"] or 0),
        filed_at=int(r["registered_block"]),
        weight_deviation=None if r["deviation"] is None else float(r["deviation"]),
        seal_discrepancy=bool(r["seals"]),
        weight_discrepancy=bool(r["weight"]),
        iot_alerts=int(r["alerts"] or 0),
        outcome=outcome,
        decided_at=decided_at,
        against_advice=bool(r["against"]),
    )


def _score(r: dict[str, Any]) -> RiskScore:
    return RiskScore(
        declaration_id=r["declaration_id"],
        declaration_version=r["declaration_version"],
        score=float(r["score"]),
        band=r["band"],
        advice=ADVICE[r["band"]],
        reasons=[ReasonRecord(x["feature"], float(x["contribution"]), x["text"]) for x in r["reasons"]],
        model_version=r["model_version"],
        evidence_block=r["evidence_block"],
        computed_at=r["computed_at"],
    )


def _decision(r: dict[str, Any]) -> DecisionRecord:
    return DecisionRecord(
        declaration_id=r["declaration_id"],
        port=r["port"],
        version=r["version"],
        decision=r["decision"],
        officer=r["officer"],
        score=r["score"],
        band=r["band"],
        model_version=r["model_version"],
        against_advice=bool(r["against_advice"]),
        block_number=r["block_number"],
    )
