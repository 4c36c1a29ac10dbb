"""A throwaway PostgreSQL cluster from Debian's binaries, for the indexer tests and the benchmark.

Created in a temporary folder (owned by the `postgres` user when running as root, since PostgreSQL refuses to
run as root), listening on a free port on 127.0.0.1 only, trust authentication, fsync off; removed on exit.
`make postgres` installs the binaries (apt-get install -y postgresql) when they are missing.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text


def bindir() -> Path | None:
    """Where Debian put the newest installed PostgreSQL's programs, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A running throwaway cluster: its server URL (append ``/<database>``), and a restart (the fault tests)."""

    def __init__(self) -> None:
        programs = bindir()
        if programs is None:
            raise RuntimeError("PostgreSQL is not installed: `make postgres` (apt-get install -y postgresql)")
        self.folder = Path(tempfile.mkdtemp(prefix="portlink-pg-"))
        self.data = self.folder / "data"
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        subprocess.run(
            [*self.as_postgres, str(programs / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"],
            check=True,
            capture_output=True,
        )
        self.pg_ctl = str(programs / "pg_ctl")
        self.options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        )
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def start(self) -> None:
        subprocess.run(
            [*self.as_postgres, self.pg_ctl, "-D", str(self.data), "-o", self.options, "-l", str(self.folder / "log"),
             "-w", "start"],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: disconnect every client; ``immediate``: as if it crashed)."""
        subprocess.run([*self.as_postgres, self.pg_ctl, "-D", str(self.data), "-m", mode, "stop"], check=False)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster; yields the server URL (append ``/<database>``)."""
    started = Cluster()
    try:
        yield started.url
    finally:
        started.remove()


def create_database(server: str, name: str) -> str:
    """Create database ``name`` on ``server``; returns its URL."""
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"
