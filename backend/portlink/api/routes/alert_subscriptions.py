"""``/v1/alert-subscriptions``: webhooks of PortLink's alert feed, beside the server-sent event stream. The events
of IoT alerts raised and resolved and of customs holds placed and released (those the member may read, of one
shipment if asked) are POSTed to the callback as a JSON array of chain events, signed as DCSA signs its callbacks
(``Notification-Signature: sha256=<HMAC-SHA256 of the body>``, ``Subscription-ID``), at least once, once their
block is final. Customs' and auditors' webhooks are also sent risk alerts (``"event": "RiskAlert"``, as the alert
stream sends them), in callbacks of their own."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import Field

from portlink.api.deps import CallerDep, SubscriptionsDep
from portlink.api.fields import Bytes32
from portlink.api.models import Closed, Public
from portlink.api.problems import responses
from portlink.services.sql import Cursor
from portlink.services.subscriptions import ALERTS_TOPIC, AlertFilters, Subscription

router = APIRouter(prefix="/v1/alert-subscriptions", tags=["alerts"])

SubscriptionId = Annotated[uuid.UUID, Path(description="The subscription's id.")]
Secret = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4096,
        json_schema_extra={"format": "byte"},
        description="Base64 of 32 or more random bytes: the HMAC-SHA256 key of Notification-Signature.",
    ),
]


class AlertSubscriptionCreate(Closed):
    """Where to send the alert feed, the secret that signs it, and (optionally) of which shipment."""

    callbackUrl: str = Field(max_length=2048, description="http(s) URL the events are POSTed to.")
    secret: Secret
    shipmentId: Bytes32 | None = None


class AlertSecretChange(Closed):
    """A subscription's new secret."""

    secret: Secret


class AlertSubscriptionPublic(Public):
    """An alert webhook and how its deliveries go: ``attempts`` failed since the last accepted callback, the next
    at ``nextAttemptAt``; ``lastStatus``/``lastError`` of the last attempt (its secret is never shown)."""

    subscription_id: str
    callback_url: str
    shipment_id: str | None
    created_at: float
    updated_at: float
    delivered_events: int
    delivered_at: float | None
    attempts: int
    next_attempt_at: float
    last_status: int | None
    last_error: str | None

    @classmethod
    def of(cls, subscription: Subscription) -> AlertSubscriptionPublic:
        """The public view of a subscription record."""
        fields = {k: getattr(subscription, k) for k in cls.model_fields if k != "shipment_id"}
        return cls.model_validate({**fields, "shipment_id": subscription.alert_filters.shipment_id})


class AlertSubscriptionsPublic(Public):
    """A page of the caller's alert webhooks (``nextCursor``: the next page's ``cursor``, null on the last)."""

    data: list[AlertSubscriptionPublic]
    next_cursor: str | None


@router.post("", status_code=201, response_model=AlertSubscriptionPublic, responses=responses(401, 413))
def create_alert_subscription(
    body: AlertSubscriptionCreate, subscriptions: SubscriptionsDep, caller: CallerDep
) -> AlertSubscriptionPublic:
    """Subscribe a callback to the alert feed from now on (the member's view of it: the alerts and holds of the
    shipments it is a party of; customs and auditors all)."""
    filters = AlertFilters(shipment_id=body.shipmentId)
    created = subscriptions.create(
        caller, ALERTS_TOPIC, body.callbackUrl, body.secret, {k: v for k, v in vars(filters).items() if v}
    )
    return AlertSubscriptionPublic.of(created)


@router.get("", response_model=AlertSubscriptionsPublic, responses=responses(401))
def list_alert_subscriptions(
    subscriptions: SubscriptionsDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=1000, description="nextCursor of the previous page.")] = None,
) -> AlertSubscriptionsPublic:
    """The caller's alert webhooks, oldest first."""
    found = subscriptions.list(
        caller, ALERTS_TOPIC, limit=limit, cursor=Cursor.decode(cursor) if cursor is not None else None
    )
    return AlertSubscriptionsPublic(
        data=[AlertSubscriptionPublic.of(s) for s in found.items],
        next_cursor=found.page.next.encode() if found.page.next is not None else None,
    )


@router.get("/{subscription_id}", response_model=AlertSubscriptionPublic, responses=responses(401, 404))
def get_alert_subscription(
    subscription_id: SubscriptionId, subscriptions: SubscriptionsDep, caller: CallerDep
) -> AlertSubscriptionPublic:
    """One of the caller's alert webhooks, with how its deliveries go."""
    return AlertSubscriptionPublic.of(subscriptions.get(caller, ALERTS_TOPIC, str(subscription_id)))


@router.put("/{subscription_id}/secret", status_code=204, response_class=Response, responses=responses(401, 404))
def change_alert_secret(
    subscription_id: SubscriptionId, body: AlertSecretChange, subscriptions: SubscriptionsDep, caller: CallerDep
) -> Response:
    """Replace the secret the callbacks are signed with, from the next callback on."""
    subscriptions.set_secret(caller, ALERTS_TOPIC, str(subscription_id), body.secret)
    return Response(status_code=204)


@router.delete("/{subscription_id}", status_code=204, response_class=Response, responses=responses(401, 404))
def delete_alert_subscription(
    subscription_id: SubscriptionId, subscriptions: SubscriptionsDep, caller: CallerDep
) -> Response:
    """Stop an alert webhook."""
    subscriptions.remove(caller, ALERTS_TOPIC, str(subscription_id))
    return Response(status_code=204)
