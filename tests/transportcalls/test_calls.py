"""TransportCallRegistry: carriers record vessel calls (IMO number with its check digit, voyages, service, port,
sequence), assign their shipments to the call at the shipment's origin or destination (and move them to another
call until the vessel has left or arrived), and record their booking reference of a shipment. Every custom error
with its arguments; the shipment registry is only read."""

from __future__ import annotations

import pytest
from portlink.domain.consortium import Role
from portlink.domain.vessels import CallDraft
from portlink.domain.vessels import call_id_of as backend_call_id

from tests.conftest import HONG_KONG, NO_PORT, SHEKOU, SHUNDE, reverts
from tests.shipments.conftest import State, ev, logs
from tests.transportcalls.conftest import IMO, SERVICE, VOYAGE, call_id_of, call_input, imo_number

ZERO32 = bytes(32)
SUSPENSION_REASON = b"\x05" * 32


# ---------------------------------------------------------------------------------------------------- IMO numbers


@pytest.mark.parametrize("first_six", [100_000, 932_148, 987_654, 999_999, 123_456])
def test_imo_numbers_with_a_correct_check_digit_are_accepted(calls, record, first_six):
    imo = imo_number(first_six)
    call_id = record(imo=imo)
    assert calls.getCall(call_id).vesselIMONumber == imo


@pytest.mark.parametrize(
    "imo",
    [
        IMO + 1,  # wrong check digit
        IMO - 3 + 9,  # wrong check digit
        932_148,  # six digits
        93_214_830,  # eight digits
        0,
        1_000_001,  # 100000's check digit is 7
    ],
)
def test_a_number_that_is_not_an_imo_number_reverts(calls, members, imo):
    with reverts(calls.TransportCallInvalidVessel, vesselIMONumber=imo):
        calls.recordCall(call_input(imo=imo), sender=members.carrier)


def test_the_python_reference_agrees_with_the_standard_example():
    assert imo_number(932_148) == 9_321_483


# ---------------------------------------------------------------------------------------------------- recording


def test_a_carrier_records_a_call(calls, members):
    receipt = calls.recordCall(call_input(import_voyage="2102N", name="KING OF THE SEAS"), sender=members.carrier)
    call_id = call_id_of(members.carrier, IMO, VOYAGE, SHEKOU, 1)
    assert bytes(receipt.return_value) == call_id
    backend = CallDraft(IMO, "CNSHK", VOYAGE, import_voyage_number="2102N", carrier_service_code="FE1")
    assert backend_call_id(members.carrier.address, backend) == "0x" + call_id.hex()
    assert bytes(calls.callIdOf(members.carrier, IMO, VOYAGE, SHEKOU, 1)) == call_id
    assert logs(receipt) == [
        ev(
            calls,
            "TransportCallRecorded",
            callId=call_id,
            carrier=members.carrier.address,
            vesselIMONumber=IMO,
            port=SHEKOU,
            sequenceNumber=1,
            carrierServiceCode=SERVICE,
            exportVoyageNumber=VOYAGE,
            importVoyageNumber="2102N",
            vesselName="KING OF THE SEAS",
        )
    ]
    stored = calls.getCall(call_id)
    assert (stored.carrier, stored.vesselIMONumber, bytes(stored.port), stored.sequenceNumber) == (
        members.carrier.address,
        IMO,
        SHEKOU,
        1,
    )
    assert stored.recordedAt > 0


def test_a_call_without_service_import_voyage_or_vessel_name_is_recorded(calls, record):
    call_id = record(service="", import_voyage="", name="")
    assert calls.getCall(call_id).vesselIMONumber == IMO


def test_the_same_call_twice_reverts_but_another_sequence_is_another_call(calls, record, members):
    first = record()
    with reverts(calls.TransportCallAlreadyRecorded, callId=first):
        calls.recordCall(call_input(service="OTHER"), sender=members.carrier)
    second = record(sequence=2)
    assert second != first


@pytest.mark.parametrize("who", ["shipper", "shekou_terminal", "outsider"])
def test_only_a_carrier_records_calls(calls, members, who):
    sender = getattr(members, who)
    with reverts(calls.TransportCallUnauthorized, account=sender.address, role=Role.CARRIER.id):
        calls.recordCall(call_input(), sender=sender)


