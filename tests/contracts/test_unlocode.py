"""UN/LOCODE structure checks: the registry constructor, governance.proposePort and the Python mirror agree.

A UN/LOCODE is two letters A-Z (the ISO 3166-1 country) and three letters A-Z or digits 2-9 (the location).
"""

from __future__ import annotations

import pytest
from ape.exceptions import ContractLogicError
from hexbytes import HexBytes
from portlink.domain.consortium import parse_unlocode
from web3.exceptions import ContractCustomError

from tests.conftest import SHEKOU, SHUNDE, error_data, reverts

# ---------------------------------------------------------------------------------------------------- tables

FAILED = 5  # IConsortiumGovernance.ProposalState.Failed
EXECUTED = 2

VALID = [
    (b"CNSHK", "shekou"),
    (b"CNSUD", "shunde"),
    (b"HKHKG", "hong-kong"),
    (b"MOMFM", "macau"),
    (b"CNSZX", "shenzhen"),
    (b"CNZ2Q", "digit-in-location"),
    (b"XX234", "digits-2-3-4"),
    (b"XX567", "digits-5-6-7"),
    (b"XX89A", "digits-8-9"),
    (b"AAAAA", "all-A"),
    (b"ZZZZZ", "all-Z"),
]

INVALID = [
    (b"cnshk", "lowercase"),
    (b"CNshk", "lowercase-location"),
    (b"cnSHK", "lowercase-country"),
    (b"CNSHk", "one-lowercase-letter"),
    (b"CNSH0", "digit-0-in-location"),
    (b"CNSH1", "digit-1-in-location"),
    (b"CN0HK", "digit-0-first-in-location"),
    (b"CN1HK", "digit-1-first-in-location"),
    (b"C2SHK", "digit-in-country"),
    (b"2NSHK", "digit-first-in-country"),
    (b"99SHK", "digits-as-country"),
    (bytes(5), "zero-bytes"),
    (b"CNSH\x00", "trailing-zero-byte"),
    (b"\x00NSHK", "leading-zero-byte"),
    (b"CN SH", "space"),
    (b"CNSH ", "trailing-space"),
    (b" CNSH", "leading-space"),
    (b"CN-SH", "hyphen"),
    (b"CN.SH", "dot"),
    (b"CNSH@", "at-sign-below-A"),
    (b"CNSH[", "bracket-above-Z"),
    (b"CNSH`", "backtick-below-a"),
    (b"CNSH{", "brace-above-z"),
    (b"CNSH/", "slash-below-0"),
    (b"CNSH:", "colon-above-9"),
    (b"@NSHK", "at-sign-in-country"),
    (b"[NSHK", "bracket-in-country"),
    (b"CNSH\xc4", "latin-1-letter"),
    (b"\xffNSHK", "byte-ff"),
]


def ids(table) -> list[str]:
    return [name for _, name in table]


def codes(table) -> list[bytes]:
    return [code for code, _ in table]


def chain_accepts(chain, governance, members, code: bytes) -> bool:
    """Whether governance.proposePort takes `code` (an eth_call: nothing is proposed)."""
    data = governance.proposePort.encode_input(code, "Port", members.newcomer, "Port Authority", "ORG")
    try:
        chain.provider.web3.eth.call({"from": members.shekou_authority.address, "to": governance.address, "data": data})
    except ContractCustomError as err:
        refusal = HexBytes(err.data)
    else:
        return True
    assert refusal == error_data(governance, "GovernanceInvalidUnLocode", code)
    return False


def normalised(code: bytes) -> str:
    """What `parse_unlocode` makes of the text of `code`: spaces dropped, letters upper-cased."""
    return code.decode("latin-1").replace(" ", "").upper()


# ---------------------------------------------------------------------------------------------------- constructor


def test_constructor_accepts_every_valid_code(project, accounts, members):
    authorities = accounts[: len(VALID)]
    ports = [
        (code, name, a.address, f"{name} authority", "") for (code, name), a in zip(VALID, authorities, strict=True)
    ]
    registry = project.ConsortiumRegistry.deploy(members.deployer.address, ports, [], sender=members.deployer)
    for (code, name), authority in zip(VALID, authorities, strict=True):
        port = registry.getPort(code)
        assert (port.status, port.authority, port.name) == (1, authority.address, name)
    assert registry.activeAuthorityCount() == len(VALID)


