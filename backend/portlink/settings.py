"""All PortLink settings, read once from the environment (prefix ``PORTLINK_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of every PortLink process. Paths are relative to the working directory unless absolute."""

    model_config = SettingsConfigDict(env_prefix="PORTLINK_", env_file=".env", extra="ignore")

    rpc_url: str = Field("http://127.0.0.1:8545", description="JSON-RPC endpoint of the chain.")
    poa: bool | None = Field(
        None,
        description="Inject web3's ExtraDataToPOAMiddleware (Besu/Quorum QBFT, IBFT, Clique chains); unset: when the "
        "chain's genesis or newest block carries more than 32 bytes of extraData.",
    )
    deployer_private_key: SecretStr | None = Field(
        None,
        description="Key that deploys the contracts. Unset: the node's first unlocked account (dev chains).",
    )
    artifacts_path: Path = Field(Path(".build/__local__.json"), description="ape's compiled project.")
    seed_path: Path = Field(Path("deployments/pilot.yaml"), description="Bootstrap ports and members.")
    manifest_path: Path = Field(
        Path(".portlink/local/manifest.json"), description="Deployment manifest the backend reads."
    )
    tx_timeout_seconds: float = Field(120.0, gt=0, description="How long to wait for a receipt.")

    # The event indexer (`portlink index`), see docs/indexer.md.
    database_url: str = Field(
        "sqlite:///.portlink/local/index.sqlite",
        description="SQLAlchemy URL of the index: sqlite:///path (default) or postgresql+psycopg://user@host/db.",
    )
    indexer_confirmations: int | None = Field(
        None,
        ge=0,
        description="Blocks on top of a block before the indexer calls its events confirmed; unset: chosen for the "
        "chain (0 on an automine dev chain, the node's `finalized` block where it has one, else 12).",
    )
    indexer_reorg_window: int = Field(
        128, ge=1, description="How deep a reorganisation the indexer can roll back; deeper ones stop it."
    )
    indexer_initial_block_range: int = Field(
        100, ge=1, description="Blocks per eth_getLogs to start with (small: reading ahead starts sooner)."
    )
    indexer_max_block_range: int = Field(20_000, ge=1, description="Most blocks asked for in one eth_getLogs.")
    indexer_target_logs: int = Field(
        5_000, ge=1, description="The range grows while a request returns fewer logs than this."
    )
    indexer_poll_seconds: float = Field(0.5, gt=0, description="Pause between polls once at the head.")
    indexer_rpc_timeout_seconds: float = Field(30.0, gt=0, description="Timeout of one JSON-RPC request.")
    indexer_max_backoff_seconds: float = Field(
        30.0, gt=0, description="Longest wait between retries while the node does not answer."
    )
    indexer_read_ahead: bool = Field(
        True, description="While backfilling, read and decode the next range in a second process (two cores)."
    )

    # The port-system API (`portlink serve`), see docs/api.md.
    api_host: str = Field("127.0.0.1", description="Address `portlink serve` listens on.")
    api_port: int = Field(8000, ge=1, le=65535, description="Port `portlink serve` listens on.")
    api_max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest request body accepted (413 beyond).")
    api_run_indexer: bool = Field(
        True,
        description="Run the event indexer inside the API process (development); production runs `portlink index` "
        "as a process of its own and sets this false on every API replica.",
    )
    api_keystore_path: Path = Field(
        Path(".portlink/local/keystore"),
        description="Folder of Web3 Secret Storage key files (one per custodial member, as geth and ape write them).",
    )
    api_keystore_passphrase: SecretStr | None = Field(
        None, description="Passphrase of the key files; unset: no custodial signing (self-custody only)."
    )
    api_relayer_address: str | None = Field(
        None,
        description="Keystore account that relays wallet signatures (EIP-712 decisions) when the caller has none "
        "(with dev wallets: development account 15 unless set).",
    )
    dev_wallets: bool = Field(
        False,
        description="Sign custodially for the seed's members and a relayer with PUBLIC TEST KEYS derived from Anvil's "
        "development mnemonic; refused unless the node is a local development chain (Anvil, chain id 31337, its "
        "own genesis). `portlink up` turns it on.",
    )
    dev_api_keys_path: Path | None = Field(
        None,
        description="Where `portlink up` writes one API key per pilot member of the dev chain; unset: "
        "dev-api-keys.env beside the Anvil state (git-ignored, in .portlink/local).",
    )
    telemetry_refresh_seconds: float = Field(
        30.0, ge=0, description="How long the telemetry service trusts its cached devices, rules and authorisations."
    )
    api_stream_poll_seconds: float = Field(
        0.2,
        gt=0,
        description="SQLite only: how often the alert stream's one poller per process reads the index checkpoint "
        "(on PostgreSQL the indexer's NOTIFY wakes the streams).",
    )
    api_confirm_timeout_seconds: float = Field(60.0, gt=0, description="Longest `?confirm=true` waits.")
    api_tracker_poll_seconds: float = Field(0.2, gt=0, description="Pause between receipt polls of open operations.")
    api_rebroadcast_seconds: float = Field(
        15.0, gt=0, description="A transaction the node has forgotten for this long is broadcast again."
    )
    api_stuck_seconds: float = Field(
        60.0, gt=0, description="A transaction pending this long is replaced with the same nonce and higher fees."
    )
    api_fee_bump_percent: int = Field(
        25, ge=10, le=500, description="Fee increase of a replacement (nodes require at least 10%)."
    )
    api_lease_seconds: float = Field(
        10.0,
        gt=0,
        description="How long an API process's claim on its open operations and unanswered requests lasts without "
        "renewal: after it dies, another process takes them over this much later.",
    )

    # The browser console served at `/` by `portlink serve`, see docs/console.md.
    console_session_seconds: float = Field(
        8 * 3600.0, gt=0, description="Longest a console session lasts (a sign-in message may ask for less)."
    )
    console_nonce_seconds: float = Field(600.0, gt=0, description="How long a sign-in nonce waits for its signature.")
    console_domain: str | None = Field(
        None,
        description="The host[:port] sign-in messages must name (behind a proxy); unset: the Host of the request.",
    )

    # Pushed notifications: DCSA event subscriptions and alert webhooks, see docs/api.md.
    webhook_run_delivery: bool = Field(True, description="Deliver subscriptions' callbacks from the API process.")
    webhook_poll_seconds: float = Field(0.5, gt=0, description="Pause of the delivery worker when nothing is due.")
    webhook_timeout_seconds: float = Field(10.0, gt=0, description="How long a callback may take to answer.")
    webhook_lease_seconds: float = Field(
        60.0, gt=0, description="How long a worker holds a subscription it delivers (another takes over after)."
    )
    webhook_retry_seconds: float = Field(1.0, gt=0, description="The first retry's delay after a failed callback.")
    webhook_max_backoff_seconds: float = Field(
        600.0, gt=0, description="The longest delay between retries (the delay doubles up to it)."
    )
    webhook_batch_size: int = Field(100, ge=1, le=1000, description="Most events one callback carries.")
    webhook_allow_private_addresses: bool = Field(
        False, description="Allow callbacks to loopback and private addresses (tests, a private network)."
    )

    # Risk-based inspection targeting (advice only), see docs/risk.md.
    risk_run_worker: bool = Field(True, description="Keep declarations' risk scores current from the API process.")
    risk_alert_threshold: float = Field(
        0.5, gt=0, le=1, description="A score at or over this raises a risk alert for the port a declaration waits at."
    )
    risk_port_thresholds: dict[str, Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=dict,
        description='Per-port thresholds over the default, as JSON: {"CNSHK": 0.4}.',
    )
    risk_poll_seconds: float = Field(2.0, gt=0, description="Longest pause between two rounds of the risk worker.")
    risk_retry_seconds: float = Field(5.0, gt=0, description="Pause after a failed round of the risk worker.")
    risk_retrain_after: int = Field(
        200, ge=1, description="New decided declarations after which the risk model is retrained."
    )

    # The local development chain started by `portlink up` / `make run`.
    anvil_binary: str = Field("anvil", description="Anvil executable (looked up on PATH).")
    anvil_host: str = "127.0.0.1"
    anvil_port: int = Field(8545, ge=1, le=65535)
    anvil_chain_id: int = Field(31337, ge=1)
    anvil_state_path: Path = Field(
        Path(".portlink/local/anvil-state.json"), description="Chain state kept across `make run`s."
    )

    @property
    def dev_api_keys_file(self) -> Path:
        """Where the dev chain's API keys are written (:attr:`dev_api_keys_path`, or beside the Anvil state)."""
        return self.dev_api_keys_path or self.anvil_state_path.with_name("dev-api-keys.env")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
