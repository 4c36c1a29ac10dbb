"""The settlement token (a 2-decimal tokenised HKD deposit): minting against deposits and redeeming by the
issuer, transfers and allowances of holders, and balances read from the chain."""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils.crypto import keccak

from portlink.manifest import ESCROW, SETTLEMENT_TOKEN
from portlink.services.contracts import ContractViews
from portlink.services.operations import Call, Write


def payment_reference(text: str) -> bytes:
    """A bank's booking reference as the 32 bytes the token records: 0x-hex of 32 bytes as given, ASCII of up to
    32 characters left-aligned, anything longer hashed (keccak-256)."""
    if text.startswith("0x") and len(text) == 66:
        return bytes.fromhex(text[2:])
    raw = text.encode()
    return raw.ljust(32, b"\0") if text.isascii() and len(raw) <= 32 else keccak(raw)


@dataclass(frozen=True)
class Balance:
    """A holder's settlement tokens: its balance and what the escrow may draw of it (token units, HK cents)."""

    account: str
    balance: str
    escrow_allowance: str
    decimals: int
    symbol: str


class TokenService:
    """Settlement token writes and balances."""

    def __init__(self, views: ContractViews, addresses: dict[str, str]) -> None:
        self.views, self.addresses = views, addresses

    def balance(self, account: str) -> Balance:
        """``account``'s balance and the escrow's allowance on it, read from the chain."""
        (balance,) = self.views.call(SETTLEMENT_TOKEN, "balanceOf", [account])
        (allowance,) = self.views.call(SETTLEMENT_TOKEN, "allowance", [account, self.addresses[ESCROW]])
        (decimals,) = self.views.call(SETTLEMENT_TOKEN, "decimals", [])
        (symbol,) = self.views.call(SETTLEMENT_TOKEN, "symbol", [])
        return Balance(account, str(balance), str(allowance), int(decimals), str(symbol))

    @staticmethod
    def mint(to: str, amount: int, payment_ref: str) -> Write:
        """The issuer mints ``amount`` to ``to`` against a deposit booked as ``payment_ref`` (caller: a
        SETTLEMENT_ISSUER)."""
        return Write("settlement.mint", Call(SETTLEMENT_TOKEN, "mint", [to, amount, payment_reference(payment_ref)]))

    @staticmethod
    def redeem(amount: int, payment_ref: str) -> Write:
        """The issuer burns ``amount`` of its own balance paid out as ``payment_ref`` (holders redeem by
        transferring to the issuer)."""
        return Write("settlement.redeem", Call(SETTLEMENT_TOKEN, "redeem", [amount, payment_reference(payment_ref)]))

    @staticmethod
    def transfer(to: str, amount: int) -> Write:
        """Transfer ``amount`` of the caller's tokens to ``to``."""
        return Write("settlement.transfer", Call(SETTLEMENT_TOKEN, "transfer", [to, amount]))

    @staticmethod
    def approve(spender: str, amount: int) -> Write:
        """Let ``spender`` draw up to ``amount`` of the caller's tokens."""
        return Write("settlement.approve", Call(SETTLEMENT_TOKEN, "approve", [spender, amount]))

    @staticmethod
    def transfer_from(owner: str, to: str, amount: int) -> Write:
        """Move ``amount`` of ``owner``'s tokens to ``to`` within the allowance ``owner`` gave the caller."""
        return Write("settlement.transferFrom", Call(SETTLEMENT_TOKEN, "transferFrom", [owner, to, amount]))
