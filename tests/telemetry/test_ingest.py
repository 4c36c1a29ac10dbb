"""The telemetry ingest service against the real IoTMonitor on Anvil: it accepts what the chain would accept,
refuses what the chain would refuse (for the same reason), warns on breaches at once, and its batches and
breaches are taken by the chain as they are."""

from __future__ import annotations

import dataclasses

import pytest
from eth_utils.crypto import keccak
from portlink.chain.client import NodeAccountSigner
from portlink.chain.iot import IoTMonitorClient
from portlink.domain.eip712 import SECP256K1_N
from portlink.domain.iot import DeviceKind, Rule
from portlink.telemetry.ingest import Refusal, SignedReading, TelemetryIngestor, TelemetryWarning

from tests.conftest import reverts
from tests.iot.conftest import NOW, REEFER_RULES
from tests.shipments.conftest import MSCU, container, pool_number

#: The IoTMonitor error a breach post reverts with, for each refusal of the ingest service.
CHAIN_ERROR = {
    Refusal.UNKNOWN_DEVICE: "IoTUnknownDevice",
    Refusal.REVOKED_DEVICE: "IoTDeviceRevoked",
    Refusal.NOT_DEVICE_GATEWAY: "IoTNotDeviceGateway",
    Refusal.UNBOUND_DEVICE: "IoTDeviceUnbound",
    Refusal.GATEWAY_NOT_AUTHORISED: "IoTGatewayNotAuthorised",
    Refusal.READING_MISMATCH: "IoTReadingMismatch",
    Refusal.STALE_SEQUENCE: "IoTStaleSequence",
    Refusal.FUTURE_READING: "IoTFutureReading",
    Refusal.READING_OUTSIDE_BINDING: "IoTReadingOutsideBinding",
    Refusal.INVALID_SIGNATURE: "IoTInvalidSignature",
}


@pytest.fixture
def monitor(chain, deployment) -> IoTMonitorClient:
    return IoTMonitorClient(chain.provider.web3, deployment.manifest, deployment.manifest_path)


@pytest.fixture
def ingestor(monitor, chain) -> TelemetryIngestor:
    # No caching: every test changes devices and rules on chain between readings.
    return TelemetryIngestor(monitor, monitor.domain(), refresh_seconds=0, clock=lambda: chain.pending_timestamp)


def signed(device, reading, signature=None) -> SignedReading:
    return SignedReading(reading, device.sign(reading) if signature is None else signature)


def test_reefer_drifting_out_of_range_warns_at_once_and_the_chain_takes_batch_and_breach(
    iot, field, ingestor, monitor, members
):
    sid, reefer = field.watched(DeviceKind.TEMPERATURE)
    warnings: list[TelemetryWarning] = []
    ingestor.on_warning(warnings.append)
    gateway = members.iot_gateway.address

    readings = [reefer.reading(value) for value in (500, 650, 790, 930, 880)]
    outcomes = ingestor.ingest(gateway, [signed(reefer, r) for r in readings])

    assert [o.accepted for o in outcomes] == [True] * 5
    assert [o.breach for o in outcomes] == [Rule.NONE, Rule.NONE, Rule.NONE, Rule.TEMPERATURE, Rule.TEMPERATURE]
    assert [(w.shipment_id, w.device_id, w.rule, w.value) for w in warnings] == [
        (sid, reefer.id, Rule.TEMPERATURE, 930),
        (sid, reefer.id, Rule.TEMPERATURE, 880),
    ]

    # The batch: every reading provably in the root the chain now holds.
    batch = ingestor.seal(gateway)
    assert batch is not None
    assert batch.count == 5
    assert ingestor.seal(gateway) is None
    batch_id, _ = monitor.anchor_batch(NodeAccountSigner(gateway), batch.root, batch.count)
    for item, proof in zip(batch.readings, batch.proofs, strict=True):
        assert iot.verifyInclusion(batch_id, item.reading.to_chain(), list(proof))

    # The breaches: posted as they came, each an alert holding the shipment.
    breaches = ingestor.take_breaches(gateway)
    assert [b.reading for b in breaches] == readings[3:]
    assert ingestor.take_breaches(gateway) == []
    alerts = [monitor.report_breach(NodeAccountSigner(gateway), b.reading, b.signature)[0] for b in breaches]
    assert alerts == [1, 2]
    assert iot.openAlerts(sid) == 2


