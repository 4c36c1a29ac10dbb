"""The one exception root of PortLink; every error a user can see derives from :class:`PortLinkError`."""

from __future__ import annotations


class PortLinkError(Exception):
    """Base class of every error PortLink raises on purpose; its message is one line meant for a person."""


class ConfigurationError(PortLinkError, ValueError):
    """A setting, seed file or command-line option is missing or malformed."""


class ArtifactsError(PortLinkError, FileNotFoundError):
    """Compiled contract artifacts are missing or lack a contract; run `ape compile` (or `make build`)."""


class BrokenChainStateError(ConfigurationError):
    """The local development chain saved on disk (Anvil's state file) cannot be restored as the chain it was:
    unreadable, or blocks of it are missing. Nothing is changed; the message says what a reset keeps."""


class DevChainRequiredError(ConfigurationError):
    """Dev wallets (Anvil's public development keys) were asked for on a node that is not a local development
    chain (another chain id, another client, or a genesis Anvil did not make)."""


class ChainUnavailableError(PortLinkError, ConnectionError):
    """The JSON-RPC endpoint does not answer."""


class DeploymentError(PortLinkError, RuntimeError):
    """A deployment transaction failed or the chain does not hold what the manifest says."""


class StaleManifestError(DeploymentError):
    """The deployment manifest was written for another chain (different chain id or genesis block)."""


class ContractsChangedError(DeploymentError):
    """The compiled contracts differ from the ones the manifest records as deployed."""


class ChainResetError(PortLinkError, RuntimeError):
    """The node serves another chain than the one indexed: chain id or genesis block differ from the manifest or
    the store, or blocks the store holds as final are gone (the node was reset). Indexing stops rather than mix
    two chains."""


class ReorgTooDeepError(ChainResetError):
    """A reorganisation reaches below the blocks the indexer keeps for rolling back (``indexer_reorg_window``)."""


class StoreError(PortLinkError, RuntimeError):
    """The index database cannot be opened, migrated or belongs to another deployment."""


class StoreUnavailableError(StoreError, ConnectionError):
    """The database does not answer (restarting, unreachable): try again shortly; nothing was lost."""


class NotFoundError(PortLinkError, LookupError):
    """The resource asked for does not exist (in the index, or on chain)."""


class AuthenticationError(PortLinkError, PermissionError):
    """No API key, or one that is unknown, revoked or bound to an account that is no active member."""


class ForbiddenError(PortLinkError, PermissionError):
    """The caller's member may not see or do this (not a party of the shipment, not customs or auditor)."""


class ConflictError(PortLinkError, RuntimeError):
    """The request conflicts with the current state (an idempotent request still running, a nonce in use)."""


class IdempotencyMismatchError(PortLinkError, ValueError):
    """An ``Idempotency-Key`` was used before with a different request body."""


class InvalidInputError(PortLinkError, ValueError):
    """A value in the request is malformed; ``field`` names it (``body.containers.0.number``)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SigningUnavailableError(PortLinkError, RuntimeError):
    """Custodial signing was asked for a member whose key is not in the keystore (use self-custody)."""


class ChainRevertError(PortLinkError, RuntimeError):
    """The chain refused a transaction; ``error`` is the decoded custom error (name, contract, arguments)."""

    def __init__(self, message: str, error: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.error = error or {}
