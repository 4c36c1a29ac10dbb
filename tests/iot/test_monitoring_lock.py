"""The monitoring lock (issue #16, 4): while a shipment's declaration is open or a financing of it is active, its
rules and gateway authorisations may be tightened by the shipper, customs or the financier, but loosened only by
customs (or, with no declaration open, by the financing's financier); every loosening is recorded by
`MonitoringLoosened`. So the party a release pays can no longer switch the monitoring off under a financing."""

from __future__ import annotations

import dataclasses

import pytest
from portlink.domain.consortium import Role
from portlink.domain.customs import Decision
from portlink.domain.iot import DeviceKind, Rule, Rules, loosens

from tests.conftest import NO_PORT, SHEKOU, reverts
from tests.customs.conftest import REASON
from tests.escrow.conftest import Condition, State, bank, escrow, hkd  # noqa: F401 - fixtures
from tests.iot.conftest import REEFER_RULES, rules_set
from tests.shipments.conftest import ev, logs

NO_FINANCING = 0


def loosened(iot, sid, by, declaration_open: bool, financing_id: int) -> tuple:
    return ev(
        iot,
        "MonitoringLoosened",
        shipmentId=sid,
        loosenedBy=by.address,
        declarationOpen=declaration_open,
        financingId=financing_id,
    )


OFF = Rules()


def locked(iot, sid, account, declaration_open: bool, financing_id: int):
    """`reverts` for a loosening refused under the shipment's locks."""
    return reverts(
        iot.IoTMonitoringLocked,
        shipmentId=sid,
        account=account.address,
        declarationOpen=declaration_open,
        financingId=financing_id,
    )


def funded_before_filing(bank, iot, members, **terms) -> tuple[int, bytes]:  # noqa: F811 - not the fixture
    """A shipment with the reefer rules and no declaration, and a financing of it funded: (id, shipment id)."""
    sid = bank.shipment(filed=False)
    iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.shipper)
    fid = bank.request(sid)
    bank.offer(fid, **terms)
    bank.accept(fid)
    bank.fund(fid)
    return fid, sid


# ---------------------------------------------------------------------------------------------------- the attack


@pytest.mark.parametrize("how", ["rules", "gateway"])
def test_shipper_cannot_switch_the_monitoring_off_under_a_funded_financing(
    bank,  # noqa: F811 - fixture
    escrow,  # noqa: F811 - fixture
    iot,
    field,
    members,
    how,
):
    """The issue's attack: financed on export approval, the shipper disables the rules (or de-authorises the
    gateway) so that a genuine broken-seal reading is refused and `release` pays out. Both are refused now, and the
    broken seal holds the money."""
    fid, sid = bank.financing(State.FUNDED, condition=Condition.EXPORT_APPROVED)
    iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.shekou_customs)  # set while locked: tightening
    seal = field.device(DeviceKind.SEAL)
    field.bind(seal, sid)
    bank.approve_export(sid)
    assert escrow.conditionMet(fid)

    with locked(iot, sid, members.shipper, True, fid):
        if how == "rules":
            iot.setRules(sid, OFF.to_chain(), sender=members.shipper)
        else:
            iot.authoriseGateway(sid, field.gateway, False, sender=members.shipper)

    field.report(seal, seal.reading(0))  # the seal is broken: the alert is raised
    with reverts(escrow.EscrowAlertsOpen, financingId=fid, openAlerts=1):
        escrow.release(fid, sender=members.outsider)


def test_financing_alone_locks_the_monitoring_against_the_shipper(bank, iot, members):  # noqa: F811
    """Funded before any declaration is filed: the financing is the only lock, and the shipper is refused."""
    fid, sid = funded_before_filing(bank, iot, members)
    assert iot.monitoringLock(sid) == (False, fid, members.financier.address)
    with locked(iot, sid, members.shipper, False, fid):
        iot.setRules(sid, OFF.to_chain(), sender=members.shipper)