def refused_cases(field, iot, members, chain):
    """(name, device, signed reading, expected refusal), each set up on chain; every reading breaks a rule."""
    gateway = members.iot_gateway
    _, reefer = field.watched(DeviceKind.TEMPERATURE)
    cases = []

    stranger = field.device(register=False)
    cases.append(("unknown device", stranger, signed(stranger, stranger.reading(1_000)), Refusal.UNKNOWN_DEVICE))

    revoked = field.device()
    field.bind(revoked, field.journey.shipments.shipmentOfContainer(reefer.container.encode()))
    iot.revokeDevice(revoked.id, sender=gateway)
    cases.append(("revoked device", revoked, signed(revoked, revoked.reading(1_000)), Refusal.REVOKED_DEVICE))

    unbound = field.device()
    cases.append(("unbound device", unbound, signed(unbound, unbound.reading(1_000)), Refusal.UNBOUND_DEVICE))

    withdrawn = field.device()
    other = field.journey.register(containers=[container(pool_number(77))], reference="SHK2026000077")
    iot.setRules(other, REEFER_RULES.to_chain(), sender=members.shipper)
    field.bind(withdrawn, other)
    iot.authoriseGateway(other, gateway, False, sender=members.shipper)
    item = signed(withdrawn, withdrawn.reading(1_000))
    cases.append(("gateway no longer authorised", withdrawn, item, Refusal.GATEWAY_NOT_AUTHORISED))

    other_box = reefer.reading(1_000, container=MSCU.decode())
    cases.append(("another container", reefer, signed(reefer, other_box), Refusal.READING_MISMATCH))
    as_shock = reefer.reading(9_000, kind=DeviceKind.SHOCK)
    cases.append(("another kind", reefer, signed(reefer, as_shock), Refusal.READING_MISMATCH))

    ahead = reefer.reading(1_000, timestamp=chain.pending_timestamp + 3_600)
    cases.append(("from the future", reefer, signed(reefer, ahead), Refusal.FUTURE_READING))
    before = reefer.reading(1_000, timestamp=reefer.timestamp - 1)
    cases.append(("before its binding", reefer, signed(reefer, before), Refusal.READING_OUTSIDE_BINDING))
    ancient = reefer.reading(2_500, timestamp=NOW)
    cases.append(("before the shipment existed", reefer, signed(reefer, ancient), Refusal.READING_OUTSIDE_BINDING))

    forged = reefer.reading(1_000)
    cases.append(
        (
            "another key",
            reefer,
            signed(reefer, forged, reefer.sign(forged, key=keccak(b"clone"))),
            Refusal.INVALID_SIGNATURE,
        )
    )
    good = reefer.reading(1_000)
    sig = reefer.sign(good)
    s = int.from_bytes(sig[32:64], "big")
    twin = sig[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([sig[64] ^ 1])
    cases.append(("malleable twin", reefer, SignedReading(good, twin), Refusal.INVALID_SIGNATURE))
    cases.append(("64-byte signature", reefer, SignedReading(good, sig[:64]), Refusal.INVALID_SIGNATURE))
    return reefer, cases


def test_each_refusal_is_the_chains_refusal_of_the_same_reading(field, iot, ingestor, members, chain):
    _, cases = refused_cases(field, iot, members, chain)
    outcomes = ingestor.ingest(members.iot_gateway.address, [case[2] for case in cases])
    for (name, _device, item, refusal), outcome in zip(cases, outcomes, strict=True):
        assert outcome.refusal == refusal, f"{name}: {outcome}"
        assert outcome.detail, name
        error = getattr(iot, CHAIN_ERROR[refusal])
        with pytest.raises(error):
            iot.reportBreach(item.reading.to_chain(), item.signature, sender=members.iot_gateway)
    assert ingestor.seal(members.iot_gateway.address) is None  # nothing refused is batched


def test_reading_relayed_by_another_gateway_is_refused_as_on_chain(field, iot, ingestor, members, admit):
    from portlink.domain.consortium import Role

    admit("proposeMember", members.newcomer, "Shunde Reefer Telemetry", "SRT", Role.IOT_GATEWAY.id, bytes(5))
    _, reefer = field.watched()
    item = signed(reefer, reefer.reading(1_000))
    [outcome] = ingestor.ingest(members.newcomer.address, [item])
    assert outcome.refusal == Refusal.NOT_DEVICE_GATEWAY
    with reverts(iot.IoTNotDeviceGateway, deviceId=reefer.id, account=members.newcomer.address):
        iot.reportBreach(item.reading.to_chain(), item.signature, sender=members.newcomer)


def test_replays_and_out_of_order_readings_are_refused_within_a_batch_and_against_the_chain(
    field, ingestor, monitor, members
):
    _, reefer = field.watched()
    gateway = members.iot_gateway.address
    first, second, third = (reefer.reading(v) for v in (500, 1_000, 600))
    outcomes = ingestor.ingest(gateway, [signed(reefer, r) for r in (first, second, first, third, second)])
    assert [o.refusal for o in outcomes] == [None, None, Refusal.STALE_SEQUENCE, None, Refusal.STALE_SEQUENCE]

    # A fresh service (a restart) starts from the chain's last accepted breach.
    monitor.report_breach(NodeAccountSigner(gateway), second, reefer.sign(second))
    restarted = TelemetryIngestor(monitor, monitor.domain(), refresh_seconds=0)
    [outcome] = restarted.ingest(gateway, [signed(reefer, first)])
    assert outcome.refusal == Refusal.STALE_SEQUENCE


def test_rules_changed_on_chain_apply_to_the_next_readings(field, iot, ingestor, members):
    sid, reefer = field.watched()
    gateway = members.iot_gateway.address
    [outcome] = ingestor.ingest(gateway, [signed(reefer, reefer.reading(1_000))])
    assert outcome.breach == Rule.TEMPERATURE
    deep_frozen = dataclasses.replace(REEFER_RULES, min_temperature=-2_500, max_temperature=1_500)
    iot.setRules(sid, deep_frozen.to_chain(), sender=members.shekou_customs)
    [outcome] = ingestor.ingest(gateway, [signed(reefer, reefer.reading(1_000))])
    assert (outcome.accepted, outcome.breach) == (True, Rule.NONE)


def test_ingest_digest_is_the_monitors(iot, field, ingestor):
    reading = field.device().reading(-1_850, timestamp=NOW)
    assert ingestor.digest(reading) == bytes(iot.readingDigest(reading.to_chain()))


def test_readings_accepted_but_not_anchored_can_be_sent_again(field, ingestor, members):
    """If the batch cannot be anchored, the service restores the checkpoint: nothing of it counts as accepted."""
    _, reefer = field.watched()
    gateway = members.iot_gateway.address
    items = [signed(reefer, reefer.reading(v)) for v in (500, 1_000)]
    checkpoint = ingestor.checkpoint()
    assert all(o.accepted for o in ingestor.ingest(gateway, items))
    ingestor.restore(gateway, checkpoint)
    assert ingestor.seal(gateway) is None
    assert ingestor.take_breaches(gateway) == []
    assert all(o.accepted for o in ingestor.ingest(gateway, items)), "the same readings are not stale after a restore"


class _Keystore:
    def signer_for(self, member):
        return member


class _UnreachableChain:
    """An operation service whose node stopped answering after the gateway's key was found."""

    signers = _Keystore()

    def submit(self, *args, **kwargs):
        from portlink.errors import ChainUnavailableError

        raise ChainUnavailableError("no JSON-RPC node answers")


def test_service_gives_back_a_batch_it_could_not_anchor(field, ingestor, members):
    from portlink.errors import ChainUnavailableError
    from portlink.services.telemetry import TelemetryService, WarningHub

    _, reefer = field.watched()
    gateway = members.iot_gateway.address
    service = TelemetryService(ingestor, _UnreachableChain(), WarningHub())
    items = [signed(reefer, reefer.reading(v)) for v in (500, 600)]
    with pytest.raises(ChainUnavailableError):
        service.ingest(gateway, items)
    assert all(o.accepted for o in ingestor.ingest(gateway, items)), "the readings may be sent again"
