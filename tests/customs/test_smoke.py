from portlink.domain.customs import Decision

from tests.conftest import SHEKOU, SHUNDE
from tests.customs.conftest import State


def test_filed_declaration_clears_with_two_relayed_approvals(desk, customs, members):
    did = desk.file()
    assert customs.getDeclaration(did).state == State.FILED
    desk.relay(desk.decision(did, SHEKOU))
    receipt = desk.relay(desk.decision(did, SHUNDE))
    assert customs.isCleared(did)
    [event] = receipt.events.filter(customs.DeclarationCleared)
    assert event.originOfficer == members.shekou_customs.address
    assert event.destinationOfficer == members.shunde_customs.address


def test_direct(desk, customs):
    did = desk.file()
    desk.decide(did, SHEKOU, Decision.APPROVE)
    desk.decide(did, SHUNDE, Decision.APPROVE)
    assert customs.isCleared(did)
