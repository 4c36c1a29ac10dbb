"""Account addresses as the backend takes them from people and files: EIP-55 checked where the case carries it."""

from __future__ import annotations

import re

import pytest
from portlink.domain.consortium import parse_address

ADDRESS = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"  # Anvil account 3, EIP-55


@pytest.mark.parametrize(
    "text", [ADDRESS, ADDRESS.lower(), "0x" + ADDRESS[2:].upper()], ids=["eip55", "lower", "upper"]
)
def test_address_in_each_case_form_gives_its_eip55_spelling(text):
    assert parse_address(text) == ADDRESS


LETTERS = [i for i, ch in enumerate(ADDRESS) if i >= 2 and ch.isalpha()]


@pytest.mark.parametrize(
    "position", [LETTERS[0], LETTERS[len(LETTERS) // 2], LETTERS[-1]], ids=["first", "middle", "last"]
)
def test_mixed_case_address_with_a_wrong_checksum_is_refused(position):
    """One letter typed in the wrong case: the checksum is what catches a mistyped character."""
    typo = ADDRESS[:position] + ADDRESS[position].swapcase() + ADDRESS[position + 1 :]
    with pytest.raises(ValueError, match=re.escape(f"carrier {typo!r} has a wrong EIP-55 checksum")):
        parse_address(typo, "carrier")


@pytest.mark.parametrize(
    "text",
    ["0x1234", ADDRESS[2:], ADDRESS + "0", "0x" + "g" * 40, " " + ADDRESS, "0X" + ADDRESS[2:], ""],
    ids=["short", "no-0x", "long", "not-hex", "leading-space", "upper-0X", "empty"],
)
def test_what_is_not_an_address_is_refused(text):
    with pytest.raises(ValueError, match=re.escape(f"{text!r} is not an Ethereum address")):
        parse_address(text)
