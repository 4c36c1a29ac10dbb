"""`portlink pilot` end to end as a user runs it (a fresh Anvil, `portlink serve` in a child process, 10 TEU through
the API, the report), `portlink report` over the pilot's chain afterwards, and the one-line refusals of bad input."""

from __future__ import annotations

import csv
import os
import re
import subprocess

import pytest

from tests.conftest import ROOT
from tests.deployment.test_cli import PORTLINK

CHARTS = ("lead-times", "stage-times", "process-comparison", "cost-per-teu")


def portlink(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PORTLINK), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def pilot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pilot")
    done = portlink(
        "pilot", "--teu", "10", "--seed", "5", "--workdir", str(folder / "work"), "--report", str(folder / "report")
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return folder, done.stdout


def test_the_pilot_replays_through_the_api_and_writes_its_report(pilot):
    folder, out = pilot
    assert re.search(r"Replayed \d+ journeys \(5 containers\) with \d+ API writes", out), out
    assert "Moved: " in out
    assert "10 TEU" in out
    report = folder / "report"
    for name in CHARTS:
        png = report / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 20_000
        with (report / f"{name}.csv").open() as f:
            rows = list(csv.reader(f))
        assert len(rows) > 1, name
    page = (report / "index.html").read_text()
    assert "What is measured and what is assumed" in page
    assert "Measured from the chain" in page
    assert "Resting on the scenario" in page
    assert "TEU assumes 2 TEU per" in page
    for name in CHARTS:
        assert f"src='{name}.png'" in page
        assert f"href='{name}.csv'" in page
    with (report / "process-comparison.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {r["basis"] for r in rows if r["process"].startswith("combined")} == {"measured"}
    assert {r["basis"] for r in rows if r["process"].startswith("traditional")} == {"assumed"}
    with (report / "cost-per-teu.csv").open() as f:
        costs = list(csv.DictReader(f))
    assert any(r["source"] == "shenzhen-port-charges" for r in costs)
    assert any(r["basis"] == "measured x assumed" for r in costs)
    with (report / "lead-times.csv").open() as f:
        journeys = list(csv.DictReader(f))
    assert sum(int(j["containers"]) for j in journeys) == 5
    assert all(float(j["end_to_end_hours"]) > 0 for j in journeys)
    assert (folder / "work" / "index.sqlite").exists()
    assert (folder / "work" / "anvil-state.json").exists()


def test_the_report_of_a_period_of_the_chain_and_its_refusals(pilot):
    folder, _ = pilot
    env = {
        "PORTLINK_DATABASE_URL": f"sqlite:///{folder / 'work' / 'index.sqlite'}",
        "PORTLINK_RPC_URL": "http://127.0.0.1:9",
    }
    done = portlink("report", str(folder / "again"), "--from", "2000-01-01", "--to", "2100-01-01", env=env)
    assert done.returncode == 0, done.stderr
    assert (folder / "again" / "index.html").exists()
    assert "Moved: " in done.stdout

    refusals = [
        (["--from", "2100-01-01", "--to", "2000-01-01"], "starts"),
        (["--from", "2030-01-01", "--to", "2030-01-01"], "empty"),
        (["--from", "2000-01-01", "--to", "2100-01-01", "--port", "CNXXX"], "not a consortium port"),
        (["--from", "1990-01-01", "--to", "1990-02-01"], "nothing to report"),
        (["--from", "last week", "--to", "2100-01-01"], "neither an ISO 8601"),
    ]
    for args, words in refusals:
        refused = portlink("report", str(folder / "refused"), *args, env=env)
        assert refused.returncode == 1, (args, refused.stdout, refused.stderr)
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1, (args, lines)
        assert lines[0].startswith("portlink: error: "), lines
        assert words in lines[0], (args, lines)
    assert not (folder / "refused").exists()


def test_a_bad_scenario_is_refused_in_one_line(tmp_path):
    bad = tmp_path / "scenario.yaml"
    text = (ROOT / "deployments" / "pilot-scenario.yaml").read_text()
    bad.write_text(
        text.replace(
            "teu: {value: 200, unit: TEU, source: oneconnect-2020}", "teu: {value: 200, unit: TEU, source: hearsay}"
        )
    )
    done = portlink("pilot", "--teu", "2", "--scenario", str(bad), "--workdir", str(tmp_path / "work"))
    assert done.returncode == 1
    assert "pilot.teu: source 'hearsay' is neither a key of `sources` nor `assumption`" in done.stderr
