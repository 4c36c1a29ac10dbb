"""Long work shows its progress: a bar on a terminal, a log line now and then anywhere else; libraries' INFO logs
(Alembic's) only with -v."""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT
from tests.deployment.test_cli import PORTLINK
from tests.indexer.conftest import Chain


@pytest.fixture(scope="module")
def chain(tmp_path_factory, artifacts, pilot_seed) -> Iterator[Chain]:
    chain = Chain(tmp_path_factory.mktemp("progress-chain"), artifacts, pilot_seed)
    try:
        for _ in range(3):
            chain.activity.journey()
        yield chain
    finally:
        chain.stop()


def _env(chain: Chain, database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTLINK_")}
    return {
        **env,
        "PORTLINK_RPC_URL": chain.rpc_url,
        "PORTLINK_MANIFEST_PATH": str(chain.manifest_path),
        "PORTLINK_DATABASE_URL": database,
        "PORTLINK_INDEXER_INITIAL_BLOCK_RANGE": "5",
        "PORTLINK_INDEXER_MAX_BLOCK_RANGE": "5",
    }


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PORTLINK), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_index_and_audit_log_their_progress_when_not_on_a_terminal(chain, tmp_path):
    env = _env(chain, f"sqlite:///{tmp_path}/index.sqlite")
    head = chain.w3.eth.block_number
    run = _run(env, "index", "--until-head")
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stderr.splitlines() if "portlink.progress: Indexing: " in line]
    assert lines, run.stderr
    assert f"of {head:,} blocks (100%" in lines[-1]  # the deployment starts at block 1: head blocks to read
    assert "\r" not in run.stderr
    assert "alembic" not in run.stderr.lower()  # libraries' INFO stays quiet

    audit = _run(env, "audit", "verify")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "portlink.progress: Comparing: " in audit.stderr
    assert "(100%" in audit.stderr.splitlines()[-1]


def test_verbose_shows_the_libraries_info_logs(chain, tmp_path):
    run = _run(_env(chain, f"sqlite:///{tmp_path}/index.sqlite"), "-v", "index", "--until-head")
    assert run.returncode == 0, run.stderr
    assert "INFO alembic.runtime.migration" in run.stderr


def test_index_draws_a_progress_bar_on_a_terminal(chain, tmp_path):
    env = _env(chain, f"sqlite:///{tmp_path}/index.sqlite")
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [str(PORTLINK), "index", "--until-head"], cwd=ROOT, env=env, stdout=follower, stderr=follower
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert proc.wait(60) == 0, output.decode()
    text = output.decode()
    assert "\rIndexing [" in text
    assert "100%" in text
    assert "portlink.progress" not in text  # the bar instead of log lines
