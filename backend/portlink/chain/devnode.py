"""A local Anvil node for development (``make run``), keeping its state on disk between runs."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from web3 import Web3

from portlink.chain.saved_chain import SavedChain, broken, restore
from portlink.errors import ChainUnavailableError, ConfigurationError


class DevNode:
    """An Anvil process on ``host:port`` whose chain lives in ``state_path`` (loaded at start, saved at stop)."""

    def __init__(self, binary: str, *, host: str, port: int, chain_id: int, state_path: Path, log_path: Path) -> None:
        resolved = shutil.which(binary)
        if resolved is None:
            raise ConfigurationError(f"anvil not found (looked for {binary!r} on PATH): run `make install`")
        self.binary = resolved
        self.host, self.port, self.chain_id = host, port, chain_id
        self.state_path, self.log_path = state_path, log_path
        self._process: subprocess.Popen[bytes] | None = None
        #: The chain loaded from ``state_path`` at the last start (``None``: a new chain).
        self.saved: SavedChain | None = None

    @property
    def rpc_url(self) -> str:
        """Where the node answers JSON-RPC."""
        return f"http://{self.host}:{self.port}"

    def start(self, *, timeout: float = 30.0) -> None:
        """Start Anvil on the saved chain (:func:`saved_chain.restore` first) and wait until it answers with that
        chain's genesis; refuses if something already listens on the port."""
        with socket.socket() as probe:
            if probe.connect_ex((self.host, self.port)) == 0:
                raise ChainUnavailableError(
                    f"{self.host}:{self.port} is already in use (is `make run` running elsewhere?); "
                    "stop it or set PORTLINK_ANVIL_PORT"
                )
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.saved = restore(self.state_path)
        cmd = [
            self.binary,
            "--host", self.host,
            "--port", str(self.port),
            "--chain-id", str(self.chain_id),
            "--state", str(self.state_path),
            "--state-interval", "5",
            # Anvil writes the state of every block it no longer keeps in memory to ~/.foundry/anvil/tmp, about
            # the size of the whole state each: tens of GB for a benchmark chain, never removed if Anvil is
            # killed. Nothing of PortLink reads state at old blocks (the indexer reads logs), so keep none on disk.
            "--max-persisted-states", "0",
            # The pilot seed uses the mnemonic's accounts 1-14; Anvil funds only 10 unless told.
            "--accounts", "20",
        ]  # fmt: skip
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
        log.close()
        w3 = Web3(Web3.HTTPProvider(self.rpc_url, request_kwargs={"timeout": 2}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ChainUnavailableError(
                    f"anvil exited with status {self._process.returncode} at start; see {self.log_path}"
                )
            if w3.is_connected():
                self._check_genesis(w3)
                return
            time.sleep(0.1)
        self.stop()
        raise ChainUnavailableError(f"anvil did not answer at {self.rpc_url} within {timeout:.0f}s")

    def _check_genesis(self, w3: Web3) -> None:
        if self.saved is None:
            return
        genesis = w3.eth.get_block(0)["hash"].to_0x_hex()
        if genesis != self.saved.genesis_hash:
            self.stop()
            raise broken(
                self.state_path, f"has genesis {self.saved.genesis_hash}, but Anvil started on genesis {genesis}"
            )

    def wait(self) -> int:
        """Block until Anvil exits; returns its exit status."""
        assert self._process is not None, "start() first"
        return self._process.wait()

    def stop(self, *, timeout: float = 15.0) -> None:
        """Stop Anvil with SIGINT so that it writes its state file, killing it if it hangs."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> DevNode:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
