"""The services of one backend process, built from the settings: the store, one service per resource, API keys,
the contracts and the chain gateway, operations (with their tracker thread) and, optionally, the indexer in a
background thread. The API and the CLI reach every workflow through a :class:`Runtime`."""

from __future__ import annotations

import logging
import threading
from functools import cached_property
from typing import Any

from sqlalchemy import Engine

from portlink.chain.devwallets import PUBLIC_TEST_KEYS, DevWallets, dev_wallets
from portlink.chain.gateway import ChainClock, ChainGateway
from portlink.chain.iot import IoTMonitorClient
from portlink.chain.keystore import load_keystore
from portlink.chain.rpc import JsonRpc
from portlink.deployment.seed import load_seed
from portlink.indexer.catalog import EventCatalog
from portlink.manifest import Manifest, load_manifest
from portlink.services.access import ApiKeys
from portlink.services.audit import AuditService
from portlink.services.bills import BillOfLadingService
from portlink.services.changes import IndexChanges
from portlink.services.consortium import ConsortiumService
from portlink.services.contracts import Contracts, ContractViews
from portlink.services.dcsa import DcsaService
from portlink.services.declarations import DeclarationService
from portlink.services.documents import DocumentService
from portlink.services.eventlog import EventLog
from portlink.services.financings import FinancingService
from portlink.services.governance import Proposals
from portlink.services.inbox import DeclarationLists
from portlink.services.index import IndexStatus
from portlink.services.iot import IoTService
from portlink.services.kpis import KpiService
from portlink.services.operations import OperationService
from portlink.services.overview import OverviewQueries
from portlink.services.risk import RiskConfig, RiskService, RiskWorker
from portlink.services.sessions import SessionService
from portlink.services.shipments import ShipmentService
from portlink.services.subscriptions import SubscriptionService
from portlink.services.telemetry import TelemetryService, WarningHub
from portlink.services.tokens import TokenService
from portlink.services.transportcalls import TransportCallService
from portlink.services.verification import TrailVerifier
from portlink.services.webhooks import Deliveries, Renderers, WebhookConfig
from portlink.settings import Settings
from portlink.store.engine import migrate, open_engine
from portlink.store.notify import Listener, supports_notify
from portlink.telemetry.ingest import TelemetryIngestor

log = logging.getLogger("portlink.services")


