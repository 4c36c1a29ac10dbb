"""A Hypothesis state machine over governance votes while the electorate changes under them.

Four ports (Shekou, Shunde, Hong Kong, Macau), so four port authorities vote. Every step is one attempt: propose (a
parameter, a member's suspension or reinstatement, or revoking an authority's role; by an authority, suspended or
not, or by an outsider), vote for or against (by any of them), cancel (by any of them), or let time pass (an hour up
to eight days, past the seven-day lifetime). Proposals that pass suspend, reinstate and strip authorities, so the
electorate shrinks and grows while other proposals are open: exactly the situation of issue #16.

A Python model predicts each attempt (liveness): it must succeed exactly when the model says it may, else revert with
exactly the custom error it names, arguments included (an eth_call at the timestamp the transaction is then mined
at, then the mined status); a passing vote must carry the proposal out (or end it Failed when the registry refuses).
After every step each proposal's state and tally and each authority's status and role equal the model (effect), and a
refused attempt changes none of them (no side effect). On top of the model, read from the chain alone:

* a proposal is executed only by a vote after which the for-votes of voters that were active port authorities just
  before it (registry.hasRole) are a strict majority of the active authorities then (activeAuthorityCount);
* a member that is not an active port authority never proposes, votes or cancels with success.

`PORTLINK_HYPOTHESIS_PROFILE=ci` runs the heavier profile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from eth_utils.crypto import keccak
from hexbytes import HexBytes
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from portlink.deployment.deploy import GOVERNANCE, REGISTRY
from portlink.domain.consortium import Role
from web3 import Web3
from web3.logs import DISCARD

from tests.conftest import HONG_KONG, MACAU, SHEKOU, SHUNDE, error_data
from tests.state_machines import Reads, call_then_send_at

PROFILE = "portlink-governance-state-machine"
CI_PROFILE = f"{PROFILE}-ci"
_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "database": None,
}
settings.register_profile(PROFILE, max_examples=20, stateful_step_count=40, **_COMMON)
settings.register_profile(CI_PROFILE, max_examples=120, stateful_step_count=60, **_COMMON)

GAS = 3_000_000
HOUR, DAY = 3_600, 86_400
LIFETIME = 7 * DAY
MAX_PROPOSALS = 14
AUTHORITIES = ("shekou", "shunde", "hong_kong", "macau")
PORT = {"shekou": SHEKOU, "shunde": SHUNDE, "hong_kong": HONG_KONG, "macau": MACAU}
CALLERS = (*AUTHORITIES, "outsider")
KEY = keccak(text="portlink.test.governanceMachine")
REASON = keccak(text="state machine")

# IConsortiumGovernance.ProposalState, IConsortiumRegistry.MemberStatus
NONE, ACTIVE, EXECUTED, DEFEATED, CANCELLED, FAILED, EXPIRED = range(7)
MEMBER_ACTIVE, MEMBER_SUSPENDED = 1, 2


@dataclass
class Authority:
    active: bool = True  # not suspended
    holds_role: bool = True  # still the port authority of its port

    @property
    def votes(self) -> bool:
        return self.active and self.holds_role


@dataclass
class Proposal:
    kind: str  # parameter, suspend, reinstate, revoke
    target: str | None
    proposer: str
    expires_at: int
    state: int = ACTIVE
    ballots: dict[str, bool] = field(default_factory=dict)  # voter -> support, in voting order
    for_votes: int = 0
    against_votes: int = 0


@dataclass
class Env:
    chain: Any
    web3: Any
    governance: Any  # web3 contract
    registry: Any  # web3 contract
    governance_abi: Any  # ape contract, for the expected revert data
    address: dict[str, str]
    #: The batched reads by the number of proposals made (getProposal reverts for an unknown id).
    reads: dict[int, Reads] = field(default_factory=dict)


class GovernanceMachine(RuleBasedStateMachine):
    env: Env

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.env.chain.snapshot()
        self.authorities = {name: Authority() for name in AUTHORITIES}
        self.proposals: list[Proposal] = []
        self.parameter = 0
        self.now = self.env.web3.eth.get_block("latest")["timestamp"]
        #: Proposals made before the machine (admitting Hong Kong and Macau): the model's ids start after them.
        self.base = self.env.governance.functions.proposalCount().call()

    def teardown(self) -> None:
        self.env.chain.restore(self.snapshot)

    # ------------------------------------------------------------------------------------------------ plumbing

    def addr(self, name: str) -> str:
        return self.env.address[name]

    def error(self, name: str, *args) -> HexBytes:
        return HexBytes(error_data(self.env.governance_abi, name, *args))

    def queries(self, n: int) -> list[tuple[Any, str, list]]:
        g, r = self.env.governance, self.env.registry
        return [
            *((g, "state", [self.base + i]) for i in range(1, n + 1)),
            *((g, "getProposal", [self.base + i]) for i in range(1, n + 1)),
            *((r, "getMember", [self.addr(a)]) for a in AUTHORITIES),
            *((r, "hasRole", [Role.PORT_AUTHORITY.id, self.addr(a)]) for a in AUTHORITIES),
            (r, "activeAuthorityCount", []),
            (r, "parameter", [KEY]),
        ]

    def read(self) -> dict[str, Any]:
        """The chain: each proposal's (state, for, against), each authority's (status, votes), the electorate."""
        n, a = len(self.proposals), len(AUTHORITIES)
        if n not in self.env.reads:
            self.env.reads[n] = Reads(self.env.web3, self.queries(n))
        answers = self.env.reads[n].answers()
        states, proposals = answers[:n], answers[n : 2 * n]
        members, roles = answers[2 * n : 2 * n + a], answers[2 * n + a : 2 * n + 2 * a]
        return {
            "proposals": tuple((states[i], proposals[i][5], proposals[i][6]) for i in range(n)),
            "authorities": tuple((m[0], bool(v)) for m, v in zip(members, roles, strict=True)),
            "electorate": answers[-2],
            "parameter": answers[-1],
        }

    def modelled(self) -> dict[str, Any]:
        return {
            "proposals": tuple((self.state_of(p), p.for_votes, p.against_votes) for p in self.proposals),
            "authorities": tuple(
                (MEMBER_ACTIVE if x.active else MEMBER_SUSPENDED, x.votes) for x in self.authorities.values()
            ),
            "electorate": self.electorate(),
            "parameter": self.parameter,
        }

    def electorate(self) -> int:
        return sum(x.votes for x in self.authorities.values())

    def state_of(self, p: Proposal, at: int | None = None) -> int:
        """`state(id)` at unix time `at` (the latest block's by default)."""
        return EXPIRED if p.state == ACTIVE and (self.now if at is None else at) > p.expires_at else p.state

    def step(self, caller: str, function: str, args: list, expected: HexBytes | None, apply) -> dict:
        before = self.read()
        voters_before = {a: self.authorities[a].votes for a in AUTHORITIES}
        electorate_before = self.electorate()
        self.now += 1
        receipt = call_then_send_at(
            self.env.web3, self.addr(caller), self.env.governance, function, args, expected, GAS, self.now
        )
        if expected is None:
            assert voters_before.get(caller), f"{caller} is no active port authority"
            apply()
        after = self.read()
        if expected is not None:
            assert after == before, f"a refused {function} changes nothing"
        for event in self.env.governance.events.ProposalExecuted().process_receipt(receipt, errors=DISCARD):
            p = self.proposals[event["args"]["proposalId"] - self.base - 1]
            counted = sum(1 for voter, support in p.ballots.items() if support and voters_before[voter])
            assert counted * 2 > electorate_before, "executed without a majority of the active authorities"
        assert after == self.modelled()
        return receipt

    # ------------------------------------------------------------------------------------------------ the model

    def tally(self, p: Proposal) -> None:
        """Count the ballots of the voters that are active authorities now, and end the proposal if that decides."""
        p.for_votes = sum(1 for v, s in p.ballots.items() if s and self.authorities[v].votes)
        p.against_votes = sum(1 for v, s in p.ballots.items() if not s and self.authorities[v].votes)
        electorate = self.electorate()
        if p.for_votes * 2 > electorate:
            p.state = EXECUTED if self.carry_out(p) else FAILED
        elif p.against_votes * 2 >= electorate:
            p.state = DEFEATED

    def carry_out(self, p: Proposal) -> bool:
        """The registry's change; False where the registry refuses it (the proposal ends Failed)."""
        if p.kind == "parameter":
            self.parameter += 1
            return True
        assert p.target is not None
        target = self.authorities[p.target]
        if p.kind == "suspend" and target.active:
            target.active = False
            return True
        if p.kind == "reinstate" and not target.active:
            target.active = True
            return True
        if p.kind == "revoke" and target.holds_role:
            target.holds_role = False
            return True
        return False

    def pick(self, data: st.DataObject) -> int:
        """A model index (from 1): mostly a known proposal, mostly an open one, sometimes one past the last."""
        n = len(self.proposals)
        if not n or not data.draw(st.integers(0, 9)):
            return n + 1
        open_ = [i + 1 for i, p in enumerate(self.proposals) if self.state_of(p, self.now + 1) == ACTIVE]
        if open_ and data.draw(st.integers(0, 3)):
            return data.draw(st.sampled_from(open_))
        return data.draw(st.integers(1, n))

    def require_open(self, index: int) -> HexBytes | None:
        """The refusal of an action on the proposal at model `index` in the next block (one second on), unless it
        is open."""
        if index > len(self.proposals):
            return self.error("GovernanceUnknownProposal", self.base + index)
        state = self.state_of(self.proposals[index - 1], self.now + 1)
        return None if state == ACTIVE else self.error("GovernanceProposalNotActive", self.base + index, state)

    # ------------------------------------------------------------------------------------------------ rules

    @initialize(
        proposer=st.sampled_from(AUTHORITIES),
        how=st.sampled_from(["none", "suspend", "suspend", "revoke"]),
        support=st.booleans(),
    )
    def an_open_proposal_whose_proposer_then_loses_its_vote(self, proposer: str, how: str, support: bool) -> None:
        # The situation, as a start: a proposal is open with its proposer's vote (and maybe another), and the
        # others then suspend the proposer or strip it of the role, before anyone votes on the proposal again.
        others = [a for a in AUTHORITIES if a != proposer]
        self.propose(proposer, "parameter", proposer)
        if support:
            self.vote_on(len(self.proposals), others[0], True)
        if how == "none":
            return
        self.propose(others[1], how, proposer)
        self.vote_on(len(self.proposals), others[2], True)
        self.vote_on(len(self.proposals), others[0], True)  # 3 of 4: carried out

    @rule(
        caller=st.sampled_from((*AUTHORITIES, *AUTHORITIES, "outsider")),
        kind=st.sampled_from(["parameter", "suspend", "suspend", "reinstate", "reinstate", "revoke"]),
        subject=st.sampled_from(AUTHORITIES),
    )
    def propose(self, caller: str, kind: str, subject: str) -> None:
        if len(self.proposals) >= MAX_PROPOSALS:
            return
        function, args = {
            "parameter": ("proposeParameter", [KEY, self.parameter + 1]),
            "suspend": ("proposeSuspension", [self.addr(subject), REASON]),
            "reinstate": ("proposeReinstatement", [self.addr(subject)]),
            "revoke": ("proposeRoleRevoke", [self.addr(subject), Role.PORT_AUTHORITY.id, PORT[subject]]),
        }[kind]
        target = None if kind == "parameter" else subject
        expected = None
        if caller not in AUTHORITIES or not self.authorities[caller].votes:
            expected = self.error("GovernanceNotPortAuthority", self.addr(caller))

        def apply() -> None:
            p = Proposal(kind, target, caller, self.now + LIFETIME, ballots={caller: True})
            self.proposals.append(p)
            self.tally(p)

        self.step(caller, function, args, expected, apply)

    @rule(data=st.data(), caller=st.sampled_from(CALLERS), support=st.sampled_from([True, True, False]))
    def vote(self, data: st.DataObject, caller: str, support: bool) -> None:
        self.vote_on(self.pick(data), caller, support)

    def vote_on(self, index: int, caller: str, support: bool) -> None:
        pid = self.base + index
        expected = None
        if caller not in AUTHORITIES or not self.authorities[caller].votes:
            expected = self.error("GovernanceNotPortAuthority", self.addr(caller))
        else:
            expected = self.require_open(index)
            if expected is None and caller in self.proposals[index - 1].ballots:
                expected = self.error("GovernanceAlreadyVoted", pid, self.addr(caller))

        def apply() -> None:
            p = self.proposals[index - 1]
            p.ballots[caller] = support
            self.tally(p)

        self.step(caller, "vote", [pid, support], expected, apply)

    @rule(data=st.data(), caller=st.sampled_from((*CALLERS, "proposer", "proposer")))
    def cancel(self, data: st.DataObject, caller: str) -> None:
        index = self.pick(data)
        pid = self.base + index
        if caller == "proposer":
            caller = self.proposals[index - 1].proposer if index <= len(self.proposals) else "shekou"
        expected = self.require_open(index)
        if expected is None and self.proposals[index - 1].proposer != caller:
            expected = self.error("GovernanceNotProposer", pid, self.addr(caller))
        elif expected is None and not self.authorities[caller].votes:
            expected = self.error("GovernanceNotPortAuthority", self.addr(caller))

        def apply() -> None:
            self.proposals[index - 1].state = CANCELLED

        self.step(caller, "cancel", [pid], expected, apply)

    @rule(seconds=st.sampled_from([HOUR, DAY, 3 * DAY, 8 * DAY]))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds
        self.env.web3.provider.make_request("evm_mine", [self.now])

    @invariant()
    def the_chain_is_the_model(self) -> None:
        assert self.read() == self.modelled()


def test_votes_count_only_while_their_voters_are_active_authorities(
    chain, artifacts, governance, registry, members, four_ports
):
    w3 = Web3(Web3.HTTPProvider(chain.provider.http_uri))
    w3.middleware_onion.clear()
    shekou, shunde, hong_kong, macau = four_ports
    people = {"shekou": shekou, "shunde": shunde, "hong_kong": hong_kong, "macau": macau, "outsider": members.outsider}
    env = Env(
        chain=chain,
        web3=w3,
        governance=w3.eth.contract(address=governance.address, abi=artifacts[GOVERNANCE].abi),
        registry=w3.eth.contract(address=registry.address, abi=artifacts[REGISTRY].abi),
        governance_abi=governance,
        address={name: account.address for name, account in people.items()},
    )
    assert registry.parameter(registry.PROPOSAL_LIFETIME()) == LIFETIME
    machine = type("BoundGovernanceMachine", (GovernanceMachine,), {"env": env})
    ci = os.environ.get("PORTLINK_HYPOTHESIS_PROFILE") == "ci" or settings.get_current_profile_name() == CI_PROFILE
    run_state_machine_as_test(machine, settings=settings.get_profile(CI_PROFILE if ci else PROFILE))