@pytest.mark.parametrize("how", ["revoked", "suspended"])
def test_a_carrier_that_lost_its_role_records_nothing(calls, members, admit, how):
    if how == "revoked":
        admit("proposeRoleRevoke", members.carrier, Role.CARRIER.id, NO_PORT)
    else:
        admit("proposeSuspension", members.carrier, SUSPENSION_REASON)
    with reverts(calls.TransportCallUnauthorized, account=members.carrier.address, role=Role.CARRIER.id):
        calls.recordCall(call_input(), sender=members.carrier)


@pytest.mark.parametrize("port", [HONG_KONG, NO_PORT, b"cnshk"])
def test_a_call_at_a_port_that_is_not_a_consortium_port_reverts(calls, members, port):
    with reverts(calls.TransportCallUnknownPort, port=port):
        calls.recordCall(call_input(port=port), sender=members.carrier)


def test_sequence_numbers_start_at_one(calls, members):
    with reverts(calls.TransportCallInvalidSequence, sequenceNumber=0):
        calls.recordCall(call_input(sequence=0), sender=members.carrier)


@pytest.mark.parametrize("service", ["fe1", "FE-1", "FE 1", "FE1234", "F\0E"])
def test_a_malformed_service_code_reverts(calls, members, service):
    with reverts(calls.TransportCallInvalidService, carrierServiceCode=service):
        calls.recordCall(call_input(service=service), sender=members.carrier)


@pytest.mark.parametrize("voyage", ["", "2103s", "2103 S", "V" * 51, "2103/S"])
def test_a_malformed_export_voyage_reverts(calls, members, voyage):
    with reverts(calls.TransportCallInvalidVoyage, voyageNumber=voyage):
        calls.recordCall(call_input(export_voyage=voyage), sender=members.carrier)


def test_a_malformed_import_voyage_reverts_and_the_longest_valid_voyages_pass(calls, members, record):
    with reverts(calls.TransportCallInvalidVoyage, voyageNumber="2102n"):
        calls.recordCall(call_input(import_voyage="2102n"), sender=members.carrier)
    record(export_voyage="V-" * 25, import_voyage="N" * 50)


@pytest.mark.parametrize("name", ["X" * 36, "KING\nOF THE SEAS", "K\u00f6nig"])
def test_a_malformed_vessel_name_reverts(calls, members, name):
    with reverts(calls.TransportCallInvalidVesselName, vesselName=name):
        calls.recordCall(call_input(name=name), sender=members.carrier)


# ---------------------------------------------------------------------------------------------------- assigning


def test_the_carrier_assigns_a_shipment_to_its_calls_at_origin_and_destination(calls, record, journey, members):
    sid = journey.register()
    export_call = record(port=SHEKOU)
    import_call = record(port=SHUNDE, import_voyage="2103N")
    receipt = calls.assignShipment(export_call, sid, sender=members.carrier)
    assert logs(receipt) == [
        ev(
            calls,
            "ShipmentAssigned",
            callId=export_call,
            shipmentId=sid,
            carrier=members.carrier.address,
            port=SHEKOU,
            previousCallId=ZERO32,
        )
    ]
    calls.assignShipment(import_call, sid, sender=members.carrier)
    assert bytes(calls.callOf(sid, SHEKOU)) == export_call
    assert bytes(calls.callOf(sid, SHUNDE)) == import_call


def test_a_rollover_moves_the_shipment_to_another_call_until_the_vessel_leaves(calls, record, journey, members):
    sid = journey.register()
    first, second = record(), record(export_voyage="2104S")
    calls.assignShipment(first, sid, sender=members.carrier)
    journey.advance(sid, State.LOADED)
    receipt = calls.assignShipment(second, sid, sender=members.carrier)
    assert logs(receipt)[0][2]["previousCallId"] == first
    with reverts(calls.TransportCallAlreadyAssigned, shipmentId=sid, callId=second):
        calls.assignShipment(second, sid, sender=members.carrier)
    journey.advance(sid, State.DEPARTED)
    with reverts(calls.TransportCallAssignmentClosed, shipmentId=sid, port=SHEKOU, state=State.DEPARTED):
        calls.assignShipment(first, sid, sender=members.carrier)
    assert bytes(calls.callOf(sid, SHEKOU)) == second


