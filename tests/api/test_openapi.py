"""The OpenAPI document says exactly what a client gets: every response schema declares its fields and forbids
others. Free-form maps are allowed only where the values vary by design, listed here with the reason."""

from __future__ import annotations

from typing import Any

import pytest
from portlink.api.app import create_app
from portlink.settings import Settings

#: (schema, property) pairs that are maps by design.
MAPS = {
    # A contract event's or custom error's arguments: their names and types come from the ABI of each event.
    ("ChainEventPublic", "args"),
    ("DecodedEventPublic", "args"),
    ("RevertedErrorPublic", "args"),
    ("RevertedError", "args"),
    # EIP-712: the domain and the message are typed by the document's own `types`.
    ("TypedDataPublic", "domain"),
    ("TypedDataPublic", "message"),
    # EIP-712 `types`: struct name -> its fields (each a closed TypedDataField).
    ("TypedDataPublic", "types"),
}
#: Paths whose bodies are not PortLink's to define: DCSA Track & Trace 2.2 (events, subscriptions, errors) is the
#: published specification's, whose schemas are open; tests/api/test_dcsa_openapi.py checks that our document
#: says what it says, and the DCSA tests validate every answer against it.
FOREIGN_PREFIX = "/v2/"


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("openapi")
    return create_app(Settings(database_url=f"sqlite:///{folder}/db.sqlite")).openapi()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return name, document["components"]["schemas"][name]
    return None, schema


def _open_objects(document: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Every object schema reachable from ``schema`` that admits undeclared fields."""
    name, schema = _resolve(document, schema)
    if name is not None:
        if name in seen:
            return []
        seen.add(name)
        where = name
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            found += _open_objects(document, option, where, seen)
    if "items" in schema:
        found += _open_objects(document, schema["items"], where, seen)
    properties = schema.get("properties")
    if properties is not None:
        if schema.get("additionalProperties") is not False:
            found.append(f"{where}: admits undeclared fields")
        for prop, sub in properties.items():
            if (where, prop) in MAPS:
                continue
            found += _open_objects(document, sub, f"{where}.{prop}", seen)
    elif schema.get("type") == "object" or "additionalProperties" in schema:
        found.append(f"{where}: a free-form object")
    return found


def test_every_response_schema_is_closed(document):
    problems: list[str] = []
    seen: set[str] = set()  # each named schema is walked once, wherever it is used
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if path.startswith(FOREIGN_PREFIX):
                continue
            for status, response in operation.get("responses", {}).items():
                for media, content in response.get("content", {}).items():
                    if "schema" in content and media != "text/event-stream":
                        where = f"{method.upper()} {path} {status}"
                        problems += _open_objects(document, content["schema"], where, seen)
    assert len(seen) >= 30, "the walk reached too few schemas to mean anything"
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_walk_finds_an_open_schema():
    """The check itself fails on an open model (it is not a test that cannot fail)."""
    document = {
        "components": {"schemas": {"Open": {"type": "object", "properties": {"a": {"type": "string"}}}}},
    }
    assert _open_objects(document, {"$ref": "#/components/schemas/Open"}, "x", set()) == [
        "Open: admits undeclared fields"
    ]
