"""What the DCSA Track & Trace tests share: the published specification (standards/dcsa, validators of its
schemas), voyages sent through the API (vessel calls recorded and shipments assigned by the carrier, milestones,
documents, customs), and a real HTTP receiver of callbacks that checks every signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import yaml
from eth_utils.crypto import keccak
from jsonschema import Draft202012Validator, FormatChecker

from tests.api.conftest import Api
from tests.conftest import ROOT
from tests.deployment.test_deploy import _free_port

SPEC = ROOT / "standards" / "dcsa" / "tnt_v2.2.0.yaml"
IMO = "9321483"
VESSEL = "KING OF THE SEAS"
SERVICE = "PRD"


def published() -> dict[str, Any]:
    """The published DCSA Track & Trace 2.2.0 OpenAPI document."""
    return yaml.safe_load(SPEC.read_text())


def validator(spec: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator of ``schema`` (which may ``$ref`` the document's components), formats checked."""
    return Draft202012Validator({"components": spec["components"], **schema}, format_checker=FormatChecker())


def event_validators(spec: dict[str, Any]) -> dict[str, Draft202012Validator]:
    """Validators of a page of events and of each event type, from the published schemas."""
    page = spec["paths"]["/v2/events"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return {
        "page": validator(spec, page),
        "SHIPMENT": validator(spec, {"$ref": "#/components/schemas/shipmentEvent"}),
        "TRANSPORT": validator(spec, {"$ref": "#/components/schemas/transportEvent"}),
        "EQUIPMENT": validator(spec, {"$ref": "#/components/schemas/equipmentEvent"}),
        "error": validator(spec, {"$ref": "#/components/schemas/error"}),
        "subscription": validator(spec, {"$ref": "#/components/schemas/subscription"}),
    }


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$ref`` (to the document's components) followed."""
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = {**document["components"]["schemas"][name], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(into)
    for key, value in extra.items():
        if key == "required":
            out["required"] = sorted({*out.get("required", []), *value})
        elif key == "properties":
            props = dict(out.get("properties", {}))
            for name, sub in value.items():
                props[name] = _merge(props.get(name, {}), sub)
            out["properties"] = props
        else:
            out[key] = value
    return out


def flat(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with references resolved and ``allOf`` merged, all the way down."""
    schema = resolve(document, schema)
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf", []):
        merged = _merge(merged, flat(document, part))
    if "properties" in merged:
        merged["properties"] = {k: flat(document, v) for k, v in merged["properties"].items()}
    if "items" in merged:
        merged["items"] = flat(document, merged["items"])
    for key in ("anyOf", "oneOf"):
        if key in merged:
            merged[key] = [flat(document, o) for o in merged[key]]
    return merged


def op_event(op: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [e for e in op["result"]["events"] if e["event"] == name]
    return found["args"]


@dataclass
class Voyage:
    """A vessel's export call at Shekou and import call at Shunde, with shipments on both."""

    export_call: str
    import_call: str
    export_voyage: str
    import_voyage: str
    shipments: list[dict[str, Any]] = field(default_factory=list)


def record_call(api: Api, port: str, export_voyage: str, import_voyage: str | None = None, **extra: Any) -> str:
    """The carrier records a call of the test vessel; returns its id."""
    body: dict[str, Any] = {
        "vesselIMONumber": IMO,
        "vesselName": VESSEL,
        "port": port,
        "carrierServiceCode": SERVICE,
        "exportVoyageNumber": export_voyage,
        **extra,
    }
    if import_voyage:
        body["importVoyageNumber"] = import_voyage
    op = api.carrier.confirmed("POST", "/v1/transport-calls", body)
    return op_event(op, "TransportCallRecorded")["callId"]


def voyage(api: Api, name: str) -> Voyage:
    """A new voyage (export ``<name>S`` from Shekou, arriving at Shunde as import voyage ``<name>S``, leaving
    there as ``<name>N``)."""
    export_voyage, onward = f"{name}S", f"{name}N"
    return Voyage(
        export_call=record_call(api, "CNSHK", export_voyage),
        import_call=record_call(api, "CNSUD", onward, export_voyage),
        export_voyage=export_voyage,
        import_voyage=onward,
    )


def ship(
    api: Api,
    trip: Voyage | None,
    *,
    booking: str | None = None,
    until: str = "DISC",
    declare: bool = True,
    approve: bool = True,
    spacing: int = 0,
) -> dict[str, Any]:
    """A shipment of one container through the milestones up to ``until`` (GTIN, LOAD, DEPA, ARRI, DISC), on
    ``trip``'s calls (none: no call recorded), with the carrier's ``booking``, a bill of lading, and (``declare``)
    a customs declaration (``approve``: approved by both customs); with ``spacing``, the chain's clock moves on that
    many seconds before each milestone. Returns the registration body with ``shipmentId``."""
    body = api.registration(containers=1, owner="DCS")
    op = api.shipper.confirmed("POST", "/v1/shipments", body)
    sid = op_event(op, "ShipmentRegistered")["shipmentId"]
    body["shipmentId"] = sid
    if booking:
        api.carrier.confirmed("POST", f"/v1/shipments/{sid}/booking", {"carrierBookingReference": booking})
    if trip is not None:
        for call in (trip.export_call, trip.import_call):
            api.carrier.confirmed("POST", f"/v1/transport-calls/{call}/shipments", {"shipmentId": sid})
        trip.shipments.append(body)
    box = body["containers"][0]
    milestones = f"/v1/shipments/{sid}/milestones"

    def later() -> None:
        if spacing:
            api.chain.w3.provider.make_request("evm_increaseTime", [spacing])

    later()
    api.shekou_terminal.confirmed(
        "POST", milestones, {"milestone": "GTIN", "containerIndex": 0, "observedGrossKg": 20_000, "seals": box["seals"]}
    )
    api.shipper.confirmed(
        "POST",
        f"/v1/shipments/{sid}/documents",
        {"docType": "BILL_OF_LADING", "digest": "0x" + keccak(text="B/L " + sid).hex()},
    )
    if declare:
        declaration = {
            "shipmentId": sid,
            "digest": "0x" + keccak(text=sid).hex(),
            "hsCodes": ["850440"],
            "customsValue": 10,
            "currency": "CNY",
        }
        op = api.shipper.confirmed("POST", "/v1/declarations", declaration)
        api.synced(op["blockNumber"])
        for officer, port in ((api.shekou_customs, "CNSHK"), (api.shunde_customs, "CNSUD")) if approve else ():
            officer.confirmed(
                "POST", f"/v1/declarations/{sid}/decisions", {"version": 1, "port": port, "decision": "APPROVE"}
            )
    order = ["GTIN", "LOAD", "DEPA", "ARRI", "DISC"]
    for milestone in order[1 : order.index(until) + 1]:
        who = {"LOAD": api.shekou_terminal, "DISC": api.shunde_terminal}.get(milestone, api.carrier)
        payload: dict[str, Any] = {"milestone": milestone}
        if milestone in ("LOAD", "DISC"):
            payload["containerIndex"] = 0
        later()
        who.confirmed("POST", milestones, payload)
    api.synced()
    return body


def mine(api: Api, blocks: int = 3) -> None:
    """Mine ``blocks`` empty blocks (events become final) and wait for the index."""
    api.chain.w3.provider.make_request("anvil_mine", [blocks])
    api.synced()


# ---------------------------------------------------------------------------------------------------- the receiver


@dataclass
class Callback:
    """One callback as it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes
    valid_signature: bool
    status: int

    @property
    def events(self) -> list[dict[str, Any]]:
        return json.loads(self.body)


class Receiver:
    """A real HTTP server that takes callbacks: it checks each ``Notification-Signature`` against the secret of
    the subscription named in ``Subscription-ID``, records it as it arrives, and answers 204 (or ``status``, after
    ``delay`` seconds). It can be taken down (connections refused) and brought back on the same port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.secrets: dict[str, bytes] = {}
        self.callbacks: list[Callback] = []
        self.status = 204
        self.delay = 0.0
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callbacks"

    @staticmethod
    def new_secret() -> tuple[str, bytes]:
        """A fresh secret: (base64 as the subscription takes it, the key)."""
        key = secrets.token_bytes(32)
        return base64.b64encode(key).decode(), key

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k: v for k, v in self.headers.items()}
                key = receiver.secrets.get(self.headers.get("Subscription-ID", ""), b"")
                expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
                valid = hmac.compare_digest(expected, self.headers.get("Notification-Signature", ""))
                status = receiver.status
                with receiver.lock:
                    receiver.callbacks.append(Callback(self.path, headers, body, valid, status))
                    receiver.arrived.set()
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Take the receiver down: connections are refused until :meth:`start`."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def received(self, subscription_id: str) -> list[Callback]:
        """The callbacks of one subscription, in arrival order."""
        with self.lock:
            return [c for c in self.callbacks if c.headers.get("Subscription-ID") == subscription_id]

    def event_ids(self, subscription_id: str) -> list[str]:
        """The event ids of one subscription's callbacks that were accepted (answered 2xx), in arrival order."""
        accepted = [c for c in self.received(subscription_id) if c.status < 300]
        return [e.get("eventID") or _chain_id(e) for c in accepted for e in c.events]

    def wait_for(self, subscription_id: str, count: int, timeout: float = 60.0) -> list[str]:
        """Wait until the subscription's callbacks hold ``count`` distinct events; returns every event id."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ids = self.event_ids(subscription_id)
            if len(set(ids)) >= count:
                return ids
            time.sleep(0.1)
        raise AssertionError(f"{len(set(self.event_ids(subscription_id)))} of {count} events arrived")


def _chain_id(event: dict[str, Any]) -> str:
    return f"{event['blockHash']}:{event['logIndex']}"
