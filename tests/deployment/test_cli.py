"""`portlink up` (what `make run` starts) end to end: a real Anvil, a real deployment, Ctrl-C, restart."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from portlink.manifest import load_manifest

from tests.conftest import ROOT
from tests.deployment.test_deploy import _free_port

PORTLINK = Path(sys.executable).with_name("portlink")


@pytest.fixture
def env(tmp_path):
    return {
        **os.environ,
        "PORTLINK_ANVIL_PORT": str(_free_port()),
        "PORTLINK_MANIFEST_PATH": str(tmp_path / "local" / "manifest.json"),
        "PORTLINK_ANVIL_STATE_PATH": str(tmp_path / "local" / "anvil-state.json"),
    }


def _up_until_ready(
    env: dict[str, str], *args: str, timeout: float = 90.0, stop: signal.Signals = signal.SIGINT, preexec=None
) -> tuple[str, int]:
    """Run `portlink up`, wait for its ready line, send `stop` (Ctrl-C); returns (stdout, exit status)."""
    proc = subprocess.Popen(
        [str(PORTLINK), "up", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=preexec,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if line.startswith("Up."):
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(timeout)
    proc.send_signal(stop)
    try:
        status = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.terminate()  # SIGTERM: `up` stops its Anvil too, so a failing test leaves nothing behind
        proc.wait(timeout=30)
        raise
    reader.join(5)
    return "".join(lines), status


def test_up_deploys_prints_where_everything_is_and_restarts_on_the_same_chain(env):
    first, status = _up_until_ready(env)
    assert status == 0, first
    assert "PortLink deployed on chain 31337" in first
    assert f"RPC URL        http://127.0.0.1:{env['PORTLINK_ANVIL_PORT']}" in first
    manifest_path = Path(env["PORTLINK_MANIFEST_PATH"])
    assert f"manifest       {manifest_path}" in first
    manifest = load_manifest(manifest_path)
    for name, contract in manifest.contracts.items():
        assert re.search(rf"{name}\s+{contract.address}", first)
    assert "Stopping; chain state saved." in first
    assert Path(env["PORTLINK_ANVIL_STATE_PATH"]).stat().st_size > 0

    second, status = _up_until_ready(env)
    assert status == 0, second
    assert "PortLink already deployed on chain 31337" in second
    assert load_manifest(manifest_path) == manifest


def test_up_with_a_lost_chain_refuses_the_stale_manifest_and_reset_recovers(env):
    _, status = _up_until_ready(env)
    assert status == 0
    Path(env["PORTLINK_ANVIL_STATE_PATH"]).unlink()

    stale = subprocess.run(
        [str(PORTLINK), "up"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90, check=False
    )
    assert stale.returncode == 1
    [line] = stale.stderr.splitlines()
    assert line.startswith("portlink: error: ")
    assert "belongs to another chain" in line

    recovered, status = _up_until_ready(env, "--reset")
    assert status == 0
    assert "PortLink deployed on chain 31337" in recovered


def test_deploy_without_a_node_is_a_one_line_error(env):
    env = {**env, "PORTLINK_RPC_URL": f"http://127.0.0.1:{env['PORTLINK_ANVIL_PORT']}"}
    out = subprocess.run(
        [str(PORTLINK), "deploy"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 1
    assert out.stderr == f"portlink: error: no JSON-RPC node answers at {env['PORTLINK_RPC_URL']}\n"


def test_manifest_command_without_a_deployment_is_a_one_line_error(env):
    out = subprocess.run(
        [str(PORTLINK), "manifest"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 1
    assert out.stderr.startswith("portlink: error: no deployment manifest at ")
    assert out.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("stop", "ignore_sigint"),
    [(signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c-in-a-background-job", "sigterm"],
)
def test_up_stops_cleanly_and_saves_the_chain(env, stop, ignore_sigint):
    # A shell starts background jobs (`make run &`) with SIGINT ignored; Ctrl-C must still stop the stack.
    preexec = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint else None
    out, status = _up_until_ready(env, stop=stop, preexec=preexec)
    assert status == 0, out
    assert "Stopping; chain state saved." in out
    assert Path(env["PORTLINK_ANVIL_STATE_PATH"]).stat().st_size > 0
    with socket.socket() as probe:  # anvil is gone: the port is free again
        assert probe.connect_ex(("127.0.0.1", int(env["PORTLINK_ANVIL_PORT"]))) != 0
