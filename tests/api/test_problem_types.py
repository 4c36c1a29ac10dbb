"""Problem types and statuses are derived from the contracts' custom errors (no hand-written list)."""

from __future__ import annotations

import pytest
from portlink.services.contracts import ErrorType


@pytest.mark.parametrize(
    ("name", "problem_type", "status"),
    [
        ("EscrowShipmentAlreadyFinanced", "/problems/shipment-already-financed", 409),
        ("ShipmentAlreadyRegistered", "/problems/shipment-already-registered", 409),
        ("ShipmentUnknown", "/problems/shipment-unknown", 404),
        ("TransportCallUnknown", "/problems/transport-call-unknown", 404),
        ("TransportCallNotShipmentCarrier", "/problems/transport-call-not-shipment-carrier", 403),
        ("TransportCallAssignmentClosed", "/problems/transport-call-assignment-closed", 409),
        ("TransportCallInvalidVessel", "/problems/transport-call-invalid-vessel", 422),
        ("ClearanceUnknownDeclaration", "/problems/unknown-declaration", 404),
        ("ClearanceUnauthorized", "/problems/unauthorized", 403),
        ("EscrowNotFinancier", "/problems/not-financier", 403),
        ("ClearanceOnHold", "/problems/on-hold", 409),
        ("ClearanceStaleVersion", "/problems/stale-version", 409),
        ("EscrowNotCleared", "/problems/not-cleared", 409),
        ("ClearanceInvalidHsCode", "/problems/invalid-hs-code", 422),
        ("ShipmentInvalidContainerNumber", "/problems/shipment-invalid-container-number", 422),
        ("IoTInvalidSignature", "/problems/invalid-signature", 422),
        ("ERC20InsufficientBalance", "/problems/erc20-insufficient-balance", 422),
    ],
    ids=lambda v: v if isinstance(v, str) and not v.startswith("/") else None,
)
def test_a_custom_error_maps_to_a_stable_problem(name, problem_type, status):
    error = ErrorType("AnyContract", name, ())
    assert (error.problem_type, error.status) == (problem_type, status)


def test_every_error_of_the_deployed_contracts_has_a_problem_type(api):
    types = api.runtime.contracts.problem_types()
    assert len(types) >= 90
    for problem_type, (status, names) in types.items():
        assert problem_type.startswith("/problems/")
        assert status in (403, 404, 409, 422), (problem_type, names)
