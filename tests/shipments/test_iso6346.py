"""ISO 6346 container numbers on chain (Iso6346.sol through ShipmentRegistry.register), table-driven.

An ISO 6346 number is an owner code (3 letters), an equipment category (U, J or Z), a 6-digit serial number and a
check digit: the sum of the first ten characters' values times 2^position, mod 11, mod 10 (letters A=10, B=12 ...
Z=38, skipping multiples of 11). The check digits here come from tests/shipments/conftest.py, written from the
standard; a few numbers are written out by hand so the chain is also checked against numbers not computed here.

Most checks are eth_calls of `register` (nothing is registered, and ape does not trace them), compared with the
exact revert data; the valid numbers are also registered for real in one shipment.
"""

from __future__ import annotations

import string

import pytest
from hexbytes import HexBytes
from portlink.domain.shipments import parse_container_number
from web3.exceptions import ContractCustomError

from tests.conftest import error_data, reverts
from tests.shipments.conftest import (
    CSQU,
    FAR,
    LETTER_VALUES,
    ZERO32,
    Journey,
    State,
    check_digit,
    container,
    is_valid_iso6346,
    iso6346,
    registration,
    seals,
)

# ---------------------------------------------------------------------------------------------------- tables

#: Written out by hand, not computed here: the standard's worked example and three other numbers.
LITERAL_VALID = [
    (b"CSQU3054383", "iso6346-example"),
    (b"BICU1234565", "bic-example"),
    (b"MSKU9070323", "maersk"),
    (b"TGHU7599310", "textainer-remainder-ten-reads-as-0"),
]

#: Computed with the conftest check digit: owner codes of real lines, the three categories, serial boundaries.
COMPUTED_VALID = [
    (iso6346("MSCU612345"), "msc"),
    (iso6346("MAEU123456"), "maersk-maeu"),
    (iso6346("TGHU000001"), "textainer"),
    (iso6346("CMAU493211"), "cma-cgm"),
    (iso6346("OOLU880012"), "oocl"),
    (iso6346("HLXU702255"), "hapag-lloyd"),
    (iso6346("COSU600123"), "cosco"),
    (iso6346("EGHU910002"), "evergreen"),
    (iso6346("CSQJ305438"), "category-j-detachable-equipment"),
    (iso6346("TGHZ123456"), "category-z-trailer"),
    (iso6346("MAEJ999999"), "category-j-serial-999999"),
    (iso6346("AAAZ000000"), "category-z-serial-000000"),
    (b"CSQU0000070", "remainder-ten-reads-as-0"),
    (iso6346("ZZZU999999"), "all-z"),
    (iso6346("ABCU111111"), "letters-around-the-first-skip"),
    (iso6346("KLMU111111"), "letters-around-the-second-skip"),
    (iso6346("UVWU222222"), "letters-around-the-third-skip"),
]

VALID = LITERAL_VALID + COMPUTED_VALID

#: Malformed numbers, each (where it has one) with the check digit the formula gives it: only the format is wrong.
MALFORMED = [
    (iso6346("CSQA305438"), "category-a"),
    (iso6346("CSQX305438"), "category-x"),
    (iso6346("CSQR305438"), "category-r"),
    (iso6346("CSUQ305438"), "category-letter-moved"),
    (iso6346("CSQ0305438"), "digit-as-category"),
    (iso6346("C5QU305438"), "digit-in-owner-code"),
    (iso6346("1SQU305438"), "digit-first-in-owner-code"),
    (iso6346("CS0U305438"), "digit-0-in-owner-code"),
    (iso6346("CSQU30543A"), "letter-in-serial"),
    (iso6346("CSQUA05438"), "letter-first-in-serial"),
    (b"CSQU305438A", "letter-as-check-digit"),
    (b"CSQU305438X", "x-as-check-digit"),
    (b"csqu3054383", "lowercase"),
    (b"cSQU3054383", "one-lowercase-owner-letter"),
    (b"CSQu3054383", "lowercase-category"),
    (b"CSQU 305438", "space-after-category"),
    (b"CSQU-305438", "hyphen-after-category"),
    (b"CSQU305438 ", "space-as-check-digit"),
    (b" CSQU305438", "leading-space"),
    (b"CSQU305438\x00", "nul-as-check-digit"),
    (b"\x00CSQU305438", "leading-nul"),
    (bytes(11), "zero-bytes"),
    (b"@SQU3054383", "at-sign-below-A"),
    (b"[SQU3054383", "bracket-above-Z"),
    (b"CSQU/054383", "slash-below-0"),
    (b"CSQU:054383", "colon-above-9"),
    (b"CSQU305438/", "slash-below-0-as-check-digit"),
    (b"CSQU305438:", "colon-above-9-as-check-digit"),
    (b"CSQ@3054383", "at-sign-as-category"),
    (b"\xc3SQU3054383", "non-ascii-byte"),
    (b"\xffSQU3054383", "byte-ff"),
]


