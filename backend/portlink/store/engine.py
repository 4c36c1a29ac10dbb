"""The database of a PortLink backend: one SQLAlchemy code path for SQLite (default, one file, WAL) and
PostgreSQL, brought to the newest schema by the Alembic migrations in ``store/migrations``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from portlink.errors import ConfigurationError, StoreError


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
        return create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise ConfigurationError(f"{parsed.drivername}: driver not installed ({exc.name})") from None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision shipped in ``portlink/store/migrations``."""
    config = Config()
    config.set_main_option("script_location", str(files("portlink.store") / "migrations"))
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise StoreError(f"cannot open the index at {engine.url!r}: {exc.orig}") from None
