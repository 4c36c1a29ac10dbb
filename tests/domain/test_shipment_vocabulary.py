"""ISO 6346 numbers, seals and transport document numbers are checked and normalised before sending."""

from __future__ import annotations

import re

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak
from portlink.domain.shipments import (
    iso6346_check_digit,
    normalise_seals,
    normalise_transport_document,
    parse_container_number,
    shipment_id,
)

CARRIER = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CSQU3054383", b"CSQU3054383"),
        ("csqu3054383", b"CSQU3054383"),
        ("CSQU 305438 3", b"CSQU3054383"),
        ("CSQU-305438-3", b"CSQU3054383"),
    ],
    ids=["plain", "lowercase", "as-printed", "hyphens"],
)
def test_container_number_is_normalised(text, expected):
    assert parse_container_number(text) == expected


def test_check_digit_of_the_standard_example():
    assert iso6346_check_digit("CSQU305438") == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CSQU3054384", "container CSQU3054384: check digit should be 3, not 4"),
        ("CSQU3054838", "container CSQU3054838: check digit should be"),
        ("CSQX3054383", "is not an ISO 6346 number"),
        ("CS1U3054383", "is not an ISO 6346 number"),
        ("CSQU305438", "is not an ISO 6346 number"),
        ("CSQU30543833", "is not an ISO 6346 number"),
        ("", "is not an ISO 6346 number"),
        ("c\u017fqu3054383", "is not an ISO 6346 number"),
    ],
    ids=["check-digit", "transposed", "bad-category", "digit-in-owner", "short", "long", "empty", "long-s"],
)
def test_bad_container_number_names_the_container(text, message):
    with pytest.raises(ValueError, match=message):
        parse_container_number(text)


def test_every_single_digit_corruption_of_the_serial_is_caught():
    good = "CSQU3054383"
    for position in range(4, 11):
        for digit in "0123456789":
            if digit == good[position]:
                continue
            corrupted = good[:position] + digit + good[position + 1 :]
            with pytest.raises(ValueError, match="check digit"):
                parse_container_number(corrupted)


def test_transport_document_has_one_spelling():
    assert normalise_transport_document("shk-2026/0042") == "SHK20260042"
    assert normalise_transport_document(" SHK 2026.0042 ") == "SHK20260042"
    with pytest.raises(ValueError, match="1-20 letters and digits"):
        normalise_transport_document("A" * 21)
    with pytest.raises(ValueError, match="1-20 letters and digits"):
        normalise_transport_document("B/L#1")


def test_shipment_id_is_the_carrier_and_normalised_document():
    expected = keccak(encode(["address", "string"], [CARRIER, "SHK20260042"]))
    assert shipment_id(CARRIER, "shk-2026-0042") == expected


def test_seals_are_sorted_upper_cased_and_padded():
    assert normalise_seals("CSQU3054383", ["sl-0002", "SL0001"]) == [
        b"SL0001".ljust(16, b"\0"),
        b"SL0002".ljust(16, b"\0"),
    ]


@pytest.mark.parametrize(
    ("seals", "message"),
    [
        ([], "give 1 to 4 seal numbers, not 0"),
        (["A", "B", "C", "D", "E"], "give 1 to 4 seal numbers, not 5"),
        (["A1", "a1"], "listed twice"),
        (["S" * 17], "must be 1-16 letters and digits"),
        (["SEAL#1"], "must be 1-16 letters and digits"),
    ],
    ids=["none", "five", "duplicate", "too-long", "bad-character"],
)
def test_bad_seals_name_the_container(seals, message):
    with pytest.raises(ValueError, match=message) as raised:
        normalise_seals("CSQU3054383", seals)
    assert str(raised.value).startswith("container CSQU3054383: ")


def _draft(**overrides):
    from portlink.domain.shipments import RegistrationDraft

    fields = {
        "consignee": "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
        "carrier": CARRIER.lower(),
        "origin_port": "cn shk",
        "destination_port": "CNSUD",
        "transport_document": "shk-2026-0042",
        "documents_digest": b"\x11" * 32,
        "containers": [{"number": "csqu 305438 3", "declared_gross_kg": 24_000, "seals": ["sl-2", "SL1"]}],
    }
    fields.update(overrides)
    return RegistrationDraft.model_validate(fields)


def test_registration_draft_gives_the_one_spelling_the_chain_accepts():
    draft = _draft()
    consignee, carrier, origin, destination, reference, digest, containers = draft.to_chain()
    assert (consignee, digest) == ("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720", b"\x11" * 32)
    assert (origin, destination, reference) == (b"CNSHK", b"CNSUD", "SHK20260042")
    assert carrier == CARRIER
    assert containers == [(b"CSQU3054383", 24_000, [b"SL1".ljust(16, b"\0"), b"SL2".ljust(16, b"\0")])]
    assert draft.shipment_id == shipment_id(CARRIER, "SHK20260042")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"containers": [{"number": "CSQU3054384", "declared_gross_kg": 1, "seals": ["A"]}]},
            "container CSQU3054384: check digit should be 3, not 4",
        ),
        (
            {"containers": [{"number": "CSQU3054383", "declared_gross_kg": 1, "seals": []}]},
            "container CSQU3054383: give 1 to 4 seal numbers, not 0",
        ),
        (
            {"containers": [{"number": "CSQU3054383", "declared_gross_kg": 0, "seals": ["A"]}]},
            "greater than 0",
        ),
        (
            {"containers": [{"number": "CSQU3054383", "declared_gross_kg": 1, "seals": ["A"]}] * 2},
            "container CSQU3054383 is listed twice",
        ),
        ({"containers": []}, "at least 1 item"),
        ({"destination_port": "cnshk"}, "origin and destination are the same port (CNSHK)"),
        ({"origin_port": "CNSH1"}, "'CNSH1' is not a UN/LOCODE"),
        ({"carrier": "0x1234"}, "carrier '0x1234' is not an Ethereum address"),
        ({"transport_document": "B/L #42"}, "must be 1-20 letters and digits"),
    ],
    ids=[
        "check-digit",
        "no-seals",
        "zero-weight",
        "duplicate",
        "no-containers",
        "same-ports",
        "bad-port",
        "bad-carrier",
        "bad-bl",
    ],
)
def test_bad_registration_is_refused_before_anything_is_sent(overrides, message):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=re.escape(message)):
        _draft(**overrides)


def test_bill_of_lading_attestation_carries_the_drafts_one_spelling():
    from portlink.domain.shipments import BillOfLading

    shipper = "0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f"  # typed in lower case
    bill = BillOfLading.of(_draft(), shipper, 2**40)
    assert bill.message() == {
        "carrier": CARRIER,
        "transportDocumentReference": "SHK20260042",
        "shipper": "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
        "consignee": "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
        "originPort": "0x" + b"CNSHK".hex(),
        "destinationPort": "0x" + b"CNSUD".hex(),
        "containers": ["0x" + b"CSQU3054383".hex()],
        "deadline": 2**40,
    }
    with pytest.raises(ValueError, match="shipper '0x1234' is not an Ethereum address"):
        BillOfLading.of(_draft(), "0x1234", 2**40)
