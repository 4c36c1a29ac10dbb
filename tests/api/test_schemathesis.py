"""Schemathesis over the whole OpenAPI document of the running API: generated requests (valid and invalid) never
get a 5xx, and every response has a declared status code, a declared content type and conforms to its schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)


@pytest.fixture(scope="module")
def api_schema(api):
    return schemathesis.openapi.from_url(f"{api.base_url}/openapi.json")


#: The alert stream is an endless text/event-stream, tested in test_audit.py.
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path="/v1/alerts/stream")


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_conforms_to_its_openapi_document(case, api):
    case.call_and_validate(
        headers={"Authorization": api.auditor.client.headers["Authorization"]},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
        excluded_checks=[],
    )