def _single_digit_corruptions(good: bytes) -> list[tuple[bytes, str]]:
    text = good.decode()
    return [
        (f"{text[:i]}{digit}{text[i + 1 :]}".encode(), f"pos{i}-{text[i]}-to-{digit}")
        for i in range(4, 11)
        for digit in string.digits
        if digit != text[i]
    ]


def _adjacent_transpositions(good: bytes) -> list[tuple[bytes, str]]:
    text = good.decode()
    swaps = []
    for i in range(4, 10):
        if text[i] != text[i + 1]:
            swapped = f"{text[:i]}{text[i + 1]}{text[i]}{text[i + 2 :]}"
            swaps.append((swapped.encode(), f"swap-{i}-{i + 1}"))
    return swaps


#: Every single-digit change of CSQU3054383's serial number or check digit (6 x 9 + 9).
SINGLE_DIGIT = _single_digit_corruptions(CSQU)
#: Every swap of two adjacent, different digits of CSQU3054383's serial number and check digit.
TRANSPOSED = _adjacent_transpositions(CSQU)


def ids(table) -> list[str]:
    return [name for _, name in table]


def numbers(table) -> list[bytes]:
    return [number for number, _ in table]


def chain_accepts(chain, shipments, members, number: bytes) -> bool:
    """Whether `register` takes a shipment of the one container `number` (an eth_call: nothing is registered).

    A refusal must be exactly ShipmentInvalidContainerNumber(number).
    """
    reg = registration(members, [container(number, 20_000, seals("S1"))])
    signature = Journey(shipments, members).attest(reg, members.shipper)  # the carrier attests even a bad number
    data = shipments.register.encode_input(reg, FAR, signature)
    try:
        chain.provider.web3.eth.call({"from": members.shipper.address, "to": shipments.address, "data": data})
    except ContractCustomError as err:
        refusal = HexBytes(err.data)
    else:
        return True
    assert refusal == error_data(shipments, "ShipmentInvalidContainerNumber", number)
    return False


# ---------------------------------------------------------------------------------------------------- reference


def test_reference_letter_values_follow_the_standard():
    assert (LETTER_VALUES["A"], LETTER_VALUES["B"], LETTER_VALUES["K"], LETTER_VALUES["L"]) == (10, 12, 21, 23)
    assert (LETTER_VALUES["U"], LETTER_VALUES["V"], LETTER_VALUES["Z"]) == (32, 34, 38)
    assert not any(v % 11 == 0 for v in LETTER_VALUES.values())
    assert check_digit("CSQU305438") == 3  # the standard's worked example


@pytest.mark.parametrize("number", numbers(LITERAL_VALID), ids=ids(LITERAL_VALID))
def test_reference_check_digit_agrees_with_literal_numbers(number):
    assert is_valid_iso6346(number)


@pytest.mark.parametrize("number", numbers(SINGLE_DIGIT + TRANSPOSED), ids=ids(SINGLE_DIGIT + TRANSPOSED))
def test_reference_check_digit_catches_the_corruption(number):
    # Sanity of the tables below: with check digit 3 (remainder 3) every such corruption changes the remainder.
    assert not is_valid_iso6346(number)


# ---------------------------------------------------------------------------------------------------- valid


