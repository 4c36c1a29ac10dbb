"""HS codes, currencies, reason codes, declaration drafts and the EIP-712 decision are checked before sending."""

from __future__ import annotations

import re

import pytest
from portlink.domain.customs import (
    DECISION_TYPE,
    MAX_HS_CODES,
    Decision,
    DecisionInput,
    DeclarationDraft,
    Eip712Domain,
    normalise_hs_codes,
    parse_currency,
    parse_hs_code,
    reason_code,
)
from pydantic import ValidationError

from tests.conftest import ROOT

OFFICER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
NATIONAL_CODE_HINT = "(give the 6-digit international subheading, not a national code)"

# ---------------------------------------------------------------------------------------------------- HS codes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("850440", b"850440"),
        ("8504.40", b"850440"),
        ("8504 40", b"850440"),
        ("85.04.40", b"850440"),
        (" 8418 10 ", b"841810"),
        ("8504\t40", b"850440"),
        ("010121", b"010121"),
        ("970600", b"970600"),
    ],
    ids=["plain", "dotted", "spaced", "two-dots", "padded", "tab", "first-chapter", "last-chapter"],
)
def test_hs_code_is_normalised_to_six_ascii_digits(text, expected):
    assert parse_hs_code(text) == expected


@pytest.mark.parametrize(
    "text", ["8504401000", "8504.40.1000", "85044010"], ids=["ten-digit", "ten-digit-dotted", "eight-digit"]
)
def test_national_code_is_refused_not_cut(text):
    with pytest.raises(ValueError, match=re.escape(f"HS code {text!r} is not 6 digits {NATIONAL_CODE_HINT}")):
        parse_hs_code(text)


@pytest.mark.parametrize("chapter", ["00", "77", "98", "99"])
def test_hs_code_of_a_chapter_outside_the_international_code_is_refused(chapter):
    code = f"{chapter}0101"
    message = f"HS code {code}: chapter {chapter} does not exist (chapters are 01-97, 77 reserved)"
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_hs_code(code)


NOT_SIX_DIGITS = [
    ("\u0668\u0665\u0660\u0664\u0664\u0660", "arabic-indic"),
    ("\u06f8\u06f5\u06f0\u06f4\u06f4\u06f0", "extended-arabic-indic"),
    ("\uff18\uff15\uff10\uff14\uff14\uff10", "full-width"),
    ("\u096e\u096b\u0966\u096a\u096a\u0966", "devanagari"),
    ("8504\uff14\uff10", "mixed-full-width"),
    ("85044A", "letter"),
    ("8504-40", "hyphen"),
    ("", "empty"),
    ("..", "only-dots"),
]


@pytest.mark.parametrize("text", [t for t, _ in NOT_SIX_DIGITS], ids=[i for _, i in NOT_SIX_DIGITS])
def test_hs_code_that_is_not_six_ascii_digits_is_refused(text):
    with pytest.raises(ValueError, match=re.escape(f"HS code {text!r} is not 6 digits")):
        parse_hs_code(text)


@pytest.mark.parametrize(
    "text",
    ["\u0668\u0665\u0660\u0664\u0664\u0660", "\uff18\uff15\uff10\uff14\uff14\uff10", "10121"],
    ids=["arabic-indic", "full-width", "leading-zero-lost"],
)
def test_hs_code_hint_about_national_codes_is_given_only_for_codes_longer_than_six_digits(text):
    """Six Arabic-Indic or full-width digits are not a national code, nor is "10121" (010121 whose leading zero a
    spreadsheet dropped): telling the filer to give the 6-digit subheading "not a national code" misleads."""
    with pytest.raises(ValueError, match="is not 6 digits") as raised:
        parse_hs_code(text)
    assert "national code" not in str(raised.value)


def test_hs_codes_are_sorted_and_duplicates_collapse():
    assert normalise_hs_codes(["8504.40", "8418 10", "850440", "010121"]) == [b"010121", b"841810", b"850440"]


def test_fifty_distinct_hs_codes_are_accepted():
    codes = [f"{chapter:02d}0000" for chapter in range(1, MAX_HS_CODES + 1)]
    assert normalise_hs_codes(list(reversed(codes))) == [code.encode() for code in codes]


@pytest.mark.parametrize(
    ("codes", "count"),
    [([], 0), ([f"{chapter:02d}0000" for chapter in range(1, 52)], 51)],
    ids=["none", "fifty-one"],
)
def test_hs_code_count_out_of_range_is_refused(codes, count):
    with pytest.raises(ValueError, match=re.escape(f"give 1 to 50 distinct HS codes, not {count}")):
        normalise_hs_codes(codes)


