"""The first run as a new user has it: `make run` (`portlink up --serve`) in a fresh folder, then the README's first
write, line for line: dev wallets sign custodially, one API key per pilot member is ready in a git-ignored file,
and a restart keeps the chain, the keys and the data."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.deployment.test_cli import PORTLINK
from tests.deployment.test_deploy import _free_port

SHIPPER = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"


def readme_first_write() -> list[str]:
    """The shell lines of the README's first write."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- first-write[^>]*-->\s*```sh\n(.*?)```", text, re.S)
    assert block, "README.md has no first-write block"
    return [line for line in block.group(1).splitlines() if line.strip()]


@pytest.fixture
def fresh(tmp_path) -> tuple[Path, dict[str, str]]:
    """A folder that looks like a fresh clone to `portlink` (compiled contracts and the pilot seed from the
    repository), with the chain and the API on free ports."""
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {
        **os.environ,
        "PORTLINK_ANVIL_PORT": str(_free_port()),
        "PORTLINK_API_PORT": str(_free_port()),
        "PORTLINK_ARTIFACTS_PATH": str(ROOT / ".build" / "__local__.json"),
        "PORTLINK_SEED_PATH": str(ROOT / "deployments" / "pilot.yaml"),
        "PORTLINK_INDEXER_POLL_SECONDS": "0.1",
    }
    for name in [k for k in env if k.startswith("PORTLINK_") and k not in _OURS]:
        del env[name]  # nothing of the developer's own settings
    return tmp_path, env


_OURS = {
    "PORTLINK_ANVIL_PORT",
    "PORTLINK_API_PORT",
    "PORTLINK_ARTIFACTS_PATH",
    "PORTLINK_SEED_PATH",
    "PORTLINK_INDEXER_POLL_SECONDS",
}


@contextmanager
def make_run(folder: Path, env: dict[str, str]) -> Iterator[list[str]]:
    """`portlink up --serve` in ``folder`` until the API answers; Ctrl-C at the end. Yields its output lines."""
    proc = subprocess.Popen(
        [str(PORTLINK), "up", "--serve"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{env['PORTLINK_API_PORT']}/v1/health"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url, timeout=2).json()["index"]["checkpointBlock"] is not None:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "make run did not come up: " + "".join(lines)
            time.sleep(0.2)
        yield lines
    finally:
        proc.send_signal(signal.SIGINT)
        status = proc.wait(60)
        reader.join(5)
    assert status == 0, "".join(lines)


def _run_readme(folder: Path, env: dict[str, str]) -> list[str]:
    """Run the README's first-write lines in bash; returns what each curl printed."""
    api = f"http://127.0.0.1:{env['PORTLINK_API_PORT']}"
    script = "\n".join(line.replace("http://127.0.0.1:8000", api) for line in readme_first_write())
    # A person types one line after the other: a moment passes, in which the index takes the new block.
    script = script.replace("\ncurl ", "\nsleep 1; echo '<<next>>'\ncurl ")
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout.split("<<next>>")[1:]


def test_make_run_then_the_readmes_first_write_succeeds_and_a_restart_keeps_everything(fresh):
    folder, env = fresh
    keys_file = folder / ".portlink" / "local" / "dev-api-keys.env"
    with make_run(folder, env) as out:
        text = "".join(out)
        assert "PUBLIC TEST KEYS" in text
        assert "custodial keys of the 14 pilot members and of the relayer" in text
        assert f"API keys       {keys_file} (14 new)" in text
        written, listed = _run_readme(folder, env)
    operation = json.loads(written)
    assert operation["status"] == "Succeeded", operation
    assert operation["signing"] == "custodial"
    assert operation["member"] == SHIPPER
    registered = next(e for e in operation["result"]["events"] if e["event"] == "ShipmentRegistered")
    assert registered["args"]["transportDocumentReference"] == "PLKFIRST0001"
    page = json.loads(listed)
    assert [s["transportDocumentReference"] for s in page["data"]] == ["PLKFIRST0001"]
    assert page["data"][0]["confirmed"] is True  # final at once on the automine dev chain

    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    keys = dict(line.split("=", 1) for line in keys_file.read_text().splitlines() if line.startswith("PORTLINK_KEY"))
    assert len(keys) == 14
    assert {"PORTLINK_KEY_SHIPPER", "PORTLINK_KEY_CUSTOMS_CNSHK", "PORTLINK_KEY_PORT_AUTHORITY_CNSUD"} <= set(keys)
    assert "PUBLIC TEST KEYS" in keys_file.read_text()
    assert (
        subprocess.run(
            ["git", "check-ignore", "-q", ".portlink/local/dev-api-keys.env"], cwd=ROOT, check=False
        ).returncode
        == 0
    )

    with make_run(folder, env) as out:  # the same chain, the same keys, the shipment still there
        assert f"API keys       {keys_file} (none new)" in "".join(out)
        again, listed = _run_readme(folder, env)
    assert json.loads(again)["id"] == operation["id"]  # the same Idempotency-Key replays the first answer
    assert [s["transportDocumentReference"] for s in json.loads(listed)["data"]] == ["PLKFIRST0001"]
    assert (
        dict(line.split("=", 1) for line in keys_file.read_text().splitlines() if line.startswith("PORTLINK_KEY"))
        == keys
    )
