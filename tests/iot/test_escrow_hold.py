"""An open IoT alert holds trade-finance release too: the escrow pays out only once customs resolved every alert
on the shipment, whichever release condition the offer named."""

from __future__ import annotations

from portlink.domain.customs import Decision
from portlink.domain.iot import DeviceKind

from tests.conftest import SHUNDE, reverts
from tests.escrow.conftest import Condition, State, bank, escrow, hkd  # noqa: F401 - fixtures
from tests.iot.conftest import REEFER_RULES

RESOLUTION = "cargo inspected at Shekou: within tolerance, reefer restarted"


def financed_with_an_alert(bank, iot, field, members, condition: Condition) -> tuple[int, bytes]:  # noqa: F811
    """A funded financing whose shipment's reefer then reported 15 °C in a 2-8 °C rule: alert 1 is open."""
    fid, sid = bank.financing(State.FUNDED, condition=condition)
    iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.shipper)
    reefer = field.device(DeviceKind.TEMPERATURE)
    field.bind(reefer, sid)
    field.report(reefer, reefer.reading(1_500))
    assert iot.openAlerts(sid) == 1
    return fid, sid


def test_release_on_export_approval_waits_for_the_alert_to_be_resolved(bank, escrow, iot, field, members):  # noqa: F811
    fid, sid = financed_with_an_alert(bank, iot, field, members, Condition.EXPORT_APPROVED)
    bank.approve_export(sid)
    assert escrow.conditionMet(fid)  # the customs condition holds; the alert still stops the money
    with reverts(escrow.EscrowAlertsOpen, financingId=fid, openAlerts=1):
        escrow.release(fid, sender=members.outsider)

    iot.resolveAlert(1, RESOLUTION, sender=members.shekou_customs)
    escrow.release(fid, sender=members.outsider)
    assert escrow.getFinancing(fid).state == State.RELEASED


def test_release_on_clearance_waits_because_the_alert_holds_clearance(bank, escrow, iot, field, members):  # noqa: F811
    fid, sid = financed_with_an_alert(bank, iot, field, members, Condition.CLEARED)
    bank.approve_export(sid)
    bank.desk.decide(sid, SHUNDE, Decision.APPROVE)
    assert not escrow.conditionMet(fid)
    with reverts(escrow.EscrowConditionNotMet, financingId=fid, condition=Condition.CLEARED):
        escrow.release(fid, sender=members.outsider)

    iot.resolveAlert(1, RESOLUTION, sender=members.shunde_customs)
    bank.desk.customs.clear(sid, sender=members.outsider)
    escrow.release(fid, sender=members.outsider)
    assert escrow.getFinancing(fid).state == State.RELEASED
