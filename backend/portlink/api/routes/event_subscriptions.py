"""``/v2/event-subscriptions``: DCSA Track & Trace 2.2 event subscriptions. A member subscribes a callback URL
with a shared secret and the standard's filters; every event indexed from then on that matches them and that the
member may read is POSTed to the callback (a JSON array of events, ``Notification-Signature: sha256=<HMAC>``,
``Subscription-ID``, ``API-Version``), at least once (:mod:`portlink.services.webhooks`). A member sees and changes
only its own subscriptions; the secret is never answered back.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from portlink.api import dcsa
from portlink.api.deps import CallerDep, SubscriptionsDep
from portlink.api.routes.events import (
    MAX_LIMIT,
    DocumentTypeCode,
    EquipmentEventTypeCode,
    ShipmentEventTypeCode,
    TransportEventTypeCode,
    page_headers,
)
from portlink.errors import InvalidInputError
from portlink.services.dcsa import SubscriptionFilters
from portlink.services.sql import Cursor, sort_keys
from portlink.services.subscriptions import DCSA_TOPIC, SORT_FIELDS, Subscription

router = APIRouter(
    prefix="/v2/event-subscriptions", tags=["DCSA Track & Trace"], dependencies=[Depends(dcsa.check_api_version)]
)

EventType = Literal["SHIPMENT", "TRANSPORT", "EQUIPMENT"]
SubscriptionId = Annotated[uuid.UUID, Path(description="The subscription's id.")]
#: Marks a field the standard deprecates (in the schema only: pydantic's own flag warns on every read).
_DEPRECATED: dict[str, Any] = {"deprecated": True}


class _Filters(dcsa.DcsaBody):
    """The standard's subscription filters (lists: any value; every filter given must match)."""

    eventType: list[EventType] | None = None
    shipmentEventTypeCode: list[ShipmentEventTypeCode] | None = None
    documentTypeCode: list[DocumentTypeCode] | None = None
    carrierBookingReference: str | None = Field(None, max_length=35)
    bookingReference: str | None = Field(None, max_length=35, json_schema_extra=_DEPRECATED)
    transportDocumentID: uuid.UUID | None = Field(None, json_schema_extra=_DEPRECATED)
    transportDocumentReference: str | None = Field(None, max_length=20)
    transportDocumentTypeCode: list[Literal["BOL", "SWB"]] | None = Field(None, json_schema_extra=_DEPRECATED)
    transportEventTypeCode: list[TransportEventTypeCode] | None = None
    scheduleID: uuid.UUID | None = Field(None, json_schema_extra=_DEPRECATED)
    transportCallID: str | None = Field(None, max_length=100)
    vesselIMONumber: str | None = Field(None, max_length=7)
    carrierVoyageNumber: str | None = Field(None, max_length=50, json_schema_extra=_DEPRECATED)
    exportVoyageNumber: str | None = Field(None, max_length=50)
    carrierServiceCode: str | None = Field(None, max_length=5)
    UNLocationCode: str | None = Field(None, max_length=5)
    equipmentEventTypeCode: list[EquipmentEventTypeCode] | None = None
    equipmentReference: str | None = Field(None, max_length=15)

    def filters(self) -> SubscriptionFilters:
        """The filters as the service keeps them."""

        def listed(value: list[Any] | None) -> tuple[str, ...] | None:
            return None if value is None else tuple(str(v) for v in value)

        def text(value: Any) -> str | None:
            return None if value is None else str(value)

        return SubscriptionFilters(
            event_type=listed(self.eventType),
            shipment_event_type_code=listed(self.shipmentEventTypeCode),
            document_type_code=listed(self.documentTypeCode),
            carrier_booking_reference=self.carrierBookingReference,
            booking_reference=self.bookingReference,
            transport_document_id=text(self.transportDocumentID),
            transport_document_reference=self.transportDocumentReference,
            transport_document_type_code=listed(self.transportDocumentTypeCode),
            transport_event_type_code=listed(self.transportEventTypeCode),
            schedule_id=text(self.scheduleID),
            transport_call_id=self.transportCallID,
            vessel_imo_number=self.vesselIMONumber,
            carrier_voyage_number=self.carrierVoyageNumber,
            export_voyage_number=self.exportVoyageNumber,
            carrier_service_code=self.carrierServiceCode,
            un_location_code=self.UNLocationCode,
            equipment_event_type_code=listed(self.equipmentEventTypeCode),
            equipment_reference=self.equipmentReference,
        )