@pytest.mark.parametrize("number", numbers(VALID), ids=ids(VALID))
def test_chain_accepts_valid_number(chain, shipments, members, number):
    assert chain_accepts(chain, shipments, members, number)


def test_every_valid_number_registers_in_one_shipment(shipments, journey):
    boxes = [container(number, 20_000 + i, seals(f"S{i}")) for i, number in enumerate(numbers(VALID))]
    sid = journey.register(boxes)
    assert shipments.getShipment(sid).containerCount == len(VALID)
    for i, number in enumerate(numbers(VALID)):
        assert shipments.getContainer(sid, i).number == number
        assert shipments.getContainer(sid, i).state == State.REGISTERED
        assert shipments.shipmentOfContainer(number) == sid


@pytest.mark.parametrize("letter", list(string.ascii_uppercase))
def test_chain_accepts_exactly_the_standard_check_digit_for_every_owner_letter(chain, shipments, members, letter):
    # The letter in each owner-code position: a wrong letter value (e.g. not skipping 11, 22, 33) would move the
    # remainder, and the chain would accept another check digit than the standard's.
    for first_ten in (f"{letter}AAU123456", f"A{letter}AU123456", f"AA{letter}U123456"):
        accepted = [d for d in range(10) if chain_accepts(chain, shipments, members, f"{first_ten}{d}".encode())]
        assert accepted == [check_digit(first_ten)], first_ten


@pytest.mark.parametrize("category", ["U", "J", "Z"])
def test_chain_accepts_exactly_the_standard_check_digit_for_every_category(chain, shipments, members, category):
    first_ten = f"CSQ{category}305438"
    accepted = [d for d in range(10) if chain_accepts(chain, shipments, members, f"{first_ten}{d}".encode())]
    assert accepted == [check_digit(first_ten)]


# ---------------------------------------------------------------------------------------------------- invalid


@pytest.mark.parametrize("number", numbers(SINGLE_DIGIT), ids=ids(SINGLE_DIGIT))
def test_chain_refuses_single_digit_change_of_serial_or_check_digit(chain, shipments, members, number):
    assert not chain_accepts(chain, shipments, members, number)


@pytest.mark.parametrize("number", numbers(TRANSPOSED), ids=ids(TRANSPOSED))
def test_chain_refuses_transposed_digits(chain, shipments, members, number):
    assert not chain_accepts(chain, shipments, members, number)


@pytest.mark.parametrize("number", numbers(MALFORMED), ids=ids(MALFORMED))
def test_chain_refuses_malformed_number(chain, shipments, members, number):
    assert not chain_accepts(chain, shipments, members, number)


@pytest.mark.parametrize(
    "number",
    [b"CSQU3054384", b"CSQU3054833", iso6346("CSQX305438"), b"csqu3054383", iso6346("C5QU305438")],
    ids=["check-digit", "transposed", "category", "lowercase", "digit-in-owner"],
)
def test_register_transaction_reverts_with_the_invalid_number(shipments, members, number, journey):
    # The same refusal as a transaction, the bad number third among valid ones.
    boxes = [container(n) for n in numbers(LITERAL_VALID[1:3])] + [container(number, 20_000, seals("S1"))]
    with reverts(shipments.ShipmentInvalidContainerNumber, number=number):
        journey.submit(registration(members, boxes), sender=members.shipper)
    assert shipments.shipmentOfContainer(LITERAL_VALID[1][0]) == ZERO32


# ---------------------------------------------------------------------------------------------------- mirrors


TABLE = VALID + MALFORMED + SINGLE_DIGIT + TRANSPOSED


@pytest.mark.parametrize("number", numbers(TABLE), ids=ids(TABLE))
def test_python_reference_and_backend_agree_with_the_chain(chain, shipments, members, number):
    on_chain = chain_accepts(chain, shipments, members, number)
    assert is_valid_iso6346(number) == on_chain
    text = number.decode("latin-1")
    if text == text.upper() and not any(ch in text for ch in " -/\t"):  # nothing for the backend to normalise
        try:
            parsed = parse_container_number(text)
        except ValueError:
            assert not on_chain
        else:
            assert on_chain
            assert parsed == number
