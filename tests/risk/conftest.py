"""The risk service's tests run on SQLite and on PostgreSQL (a throwaway cluster from Debian's binaries)."""

from tests.indexer.conftest import database, postgres_cluster  # noqa: F401 (fixtures)
