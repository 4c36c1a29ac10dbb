"""Plain JSON-RPC over HTTP for bulk reads (the indexer): keep-alive, batches, errors sorted by what to do next.

web3.py's provider stack formats every response into Python objects; for hundreds of thousands of logs that
costs more than fetching them. This client returns the node's JSON as it is (parsed by msgspec, about twice as
fast as the standard library on a large eth_getLogs answer) and lets the caller decide, and it
sends several calls in one HTTP request (a JSON-RPC batch) where that saves round trips (block headers).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import msgspec
import requests

from portlink.errors import ChainUnavailableError, PortLinkError

#: Phrases nodes use when an eth_getLogs range holds too much (geth, Erigon, Besu, Nethermind, Alchemy, Infura,
#: QuickNode, Anvil's own limit); the caller shrinks the range.
_TOO_MANY = (
    "query returned more than",
    "too many",
    "limit exceeded",
    "exceed",
    "response size",
    "range is too large",
    "block range",
    "range too large",
    "max results",
    "timeout",
    "timed out",
)


_decode = msgspec.json.Decoder().decode


class RpcError(PortLinkError, RuntimeError):
    """The node answered a JSON-RPC call with an error."""

    def __init__(self, method: str, code: int | None, message: str) -> None:
        super().__init__(f"{method}: node error {code}: {message}")
        self.method, self.code, self.message = method, code, message

    def __reduce__(self) -> tuple[type[RpcError], tuple[str, int | None, str]]:
        # Raised in the indexer's fetch process too: pickled back with the arguments it was made from.
        return type(self), (self.method, self.code, self.message)


class RangeTooLargeError(RpcError):
    """The node refused or timed out on an eth_getLogs range: ask for a smaller one."""


@dataclass(frozen=True)
class Call:
    """One JSON-RPC call of a batch."""

    method: str
    params: list[Any]


class JsonRpc:
    """A JSON-RPC client on one keep-alive HTTP session."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout
        self._session = requests.Session()
        self._ids = itertools.count(1)

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def _post(self, body: object, what: str) -> Any:
        try:
            response = self._session.post(self.url, json=body, timeout=self.timeout)
        except requests.Timeout:
            if what == "eth_getLogs":
                raise RangeTooLargeError(what, None, f"no answer within {self.timeout:.0f}s") from None
            raise ChainUnavailableError(f"{self.url} did not answer {what} within {self.timeout:.0f}s") from None
        except requests.RequestException as exc:
            raise ChainUnavailableError(f"no JSON-RPC node answers at {self.url} ({type(exc).__name__})") from None
        if response.status_code in (413, 504):
            raise RangeTooLargeError(what, response.status_code, response.reason)
        if response.status_code >= 500:
            raise ChainUnavailableError(f"{self.url} answered HTTP {response.status_code} to {what}")
        try:
            return _decode(response.content)
        except msgspec.DecodeError:
            raise ChainUnavailableError(f"{self.url} answered {what} with something that is not JSON") from None

    @staticmethod
    def _result(method: str, reply: dict[str, Any]) -> Any:
        error = reply.get("error")
        if error is not None:
            code, message = error.get("code"), str(error.get("message", error))
            if method == "eth_getLogs" and any(p in message.lower() for p in _TOO_MANY):
                raise RangeTooLargeError(method, code, message)
            raise RpcError(method, code, message)
        return reply.get("result")

    def call(self, method: str, *params: Any) -> Any:
        """Call ``method`` and return its JSON result."""
        reply = self._post({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}, method)
        if not isinstance(reply, dict):
            raise ChainUnavailableError(f"{self.url} answered {method} with a malformed JSON-RPC reply")
        return self._result(method, reply)

    def batch(self, calls: list[Call]) -> list[Any]:
        """Send ``calls`` in one HTTP request; results in the order of ``calls``."""
        if not calls:
            return []
        first = next(self._ids)
        self._ids = itertools.count(first + len(calls))
        body = [
            {"jsonrpc": "2.0", "id": first + i, "method": c.method, "params": c.params} for i, c in enumerate(calls)
        ]
        replies = self._post(body, calls[0].method)
        if isinstance(replies, dict) and "error" in replies:  # a node or proxy without batch support
            return [self.call(c.method, *c.params) for c in calls]
        if not isinstance(replies, list) or len(replies) != len(calls):
            raise ChainUnavailableError(f"{self.url} answered a batch of {len(calls)} calls with a malformed reply")
        by_id = {r.get("id"): r for r in replies}
        return [self._result(c.method, by_id.get(first + i, {})) for i, c in enumerate(calls)]

    # ------------------------------------------------------------------ the calls the indexer makes

    def chain_id(self) -> int:
        """``eth_chainId``."""
        return int(self.call("eth_chainId"), 16)

    def block_number(self) -> int:
        """``eth_blockNumber``: the head."""
        return int(self.call("eth_blockNumber"), 16)

    def headers(self, numbers: list[int]) -> list[dict[str, Any] | None]:
        """Block headers (without transactions) by number, in one batch; ``None`` for a block the node lacks."""
        results = self.batch([Call("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        return [r if isinstance(r, dict) else None for r in results]

    def logs(self, addresses: list[str], from_block: int, to_block: int) -> list[dict[str, Any]]:
        """``eth_getLogs`` of ``addresses`` over ``[from_block, to_block]``."""
        flt = {"address": addresses, "fromBlock": hex(from_block), "toBlock": hex(to_block)}
        result = self.call("eth_getLogs", flt)
        if not isinstance(result, list):
            raise RpcError("eth_getLogs", None, "the result is not a list")
        return result