def test_financier_may_loosen_for_its_financing_and_it_is_recorded(bank, iot, field, members):  # noqa: F811
    fid, sid = funded_before_filing(bank, iot, members)
    field.bind(field.device(), sid)  # authorises the gateway (tightening: the shipper may)
    warmer = dataclasses.replace(REEFER_RULES, max_temperature=1_000)

    receipt = iot.setRules(sid, warmer.to_chain(), sender=members.financier)
    assert logs(receipt) == [
        rules_set(iot, sid, members.financier, warmer),
        loosened(iot, sid, members.financier, False, fid),
    ]
    receipt = iot.authoriseGateway(sid, field.gateway, False, sender=members.financier)
    assert logs(receipt)[1] == loosened(iot, sid, members.financier, False, fid)


def test_with_the_declaration_open_only_customs_may_loosen(bank, iot, desk, members):  # noqa: F811
    fid, sid = bank.financing(State.FUNDED)
    iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.shipper)
    with locked(iot, sid, members.financier, True, fid):
        iot.setRules(sid, OFF.to_chain(), sender=members.financier)
    for officer in (members.shekou_customs, members.shunde_customs):
        receipt = iot.setRules(sid, OFF.to_chain(), sender=officer)
        assert logs(receipt) == [rules_set(iot, sid, officer, OFF), loosened(iot, sid, officer, True, fid)]
        iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.shipper)  # tightening again: the shipper may


def test_open_declaration_alone_locks_the_monitoring(iot, desk, field, members):
    sid, _ = field.watched()
    desk.file(sid)
    assert iot.monitoringLock(sid) == (True, NO_FINANCING, "0x" + "00" * 20)
    with locked(iot, sid, members.shipper, True, NO_FINANCING):
        iot.authoriseGateway(sid, field.gateway, False, sender=members.shipper)
    receipt = iot.authoriseGateway(sid, field.gateway, False, sender=members.shunde_customs)
    assert logs(receipt) == [
        ev(iot, "GatewayAuthorised", shipmentId=sid, gateway=field.gateway.address, authorised=False,
           setBy=members.shunde_customs.address),
        loosened(iot, sid, members.shunde_customs, True, NO_FINANCING),
    ]  # fmt: skip


def test_rejected_declaration_still_locks_and_clearance_lifts_the_lock(iot, desk, field, members):
    sid, _ = field.watched()
    did = desk.file(sid)
    desk.decide(did, SHEKOU, Decision.REJECT, REASON)
    assert iot.monitoringLock(sid)[0]  # Rejected is open: an amendment reopens it
    with locked(iot, sid, members.shipper, True, NO_FINANCING):
        iot.setRules(sid, OFF.to_chain(), sender=members.shipper)
    desk.amend(did, b"\x02" * 32)
    desk.approve_both(did)
    assert desk.customs.isCleared(did)
    assert iot.monitoringLock(sid)[0] is False
    receipt = iot.setRules(sid, OFF.to_chain(), sender=members.shipper)
    assert logs(receipt)[1] == loosened(iot, sid, members.shipper, False, NO_FINANCING)


def test_without_a_lock_the_shipper_loosens_and_it_is_recorded(iot, field, members):
    sid, _ = field.watched()
    receipt = iot.setRules(sid, OFF.to_chain(), sender=members.shipper)
    assert logs(receipt) == [rules_set(iot, sid, members.shipper, OFF), loosened(iot, sid, members.shipper, False, 0)]
    receipt = iot.authoriseGateway(sid, field.gateway, False, sender=members.shipper)
    assert logs(receipt)[1] == loosened(iot, sid, members.shipper, False, 0)


