"""Projections of the transport call registry's events: vessel calls, the call each shipment sails on at its
origin and destination, and the carrier's booking reference of a shipment."""

from __future__ import annotations

from portlink.indexer.projections.base import Event, Projector, handles
from portlink.manifest import TRANSPORT_CALLS
from portlink.store import schema


@handles(TRANSPORT_CALLS, "TransportCallRecorded")
def _call_recorded(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.transport_calls,
        call_id=a["callId"],
        carrier=a["carrier"],
        vessel_imo_number=f"{int(a['vesselIMONumber']):07d}",
        vessel_name=a["vesselName"] or None,
        port=a["port"],
        sequence_number=int(a["sequenceNumber"]),
        carrier_service_code=a["carrierServiceCode"] or None,
        export_voyage_number=a["exportVoyageNumber"],
        import_voyage_number=a["importVoyageNumber"] or None,
        recorded_transaction=e.transaction_hash,
        recorded_at=e.block_timestamp,
    )


@handles(TRANSPORT_CALLS, "ShipmentAssigned")
def _shipment_assigned(p: Projector, e: Event) -> None:
    a = e.args
    p.put(schema.shipment_calls, shipment_id=a["shipmentId"], port=a["port"], call_id=a["callId"])


@handles(TRANSPORT_CALLS, "BookingRecorded")
def _booking_recorded(p: Projector, e: Event) -> None:
    a = e.args
    p.put(schema.shipment_bookings, shipment_id=a["shipmentId"], carrier_booking_reference=a["carrierBookingReference"])
