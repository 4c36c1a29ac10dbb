"""A refused transaction as a problem: its revert data decoded against the manifest ABIs."""

from __future__ import annotations

from portlink.services.contracts import Contracts
from portlink.services.operations.records import ProblemBody


def revert_problem(contracts: Contracts, data: bytes, fallback: str, op_id: str) -> ProblemBody:
    """The problem of operation ``op_id`` whose transaction reverted with ``data`` (``fallback``: the node's
    message, for a revert without data)."""
    decoded = contracts.decode_error(data, fallback)
    detail = f"{decoded.contract + '.' if decoded.contract else ''}{decoded.name}" + (
        f"({', '.join(f'{k}={v}' for k, v in decoded.args.items())})" if decoded.args else ""
    )
    return {
        "type": decoded.problem_type,
        "status": decoded.status,
        "title": decoded.title,
        "detail": f"the chain refused the transaction: {detail}",
        "error": {"name": decoded.name, "contract": decoded.contract, "args": decoded.args},
        "operation": op_id,
    }