def test_repaid_financing_lifts_its_lock(bank, iot, members):  # noqa: F811
    fid, sid = funded_before_filing(bank, iot, members, condition=Condition.CLEARED)
    bank.desk.file(sid)
    bank.clear(sid)
    bank.escrow.release(fid, sender=members.outsider)
    assert iot.monitoringLock(sid) == (False, fid, members.financier.address)  # Released is still active
    bank.repay(fid)
    assert iot.monitoringLock(sid) == (False, NO_FINANCING, "0x" + "00" * 20)
    iot.setRules(sid, OFF.to_chain(), sender=members.shipper)


# ---------------------------------------------------------------------------------------------------- who may set


def test_financier_tightens_the_monitoring_of_its_financing(bank, iot, field, members):  # noqa: F811
    _, sid = bank.financing(State.FUNDED)
    receipt = iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.financier)
    assert logs(receipt) == [rules_set(iot, sid, members.financier, REEFER_RULES)]
    iot.authoriseGateway(sid, field.gateway, True, sender=members.financier)
    assert iot.isAuthorisedGateway(sid, field.gateway)


def test_financier_of_no_active_financing_sets_nothing(bank, iot, members, admit):  # noqa: F811
    fid, sid = bank.financing(State.ACCEPTED)  # accepted, not funded: not active
    with reverts(iot.IoTNotRuleSetter, shipmentId=sid, account=members.financier.address):
        iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.financier)
    admit("proposeMember", members.newcomer, "Second Trade Bank", "BANK2", Role.FINANCIER.id, NO_PORT)
    bank.fund(fid)
    with reverts(iot.IoTNotRuleSetter, shipmentId=sid, account=members.newcomer.address):
        iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.newcomer)  # a financier, but not this one's


def test_suspended_financier_sets_nothing(bank, iot, members, admit):  # noqa: F811
    _, sid = bank.financing(State.FUNDED)
    admit("proposeSuspension", members.financier, b"\x05" * 32)
    with reverts(iot.IoTNotRuleSetter, shipmentId=sid, account=members.financier.address):
        iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.financier)


def test_withdrawing_a_gateway_never_authorised_loosens_nothing(iot, desk, field, members):
    sid, _ = field.watched()
    desk.file(sid)
    receipt = iot.authoriseGateway(sid, members.outsider, False, sender=members.shipper)
    assert [log.event_name for log in receipt.events] == ["GatewayAuthorised"]


# ---------------------------------------------------------------------------------------------------- what loosens

BASE = Rules(
    enabled=Rule.TEMPERATURE | Rule.SEAL | Rule.CORRIDOR | Rule.SHOCK,
    min_temperature=200,
    max_temperature=800,
    max_shock=5_000,
    corridor=("CNSHK", "CNSUD", "HKHKG"),
)
# (id, new rules, whether they loosen BASE)
CHANGES = [
    ("same rules", BASE, False),
    ("temperature rule dropped", dataclasses.replace(BASE, enabled=BASE.enabled & ~Rule.TEMPERATURE), True),
    ("seal rule dropped", dataclasses.replace(BASE, enabled=BASE.enabled & ~Rule.SEAL), True),
    ("corridor rule dropped", dataclasses.replace(BASE, enabled=BASE.enabled & ~Rule.CORRIDOR), True),
    ("shock rule dropped", dataclasses.replace(BASE, enabled=BASE.enabled & ~Rule.SHOCK), True),
    ("all rules off", Rules(), True),
    ("colder floor allowed", dataclasses.replace(BASE, min_temperature=199), True),
    ("warmer ceiling allowed", dataclasses.replace(BASE, max_temperature=801), True),
    ("narrower range", dataclasses.replace(BASE, min_temperature=300, max_temperature=700), False),
    ("higher shock limit", dataclasses.replace(BASE, max_shock=5_001), True),
    ("lower shock limit", dataclasses.replace(BASE, max_shock=4_000), False),
    ("geofence added", dataclasses.replace(BASE, corridor=(*BASE.corridor, "MOMFM")), True),
    ("geofence swapped", dataclasses.replace(BASE, corridor=("CNSHK", "CNSUD", "MOMFM")), True),
    ("geofence removed", dataclasses.replace(BASE, corridor=("CNSHK", "CNSUD")), False),
    ("corridor reordered", dataclasses.replace(BASE, corridor=("HKHKG", "CNSUD", "CNSHK")), False),
]
FROM_PARTIAL = [
    # From rules with only the seal rule on: enabling another rule tightens whatever its limits.
    ("temperature enabled anew", dataclasses.replace(BASE, enabled=Rule.SEAL | Rule.TEMPERATURE), False),
    ("everything enabled anew", BASE, False),
    ("limits of a disabled rule changed", dataclasses.replace(BASE, enabled=Rule.SEAL, max_shock=9_999), False),
]


