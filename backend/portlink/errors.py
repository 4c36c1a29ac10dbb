"""The one exception root of PortLink; every error a user can see derives from :class:`PortLinkError`."""

from __future__ import annotations


class PortLinkError(Exception):
    """Base class of every error PortLink raises on purpose; its message is one line meant for a person."""


class ConfigurationError(PortLinkError, ValueError):
    """A setting, seed file or command-line option is missing or malformed."""


class ArtifactsError(PortLinkError, FileNotFoundError):
    """Compiled contract artifacts are missing or lack a contract; run `ape compile` (or `make build`)."""


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
