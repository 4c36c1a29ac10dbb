"""The local development chain's files (``.portlink/local``): set aside together when the chain is reset.

A reset never deletes: the saved chain, the manifest and ABI files that describe it, the index built from it
and the dev API keys issued on it move to ``previous-<time>/`` beside them. The keystore stays where it is:
custodial keys do not depend on the chain.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from portlink.settings import Settings


def chain_files(settings: Settings) -> list[Path]:
    """The files and folders that belong to the local chain (whether they exist or not)."""
    files = [
        settings.anvil_state_path,
        settings.anvil_state_path.with_name("anvil.log"),
        settings.manifest_path,
        settings.manifest_path.parent / "abi",
        settings.dev_api_keys_file,
    ]
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = Path(url.database)
        files += [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]
    return files


def set_aside(settings: Settings, *, now: datetime | None = None) -> Path | None:
    """Move the local chain's files into ``previous-<UTC time>/`` beside the saved chain; returns that folder, or
    ``None`` if there was nothing to move."""
    present = [path for path in chain_files(settings) if path.exists()]
    if not present:
        return None
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    folder = settings.anvil_state_path.parent / f"previous-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    for path in present:
        shutil.move(str(path), folder / path.name)
    return folder
