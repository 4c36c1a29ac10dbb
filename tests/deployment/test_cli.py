"""`portlink up` (what `make run` starts) end to end: a real Anvil, a real deployment, Ctrl-C, restart."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from portlink.deployment.deploy import CONTRACTS
from portlink.manifest import load_manifest
from web3 import Web3

from tests.conftest import ROOT
from tests.deployment.test_deploy import _free_port
from tests.indexer.activity import Activity

PORTLINK = Path(sys.executable).with_name("portlink")


@pytest.fixture
def env(tmp_path):
    return {
        **os.environ,
        "PORTLINK_ANVIL_PORT": str(_free_port()),
        "PORTLINK_MANIFEST_PATH": str(tmp_path / "local" / "manifest.json"),
        "PORTLINK_ANVIL_STATE_PATH": str(tmp_path / "local" / "anvil-state.json"),
        "PORTLINK_DATABASE_URL": f"sqlite:///{tmp_path}/local/index.sqlite",
        "PORTLINK_API_KEYSTORE_PATH": str(tmp_path / "local" / "keystore"),
    }


def _up_until_ready(
    env: dict[str, str],
    *args: str,
    timeout: float = 90.0,
    stop: signal.Signals = signal.SIGINT,
    preexec=None,
    while_up: Callable[[], None] | None = None,
) -> tuple[str, int]:
    """Run `portlink up`, wait for its ready line, call `while_up`, send `stop` (Ctrl-C); returns (stdout, exit
    status)."""
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
    try:
        if while_up is not None and any(line.startswith("Up.") for line in lines):
            while_up()
    finally:
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
    assert f"portlink.progress: Deploying: {len(CONTRACTS)} of {len(CONTRACTS)} contracts (100%" in first  # a line each
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


def test_up_restarts_the_same_chain_six_times_with_writes_between(env):
    """`make run` stopped and started again and again: the same genesis, the head never goes back, and every
    shipment registered in an earlier run is still there (Anvil adds a block 0 to its state file per start)."""
    rpc_url = f"http://127.0.0.1:{env['PORTLINK_ANVIL_PORT']}"
    manifest_path = Path(env["PORTLINK_MANIFEST_PATH"])
    seen: dict[str, object] = {"genesis": None, "head": -1}
    registered: list[bytes] = []
    activity: list[Activity] = []

    def write_and_check() -> None:
        w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
        genesis = w3.eth.get_block(0)["hash"].to_0x_hex()
        assert seen["genesis"] in (None, genesis), "another chain after a restart"
        assert w3.eth.block_number >= seen["head"], "the head went back"
        if not activity:
            activity.append(Activity(w3, load_manifest(manifest_path), manifest_path, owner="RST"))
        for sid in registered:  # what earlier runs wrote is still there
            shipment = activity[0].shipments.functions.getShipment(sid).call()
            assert (shipment[0], shipment[7]) == (1, activity[0].who.shipper), "a shipment of an earlier run is gone"
        sid, _ = activity[0].register(containers=1)
        registered.append(sid)
        seen.update(genesis=genesis, head=w3.eth.block_number)

    for run in range(6):
        out, status = _up_until_ready(env, while_up=write_and_check)
        assert status == 0, out
        assert ("PortLink deployed" if run == 0 else "PortLink already deployed") in out, out
        assert len(registered) == run + 1, out
    assert load_manifest(manifest_path).genesis_hash == seen["genesis"]


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


def test_up_on_another_chain_id_provisions_no_dev_wallets_and_serve_refuses_them(env, tmp_path):
    env = {**env, "PORTLINK_ANVIL_CHAIN_ID": "1337"}
    refusal: list[subprocess.CompletedProcess[str]] = []

    def serve_with_dev_wallets() -> None:
        serve_env = {
            **env,
            "PORTLINK_RPC_URL": f"http://127.0.0.1:{env['PORTLINK_ANVIL_PORT']}",
            "PORTLINK_DEV_WALLETS": "true",
            "PORTLINK_API_PORT": str(_free_port()),
        }
        refusal.append(
            subprocess.run(
                [str(PORTLINK), "serve"],
                cwd=ROOT,
                env=serve_env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        )

    out, status = _up_until_ready(env, while_up=serve_with_dev_wallets)
    assert status == 0, out
    assert "PortLink deployed on chain 1337" in out
    assert "dev wallets    none: dev wallets sign with PUBLIC TEST KEYS" in out
    assert "is chain 1337, not 31337" in out
    assert not (tmp_path / "local" / "dev-api-keys.env").exists()
    [served] = refusal
    assert served.returncode == 1
    [line] = served.stderr.splitlines()
    assert line.startswith("portlink: error: dev wallets sign with PUBLIC TEST KEYS")
    assert "is chain 1337, not 31337" in line


def test_a_broken_saved_chain_is_refused_in_one_line_and_reset_sets_it_aside_keeping_the_keystore(env, tmp_path):
    _, status = _up_until_ready(env)
    assert status == 0
    local = tmp_path / "local"
    state = local / "anvil-state.json"
    state.write_text(state.read_text()[:1000])  # cut short, as by a crash while Anvil wrote it
    keystore = local / "keystore"
    keystore.mkdir()
    (keystore / "member.json").write_text("{}")
    before = {p.relative_to(local): p.read_bytes() for p in local.rglob("*") if p.is_file()}

    refused = subprocess.run(
        [str(PORTLINK), "up"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90, check=False
    )
    assert refused.returncode == 1
    [line] = refused.stderr.splitlines()
    assert line.startswith(f"portlink: error: the saved local chain {state} is not readable as an Anvil state")
    assert "nothing was changed" in line
    assert "keeps the keystore" in line
    assert {p.relative_to(local): p.read_bytes() for p in local.rglob("*") if p.is_file()} == before

    reset = subprocess.run(
        [str(PORTLINK), "reset"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert reset.returncode == 0, reset.stderr
    [aside] = local.glob("previous-*")
    assert f"set aside in {aside}" in reset.stdout
    assert {p.name for p in aside.iterdir()} >= {"anvil-state.json", "manifest.json", "abi", "index.sqlite"}
    assert (aside / "anvil-state.json").read_bytes() == before[Path("anvil-state.json")]  # nothing deleted
    assert (keystore / "member.json").exists()

    again, status = _up_until_ready(env)
    assert status == 0, again
    assert "PortLink deployed on chain 31337" in again
    assert "(a new chain)" in again
