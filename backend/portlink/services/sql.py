"""What every reading service shares: running a query into plain rows, paging with a total or by keyset (cursors),
the spellings of an address the index may hold, and the shipments a member is a party of (the root of most
visibility rules)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from eth_utils.address import to_checksum_address
from sqlalchemy import ColumnElement, Connection, Select, and_, func, or_, select

from portlink.errors import InvalidInputError
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


# ---------------------------------------------------------------------------------------------------- keyset paging

Direction = Literal["after", "before", "last"]


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after or before the row with these sort keys, or the last page; ``query`` is the
    fingerprint of the query it belongs to (a cursor is refused with another query's filters or order)."""

    direction: Direction
    keys: tuple[Any, ...] = ()
    query: str = ""

    def encode(self) -> str:
        """The opaque ``cursor`` parameter."""
        raw = json.dumps({"d": self.direction, "k": list(self.keys), "q": self.query}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        """The cursor a ``cursor`` parameter names; :class:`InvalidInputError` for one this server did not make."""
        invalid = InvalidInputError("the cursor is not one this server made", "query.cursor")
        try:
            raw = json.loads(base64.urlsafe_b64decode((value + "=" * (-len(value) % 4)).encode()))
            direction, keys, query = raw["d"], raw["k"], raw["q"]
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
            raise invalid from None
        if (
            direction not in ("after", "before", "last")
            or not isinstance(keys, list)
            or not isinstance(query, str)
            or any(not isinstance(k, str | int) or isinstance(k, bool) for k in keys)
        ):
            raise invalid
        return cls(direction, tuple(keys), query)


@dataclass(frozen=True)
class SortKey:
    """One field of a ``sort`` parameter (``eventCreatedDateTime:DESC``)."""

    field: str
    descending: bool = False


def sort_keys(value: str | None, fields: Iterable[str]) -> tuple[SortKey, ...]:
    """A ``sort`` parameter (comma-separated ``field[:ASC|:DESC]``, the DCSA convention) as keys of ``fields``;
    :class:`InvalidInputError` for an unknown field or direction, or a field named twice."""
    if value is None or not value.strip():
        return ()
    known = list(fields)
    keys: list[SortKey] = []
    for part in value.split(","):
        name, _, direction = part.strip().partition(":")
        if name not in known:
            raise InvalidInputError(f"cannot sort by {name!r}: sort by {', '.join(known)}", "query.sort")
        if direction.upper() not in ("", "ASC", "DESC"):
            raise InvalidInputError(f"sort direction {direction!r} is not ASC or DESC", "query.sort")
        if any(k.field == name for k in keys):
            raise InvalidInputError(f"{name} is named twice in sort", "query.sort")
        keys.append(SortKey(name, direction.upper() == "DESC"))
    return tuple(keys)


@dataclass(frozen=True)
class OrderKey:
    """A column of a keyset order (never NULL, so that comparisons hold), its direction and whether its values are
    integers (strings otherwise)."""

    column: ColumnElement[Any]
    descending: bool = False
    integer: bool = False


@dataclass(frozen=True)
class KeysetPage:
    """Rows of one page and where the pages around it start (``None``: there is none)."""

    rows: list[dict[str, Any]]
    next: Cursor | None
    prev: Cursor | None
    last: Cursor | None
    #: Whether the page is not the first one (so a link to the first page says something).
    has_first: bool


def fingerprint(*parts: Any) -> str:
    """A short digest of a query's filters and order (JSON-able ``parts``)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _after(order: Sequence[OrderKey], keys: Sequence[Any], *, flipped: bool = False) -> ColumnElement[bool]:
    """Rows strictly after ``keys`` in ``order`` (before them with ``flipped``)."""
    options: list[ColumnElement[bool]] = []
    for i, key in enumerate(order):
        equal = [order[j].column == keys[j] for j in range(i)]
        later = key.column < keys[i] if key.descending != flipped else key.column > keys[i]
        options.append(and_(*equal, later))
    return or_(*options)


def keyset_page(
    conn: Connection, query: Select[Any], order: Sequence[OrderKey], *, limit: int, cursor: Cursor | None, query_id: str
) -> KeysetPage:
    """The page of ``query`` in ``order`` (whose last keys must make rows unique) that ``cursor`` names (the first
    without one), at most ``limit`` rows: pages never overlap (going back to the start, the first page may be
    shorter). A cursor of another query, or with keys of the wrong kind, is an :class:`InvalidInputError`."""
    invalid = InvalidInputError("the cursor is not one this server made", "query.cursor")
    if cursor is not None and cursor.query != query_id:
        raise InvalidInputError(
            "the cursor belongs to another query: send it with the filters and sort of the page it came from",
            "query.cursor",
        )
    if (
        cursor is not None
        and cursor.direction != "last"
        and (
            len(cursor.keys) != len(order)
            or any(isinstance(v, int) != k.integer for v, k in zip(cursor.keys, order, strict=True))
        )
    ):
        raise invalid
    keyed = query.add_columns(*(k.column.label(f"_k{i}") for i, k in enumerate(order)))

    def keys_of(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[f"_k{i}"] for i in range(len(order)))

    def fetch(direction: Direction | None, keys: Sequence[Any] = ()) -> list[dict[str, Any]]:
        select_ = keyed
        backwards = direction in ("before", "last")
        if direction in ("after", "before"):
            select_ = select_.where(_after(order, keys, flipped=direction == "before"))
        sort = [(k.column.asc() if k.descending == backwards else k.column.desc()) for k in order]
        found = rows(conn, select_.order_by(*sort).limit(limit + 1))
        return found[::-1] if backwards else found

    def exists(keys: Sequence[Any], *, before: bool) -> bool:
        return bool(rows(conn, keyed.where(_after(order, keys, flipped=before)).limit(1)))

    direction = cursor.direction if cursor is not None else None
    found = fetch(direction, cursor.keys if cursor is not None else ())
    if direction in ("before", "last"):
        more_before = len(found) > limit
        found = found[-limit:] if more_before else found
        more_after = direction == "before" and bool(found) and exists(keys_of(found[-1]), before=False)
    else:
        more_after = len(found) > limit
        found = found[:limit]
        more_before = direction == "after" and bool(found) and exists(keys_of(found[0]), before=True)
    return KeysetPage(
        rows=found,
        next=Cursor("after", keys_of(found[-1]), query_id) if more_after else None,
        prev=Cursor("before", keys_of(found[0]), query_id) if more_before else None,
        last=Cursor("last", (), query_id) if more_after else None,
        has_first=more_before,
    )
