"""Crash safety: `portlink index` killed with SIGKILL at random points of a backfill, restarted until it is done,
leaves exactly the store a fresh, uninterrupted index of the same chain has."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from portlink.store.engine import open_engine

from tests.conftest import ROOT
from tests.indexer.conftest import SMALL, dump, fresh_dump

PORTLINK = Path(sys.executable).with_name("portlink")


def _env(chain, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PORTLINK_RPC_URL": chain.rpc_url,
        "PORTLINK_MANIFEST_PATH": str(chain.manifest_path),
        "PORTLINK_DATABASE_URL": url,
        "PORTLINK_INDEXER_CONFIRMATIONS": str(SMALL.confirmations),
        "PORTLINK_INDEXER_REORG_WINDOW": str(SMALL.reorg_window),
        "PORTLINK_INDEXER_INITIAL_BLOCK_RANGE": "1",
        "PORTLINK_INDEXER_MAX_BLOCK_RANGE": "1",
    }


def _children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _alive(int(entry.name)):
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent has not collected it yet


def test_sigkill_at_random_points_of_a_backfill_then_restart_gives_the_store_of_a_fresh_index(anvil, database):
    for _ in range(6):  # events spread over some 1,300 blocks: hundreds of ranges to be killed in
        anvil.activity.mixed(1)
        anvil.w3.provider.make_request("anvil_mine", [200])
    url = database()
    env = _env(anvil, url)
    rng = random.Random(int(os.environ.get("PORTLINK_TEST_SEED", "6")))
    kills = 0
    orphans: set[int] = set()
    for attempt in range(40):
        proc = subprocess.Popen(
            [str(PORTLINK), "index", "--until-head"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            proc.wait(timeout=rng.uniform(1.0, 3.0) if attempt < 10 else 120)
        except subprocess.TimeoutExpired:
            readers = _children(proc.pid)  # the read-ahead process, once the backfill has started
            deadline = time.monotonic() + 60
            while not readers and not orphans and proc.poll() is None and time.monotonic() < deadline:
                # No kill has yet landed during read-ahead (a loaded machine starts the indexer slowly): this one
                # waits for the second process to exist, so the property is exercised whatever the load.
                time.sleep(0.05)
                readers = _children(proc.pid)
            if proc.poll() is not None:
                assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
                break
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            orphans.update(readers)
            continue
        assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
        break
    else:
        raise AssertionError("the indexer never finished")
    assert kills >= 3, f"only {kills} kills landed during the backfill: make it longer"
    assert orphans, "no kill landed while the indexer was reading ahead in its second process"
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in orphans) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in orphans), "a read-ahead process outlived its killed indexer"
    engine = open_engine(url)
    assert dump(engine) == fresh_dump(anvil, database())