def _check_change(iot, desk, field, members, start: Rules, new: Rules, loosening: bool) -> None:
    sid, _ = field.watched(rules=start)
    desk.file(sid)  # locked by the open declaration
    assert loosens(start, new) == loosening  # the backend's mirror agrees with the chain below
    if loosening:
        with locked(iot, sid, members.shipper, True, NO_FINANCING):
            iot.setRules(sid, new.to_chain(), sender=members.shipper)
        receipt = iot.setRules(sid, new.to_chain(), sender=members.shekou_customs)
        assert logs(receipt)[-1] == loosened(iot, sid, members.shekou_customs, True, NO_FINANCING)
    else:
        receipt = iot.setRules(sid, new.to_chain(), sender=members.shipper)
        assert [log.event_name for log in receipt.events] == ["RulesSet"]


@pytest.mark.parametrize(("new", "loosening"), [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES])
def test_a_change_that_loosens_needs_customs_and_one_that_tightens_does_not(iot, desk, field, members, new, loosening):
    _check_change(iot, desk, field, members, BASE, new, loosening)


@pytest.mark.parametrize(("new", "loosening"), [c[1:] for c in FROM_PARTIAL], ids=[c[0] for c in FROM_PARTIAL])
def test_enabling_a_rule_tightens_whatever_its_limits(iot, desk, field, members, new, loosening):
    start = dataclasses.replace(BASE, enabled=Rule.SEAL)
    _check_change(iot, desk, field, members, start, new, loosening)


# ---------------------------------------------------------------------------------------------------- before funding


def test_monitoring_loosened_between_the_offer_and_the_funding_stops_the_funding(
    bank,  # noqa: F811 - fixture
    escrow,  # noqa: F811 - fixture
    iot,
    members,
):
    """A further attack: before funding nothing is locked, so the shipper could accept an offer made on tight rules,
    loosen them, and be funded on monitoring the financier never agreed to. The escrow compares the monitor's
    loosening count at the offer with the count at funding."""
    sid = bank.shipment(filed=False)
    iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.shipper)
    fid = bank.request(sid)
    bank.offer(fid)
    bank.accept(fid)
    assert iot.looseningCount(sid) == 0
    iot.setRules(sid, OFF.to_chain(), sender=members.shipper)  # no lock yet: allowed, and counted
    assert iot.looseningCount(sid) == 1
    with reverts(escrow.EscrowMonitoringLoosened, financingId=fid, shipmentId=sid, atOffer=0, current=1):
        bank.fund(fid)
    assert escrow.getFinancing(fid).state == State.ACCEPTED

    # The financier withdraws and offers again on the monitoring as it now is.
    escrow.cancel(fid, sender=members.financier)
    again = bank.request(sid)
    bank.offer(again)
    bank.accept(again)
    bank.fund(again)
    assert escrow.activeFinancingOf(sid) == again


def test_tightening_before_the_funding_does_not_stop_it(bank, escrow, iot, field, members):  # noqa: F811
    sid = bank.shipment(filed=False)
    fid = bank.request(sid)
    bank.offer(fid)
    bank.accept(fid)
    iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.shipper)
    field.bind(field.device(), sid)
    bank.fund(fid)
    assert escrow.getFinancing(fid).state == State.FUNDED
