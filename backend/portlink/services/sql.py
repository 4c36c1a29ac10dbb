"""What every reading service shares: running a query into plain rows, paging with a total, the spellings of an
address the index may hold, and the shipments a member is a party of (the root of most visibility rules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from eth_utils.address import to_checksum_address
from sqlalchemy import Connection, Select, func, or_, select

from portlink.store import schema

T = TypeVar("T")

#: Ids above this are not in the index (SQL integers are 64-bit signed): a lookup of one finds nothing.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items and the total count of the rows that match."""

    total: int
    limit: int
    offset: int
    items: Sequence[T]


def rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    """The rows of ``query`` as dicts."""
    return [dict(r) for r in conn.execute(query).mappings()]


def page(
    conn: Connection, query: Select[Any], order: list[Any], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """The total count of ``query``'s rows and the page of them at ``offset``, in ``order``."""
    total = int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    return total, rows(conn, query.order_by(*order).limit(limit).offset(offset))


def forms(address: str) -> list[str]:
    """An address as the index may spell it (EIP-55, as decoded, or lower case)."""
    return [to_checksum_address(address), address.lower()]


def checksum(value: str | None) -> str | None:
    """An address in EIP-55 form, or ``None``."""
    return None if value is None else to_checksum_address(value)


def party_shipments(party: str) -> Select[Any]:
    """``SELECT`` of the ids of the shipments ``party`` is the shipper, carrier or consignee of."""
    s, spelled = schema.shipments, forms(party)
    return select(s.c.shipment_id).where(
        or_(s.c.shipper.in_(spelled), s.c.carrier.in_(spelled), s.c.consignee.in_(spelled))
    )
