"""`portlink keys create` and `portlink serve` as a user runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import httpx

from tests.api.conftest import env_of, portlink_cli
from tests.conftest import ROOT
from tests.deployment.test_cli import PORTLINK
from tests.deployment.test_deploy import _free_port


def test_keys_create_issues_a_key_bound_to_a_member_that_the_api_accepts(api):
    run = portlink_cli(api, "keys", "create", "--member", api.auditor.address.lower())
    assert run.returncode == 0, run.stderr
    token = run.stdout.strip().splitlines()[-1]
    assert token.startswith("plk_")
    me = httpx.get(f"{api.base_url}/v1/members/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["account"] == api.auditor.address
    assert {"role": "AUDITOR", "port": None} in me.json()["roles"]


def test_a_revoked_key_is_refused_at_once(api):
    run = portlink_cli(api, "keys", "create", "--member", api.consignee.address, "--label", "to revoke")
    token = run.stdout.strip().splitlines()[-1]
    key_id = token.split("_")[1]
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{api.base_url}/v1/members/me", headers=headers).status_code == 200
    listed = portlink_cli(api, "keys", "list", "--member", api.consignee.address)
    assert key_id in listed.stdout
    assert token.split("_", 2)[2] not in listed.stdout  # never the secret (which may hold "_" itself)
    revoked = portlink_cli(api, "keys", "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    refused = httpx.get(f"{api.base_url}/v1/members/me", headers=headers)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


def test_keys_create_refuses_an_account_that_is_no_member_in_one_line(api):
    outsider = "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"
    run = portlink_cli(api, "keys", "create", "--member", outsider)
    assert run.returncode == 1
    assert run.stderr.startswith("portlink: error: ")
    assert "not a consortium member" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    bad = portlink_cli(api, "keys", "create", "--member", "0xnot-an-address")
    assert bad.returncode == 2  # a malformed option is a usage error
    assert bad.stderr.startswith("portlink: error: Invalid value for '--member': ")
    assert "is not an Ethereum address" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_serve_answers_health_and_openapi_and_stops_on_ctrl_c(api, tmp_path):
    port = _free_port()
    env = env_of(api, PORTLINK_DATABASE_URL=f"sqlite:///{tmp_path}/serve.sqlite", PORTLINK_API_PORT=str(port))
    proc = subprocess.Popen(
        [str(PORTLINK), "serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "portlink serve did not come up"
                time.sleep(0.2)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()
        assert "/v1/shipments" in spec["paths"]
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0


def test_up_with_serve_brings_up_chain_and_api_and_stops_both_on_ctrl_c(tmp_path):
    api_port = _free_port()
    env = {
        **os.environ,
        "PORTLINK_ANVIL_PORT": str(_free_port()),
        "PORTLINK_MANIFEST_PATH": str(tmp_path / "local" / "manifest.json"),
        "PORTLINK_ANVIL_STATE_PATH": str(tmp_path / "local" / "anvil-state.json"),
        "PORTLINK_DATABASE_URL": f"sqlite:///{tmp_path}/local/index.sqlite",
        "PORTLINK_API_PORT": str(api_port),
    }
    proc = subprocess.Popen(
        [str(PORTLINK), "up", "--serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{api_port}/v1/health", timeout=2)
                if health.json()["index"]["checkpointBlock"] is not None:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "portlink up --serve did not come up"
            time.sleep(0.2)
        ports = httpx.get(f"http://127.0.0.1:{api_port}/openapi.json").json()
        assert "/v1/ports" in ports["paths"]
    finally:
        proc.send_signal(signal.SIGINT)
        status = proc.wait(30)
    out = proc.stdout.read() if proc.stdout else ""
    assert status == 0, out
    assert f"API            http://127.0.0.1:{api_port}/docs" in out
    assert "Stopping; chain state saved." in out