@pytest.mark.parametrize("code", codes(INVALID), ids=ids(INVALID))
def test_constructor_reverts_if_code_is_invalid(project, members, code):
    port = (code, "Port", members.newcomer.address, "Port Authority", "")
    with pytest.raises(ContractLogicError) as info:
        project.ConsortiumRegistry.deploy(members.deployer.address, [port], [], sender=members.deployer)
    assert HexBytes(info.value.revert_message) == error_data(
        project.ConsortiumRegistry, "ConsortiumInvalidUnLocode", code
    )


# ---------------------------------------------------------------------------------------------------- governance


@pytest.mark.parametrize("code", codes(VALID), ids=ids(VALID))
def test_propose_port_accepts_valid_code(registry, governance, members, admit, code):
    pid, _ = admit("proposePort", code, "Port", members.newcomer, "Port Authority", "ORG")
    if code in (SHEKOU, SHUNDE):  # valid, but taken: refused by the registry when the vote passes
        assert governance.state(pid) == FAILED
        return
    assert governance.state(pid) == EXECUTED
    assert registry.getPort(code).status == 1
    assert registry.hasPortRole(registry.PORT_AUTHORITY_ROLE(), code, members.newcomer)


@pytest.mark.parametrize("code", codes(INVALID), ids=ids(INVALID))
def test_propose_port_reverts_if_code_is_invalid(governance, members, code):
    with reverts(governance.GovernanceInvalidUnLocode, code=code):
        governance.proposePort(code, "Port", members.newcomer, "Port Authority", "ORG", sender=members.shekou_authority)
    assert governance.proposalCount() == 0


# ---------------------------------------------------------------------------------------------------- Python mirror


@pytest.mark.parametrize("code", codes(VALID), ids=ids(VALID))
def test_python_mirror_accepts_valid_code_unchanged(code):
    assert parse_unlocode(code.decode()) == code


@pytest.mark.parametrize("code", codes(VALID + INVALID), ids=ids(VALID + INVALID))
def test_python_mirror_agrees_with_the_chain_on_the_normalised_code(chain, governance, members, code):
    text = normalised(code)
    on_chain = text.isascii() and len(text) == 5 and chain_accepts(chain, governance, members, text.encode())
    try:
        parsed = parse_unlocode(code.decode("latin-1"))
    except ValueError:
        assert not on_chain
    else:
        assert on_chain
        assert parsed == text.encode()


@pytest.mark.parametrize(
    "code",
    [c for c in codes(INVALID) if c.decode("latin-1") == normalised(c)],
    ids=[n for c, n in INVALID if c.decode("latin-1") == normalised(c)],
)
def test_python_mirror_refuses_code_the_chain_refuses_if_nothing_needs_normalising(code):
    with pytest.raises(ValueError, match="is not a UN/LOCODE"):
        parse_unlocode(code.decode("latin-1"))


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("cnshk", b"CNSHK"),
        ("CnSuD", b"CNSUD"),
        ("cnz2q", b"CNZ2Q"),
        ("CN SHK", b"CNSHK"),  # the printed form
        ("HK HKG", b"HKHKG"),
        (" MOMFM ", b"MOMFM"),
        ("C N S H K", b"CNSHK"),  # every space goes, not just the one after the country
    ],
    ids=["lowercase", "mixed-case", "lowercase-with-digit", "printed-form", "printed-form-hk", "padded", "spaced-out"],
)
def test_python_mirror_drops_spaces_and_upper_cases(chain, governance, members, text, parsed):
    assert parse_unlocode(text) == parsed
    assert chain_accepts(chain, governance, members, parsed)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "CNSH",
        "CNSHKX",
        "CN-SHK",
        "CN\tSHK",
        "CN\nSHK",
        "CNSH0",
        "C2SHK",
        "\uff23\uff2e\uff33\uff28\uff2b",
        "CNSH\uff12",
        "cn\u017fhk",
        "cn\u0131hk",
    ],
    ids=[
        "empty",
        "four-chars",
        "six-chars",
        "hyphen",
        "tab",
        "newline",
        "digit-0",
        "digit-in-country",
        "fullwidth",
        "fullwidth-digit",
        "long-s-upper-cases-to-S",
        "dotless-i-upper-cases-to-I",
    ],
)
def test_python_mirror_refuses_non_unlocode_text(text):
    with pytest.raises(ValueError, match="is not a UN/LOCODE"):
        parse_unlocode(text)
