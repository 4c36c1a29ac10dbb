"""Batches: gateways anchor readings as a Merkle root; anyone proves a reading was (or was not) in a batch.

The trees are built by portlink.domain.iot.MerkleTree, and checked against the contract's own `readingLeaf` and
OpenZeppelin's MerkleProof, so the backend's proofs are the ones the chain accepts.
"""

from __future__ import annotations

import pytest
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from portlink.domain.consortium import Role
from portlink.domain.iot import DeviceKind, MerkleTree, verify_proof
from web3.exceptions import ContractCustomError

from tests.conftest import error_data, reverts
from tests.shipments.conftest import ev, logs

NO_PORT = bytes(5)


def readings(field, count: int) -> list:
    reefer = field.device(DeviceKind.TEMPERATURE, register=False)
    return [reefer.reading(400 + i) for i in range(count)]


def test_gateway_anchors_a_batch_with_event_and_reads(iot, field, members, chain):
    tree = MerkleTree([r.leaf() for r in readings(field, 5)])
    receipt = iot.anchorBatch(tree.root, 5, sender=members.iot_gateway)
    assert logs(receipt) == [
        ev(iot, "BatchAnchored", batchId=1, gateway=members.iot_gateway.address, root=tree.root, count=5)
    ]
    batch = iot.getBatch(1)
    assert (bytes(batch.root), batch.count, batch.anchoredAt, batch.gateway) == (
        tree.root,
        5,
        receipt.timestamp,
        members.iot_gateway.address,
    )
    assert iot.batchCount() == 1


def test_reading_leaf_is_the_backends(iot, field):
    for reading in readings(field, 3):
        assert bytes(iot.readingLeaf(reading.to_chain())) == reading.leaf()


@pytest.mark.parametrize("count", [1, 2, 3, 7, 16, 33])
def test_every_reading_of_a_batch_is_proven_in_it(iot, field, members, count):
    batch = readings(field, count)
    tree = MerkleTree([r.leaf() for r in batch])
    iot.anchorBatch(tree.root, count, sender=members.iot_gateway)
    for index, reading in enumerate(batch):
        proof = tree.proof(index)
        assert verify_proof(proof, tree.root, reading.leaf())
        assert iot.verifyInclusion(1, reading.to_chain(), proof), f"reading {index} of {count}"


def test_reading_outside_the_batch_or_edited_is_not_proven(iot, field, members):
    batch = readings(field, 4)
    tree = MerkleTree([r.leaf() for r in batch])
    iot.anchorBatch(tree.root, 4, sender=members.iot_gateway)
    outsider = readings(field, 1)[0]
    edited = type(batch[2])(**{**vars(batch[2]), "value": batch[2].value + 1})
    assert not iot.verifyInclusion(1, outsider.to_chain(), tree.proof(0))
    assert not iot.verifyInclusion(1, edited.to_chain(), tree.proof(2))
    assert not iot.verifyInclusion(1, batch[1].to_chain(), tree.proof(2))  # another reading's proof
    assert not verify_proof(tree.proof(2), tree.root, edited.leaf())


def test_proof_against_another_batch_fails(iot, field, members):
    first, second = readings(field, 3), readings(field, 3)
    for batch in (first, second):
        iot.anchorBatch(MerkleTree([r.leaf() for r in batch]).root, 3, sender=members.iot_gateway)
    proof = MerkleTree([r.leaf() for r in first]).proof(1)
    assert iot.verifyInclusion(1, first[1].to_chain(), proof)
    assert not iot.verifyInclusion(2, first[1].to_chain(), proof)


def test_inclusion_in_an_unknown_batch_reverts(iot, field, chain):
    # A view: ape does not decode the custom error of an eth_call, so the revert data is compared as bytes.
    data = iot.verifyInclusion.encode_input(9, readings(field, 1)[0].to_chain(), [])
    with pytest.raises(ContractCustomError) as raised:
        chain.provider.web3.eth.call({"to": iot.address, "data": data})
    assert HexBytes(raised.value.data) == HexBytes(error_data(iot, "IoTUnknownBatch", 9))


@pytest.mark.parametrize(("root", "count"), [(bytes(32), 4), (keccak(b"root"), 0)], ids=["zero root", "no readings"])
def test_anchor_reverts_if_batch_is_empty(iot, members, root, count):
    with reverts(iot.IoTInvalidBatch):
        iot.anchorBatch(root, count, sender=members.iot_gateway)


@pytest.mark.parametrize("caller", ["shipper", "shekou_customs", "outsider"])
def test_anchor_reverts_if_caller_is_not_an_iot_gateway(iot, members, caller):
    sender = getattr(members, caller)
    with reverts(iot.IoTUnauthorized, account=sender.address, role=Role.IOT_GATEWAY.id, port=NO_PORT):
        iot.anchorBatch(keccak(b"root"), 1, sender=sender)


def test_merkle_tree_refuses_empty_batches_and_missing_leaves():
    with pytest.raises(ValueError, match="at least one reading"):
        MerkleTree([])
    with pytest.raises(ValueError, match="32 bytes"):
        MerkleTree([b"short"])
    with pytest.raises(IndexError, match="no leaf 3 in a tree of 3"):
        MerkleTree([keccak(bytes([i])) for i in range(3)]).proof(3)
