"""Vessel-call vocabulary checked before anything is sent: IMO numbers with their check digit, voyage numbers,
service codes, booking references and vessel names, as TransportCallRegistry checks them."""

from __future__ import annotations

import pytest
from portlink.domain.vessels import (
    CallDraft,
    check_vessel_name,
    imo_check_digit,
    normalise_booking,
    normalise_service_code,
    normalise_voyage,
    parse_imo_number,
)


@pytest.mark.parametrize("given", ["9321483", "IMO 9321483", "imo9321483", 9321483, " 9321483 "])
def test_an_imo_number_in_the_ways_people_write_it(given):
    assert parse_imo_number(given) == 9321483


def test_the_check_digit_is_the_weighted_sum_modulo_ten():
    # 9*7 + 3*6 + 2*5 + 1*4 + 4*3 + 8*2 = 123
    assert imo_check_digit("932148") == 3
    assert imo_check_digit("907472") == 9


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("9321484", "check digit should be 3, not 4"),
        ("932148", "seven digits"),
        ("93214830", "seven digits"),
        ("0321483", "seven digits"),
        ("IMO-9321483", "seven digits"),
    ],
)
def test_a_wrong_imo_number_is_named(given, message):
    with pytest.raises(ValueError, match=message):
        parse_imo_number(given)


def test_voyages_services_and_bookings_have_one_spelling():
    assert normalise_voyage(" 2103s ") == "2103S"
    assert normalise_voyage("V-" * 25) == "V-" * 25
    assert normalise_service_code("fe1") == "FE1"
    assert normalise_booking("abc-709 951") == "ABC709951"
    for bad, parse in (("", normalise_voyage), ("V" * 51, normalise_voyage), ("2103/S", normalise_voyage)):
        with pytest.raises(ValueError, match="voyage number"):
            parse(bad)
    with pytest.raises(ValueError, match="service code"):
        normalise_service_code("FE-1")
    with pytest.raises(ValueError, match="booking reference"):
        normalise_booking("B" * 36)
    with pytest.raises(ValueError, match="vessel name"):
        check_vessel_name("K\u00f6nig")


def test_a_call_draft_is_checked_whole_and_has_the_chains_shape():
    draft = CallDraft(9321483, "CNSHK", "2103S", carrier_service_code="FE1", vessel_name="KING OF THE SEAS")
    assert draft.to_chain() == (9321483, b"CNSHK", 1, "FE1", "2103S", "", "KING OF THE SEAS")
    with pytest.raises(ValueError, match="sequence number"):
        CallDraft(9321483, "CNSHK", "2103S", sequence_number=0)
    with pytest.raises(ValueError, match="check digit"):
        CallDraft(9321484, "CNSHK", "2103S")
