"""Fixtures for the CustomsClearance tests: the deployed contract, filed declarations, wallet-made signatures.

Everything runs against the real pilot deployment (tests/conftest.py `deployment`) on ape's Anvil; nothing is mocked
but the ERC-1271 wallets, which are contracts of ours (contracts/mocks). Signatures are made with eth-account from
the full typed-data JSON a wallet's `eth_signTypedData_v4` receives, with the domain read from `eip712Domain()`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from eth_utils.crypto import keccak
from portlink.domain.customs import (
    Decision,
    DecisionInput,
    Eip712Domain,
    decision_typed_data,
    sign_typed_data,
)

from tests.conftest import SHEKOU, SHUNDE
from tests.shipments.conftest import Journey, ev

DIGEST = keccak(b"combined declaration SHK2026000042, version 1")
HS_CODES = [b"841810", b"850440"]
VALUE = 12_345_600  # minor units (fen)
CNY = b"CNY"
REASON = b"DOCS_MISSING".ljust(32, b"\0")
NO_REASON = bytes(32)
FAR = 2**48  # a deadline far in the future


class State:
    """ICustomsClearance.DeclarationState."""

    NONE, FILED, REJECTED, CLEARED = range(4)


def bit(*states: int) -> int:
    """The `expected` bitmap of ClearanceUnexpectedState."""
    return sum(1 << s for s in states)


def filed(customs, did, filer, version, digest, codes, value, currency) -> tuple:
    """The DeclarationFiled log `tests.shipments.conftest.logs` reads for this version."""
    return ev(
        customs,
        "DeclarationFiled",
        declarationId=did,
        filer=filer.address,
        version=version,
        digest=digest,
        hsCodes=list(codes),
        customsValue=value,
        currency=currency,
    )


class Desk:
    """Files declarations and makes, signs and relays decisions with the right actor unless told otherwise."""

    def __init__(self, customs, journey: Journey, members, domain: Eip712Domain) -> None:
        self.customs = customs
        self.journey = journey
        self.members = members
        self.domain = domain
        self.officer = {SHEKOU: members.shekou_customs, SHUNDE: members.shunde_customs}

    def shipment(self, **fields) -> bytes:
        """A registered shipment (Shekou to Shunde unless told otherwise)."""
        return self.journey.register(**fields)

    def file(
        self,
        sid: bytes | None = None,
        *,
        digest: bytes = DIGEST,
        hs_codes: Sequence[bytes] = HS_CODES,
        value: int = VALUE,
        currency: bytes = CNY,
        sender=None,
    ) -> bytes:
        """File a declaration (for a new shipment unless `sid`) and return its id."""
        sid = sid if sid is not None else self.shipment()
        self.receipt = self.customs.file(
            sid, digest, list(hs_codes), value, currency, sender=sender or self.members.shipper
        )
        return bytes(self.receipt.return_value) if self.receipt.return_value else sid

    def amend(self, did: bytes, digest: bytes, *, hs_codes=HS_CODES, value=VALUE, currency=CNY, sender=None):
        return self.customs.amend(did, digest, list(hs_codes), value, currency, sender=sender or self.members.shipper)

    def version(self, did: bytes) -> int:
        return self.customs.getDeclaration(did).version

    def decide(
        self, did: bytes, port: bytes, decision: Decision, reason: bytes = NO_REASON, *, sender=None, version=None
    ):
        """A decision sent by the officer itself."""
        return self.customs.decide(
            did,
            self.version(did) if version is None else version,
            port,
            int(decision),
            reason,
            sender=sender or self.officer[port],
        )

    def decision(
        self,
        did: bytes,
        port: bytes,
        decision: Decision = Decision.APPROVE,
        reason: bytes = NO_REASON,
        *,
        officer=None,
        version: int | None = None,
        digest: bytes | None = None,
        nonce: int | None = None,
        deadline: int = FAR,
    ) -> DecisionInput:
        """A DecisionInput for the current version, by the port's officer, with its next nonce in lane 0."""
        d = self.customs.getDeclaration(did)
        who = officer if officer is not None else self.officer[port]
        address = who if isinstance(who, str) else who.address
        return DecisionInput(
            declaration_id=did,
            version=d.version if version is None else version,
            declaration_digest=bytes(d.digest) if digest is None else digest,
            port=port.decode(),
            decision=decision,
            reason_code=reason,
            officer=address,
            nonce=self.customs.nonces(address) if nonce is None else nonce,
            deadline=deadline,
        )

    def sign(self, decision: DecisionInput, signer=None, domain: Eip712Domain | None = None) -> bytes:
        """Sign as a wallet would: the full typed-data JSON, the key of `signer` (the officer unless told)."""
        key = (signer or self._account(decision.officer)).private_key
        return sign_typed_data(key, decision_typed_data(domain or self.domain, decision))

    def relay(self, decision: DecisionInput, signature: bytes | None = None, *, sender=None):
        """Relay a signed decision, by an outsider unless told otherwise."""
        signature = self.sign(decision) if signature is None else signature
        return self.customs.decideBySig(decision.to_chain(), signature, sender=sender or self.members.outsider)

    def approve_both(self, did: bytes, *, relayed: bool = True):
        for port in (SHEKOU, SHUNDE):
            receipt = self.relay(self.decision(did, port)) if relayed else self.decide(did, port, Decision.APPROVE)
        return receipt

    def _account(self, address: str):
        for account in vars(self.members).values():
            if account.address == address:
                return account
        raise LookupError(f"no test account {address}")


@pytest.fixture
def desk(customs, shipments, members, domain) -> Desk:
    return Desk(customs, Journey(shipments, members), members, domain)
