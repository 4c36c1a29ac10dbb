"""Custodial signing keys for real deployments: `portlink wallet new` and `portlink keys import` (a key file or a
hidden prompt). Refusals change nothing."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from eth_account import Account
from portlink.chain.devwallets import dev_account

from tests.conftest import ROOT
from tests.deployment.test_cli import PORTLINK

PASSPHRASE = "keystore passphrase"
FILE_PASSPHRASE = "the file's own passphrase"
KEY = "0x" + "4c" * 32  # no development account's


@pytest.fixture
def keystore(tmp_path) -> Path:
    return tmp_path / "keystore"


def portlink(keystore: Path, *args: str, stdin: str = "", passphrase: str | None = PASSPHRASE):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTLINK_")}
    env["PORTLINK_API_KEYSTORE_PATH"] = str(keystore)
    if passphrase is not None:
        env["PORTLINK_API_KEYSTORE_PASSPHRASE"] = passphrase
    # A new session has no terminal: hidden prompts read the answers from stdin, as a script would give them.
    return subprocess.run(
        [str(PORTLINK), *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        start_new_session=True,
    )


def _decrypted(path: Path, passphrase: str = PASSPHRASE) -> str:
    return Account.from_key(Account.decrypt(json.loads(path.read_text()), passphrase)).address


def _one_line_error(run, status: int, words: str) -> None:
    assert run.returncode == status, run.stdout + run.stderr
    line = run.stderr.strip().splitlines()[-1]  # after the prompts, if any
    assert line.startswith("portlink: error: "), run.stderr
    assert words in line, run.stderr
    assert sum(1 for text in run.stderr.splitlines() if "error" in text) == 1, run.stderr


def test_wallet_new_creates_an_encrypted_key_and_prints_only_its_address(keystore):
    run = portlink(keystore, "wallet", "new")
    assert run.returncode == 0, run.stderr
    [path] = keystore.iterdir()
    address = _decrypted(path)
    assert f"New key {address} in {path}" in run.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = Account.decrypt(json.loads(path.read_text()), PASSPHRASE).hex()
    assert key not in run.stdout + run.stderr
    assert portlink(keystore, "wallet", "new").returncode == 0
    assert len(list(keystore.iterdir())) == 2


def test_without_a_keystore_passphrase_nothing_is_written(keystore):
    _one_line_error(portlink(keystore, "wallet", "new", passphrase=None), 1, "set PORTLINK_API_KEYSTORE_PASSPHRASE")
    assert not keystore.exists()


def test_keys_import_takes_a_key_file_and_re_encrypts_it_for_the_keystore(keystore, tmp_path):
    source = tmp_path / "UTC--member.json"
    source.write_text(json.dumps(Account.encrypt(KEY, FILE_PASSPHRASE, kdf="pbkdf2", iterations=1000)))
    wrong = portlink(keystore, "keys", "import", str(source), stdin="not the passphrase\n")
    _one_line_error(wrong, 1, "cannot be decrypted")
    assert not keystore.exists()

    run = portlink(keystore, "keys", "import", str(source), stdin=FILE_PASSPHRASE + "\n")
    assert run.returncode == 0, run.stderr
    [path] = keystore.iterdir()
    assert _decrypted(path) == Account.from_key(KEY).address
    assert f"Imported {Account.from_key(KEY).address}" in run.stdout

    again = portlink(keystore, "keys", "import", str(source), stdin=FILE_PASSPHRASE + "\n")
    _one_line_error(again, 1, "is in the keystore")
    assert list(keystore.iterdir()) == [path]


def test_keys_import_at_a_hidden_prompt(keystore):
    run = portlink(keystore, "keys", "import", "--prompt", stdin=KEY + "\n")
    assert run.returncode == 0, run.stderr
    [path] = keystore.iterdir()
    assert _decrypted(path) == Account.from_key(KEY).address
    assert KEY[2:] not in run.stdout + run.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "status", "words"),
    [
        (("--prompt",), dev_account(8).key.hex() + "\n", 1, "development account 8 of Anvil's public mnemonic"),
        (("--prompt",), "0x1234\n", 1, "not a private key"),
        ((), "", 2, "give a key FILE or --prompt"),
        (("--prompt", "README.md"), "", 2, "give a key FILE or --prompt"),
        (("no-such-file.json",), "", 2, "does not exist"),
    ],
    ids=["public-test-key", "malformed-key", "neither", "both", "missing-file"],
)
def test_keys_import_refuses_bad_input_in_one_line_and_changes_nothing(keystore, args, stdin, status, words):
    _one_line_error(portlink(keystore, "keys", "import", *args, stdin=stdin), status, words)
    assert not keystore.exists()


def test_a_keystore_another_passphrase_opens_is_not_mixed(keystore):
    assert portlink(keystore, "wallet", "new", passphrase="another passphrase").returncode == 0
    before = sorted(keystore.iterdir())
    _one_line_error(portlink(keystore, "keys", "import", "--prompt", stdin=KEY + "\n"), 1, "cannot be decrypted")
    assert sorted(keystore.iterdir()) == before
