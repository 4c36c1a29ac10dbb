"""The port authorities' proposals as the governance contract's events tell them: what each proposes, the votes
cast on it, its tally against the electorate, and how it ended.

Governance is rare (a handful of proposals a year per port) and its events are few, so a proposal is folded from
its events when asked rather than kept in a table of its own: ``ProposalCreated``, then ``VoteCast`` (each with the
tally and the electorate at that vote), then one of ``ProposalExecuted``, ``ProposalFailed`` (with the registry's
revert data), ``ProposalDefeated`` or ``ProposalCancelled``. An active proposal past its ``expiresAt`` reads as
``EXPIRED``, as the contract's ``state()`` has it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import Any

from portlink.domain.consortium import ProposalState
from portlink.errors import NotFoundError
from portlink.manifest import GOVERNANCE
from portlink.services.eventlog import ChainEvent, EventLog
from portlink.services.sql import Page

_ENDINGS = {
    "ProposalExecuted": ProposalState.EXECUTED,
    "ProposalFailed": ProposalState.FAILED,
    "ProposalDefeated": ProposalState.DEFEATED,
    "ProposalCancelled": ProposalState.CANCELLED,
}
_EVENTS = ["ProposalCreated", "VoteCast", *_ENDINGS]


@dataclass(frozen=True)
class Vote:
    """A port authority's vote."""

    voter: str
    support: bool
    block_number: int
    transaction_hash: str


@dataclass(frozen=True)
class ProposalRecord:
    """A proposal with its votes (``confirmed``: its last event is final)."""

    proposal_id: int
    kind: str
    proposer: str
    account: str | None
    role: str | None
    port: str | None
    name: str | None
    org_id: str | None
    authority_name: str | None
    key: str | None
    value: str | None
    state: str
    for_votes: int
    against_votes: int
    electorate: int
    expires_at: int | None
    created_at: int | None
    created_block: int
    created_transaction: str
    ended_block: int | None
    failure: str | None
    votes: tuple[Vote, ...]
    confirmed: bool


def _text(value: Any) -> str | None:
    """A readable value, or ``None`` for what the event leaves unset (empty, zero address, zero bytes)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and re.fullmatch(r"0x0*", value):
        return None
    return str(value)


def _created(event: ChainEvent) -> ProposalRecord:
    a = event.args
    value = a.get("value")
    # A parameter may be set to 0; the other kinds leave the value unset (0).
    unset = value is None or (str(a["kind"]) != "SET_PARAMETER" and value in (0, "0"))
    return ProposalRecord(
        proposal_id=int(a["proposalId"]),
        kind=str(a["kind"]),
        proposer=str(a["proposer"]),
        account=_text(a.get("account")),
        role=_text(a.get("role")),
        port=_text(a.get("port")),
        name=_text(a.get("name")),
        org_id=_text(a.get("orgId")),
        authority_name=_text(a.get("authorityName")),
        key=_text(a.get("key")),
        value=None if unset else str(value),
        state=ProposalState.ACTIVE.name,
        for_votes=0,
        against_votes=0,
        electorate=0,
        expires_at=int(a["expiresAt"]) if a.get("expiresAt") else None,
        created_at=event.block_timestamp,
        created_block=event.block_number,
        created_transaction=event.transaction_hash,
        ended_block=None,
        failure=None,
        votes=(),
        confirmed=event.confirmed,
    )


class Proposals:
    """The governance's proposals, newest first."""

    def __init__(self, eventlog: EventLog) -> None:
        self.eventlog = eventlog

    def _all(self, now: float | None = None) -> list[ProposalRecord]:
        found: dict[int, ProposalRecord] = {}
        for event in self.eventlog.events(contract=GOVERNANCE, names=_EVENTS, limit=1_000_000):
            pid = int(event.args["proposalId"])
            if event.event == "ProposalCreated":
                found[pid] = _created(event)
                continue
            proposal = found.get(pid)
            if proposal is None:  # an event of a proposal created before the index began: nothing to add it to
                continue
            confirmed = proposal.confirmed and event.confirmed
            if event.event == "VoteCast":
                a = event.args
                vote = Vote(str(a["voter"]), bool(a["support"]), event.block_number, event.transaction_hash)
                found[pid] = replace(
                    proposal,
                    for_votes=int(a["forVotes"]),
                    against_votes=int(a["againstVotes"]),
                    electorate=int(a["electorate"]),
                    votes=(*proposal.votes, vote),
                    confirmed=confirmed,
                )
            else:
                reason = event.args.get("reason") if event.event == "ProposalFailed" else None
                found[pid] = replace(
                    proposal,
                    state=_ENDINGS[event.event].name,
                    ended_block=event.block_number,
                    failure=str(reason) if reason else None,
                    confirmed=confirmed,
                )
        clock = time.time() if now is None else now
        return [
            replace(p, state=ProposalState.EXPIRED.name)
            if p.state == ProposalState.ACTIVE.name and p.expires_at is not None and p.expires_at < clock
            else p
            for p in sorted(found.values(), key=lambda p: p.proposal_id, reverse=True)
        ]

    def list(self, *, state: str | None = None, limit: int = 50, offset: int = 0) -> Page[ProposalRecord]:
        """A page of proposals, newest first, in ``state`` if given."""
        matching = [p for p in self._all() if state is None or p.state == state]
        return Page(total=len(matching), limit=limit, offset=offset, items=matching[offset : offset + limit])

    def get(self, proposal_id: int) -> ProposalRecord:
        """One proposal; :class:`NotFoundError` if none has this id."""
        for proposal in self._all():
            if proposal.proposal_id == proposal_id:
                return proposal
        raise NotFoundError(f"no proposal {proposal_id}")
