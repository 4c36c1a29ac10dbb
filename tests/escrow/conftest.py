"""Fixtures for the TradeFinanceEscrow tests: the deployed escrow and settlement token, shipments with declarations,
financings taken to any state, and the misbehaving tokens of contracts/mocks allowlisted by vote.

Everything runs against the real pilot deployment (tests/conftest.py `deployment`) on ape's Anvil. The only doubles
are our token mocks (contracts/mocks/TokenMocks.sol): honest, fee-on-transfer, false-returning, no-return,
blacklisting and reentrant.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_abi import encode
from eth_utils.crypto import keccak
from portlink.domain.customs import Decision
from portlink.domain.finance import Condition, Product
from portlink.domain.finance import FinancingState as State
from portlink.manifest import ESCROW, SETTLEMENT_TOKEN

from tests.conftest import SHEKOU, SHUNDE
from tests.customs.conftest import REASON, Desk
from tests.iot.conftest import iot, iot_domain  # noqa: F401 - fixtures the escrow's state machine uses
from tests.shipments.conftest import container, pool_number

DAY = 86_400
PRINCIPAL = 1_000_000_00  # HKD 1,000,000.00 in cents
FEE_BPS = 150  # 1.5%
REBATE = 130_000_00  # HKD 130,000.00
PAYMENT_REF = b"TAX-REBATE-2026-0001".ljust(32, b"\0")
MINT_REF = b"DEPOSIT-0001".ljust(32, b"\0")
ALLOWED, REFUSED = 1, 2
#: keccak256("portlink.escrow.settlementToken"), the prefix of the allowlist keys (ConsortiumRoles.sol).
TOKEN_KEY_PREFIX = keccak(text="portlink.escrow.settlementToken")


def bit(*states: int) -> int:
    """The `expected` bitmap of EscrowUnexpectedState."""
    return sum(1 << s for s in states)


def token_key(token) -> bytes:
    """`keccak256(abi.encode(SETTLEMENT_TOKEN, token))`, computed off-chain."""
    address = token if isinstance(token, str) else token.address
    return keccak(encode(["bytes32", "address"], [TOKEN_KEY_PREFIX, address]))


def fee(amount: int, bps: int) -> int:
    """The fee on `amount`, rounded up (as Financings.fee)."""
    return -(-amount * bps // 10_000)


@dataclass
class Deadlines:
    """Offsets from now, in seconds."""

    fund_by: int = 7 * DAY
    release_by: int = 60 * DAY
    maturity: int = 120 * DAY


def now(chain) -> int:
    return chain.provider.web3.eth.get_block("latest")["timestamp"]


def warp(chain, to: int) -> None:
    """Mine a block at unix time `to` (later than the latest block)."""
    chain.mine(1, timestamp=to)


@pytest.fixture(scope="session")
def escrow(project, deployment):
    """The TradeFinanceEscrow of the real pilot deployment."""
    return project.TradeFinanceEscrow.at(deployment.manifest.contract(ESCROW).address)


@pytest.fixture(scope="session")
def hkd(project, deployment):
    """The SettlementToken of the real pilot deployment (2 decimals: HK cents)."""
    return project.SettlementToken.at(deployment.manifest.contract(SETTLEMENT_TOKEN).address)


class Bank:
    """Takes financings through their states with the right actor unless told otherwise."""

    def __init__(self, chain, escrow, hkd, desk: Desk, members) -> None:
        self.chain = chain
        self.escrow = escrow
        self.hkd = hkd
        self.desk = desk
        self.members = members
        self.serial = 0
        self.receipt = None
        #: Tokens other than the settlement token, by address (see the `allowlist` fixture).
        self.tokens: dict[str, object] = {}

    # -- shipments and declarations

    def shipment(self, *, filed: bool = True) -> bytes:
        """A new registered shipment (one container, Shekou to Shunde), its declaration filed unless told."""
        self.serial += 1
        sid = self.desk.shipment(containers=[container(pool_number(500 + self.serial))], reference=f"FIN{self.serial}")
        if filed:
            self.desk.file(sid)
        return sid

    def approve_export(self, sid: bytes):
        return self.desk.decide(sid, SHEKOU, Decision.APPROVE)

    def clear(self, sid: bytes):
        self.desk.decide(sid, SHEKOU, Decision.APPROVE)
        return self.desk.decide(sid, SHUNDE, Decision.APPROVE)

    def reject(self, sid: bytes):
        return self.desk.decide(sid, SHEKOU, Decision.REJECT, REASON)

    # -- money

    def mint(self, to, amount: int, token=None):
        token = token or self.hkd
        if token == self.hkd:
            return token.mint(to, amount, MINT_REF, sender=self.members.issuer)
        return token.mint(to, amount, sender=to)

    def terms(
        self,
        *,
        token=None,
        amount: int = PRINCIPAL,
        fee_bps: int = FEE_BPS,
        condition: Condition = Condition.EXPORT_APPROVED,
        deadlines: Deadlines | None = None,
    ) -> tuple:
        d = deadlines or Deadlines()
        t = now(self.chain)
        address = (token or self.hkd).address
        return (address, amount, fee_bps, int(condition), t + d.fund_by, t + d.release_by, t + d.maturity)

    # -- steps

    def request(self, sid: bytes, product: Product = Product.ECOMMERCE, *, sender=None) -> int:
        self.receipt = self.escrow.request(sid, int(product), sender=sender or self.members.shipper)
        return int(self.receipt.return_value or self.escrow.financingCount())

    def offer(self, fid: int, terms: tuple | None = None, *, sender=None, **fields):
        self.receipt = self.escrow.offer(fid, terms or self.terms(**fields), sender=sender or self.members.financier)
        return self.receipt

    def accept(self, fid: int, *, sender=None):
        self.receipt = self.escrow.accept(fid, sender=sender or self.members.shipper)
        return self.receipt

    def fund(self, fid: int, *, sender=None, mint: bool = True):
        f = self.escrow.getFinancing(fid)
        who = sender or self.members.financier
        token = self.token_at(f.token)
        if mint:
            self.mint(who, f.amount, token)
        token.approve(self.escrow, f.amount, sender=who)
        self.receipt = self.escrow.fund(fid, sender=who)
        return self.receipt

    def repay(self, fid: int, amount: int | None = None, *, sender=None):
        f = self.escrow.getFinancing(fid)
        who = sender or self.members.consignee
        amount = f.due - f.repaid if amount is None else amount
        token = self.token_at(f.token)
        self.mint(who, amount, token)
        token.approve(self.escrow, amount, sender=who)
        self.receipt = self.escrow.repay(fid, amount, sender=who)
        return self.receipt

    def token_at(self, address):
        if address == self.hkd.address:
            return self.hkd
        return self.tokens[address]

    def financing(self, to: State = State.FUNDED, product: Product = Product.ECOMMERCE, **terms) -> tuple[int, bytes]:
        """A new shipment and a financing of it taken to `to` (Requested .. Released); returns (id, shipment id)."""
        sid = self.shipment()
        if product == Product.TAX_REBATE:
            self.clear(sid)
            terms.setdefault("condition", Condition.CLEARED)
        fid = self.request(sid, product)
        if to >= State.OFFERED:
            self.offer(fid, **terms)
        if to >= State.ACCEPTED:
            self.accept(fid)
        if to >= State.FUNDED:
            self.fund(fid)
        if to >= State.RELEASED:
            if product == Product.ECOMMERCE:
                self.approve_export(sid)
            self.escrow.release(fid, sender=self.members.outsider)
        return fid, sid


@pytest.fixture
def bank(chain, escrow, hkd, customs, shipments, members, domain) -> Bank:
    from tests.shipments.conftest import Journey

    return Bank(chain, escrow, hkd, Desk(customs, Journey(shipments, members), members, domain), members)


@pytest.fixture
def allowlist(admit, escrow, bank):
    """List a token by governance vote (both pilot port authorities) and teach `bank` how to mint it."""

    def _allow(token, value: int = ALLOWED):
        admit("proposeParameter", token_key(token), value)
        bank.tokens[token.address] = token
        return token

    return _allow
