"""Pieces the contract state machines share (tests/shipments, tests/customs, tests/escrow): one attempt called then
sent through a plain web3 client, and the reads after every step sent as one JSON-RPC batch."""

from __future__ import annotations

from typing import Any

from eth_abi import decode
from eth_utils.abi import get_abi_output_types
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3.exceptions import ContractCustomError


def call_then_send(w3: Any, sender: str, contract: Any, function: str, args: list, expected: HexBytes | None, gas: int):
    """Call, then send, `function(*args)` from `sender`: it must succeed iff `expected` is None, else revert with
    exactly the revert data `expected` (checked as an eth_call, then as the mined transaction's status)."""
    tx = {"from": sender, "to": contract.address, "data": contract.encode_abi(function, args=args)}
    try:
        w3.eth.call(tx)
    except ContractCustomError as err:
        refusal = HexBytes(err.data)
        assert expected is not None, f"{function} by {sender} reverted {refusal.hex()}, expected success"
        assert refusal == expected, f"{function} by {sender} reverted {refusal.hex()}, expected {expected.hex()}"
    else:
        assert expected is None, f"{function} by {sender} succeeded, expected a revert {expected.hex()}"
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({**tx, "gas": gas}))
    assert receipt["status"] == (1 if expected is None else 0)
    return receipt


def call_then_send_at(
    w3: Any, sender: str, contract: Any, function: str, args: list, expected: HexBytes | None, gas: int, timestamp: int
):
    """`call_then_send` in a block mined at unix time `timestamp`: the call is made at that time (a block override),
    then the transaction is mined in a block with that timestamp, so that deadlines are checked to the second."""
    tx = {"from": sender, "to": contract.address, "data": contract.encode_abi(function, args=args)}
    response = w3.provider.make_request("eth_call", [tx, "latest", {}, {"time": hex(timestamp)}])
    if "error" in response:
        refusal = HexBytes(response["error"].get("data", "0x"))
        assert expected is not None, f"{function} by {sender} reverted {refusal.hex()}, expected success"
        assert refusal == expected, f"{function} by {sender} reverted {refusal.hex()}, expected {expected.hex()}"
    else:
        assert expected is None, f"{function} by {sender} succeeded, expected a revert {expected.hex()}"
    w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({**tx, "gas": gas}))
    assert receipt["status"] == (1 if expected is None else 0), f"{function} by {sender}: mined status differs"
    return receipt


class Reads:
    """View calls encoded once and sent in one JSON-RPC batch: web3's contract layer spends milliseconds a call in
    Python, which over every step of every example would be most of the test's time."""

    def __init__(self, web3: Any, queries: list[tuple[Any, str, list]]) -> None:
        self.web3 = web3
        self.requests = []
        self.types = []
        for contract, function, args in queries:
            call = {"to": contract.address, "data": contract.encode_abi(function, args)}
            self.requests.append(("eth_call", [call, "latest"]))
            self.types.append(get_abi_output_types(getattr(contract.functions, function)(*args).abi))

    def answers(self) -> tuple:
        responses = self.web3.provider.make_batch_request(self.requests)
        values = []
        for response, types in zip(responses, self.types, strict=True):
            assert "error" not in response, response
            (value,) = decode(types, HexBytes(response["result"]))
            values.append(plain(value))
        return tuple(values)


def plain(value: Any) -> Any:
    """Chain reads and model values as plain comparable Python: tuples, bytes, ints, bools, str."""
    if isinstance(value, tuple | list):
        return tuple(plain(v) for v in value)
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        return to_checksum_address(value)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else value
