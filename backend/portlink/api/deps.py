"""Dependencies of the route handlers, as ``Annotated`` aliases: the runtime and its services, the calling member,
and what every write takes (``Idempotency-Key``, ``?signing=``, ``?confirm=``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Cookie, Depends, Header, Query, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from portlink.errors import ForbiddenError, InvalidInputError
from portlink.services.access import Caller
from portlink.services.audit import AuditService
from portlink.services.bills import BillOfLadingService
from portlink.services.consortium import ConsortiumService
from portlink.services.dcsa import DcsaService
from portlink.services.declarations import DeclarationService
from portlink.services.documents import DocumentService
from portlink.services.financings import FinancingService
from portlink.services.governance import Proposals
from portlink.services.iot import IoTService
from portlink.services.operations import OperationService, Signing
from portlink.services.runtime import Runtime
from portlink.services.shipments import ShipmentService
from portlink.services.subscriptions import SubscriptionService
from portlink.services.tokens import TokenService
from portlink.services.transportcalls import TransportCallService


def get_runtime(request: Request) -> Runtime:
    """The process's services (opened by the app's lifespan)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


#: The API key, as the OpenAPI document declares it (Swagger UI's Authorize button offers both).
BEARER = HTTPBearer(
    scheme_name="apiKeyBearer",
    bearerFormat="plk_<id>_<secret>",
    description="`Authorization: Bearer plk_...`",
    auto_error=False,
)
API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key", scheme_name="apiKeyHeader", description="The API key in `X-API-Key`.", auto_error=False
)


#: The console's session cookie (``portlink.api.routes.session``).
SESSION_COOKIE = "portlink_session"


def get_caller(
    request: Request,
    runtime: RuntimeDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    x_api_key: Annotated[str | None, Security(API_KEY_HEADER)] = None,
    session: Annotated[
        str | None, Cookie(alias=SESSION_COOKIE, description="The console's session (Sign-In with Ethereum).")
    ] = None,
) -> Caller:
    """The member the request's API key acts for or, without a key, the console session's member."""
    token = bearer.credentials.strip() if bearer is not None else x_api_key
    if token is None and session:
        check_same_origin(request)
        return runtime.sessions.authenticate(session)[1]
    return runtime.keys.authenticate(token)


def check_same_origin(request: Request) -> None:
    """A cookie-authenticated write must come from the console's own pages: the cookie is SameSite=Strict, and a
    browser's ``Origin`` header, when it sends one, must name this site."""
    origin = request.headers.get("origin")
    if request.method in ("GET", "HEAD", "OPTIONS") or origin is None:
        return
    if urlsplit(origin).netloc != request.headers.get("host"):
        raise ForbiddenError(f"a request from {origin} may not use the console's session")


CallerDep = Annotated[Caller, Depends(get_caller)]


def _consortium(runtime: RuntimeDep) -> ConsortiumService:
    return runtime.consortium


def _shipments(runtime: RuntimeDep) -> ShipmentService:
    return runtime.shipments


def _proposals(runtime: RuntimeDep) -> Proposals:
    return runtime.proposals


def _bills(runtime: RuntimeDep) -> BillOfLadingService:
    return runtime.bills


def _declarations(runtime: RuntimeDep) -> DeclarationService:
    return runtime.declarations


def _financings(runtime: RuntimeDep) -> FinancingService:
    return runtime.financings


def _iot(runtime: RuntimeDep) -> IoTService:
    return runtime.iot


def _tokens(runtime: RuntimeDep) -> TokenService:
    return runtime.tokens


def _documents(runtime: RuntimeDep) -> DocumentService:
    return runtime.documents


def _audit(runtime: RuntimeDep) -> AuditService:
    return runtime.audit


def _operations(runtime: RuntimeDep) -> OperationService:
    return runtime.operations


def _dcsa(runtime: RuntimeDep) -> DcsaService:
    return runtime.dcsa


def _subscriptions(runtime: RuntimeDep) -> SubscriptionService:
    return runtime.subscriptions


def _transport_calls(runtime: RuntimeDep) -> TransportCallService:
    return runtime.transport_calls


ConsortiumDep = Annotated[ConsortiumService, Depends(_consortium)]
ShipmentsDep = Annotated[ShipmentService, Depends(_shipments)]
BillsDep = Annotated[BillOfLadingService, Depends(_bills)]
ProposalsDep = Annotated[Proposals, Depends(_proposals)]
DeclarationsDep = Annotated[DeclarationService, Depends(_declarations)]
FinancingsDep = Annotated[FinancingService, Depends(_financings)]
IoTDep = Annotated[IoTService, Depends(_iot)]
TokensDep = Annotated[TokenService, Depends(_tokens)]
DocumentsDep = Annotated[DocumentService, Depends(_documents)]
AuditDep = Annotated[AuditService, Depends(_audit)]
OperationsDep = Annotated[OperationService, Depends(_operations)]
DcsaDep = Annotated[DcsaService, Depends(_dcsa)]
SubscriptionsDep = Annotated[SubscriptionService, Depends(_subscriptions)]
TransportCallsDep = Annotated[TransportCallService, Depends(_transport_calls)]


@dataclass(frozen=True)
class WriteOptions:
    """What every write takes besides its body."""

    idempotency_key: str
    signing: Signing
    confirm: bool


def get_write_options(
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Required: a unique key per intended write (a UUID). A retry with the same key and body "
            "replays the first answer; the same key with another body is refused (422); while the first request "
            "runs, a duplicate gets 409."
        ),
    ] = None,
    signing: Annotated[
        Signing,
        Query(description="custodial: the backend signs with the member's key; wallet: returns what to sign."),
    ] = Signing.CUSTODIAL,
    confirm: Annotated[bool, Query(description="Wait until the transaction is mined (or failed).")] = False,
) -> WriteOptions:
    """The write's options; a missing or malformed ``Idempotency-Key`` is a 422 problem naming the header."""
    if not idempotency_key:
        raise InvalidInputError("the Idempotency-Key header is required on writes", "header.Idempotency-Key")
    if len(idempotency_key) > 255 or not idempotency_key.isprintable():
        raise InvalidInputError("the Idempotency-Key must be 1-255 printable characters", "header.Idempotency-Key")
    return WriteOptions(idempotency_key, signing, confirm)


WriteOptionsDep = Annotated[WriteOptions, Depends(get_write_options)]

#: The largest integer SQLite and PostgreSQL (BIGINT) store: bigger offsets and block numbers find nothing anyway,
#: and passed on they fail the database driver (a 500) instead of the request (a 422).
MAX_SQL_INTEGER = 2**63 - 1
#: Where a page of a list starts.
Offset = Annotated[int, Query(ge=0, le=MAX_SQL_INTEGER, description="Rows to skip.")]
#: How many rows a page holds.
Limit = Annotated[int, Query(ge=1, le=500, description="Rows per page.")]