def test_fifty_one_codes_that_collapse_to_fifty_are_accepted():
    codes = [f"{chapter:02d}0000" for chapter in range(1, 51)]
    assert len(normalise_hs_codes([*codes, "01.00.00"])) == 50


def test_one_bad_code_among_many_is_named():
    with pytest.raises(ValueError, match="HS code 980000: chapter 98"):
        normalise_hs_codes(["850440", "980000", "841810"])


# ---------------------------------------------------------------------------------------------------- currencies


@pytest.mark.parametrize(
    ("text", "expected"),
    [("CNY", b"CNY"), ("cny", b"CNY"), (" hkd ", b"HKD"), ("Mop", b"MOP"), ("USD", b"USD")],
    ids=["upper", "lower", "padded", "mixed-case", "usd"],
)
def test_currency_is_normalised_to_its_iso_4217_code(text, expected):
    assert parse_currency(text) == expected


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("RMB", "CNY"), ("rmb", "CNY"), ("NTD", "TWD"), ("HK$", "HKD"), ("US$", "USD"), ("MOP$", "MOP")],
    ids=["rmb", "rmb-lower", "ntd", "hk-dollar", "us-dollar", "mop-dollar"],
)
def test_common_currency_name_is_refused_with_its_code_suggested(text, suggestion):
    message = f"currency {text!r} is not an ISO 4217 code; did you mean {suggestion}?"
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_currency(text)


@pytest.mark.parametrize(
    "text",
    ["ABC", "XTS", "XXX", "", "CN", "CNYY", "C N Y", "\uff23\uff2e\uff39", "CN\u0178"],
    ids=[
        "unknown",
        "testing-code",
        "no-currency",
        "empty",
        "two-letters",
        "four-letters",
        "spaced",
        "full-width",
        "non-ascii-letter",
    ],
)
def test_unknown_currency_is_refused_without_a_suggestion(text):
    with pytest.raises(ValueError, match=re.escape(f"currency {text!r} is not an ISO 4217 code")) as raised:
        parse_currency(text)
    assert "did you mean" not in str(raised.value)


# ---------------------------------------------------------------------------------------------------- reason codes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOCS_MISSING", b"DOCS_MISSING" + bytes(20)),
        ("WCO-12", b"WCO-12" + bytes(26)),
        ("A" * 32, b"A" * 32),
        ("x-ray image 7", b"x-ray image 7" + bytes(19)),
    ],
    ids=["docs-missing", "wco", "thirty-two", "lower-case-and-spaces"],
)
def test_reason_code_is_left_aligned_ascii_in_32_bytes(text, expected):
    assert reason_code(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "A" * 33, "DOCS\u00a0MISSING", "\u6587\u4ef6\u7f3a\u5931", "DOCS\nMISSING", "DOCS\x00"],
    ids=["empty", "thirty-three", "nbsp", "chinese", "newline", "nul"],
)
def test_bad_reason_code_is_refused(text):
    with pytest.raises(ValueError, match=re.escape(f"reason code {text!r} must be 1-32 printable ASCII characters")):
        reason_code(text)


# ---------------------------------------------------------------------------------------------------- drafts


def _draft(**overrides) -> DeclarationDraft:
    fields = {
        "digest": b"\x11" * 32,
        "hs_codes": ["8504.40", "8418 10"],
        "customs_value": 12_345_600,
        "currency": "cny",
    }
    fields.update(overrides)
    return DeclarationDraft.model_validate(fields)


def test_declaration_draft_gives_the_one_spelling_the_chain_accepts():
    assert _draft().to_chain() == (b"\x11" * 32, [b"841810", b"850440"], 12_345_600, b"CNY")


def test_declaration_draft_is_frozen_and_keeps_what_was_typed():
    draft = _draft()
    assert (draft.hs_codes, draft.currency) == (["8504.40", "8418 10"], "cny")
    with pytest.raises(ValidationError, match="frozen"):
        draft.currency = "HKD"


