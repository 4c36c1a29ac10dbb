"""The production layout's process files (deployments/production/) name real `portlink` commands with options
they accept, and settings that exist."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess

from portlink.settings import Settings

from tests.conftest import ROOT
from tests.deployment.test_cli import PORTLINK

PRODUCTION = ROOT / "deployments" / "production"


def _accepts(command: list[str]) -> None:
    """`portlink <command> --help` with the options the file passes exits 0 (typer refuses unknown options)."""
    args = [a if not a.startswith("$") and "%" not in a else "8000" for a in command]
    done = subprocess.run([str(PORTLINK), *args, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"{command}: {done.stderr}"


def test_the_procfile_runs_an_indexer_and_api_replicas_without_an_indexer_inside():
    processes = dict(
        line.split(":", 1) for line in (PRODUCTION / "Procfile").read_text().splitlines() if re.match(r"^\w+:", line)
    )
    assert set(processes) == {"index", "api"}
    for command in processes.values():
        words = shlex.split(command)
        env = [w for w in words if "=" in w and not w.startswith("-")]
        _accepts(words[words.index("portlink") + 1 :])
        assert env in ([], ["PORTLINK_API_RUN_INDEXER=false"])
    assert "PORTLINK_API_RUN_INDEXER=false" in processes["api"]


def test_the_systemd_units_start_portlink_commands():
    for unit in ("portlink-index.service", "portlink-api@.service"):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(PRODUCTION / unit)
        words = shlex.split(parser["Service"]["ExecStart"])
        assert words[0].endswith("/portlink")
        _accepts(words[1:])
    api = (PRODUCTION / "portlink-api@.service").read_text()
    assert "PORTLINK_API_RUN_INDEXER=false" in api


def test_the_sample_settings_are_portlink_settings():
    fields = {f"PORTLINK_{name.upper()}" for name in Settings.model_fields}
    for line in (PRODUCTION / "portlink.env.example").read_text().splitlines():
        line = line.lstrip("# ").strip()
        if re.match(r"^PORTLINK_\w+=", line):
            assert line.split("=", 1)[0] in fields, line
