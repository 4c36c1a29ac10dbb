"""The services of one backend process, built from the settings: store, index reads, API keys, contracts,
chain gateway, operations (with their tracker thread) and, optionally, the indexer in a background thread."""

from __future__ import annotations

import logging
import threading
from functools import cached_property
from typing import Any

from sqlalchemy import Engine

from portlink.chain.gateway import ChainGateway
from portlink.chain.iot import IoTMonitorClient
from portlink.chain.keystore import load_keystore
from portlink.deployment.deploy import CUSTOMS
from portlink.deployment.manifest import Manifest, load_manifest
from portlink.domain.customs import Eip712Domain
from portlink.indexer.catalog import EventCatalog
from portlink.indexer.store import migrate, open_engine
from portlink.services.access import ApiKeys
from portlink.services.contracts import Contracts
from portlink.services.operations import OperationService
from portlink.services.queries import IndexQueries
from portlink.services.sessions import SessionService
from portlink.services.telemetry import TelemetryService, WarningHub
from portlink.settings import Settings
from portlink.telemetry.ingest import TelemetryIngestor

log = logging.getLogger("portlink.services")


class Runtime:
    """Everything a request handler or CLI command needs, opened once."""

    def __init__(self, settings: Settings, *, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or open_engine(settings.database_url)
        migrate(self.engine)
        self.queries = IndexQueries(self.engine)
        self.keys = ApiKeys(self.engine, self.queries)
        self._threads: list[threading.Thread] = []
        #: Set when the process shuts down: long-running responses (the alert stream) end.
        self.stopping = threading.Event()
        self._indexer: Any = None

    @cached_property
    def manifest(self) -> Manifest:
        """The deployment manifest."""
        return load_manifest(self.settings.manifest_path)

    @cached_property
    def contracts(self) -> Contracts:
        """The manifest contracts' ABIs, calldata and errors."""
        return Contracts(self.manifest, self.settings.manifest_path)

    @cached_property
    def gateway(self) -> ChainGateway:
        """The chain client."""
        return ChainGateway.connect(self.settings.rpc_url, poa=self.settings.poa)

    @cached_property
    def telemetry(self) -> TelemetryService:
        """IoT readings ingested, warned on and anchored (devices and rules read from the IoT monitor)."""
        monitor = IoTMonitorClient(self.gateway.w3, self.manifest, self.settings.manifest_path)
        ingestor = TelemetryIngestor(monitor, monitor.domain(), refresh_seconds=self.settings.telemetry_refresh_seconds)
        return TelemetryService(ingestor, self.operations, self.telemetry_hub)

    @cached_property
    def telemetry_hub(self) -> WarningHub:
        """Where telemetry warnings go the moment they are found: every open alert stream."""
        return WarningHub()

    @cached_property
    def operations(self) -> OperationService:
        """Writes as operations, with the custodial keys of the keystore."""
        s = self.settings
        signers = (
            load_keystore(s.api_keystore_path, s.api_keystore_passphrase.get_secret_value())
            if s.api_keystore_passphrase is not None
            else {}
        )
        log.info("custodial keys: %d", len(signers))
        return OperationService(
            self.engine,
            self.gateway,
            self.contracts,
            EventCatalog.from_manifest(self.manifest, s.manifest_path),
            signers,
            relayer=s.api_relayer_address,
            poll_seconds=s.api_tracker_poll_seconds,
            rebroadcast_seconds=s.api_rebroadcast_seconds,
            stuck_seconds=s.api_stuck_seconds,
            fee_bump_percent=s.api_fee_bump_percent,
        )

    @cached_property
    def sessions(self) -> SessionService:
        """The console's Sign-In with Ethereum sessions, for the manifest's chain."""
        s = self.settings
        return SessionService(
            self.engine,
            self.queries,
            self.manifest.chain_id,
            session_seconds=s.console_session_seconds,
            nonce_seconds=s.console_nonce_seconds,
        )

    @cached_property
    def customs_domain(self) -> Eip712Domain:
        """The EIP-712 domain of customs decisions, as the contract reports it (ERC-5267)."""
        data = self.gateway.call(
            self.contracts.addresses[CUSTOMS], self.contracts.calldata(CUSTOMS, "eip712Domain", [])
        )
        fields, name, version, chain_id, contract, salt, extensions = self.contracts.decode_output(
            CUSTOMS, "eip712Domain", data
        )
        return Eip712Domain.from_erc5267(
            (bytes.fromhex(fields[2:]), name, version, int(chain_id), contract, bytes.fromhex(salt[2:]), extensions)
        )

    def view(self, contract: str, function: str, args: list[Any]) -> list[Any]:
        """A read-only call, decoded (JSON-safe values)."""
        data = self.gateway.call(self.contracts.addresses[contract], self.contracts.calldata(contract, function, args))
        return self.contracts.decode_output(contract, function, data, len(args))

    def start(self) -> None:
        """Start the operation tracker and (with ``api_run_indexer``) the indexer."""
        tracker = threading.Thread(target=self.operations.run, name="operation-tracker", daemon=True)
        self._threads.append(tracker)
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
        self.operations.stop_event.set()
        if self._indexer is not None:
            self._indexer.stop_event.set()
        for thread in self._threads:
            thread.join(10)
        self._threads.clear()