@pytest.mark.parametrize("value", [1, 2**128 - 1], ids=["one", "max-uint128"])
def test_declaration_draft_accepts_customs_value_in_range(value):
    assert _draft(customs_value=value).to_chain()[2] == value


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"digest": bytes(32)}, "the declaration digest is zero"),
        ({"digest": b"\x11" * 31}, "at least 32 bytes"),
        ({"digest": b"\x11" * 33}, "at most 32 bytes"),
        ({"customs_value": 0}, "greater than 0"),
        ({"customs_value": -1}, "greater than 0"),
        ({"customs_value": 2**128}, f"less than {2**128}"),
        ({"hs_codes": []}, "at least 1 item"),
        ({"hs_codes": ["8504401000"]}, NATIONAL_CODE_HINT),
        ({"hs_codes": ["850440", "990000"]}, "HS code 990000: chapter 99 does not exist"),
        ({"currency": "RMB"}, "did you mean CNY?"),
        ({"currency": "XTS"}, "currency 'XTS' is not an ISO 4217 code"),
        ({"consignee": "0x00"}, "Extra inputs are not permitted"),
    ],
    ids=[
        "zero-digest",
        "short-digest",
        "long-digest",
        "zero-value",
        "negative-value",
        "value-2**128",
        "no-codes",
        "national-code",
        "chapter-99",
        "rmb",
        "testing-currency",
        "extra-field",
    ],
)
def test_bad_declaration_draft_is_refused_before_anything_is_sent(overrides, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        _draft(**overrides)


# ---------------------------------------------------------------------------------------------------- decisions


def _decision(**overrides) -> DecisionInput:
    fields = {
        "declaration_id": b"\x01" * 32,
        "version": 1,
        "declaration_digest": b"\x02" * 32,
        "port": "CNSHK",
        "decision": Decision.APPROVE,
        "reason_code": b"",
        "officer": OFFICER,
        "nonce": 0,
        "deadline": 2**48,
    }
    fields.update(overrides)
    return DecisionInput(**fields)


def test_decision_type_spells_the_contracts_typehash():
    source = (ROOT / "contracts" / "CustomsClearance.sol").read_text()
    declaration = re.search(r"DECISION_TYPEHASH = keccak256\((.*?)\);", source, re.DOTALL)
    assert declaration, "DECISION_TYPEHASH not found in CustomsClearance.sol"
    typehash_string = "".join(re.findall(r'"([^"]*)"', declaration.group(1)))
    spelt = "Decision(" + ",".join(f"{f['type']} {f['name']}" for f in DECISION_TYPE) + ")"
    assert spelt == typehash_string


def test_decision_message_and_chain_tuple():
    decision = _decision(
        port="cn shk", decision=Decision.REJECT, reason_code=b"DOCS_MISSING", officer=OFFICER.lower(), nonce=2**64 + 1
    )
    assert decision.message() == {
        "declarationId": "0x" + "01" * 32,
        "version": 1,
        "declarationDigest": "0x" + "02" * 32,
        "port": "0x" + b"CNSHK".hex(),
        "decision": 2,
        "reasonCode": "0x" + (b"DOCS_MISSING" + bytes(20)).hex(),
        "officer": OFFICER,
        "nonce": 2**64 + 1,
        "deadline": 2**48,
    }
    assert decision.to_chain() == (
        b"\x01" * 32,
        1,
        b"\x02" * 32,
        b"CNSHK",
        2,
        b"DOCS_MISSING" + bytes(20),
        OFFICER,
        2**64 + 1,
        2**48,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"declaration_id": b"\x01" * 31}, "declaration_id must be 32 bytes, not 31"),
        ({"declaration_id": b""}, "declaration_id must be 32 bytes, not 0"),
        ({"declaration_digest": b"\x02" * 33}, "declaration_digest must be 32 bytes, not 33"),
        ({"reason_code": b"R" * 33}, "reason_code is at most 32 bytes"),
        ({"officer": "0x1234"}, "officer '0x1234' is not an Ethereum address"),
        ({"port": "CNSH1"}, "'CNSH1' is not a UN/LOCODE"),
        ({"port": "CN"}, "'CN' is not a UN/LOCODE"),
        ({"version": 0}, "version, nonce or deadline out of range"),
        ({"version": 2**32}, "version, nonce or deadline out of range"),
        ({"nonce": -1}, "version, nonce or deadline out of range"),
        ({"nonce": 2**256}, "version, nonce or deadline out of range"),
        ({"deadline": -1}, "version, nonce or deadline out of range"),
        ({"deadline": 2**256}, "version, nonce or deadline out of range"),
    ],
    ids=[
        "short-id",
        "empty-id",
        "long-digest",
        "long-reason",
        "short-officer",
        "bad-port",
        "short-port",
        "version-zero",
        "version-2**32",
        "negative-nonce",
        "nonce-2**256",
        "negative-deadline",
        "deadline-2**256",
    ],
)
def test_bad_decision_input_is_refused(overrides, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        _decision(**overrides)


def test_decision_input_refuses_an_officer_whose_eip55_checksum_is_wrong():
    """A mixed-case address carries an EIP-55 checksum so that a mistyped character is caught: here the last one."""
    typo = OFFICER[:-1] + "C"
    with pytest.raises(ValueError, match=re.escape(f"officer {typo!r}")):
        _decision(officer=typo)


@pytest.mark.parametrize(
    "officer", [OFFICER, OFFICER.lower(), "0x" + OFFICER[2:].upper()], ids=["eip55", "lower", "upper"]
)
def test_decision_input_accepts_an_officer_in_each_case_form(officer):
    assert _decision(officer=officer).to_chain()[6] == OFFICER


@pytest.mark.parametrize(
    ("field", "value"),
    [("version", 2**32 - 1), ("nonce", 2**256 - 1), ("deadline", 2**256 - 1), ("deadline", 0)],
    ids=["max-version", "max-nonce", "max-deadline", "zero-deadline"],
)
def test_decision_input_accepts_the_contracts_ranges(field, value):
    assert getattr(_decision(**{field: value}), field) == value


# ---------------------------------------------------------------------------------------------------- EIP-712 domain

NAME, VERSION, CHAIN_ID, SALT = "PortLink Customs Clearance", "1", 31337, b"\x5a" * 32


def erc5267(fields, *, salt=bytes(32), extensions=()) -> tuple:
    """What `eip712Domain()` returns, as web3/ape decode it."""
    return (fields, NAME, VERSION, CHAIN_ID, CONTRACT.lower(), salt, list(extensions))


DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


@pytest.mark.parametrize("fields", [b"\x0f", 0x0F, bytearray(b"\x0f")], ids=["bytes1", "int", "bytearray"])
def test_domain_of_an_openzeppelin_eip712_contract(fields):
    domain = Eip712Domain.from_erc5267(erc5267(fields))
    assert domain == Eip712Domain(0x0F, NAME, VERSION, CHAIN_ID, CONTRACT, bytes(32))
    assert domain.types() == DOMAIN_FIELDS
    assert domain.values() == {"name": NAME, "version": VERSION, "chainId": CHAIN_ID, "verifyingContract": CONTRACT}


def test_domain_with_a_salt():
    domain = Eip712Domain.from_erc5267(erc5267(b"\x1f", salt=SALT))
    assert domain.types() == [*DOMAIN_FIELDS, {"name": "salt", "type": "bytes32"}]
    assert domain.values() == {
        "name": NAME,
        "version": VERSION,
        "chainId": CHAIN_ID,
        "verifyingContract": CONTRACT,
        "salt": "0x" + "5a" * 32,
    }


def test_domain_lists_only_the_fields_it_has():
    domain = Eip712Domain.from_erc5267(erc5267(b"\x05", salt=SALT))  # name and chainId
    assert domain.types() == [DOMAIN_FIELDS[0], DOMAIN_FIELDS[2]]
    assert domain.values() == {"name": NAME, "chainId": CHAIN_ID}


@pytest.mark.parametrize("extensions", [[1], [0, 7]], ids=["one", "two"])
def test_domain_with_extensions_is_refused(extensions):
    message = f"EIP-712 domain extensions {extensions} are not supported"
    with pytest.raises(ValueError, match=re.escape(message)):
        Eip712Domain.from_erc5267(erc5267(b"\x0f", extensions=extensions))


@pytest.mark.parametrize(
    ("fields", "shown"), [(b"\x2f", "0x2f"), (b"\x80", "0x80"), (0x20, "0x20")], ids=["0x2f", "0x80", "int"]
)
def test_domain_with_undefined_field_bits_is_refused(fields, shown):
    with pytest.raises(
        ValueError, match=re.escape(f"EIP-712 domain fields {shown} name bits ERC-5267 does not define")
    ):
        Eip712Domain.from_erc5267(erc5267(fields))


@pytest.mark.parametrize("value", [True, "12", 12.0], ids=["bool", "string", "float"])
def test_declaration_draft_takes_the_customs_value_only_as_an_integer(value):
    with pytest.raises(ValidationError, match="customs_value"):
        _draft(customs_value=value)