_URI: dict[str, Any] = {"format": "uri"}
_BYTE: dict[str, Any] = {"format": "byte"}


class SubscriptionCreate(_Filters):
    """A new subscription: where to send events, the secret that signs them, and which events."""

    callbackUrl: str = Field(json_schema_extra=_URI, description="http(s) URL the events are POSTed to.")
    secret: str = Field(
        json_schema_extra=_BYTE,
        description="Base64 of 32 or more random bytes: the HMAC-SHA256 key of Notification-Signature.",
    )


class SubscriptionChange(_Filters):
    """A subscription's new callback and filters (all of them: a filter left out is dropped)."""

    subscriptionID: uuid.UUID | None = None
    callbackUrl: str = Field(json_schema_extra=_URI)

    @model_validator(mode="before")
    @classmethod
    def _no_secret(cls, data: Any) -> Any:
        if isinstance(data, dict) and "secret" in data:
            raise ValueError("the secret is changed with PUT /v2/event-subscriptions/{subscriptionID}/secret")
        return data


class SecretChange(dcsa.DcsaBody):
    """A subscription's new secret."""

    secret: str | None = Field(None, json_schema_extra=_BYTE, description="Base64 of 32 or more random bytes.")


class EventSubscription(dcsa.Dcsa):
    """A subscription as the standard shows it (its secret never)."""

    subscription_id: uuid.UUID = Field(alias="subscriptionID")
    callback_url: str = Field(alias="callbackUrl", json_schema_extra=_URI)
    event_type: list[EventType] | None = Field(None, alias="eventType")
    shipment_event_type_code: list[ShipmentEventTypeCode] | None = Field(None, alias="shipmentEventTypeCode")
    document_type_code: list[DocumentTypeCode] | None = Field(None, alias="documentTypeCode")
    carrier_booking_reference: str | None = Field(None, alias="carrierBookingReference", max_length=35)
    booking_reference: str | None = Field(None, alias="bookingReference", max_length=35)
    transport_document_id: uuid.UUID | None = Field(None, alias="transportDocumentID")
    transport_document_reference: str | None = Field(None, alias="transportDocumentReference", max_length=20)
    transport_document_type_code: list[Literal["BOL", "SWB"]] | None = Field(None, alias="transportDocumentTypeCode")
    transport_event_type_code: list[TransportEventTypeCode] | None = Field(None, alias="transportEventTypeCode")
    schedule_id: uuid.UUID | None = Field(None, alias="scheduleID")
    transport_call_id: str | None = Field(None, alias="transportCallID", max_length=100)
    vessel_imo_number: str | None = Field(None, alias="vesselIMONumber", max_length=7)
    carrier_voyage_number: str | None = Field(None, alias="carrierVoyageNumber", max_length=50)
    export_voyage_number: str | None = Field(None, alias="exportVoyageNumber", max_length=50)
    carrier_service_code: str | None = Field(None, alias="carrierServiceCode", max_length=5)
    un_location_code: str | None = Field(None, alias="UNLocationCode", max_length=5)
    equipment_event_type_code: list[EquipmentEventTypeCode] | None = Field(None, alias="equipmentEventTypeCode")
    equipment_reference: str | None = Field(None, alias="equipmentReference", max_length=15)

    @classmethod
    def of(cls, subscription: Subscription) -> EventSubscription:
        """The public view of a subscription record."""
        return cls.model_validate(
            {
                "subscription_id": subscription.subscription_id,
                "callback_url": subscription.callback_url,
                **subscription.filters,
            }
        )


def _json(subscription: Subscription, status: int = 200) -> JSONResponse:
    return JSONResponse(dcsa.dump(EventSubscription.of(subscription)), status_code=status)


_LIST_HEADERS = {
    "API-Version": {"schema": {"type": "string"}},
    "Current-Page": {"schema": {"type": "string"}, "required": True},
    "Next-Page": {"schema": {"type": "string"}},
    "Prev-Page": {"schema": {"type": "string"}},
    "Last-Page": {"schema": {"type": "string"}},
    "First-Page": {"schema": {"type": "string"}},
}


