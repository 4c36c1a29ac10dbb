"""The database of a PortLink backend: one SQLAlchemy code path for SQLite (default, one file, WAL) and
PostgreSQL, brought to the newest schema by the Alembic migrations in ``store/migrations``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from portlink.errors import ConfigurationError, StoreError, StoreUnavailableError


def sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers (the API) never block the writer; NORMAL sync is safe against process crashes, and after a
    # power loss at worst the last transactions are gone, which the indexer then simply re-indexes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def open_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their folder created and WAL mode."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(f"PORTLINK_DATABASE_URL {url!r} is not a database URL") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
        event.listen(engine, "connect", sqlite_pragmas)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ConfigurationError(f"the index runs on SQLite or PostgreSQL, not {parsed.get_backend_name()!r}")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        # No pre-ping: it is a round trip on every checkout (a dozen per API write). After a server restart the
        # first statement of a process fails instead (StoreUnavailableError: a 503, or a background loop's retry)
        # and SQLAlchemy discards the whole pool with it.
        engine = create_engine(parsed, pool_size=10, max_overflow=30)
    except ModuleNotFoundError as exc:
        raise ConfigurationError(f"{parsed.drivername}: driver not installed ({exc.name})") from None
    event.listen(engine, "handle_error", _unavailable)
    return engine


def _unavailable(context: ExceptionContext) -> None:
    """A PostgreSQL server that is down, restarting or unreachable is :class:`StoreUnavailableError` (the API
    answers 503, background loops retry) rather than a driver error."""
    if context.is_pre_ping or not isinstance(context.sqlalchemy_exception, OperationalError):
        return
    raise StoreUnavailableError(
        f"the database does not answer ({str(context.original_exception).strip().splitlines()[0]}); try again shortly"
    ) from context.original_exception


#: ``pg_advisory_xact_lock`` key under which one process at a time migrates a PostgreSQL database (any number of
#: API replicas and the indexer start together on it).
MIGRATION_LOCK = 0x706C_6D69  # "plmi"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision shipped in ``portlink/store/migrations``. On PostgreSQL the
    migration holds a transaction-scoped advisory lock: processes starting together migrate one after another (the
    later ones find the schema current)."""
    config = Config()
    config.set_main_option("script_location", str(files("portlink.store") / "migrations"))
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise StoreError(f"cannot open the index at {engine.url!r}: {exc.orig}") from None
