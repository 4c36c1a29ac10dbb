"""What the backend validates registers on chain as is, and the ids agree."""

from __future__ import annotations

from portlink.domain.shipments import RegistrationDraft
from portlink.manifest import SHIPMENTS


def test_backend_draft_registers_on_chain_with_the_id_it_predicts(project, deployment, members, journey):
    shipments = project.ShipmentRegistry.at(deployment.manifest.contract(SHIPMENTS).address)
    draft = RegistrationDraft.model_validate(
        {
            "consignee": members.consignee.address,
            "carrier": members.carrier.address.lower(),
            "origin_port": "CN SHK",
            "destination_port": "cnsud",
            "transport_document": "prfl-2026/0001",
            "documents_digest": b"\x22" * 32,
            "containers": [
                {"number": "CSQU 305438 3", "declared_gross_kg": 21_500, "seals": ["cs-00017", "AB 12"]},
            ],
        }
    )
    receipt = journey.submit(draft.to_chain(), sender=members.shipper)
    [event] = receipt.events.filter(shipments.ShipmentRegistered)
    assert bytes(event.shipmentId) == draft.shipment_id
    assert event.transportDocumentReference == "PRFL20260001"
    assert bytes(shipments.shipmentOfContainer(b"CSQU3054383")) == draft.shipment_id
