"""PortLink backend: chain access, deployment, and (in later layers) indexer, services, API and CLI."""

__version__ = "0.1.0"
