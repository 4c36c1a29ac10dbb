"""A DeclarationDraft built from what a person types files on chain as is; the backend refuses what the chain does."""

from __future__ import annotations

import pytest
from eth_utils.crypto import keccak
from portlink.domain.customs import DeclarationDraft, parse_currency, parse_hs_code

from tests.conftest import reverts
from tests.customs.conftest import DIGEST, HS_CODES, VALUE, filed
from tests.shipments.conftest import logs

TYPED = [
    (["8504.40", "8418 10"], "cny", [b"841810", b"850440"], b"CNY", "dotted-and-spaced"),
    (["850440", "8504.40", "01.01.21"], " hkd ", [b"010121", b"850440"], b"HKD", "duplicate-and-padded"),
    (
        [f"{chapter:02d}.00.00" for chapter in range(50, 0, -1)],
        "Mop",
        [f"{chapter:02d}0000".encode() for chapter in range(1, 51)],
        b"MOP",
        "fifty-descending",
    ),
]

#: Six ASCII characters as a filer might type them: the backend and the chain must agree on each.
HS_AGREEMENT = [
    ("010121", "first-chapter"),
    ("970600", "last-chapter"),
    ("850440", "static-converters"),
    ("000000", "chapter-00"),
    ("770000", "chapter-77"),
    ("980000", "chapter-98"),
    ("990000", "chapter-99"),
    ("12345A", "letter"),
    ("85044:", "colon"),
]


def draft(**overrides) -> DeclarationDraft:
    fields = {"digest": DIGEST, "hs_codes": ["8504.40", "8418 10"], "customs_value": VALUE, "currency": "cny"}
    fields.update(overrides)
    return DeclarationDraft.model_validate(fields)


@pytest.mark.parametrize(
    ("codes", "currency", "chain_codes", "chain_currency"), [row[:4] for row in TYPED], ids=[row[-1] for row in TYPED]
)
def test_draft_from_typed_input_files_on_chain_as_is(
    desk, customs, members, codes, currency, chain_codes, chain_currency
):
    sid = desk.shipment()
    receipt = customs.file(sid, *draft(hs_codes=codes, currency=currency).to_chain(), sender=members.shipper)
    assert logs(receipt)[0] == filed(customs, sid, members.shipper, 1, DIGEST, chain_codes, VALUE, chain_currency)
    d = customs.getDeclaration(sid)
    assert (d.digest, d.customsValue, d.currency) == (DIGEST, VALUE, chain_currency)


def test_draft_amends_on_chain_as_is(desk, customs, members):
    did = desk.file()
    second = draft(digest=keccak(b"version 2"), hs_codes=["8418.10", "8418.21"], customs_value=2**128 - 1)
    receipt = customs.amend(did, *second.to_chain(), sender=members.shipper)
    assert logs(receipt) == [
        filed(customs, did, members.shipper, 2, keccak(b"version 2"), [b"841810", b"841821"], 2**128 - 1, b"CNY")
    ]


@pytest.mark.parametrize("text", [t for t, _ in HS_AGREEMENT], ids=[i for _, i in HS_AGREEMENT])
def test_backend_and_chain_agree_on_each_hs_code(desk, customs, members, text):
    sid = desk.shipment()
    code = text.encode("ascii")
    try:
        backend = parse_hs_code(text)
    except ValueError:
        with reverts(customs.ClearanceInvalidHsCode, code=code):
            customs.file(sid, DIGEST, [code], VALUE, b"CNY", sender=members.shipper)
    else:
        assert backend == code
        desk.file(sid, hs_codes=[backend])
        assert desk.receipt.events.filter(customs.DeclarationFiled)[0].hsCodes == [code]


@pytest.mark.parametrize("text", ["XTS", "XXX", "ABC", "RMB"], ids=["testing", "no-currency", "unknown", "rmb"])
def test_backend_refuses_currencies_whose_shape_the_chain_accepts(desk, customs, text):
    """The chain checks the shape of a code only (three upper-case letters); the backend knows ISO 4217."""
    with pytest.raises(ValueError, match="is not an ISO 4217 code"):
        parse_currency(text)
    did = desk.file(hs_codes=HS_CODES, currency=text.encode("ascii"))
    assert customs.getDeclaration(did).currency == text.encode("ascii")
