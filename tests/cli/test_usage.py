"""Every usage error of the CLI is one line, `portlink: error: …`, exit 2: no traceback, no usage panel."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import ROOT
from tests.deployment.test_cli import PORTLINK


def portlink(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTLINK_")}
    return subprocess.run(
        [str(PORTLINK), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("doc", "verify", "no-such-file.pdf"), "Invalid value for 'file': file 'no-such-file.pdf' does not exist"),
        (("keys", "create"), "Missing option '--member'"),
        (("keys", "create", "--member", "0x12"), "'0x12' is not an Ethereum address"),
        (("serve", "--port", "abc"), "Invalid value for '--port'"),
        (("serve", "--port", "70000"), "less than or equal to 65535"),
        (("frobnicate",), "No such command 'frobnicate'"),
        (("index", "--follow-forever"), "No such option: --follow-forever"),
        (("keys", "revoke"), "Missing argument"),
        (("up", "--serve", "extra"), "Got unexpected extra argument(s) (extra)"),
    ],
    ids=[
        "doc-verify-missing-file",
        "keys-create-without-member",
        "keys-create-bad-member",
        "serve-port-not-a-number",
        "serve-port-too-large",
        "unknown-command",
        "unknown-option",
        "missing-argument",
        "extra-argument",
    ],
)
def test_a_usage_error_is_one_line_with_exit_status_2(args, words):
    run = portlink(*args)
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stdout == ""
    [line] = run.stderr.splitlines()
    assert line.startswith("portlink: error: "), line
    assert words in line
    assert "--help" in line  # where to look


def test_a_command_group_alone_shows_its_help():
    run = portlink("keys")
    assert "Usage: portlink keys" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_an_error_that_is_not_a_usage_error_is_one_line_with_exit_status_1(tmp_path):
    run = subprocess.run(
        [str(PORTLINK), "manifest"],
        cwd=ROOT,
        env={**os.environ, "PORTLINK_MANIFEST_PATH": str(tmp_path / "none.json")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    [line] = run.stderr.splitlines()
    assert line.startswith(f"portlink: error: no deployment manifest at {tmp_path / 'none.json'}")