def test_the_destination_call_is_open_until_the_vessel_arrives(calls, record, journey, members):
    sid = journey.register()
    destination = record(port=SHUNDE)
    journey.advance(sid, State.DEPARTED)
    calls.assignShipment(destination, sid, sender=members.carrier)
    journey.advance(sid, State.ARRIVED)
    later = record(port=SHUNDE, sequence=2)
    with reverts(calls.TransportCallAssignmentClosed, shipmentId=sid, port=SHUNDE, state=State.ARRIVED):
        calls.assignShipment(later, sid, sender=members.carrier)


def test_a_call_at_a_port_off_the_shipments_route_reverts(calls, record, journey, members, three_ports):
    sid = journey.register()
    hong_kong = record(port=HONG_KONG)
    with reverts(calls.TransportCallPortNotOnRoute, shipmentId=sid, port=HONG_KONG):
        calls.assignShipment(hong_kong, sid, sender=members.carrier)


def test_assigning_to_an_unknown_call_or_shipment_reverts(calls, record, journey, members):
    sid = journey.register()
    unknown = b"\x07" * 32
    with reverts(calls.TransportCallUnknown, callId=unknown):
        calls.assignShipment(unknown, sid, sender=members.carrier)
    with reverts(calls.TransportCallUnknownShipment, shipmentId=unknown):
        calls.assignShipment(record(), unknown, sender=members.carrier)


def test_only_the_calls_carrier_assigns_and_only_its_own_shipments(calls, record, journey, members, admit):
    admit("proposeMember", members.newcomer, "Carrier 2", "C2", Role.CARRIER.id, NO_PORT)
    sid = journey.register()
    mine = record()
    with reverts(calls.TransportCallNotCallCarrier, callId=mine, account=members.newcomer.address):
        calls.assignShipment(mine, sid, sender=members.newcomer)
    theirs = record(sender=members.newcomer)
    with reverts(calls.TransportCallNotShipmentCarrier, shipmentId=sid, account=members.newcomer.address):
        calls.assignShipment(theirs, sid, sender=members.newcomer)


def test_a_suspended_carrier_assigns_nothing(calls, record, journey, members, admit):
    sid = journey.register()
    call_id = record()
    admit("proposeSuspension", members.carrier, SUSPENSION_REASON)
    with reverts(calls.TransportCallUnauthorized, account=members.carrier.address, role=Role.CARRIER.id):
        calls.assignShipment(call_id, sid, sender=members.carrier)


# ---------------------------------------------------------------------------------------------------- bookings


def test_the_carrier_records_its_booking_reference_once(calls, journey, members):
    sid = journey.register()
    receipt = calls.recordBooking(sid, "ABC709951", sender=members.carrier)
    assert logs(receipt) == [
        ev(
            calls,
            "BookingRecorded",
            shipmentId=sid,
            carrier=members.carrier.address,
            carrierBookingReference="ABC709951",
        )
    ]
    assert calls.bookingOf(sid) == "ABC709951"
    with reverts(calls.TransportCallBookingAlreadyRecorded, shipmentId=sid):
        calls.recordBooking(sid, "ABC709952", sender=members.carrier)


@pytest.mark.parametrize("reference", ["", "abc709951", "ABC-709951", "B" * 36])
def test_a_malformed_booking_reference_reverts(calls, journey, members, reference):
    sid = journey.register()
    with reverts(calls.TransportCallInvalidBooking, carrierBookingReference=reference):
        calls.recordBooking(sid, reference, sender=members.carrier)


def test_only_the_shipments_carrier_records_its_booking(calls, journey, members):
    sid = journey.register()
    with reverts(calls.TransportCallNotShipmentCarrier, shipmentId=sid, account=members.shipper.address):
        calls.recordBooking(sid, "ABC709951", sender=members.shipper)
    unknown = b"\x09" * 32
    with reverts(calls.TransportCallUnknownShipment, shipmentId=unknown):
        calls.recordBooking(unknown, "ABC709951", sender=members.carrier)


def test_the_registry_reads_the_deployments_shipment_registry(calls, shipments):
    assert calls.shipments() == shipments.address