@router.get(
    "",
    response_model=list[EventSubscription],
    responses={200: {"description": "Your subscriptions", "headers": _LIST_HEADERS}, **dcsa.responses()},
    summary="Receive a list of your active subscriptions",
)
def list_subscriptions(
    request: Request,
    subscriptions: SubscriptionsDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Most subscriptions in the page.")] = 100,
    cursor: Annotated[str | None, Query(description="A server generated value (from Next-Page).")] = None,
    sort: Annotated[str | None, Query(description="subscriptionID or callbackUrl, :ASC or :DESC.")] = None,
) -> JSONResponse:
    """The caller's subscriptions, oldest first (or by ``sort``), with the standard's paging headers."""
    found = subscriptions.list(
        caller,
        DCSA_TOPIC,
        limit=min(limit, 1000),
        cursor=Cursor.decode(cursor) if cursor is not None else None,
        sort=sort_keys(sort, SORT_FIELDS),
    )
    page = found.page
    headers = page_headers(request, page.next, page.prev, page.last, page.has_first)
    return JSONResponse([dcsa.dump(EventSubscription.of(s)) for s in found.items], headers=headers)


@router.post(
    "",
    status_code=201,
    response_model=EventSubscription,
    responses={201: {"description": "Subscription created"}, **dcsa.responses()},
    summary="Create a subscription",
)
def create_subscription(body: SubscriptionCreate, subscriptions: SubscriptionsDep, caller: CallerDep) -> JSONResponse:
    """Subscribe ``callbackUrl`` to the events indexed from now on that match the filters and that the caller may
    read (parties: their shipments' events; customs and auditors: all)."""
    found = subscriptions.create(caller, DCSA_TOPIC, body.callbackUrl, body.secret, body.filters().to_json())
    return _json(found, 201)


@router.get(
    "/{subscriptionID}",
    response_model=EventSubscription,
    responses={200: {"description": "Subscription returned"}, **dcsa.responses()},
    summary="Find a subscription by subscription ID",
)
def get_subscription(
    subscriptionID: SubscriptionId, subscriptions: SubscriptionsDep, caller: CallerDep
) -> JSONResponse:
    """One of the caller's subscriptions."""
    return _json(subscriptions.get(caller, DCSA_TOPIC, str(subscriptionID)))


@router.put(
    "/{subscriptionID}",
    response_model=EventSubscription,
    responses={200: {"description": "Subscription updated"}, **dcsa.responses()},
    summary="Alter a subscription",
)
def change_subscription(
    subscriptionID: SubscriptionId, body: SubscriptionChange, subscriptions: SubscriptionsDep, caller: CallerDep
) -> JSONResponse:
    """Replace a subscription's callback and filters; events not yet sent are sent as the new filters say."""
    if body.subscriptionID is not None and body.subscriptionID != subscriptionID:
        raise InvalidInputError("the body's subscriptionID is not the one in the path", "body.subscriptionID")
    found = subscriptions.replace(caller, DCSA_TOPIC, str(subscriptionID), body.callbackUrl, body.filters().to_json())
    return _json(found)


@router.delete(
    "/{subscriptionID}",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "Subscription stopped"}, **dcsa.responses()},
    summary="Stop a subscription, using the subscription ID",
)
def delete_subscription(subscriptionID: SubscriptionId, subscriptions: SubscriptionsDep, caller: CallerDep) -> Response:
    """Stop a subscription: nothing more is sent to it."""
    subscriptions.remove(caller, DCSA_TOPIC, str(subscriptionID))
    return Response(status_code=204)


@router.put(
    "/{subscriptionID}/secret",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "Secret updated"}, **dcsa.responses()},
    summary="Resets the Secret on an existing subscription.",
)
def change_secret(
    subscriptionID: SubscriptionId, body: SecretChange, subscriptions: SubscriptionsDep, caller: CallerDep
) -> Response:
    """Replace the secret the subscription's callbacks are signed with, from the next callback on."""
    if body.secret is None:
        raise InvalidInputError("the secret is required", "body.secret")
    subscriptions.set_secret(caller, DCSA_TOPIC, str(subscriptionID), body.secret)
    return Response(status_code=204)


__all__ = ["EventSubscription", "router"]