class Runtime:
    """Everything a request handler or CLI command needs, opened once."""

    def __init__(self, settings: Settings, *, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or open_engine(settings.database_url)
        migrate(self.engine)
        # Services that need only the store are ready at once; those that need the manifest or the chain are
        # opened on first use (a CLI command that only issues an API key needs neither).
        self.index = IndexStatus(self.engine)
        self.eventlog = EventLog(self.engine)
        self.consortium = ConsortiumService(self.engine)
        self.keys = ApiKeys(self.engine, self.consortium)
        self.shipments = ShipmentService(self.engine, self.consortium)
        self.iot = IoTService(self.engine, self.shipments, self.eventlog)
        self.audit = AuditService(self.engine, self.shipments, self.eventlog)
        self.dcsa = DcsaService(self.engine)
        self.proposals = Proposals(self.eventlog)
        self.transport_calls = TransportCallService(self.engine, self.consortium)
        self.subscriptions = SubscriptionService(self.engine, allow_private=settings.webhook_allow_private_addresses)
        self.deliveries: Deliveries | None = None
        self.risk_worker: RiskWorker | None = None
        self._threads: list[threading.Thread] = []
        #: Set when the process shuts down: long-running responses (the alert stream) end.
        self.stopping = threading.Event()
        self._indexer: Any = None
        #: PostgreSQL: the process's one LISTEN connection (index commits, telemetry warnings of every replica).
        self.listener = Listener(self.engine) if supports_notify(self.engine) else None

    @cached_property
    def manifest(self) -> Manifest:
        """The deployment manifest."""
        return load_manifest(self.settings.manifest_path)

    @cached_property
    def contracts(self) -> Contracts:
        """The manifest contracts' ABIs, calldata and errors."""
        return Contracts(self.manifest, self.settings.manifest_path, artifacts_path=self.settings.artifacts_path)

    @cached_property
    def gateway(self) -> ChainGateway:
        """The chain client."""
        return ChainGateway.connect(self.settings.rpc_url, poa=self.settings.poa)

    @cached_property
    def telemetry(self) -> TelemetryService:
        """IoT readings ingested, warned on and anchored (devices and rules read from the IoT monitor)."""
        monitor = IoTMonitorClient(self.gateway.w3, self.manifest, self.settings.manifest_path)
        ingestor = TelemetryIngestor(
            monitor,
            monitor.domain(),
            refresh_seconds=self.settings.telemetry_refresh_seconds,
            clock=ChainClock(self.gateway),
        )
        return TelemetryService(ingestor, self.operations, self.telemetry_hub)

    @cached_property
    def telemetry_hub(self) -> WarningHub:
        """Where telemetry warnings go the moment they are found: every open alert stream (of every API process,
        on PostgreSQL)."""
        return WarningHub(engine=self.engine, listener=self.listener)

    @cached_property
    def changes(self) -> IndexChanges:
        """The index's commits as they happen, for the alert stream: pushed on PostgreSQL, polled on SQLite."""
        return IndexChanges(self.engine, self.listener, poll_seconds=self.settings.api_stream_poll_seconds)

    @cached_property
    def dev_wallets(self) -> DevWallets | None:
        """With ``dev_wallets``: the public test keys of the seed's members and the relayer, once the node is known
        to be a local development chain (:class:`DevChainRequiredError` otherwise)."""
        if not self.settings.dev_wallets:
            return None
        seed, _ = load_seed(self.settings.seed_path)
        members = {m.account for m in (*(p.authority for p in seed.ports), *seed.members)}
        return dev_wallets(self.gateway.w3, genesis_hash=self.manifest.genesis_hash, members=members)

    @cached_property
    def operations(self) -> OperationService:
        """Writes as operations, with the custodial keys of the keystore (and the dev wallets on a dev chain)."""
        s = self.settings
        signers = (
            load_keystore(s.api_keystore_path, s.api_keystore_passphrase.get_secret_value())
            if s.api_keystore_passphrase is not None
            else {}
        )
        relayer = s.api_relayer_address
        wallets = self.dev_wallets
        if wallets is not None:
            log.warning("custodial signing with %s for %d accounts", PUBLIC_TEST_KEYS, len(wallets.signers))
            signers = {**wallets.signers, **signers}
            relayer = relayer or wallets.relayer.address
        log.info("custodial keys: %d", len(signers))
        return OperationService(
            self.engine,
            self.gateway,
            self.contracts,
            EventCatalog.from_manifest(self.manifest, s.manifest_path),
            signers,
            relayer=relayer,
            poll_seconds=s.api_tracker_poll_seconds,
            rebroadcast_seconds=s.api_rebroadcast_seconds,
            stuck_seconds=s.api_stuck_seconds,
            fee_bump_percent=s.api_fee_bump_percent,
            lease_seconds=s.api_lease_seconds,
        )

    @cached_property
    def sessions(self) -> SessionService:
        """The console's Sign-In with Ethereum sessions, for the manifest's chain."""
        s = self.settings
        return SessionService(
            self.engine,
            self.consortium,
            self.manifest.chain_id,
            session_seconds=s.console_session_seconds,
            nonce_seconds=s.console_nonce_seconds,
        )

    @cached_property
    def overview(self) -> OverviewQueries:
        """The console's overview: shipments, waiting declarations, alerts, financings, activity."""
        return OverviewQueries(self.engine)

    @cached_property
    def inbox(self) -> DeclarationLists:
        """Declarations listed and paged (an officer's inbox)."""
        return DeclarationLists(self.engine)

    @cached_property
    def risk(self) -> RiskService:
        """Declarations' risk scores, their reasons and the model (advice to customs)."""
        s = self.settings
        config = RiskConfig(
            threshold=s.risk_alert_threshold,
            port_thresholds=dict(s.risk_port_thresholds),
            poll_seconds=s.risk_poll_seconds,
            retry_seconds=s.risk_retry_seconds,
            retrain_after=s.risk_retrain_after,
        )
        return RiskService(self.engine, config)

    @cached_property
    def trails(self) -> TrailVerifier:
        """A shipment's indexed trail compared with the node's logs."""
        s = self.settings
        catalog = EventCatalog.from_manifest(self.manifest, s.manifest_path)
        return TrailVerifier(
            self.shipments,
            self.audit,
            self.index,
            catalog,
            lambda: JsonRpc(s.rpc_url, timeout=s.indexer_rpc_timeout_seconds),
            step=s.indexer_max_block_range,
        )

    @cached_property
    def views(self) -> ContractViews:
        """Read-only calls of the manifest contracts."""
        return ContractViews(self.gateway, self.contracts)

    @cached_property
    def kpis(self) -> KpiService:
        """KPIs from the index, with receipts from the node when first needed."""
        s = self.settings
        return KpiService(self.engine, lambda: JsonRpc(s.rpc_url, timeout=s.indexer_rpc_timeout_seconds))

    @cached_property
    def declarations(self) -> DeclarationService:
        """Customs declarations and decisions."""
        return DeclarationService(self.engine, self.shipments, self.views, relayer=self.operations.relayer)

    @cached_property
    def bills(self) -> BillOfLadingService:
        """Carrier attestations of bills of lading, and the registrations that carry them."""
        return BillOfLadingService(self.shipments, self.views, self.operations.signers)

    @cached_property
    def financings(self) -> FinancingService:
        """Trade-finance escrow financings."""
        return FinancingService(self.engine, self.shipments, self.eventlog, self.contracts.addresses)

    @cached_property
    def tokens(self) -> TokenService:
        """The settlement token."""
        return TokenService(self.views, self.contracts.addresses)

    @cached_property
    def documents(self) -> DocumentService:
        """Document verification (index and chain)."""
        return DocumentService(self.shipments, self.views)

    def webhooks(self, renderers: Renderers) -> Deliveries:
        """The delivery worker of subscriptions' callbacks, writing each topic's events with ``renderers``."""
        s = self.settings
        config = WebhookConfig(
            poll_seconds=s.webhook_poll_seconds,
            timeout_seconds=s.webhook_timeout_seconds,
            lease_seconds=s.webhook_lease_seconds,
            retry_seconds=s.webhook_retry_seconds,
            max_backoff_seconds=s.webhook_max_backoff_seconds,
            batch_size=s.webhook_batch_size,
            allow_private_addresses=s.webhook_allow_private_addresses,
        )
        return Deliveries(
            self.engine,
            dcsa=self.dcsa,
            iot=self.iot,
            eventlog=self.eventlog,
            consortium=self.consortium,
            risk=self.risk,
            renderers=renderers,
            config=config,
        )

    def start(self, *, renderers: Renderers | None = None) -> None:
        """Start the operation tracker, the listener (PostgreSQL), (with ``risk_run_worker``) the risk worker, (with
        ``api_run_indexer``) the indexer and (given how each topic's events are written, with
        ``webhook_run_delivery``) the delivery of subscriptions' callbacks."""
        if self.listener is not None:
            self.changes, self.telemetry_hub  # noqa: B018 (their handlers are registered before listening)
            self.listener.start()
        tracker = threading.Thread(target=self.operations.tracker.run, name="operation-tracker", daemon=True)
        self._threads.append(tracker)
        if renderers is not None and self.settings.webhook_run_delivery:
            self.deliveries = self.webhooks(renderers)
            self._threads.append(threading.Thread(target=self.deliveries.run, name="webhook-delivery", daemon=True))
        if self.settings.risk_run_worker:
            self.risk_worker = RiskWorker(self.risk, self.changes)
            self._threads.append(threading.Thread(target=self.risk_worker.run, name="risk-worker", daemon=True))
        if self.settings.api_run_indexer:
            from portlink.indexer.indexer import Indexer

            self._indexer = Indexer.from_settings(self.settings)
            self._threads.append(threading.Thread(target=self._index, name="indexer", daemon=True))
        for thread in self._threads:
            thread.start()

    def _index(self) -> None:
        try:
            self._indexer.run()
        except Exception:
            log.exception("the indexer stopped")

    def stop(self) -> None:
        """Stop the background threads."""
        self.stopping.set()
        self.operations.tracker.stop_event.set()
        if self.deliveries is not None:
            self.deliveries.stop()
        if self.risk_worker is not None:
            self.risk_worker.stop()
        if self.listener is not None:
            self.listener.stop()
        if "changes" in self.__dict__:
            self.changes.stop()
        if self._indexer is not None:
            self._indexer.stop_event.set()
        for thread in self._threads:
            thread.join(10)
        self._threads.clear()
