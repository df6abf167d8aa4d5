"""The OpenAPI schema describes every endpoint, and the docs page works without a CDN."""

import re

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

API_PATHS = {
    "/api/v1/registrations/individual": {"post"},
    "/api/v1/registrations/enterprise": {"post"},
    "/api/v1/me/application": {"get", "patch"},
    "/api/v1/me/application/confirm": {"post"},
    "/api/v1/me/application/resend-confirmation": {"post"},
    "/api/v1/auth/token": {"post", "delete"},
}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")


def test_every_endpoint_is_described_with_its_methods(schema):
    for path, methods in API_PATHS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path


def test_every_operation_documents_the_error_shape(schema):
    for path in API_PATHS:
        for method, operation in schema["paths"][path].items():
            errors = [code for code in operation["responses"] if code.startswith(("4", "5"))]
            assert errors, f"{method} {path} documents no error"
            for code in errors:
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_error_component_has_the_one_shape(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["error"]
    body = components["ErrorBody"]
    assert set(body["required"]) == {"code", "message", "fields"}
    fields = body["properties"]["fields"]
    assert fields["additionalProperties"]["items"] == {"$ref": "#/components/schemas/ErrorItem"}


def test_requests_and_responses_have_schemas_and_examples(schema):
    registration = schema["paths"]["/api/v1/registrations/individual"]["post"]
    body = registration["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/IndividualRegistration"}
    assert body["examples"]
    assert set(registration["responses"]) >= {"201", "400", "409", "429"}
    assert "examples" in registration["responses"]["409"]["content"]["application/json"]
    individual = schema["components"]["schemas"]["IndividualRegistration"]["properties"]
    assert individual["password"]["writeOnly"] is True
    assert individual["document_number"]["maxLength"] == 40


def test_the_docs_page_loads_everything_from_our_own_server(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"https?://", html), "the docs page refers to another server"
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    for source in sources:
        assert source.startswith("/"), source
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), f"missing {source}"
    # The Content Security Policy refuses inline styles and scripts.
    assert "<style" not in html
    assert not re.search(r"<script>\s*\S", html)
    # The page's own script is a separate file (the CSP forbids inline scripts).
    assert not re.search(r"<script>[^<]", html)
    script_source = next(source for source in sources if "script" in source)
    script = client.get(script_source)
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()


# Codes raised only outside the API (in-store entry, confirmation links in the browser).
NOT_REACHABLE_THROUGH_THE_API = {"store_required", "link_altered"}


def test_every_stable_code_is_documented():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [
        "customers/identity.py",
        "customers/validation.py",
        "customers/services.py",
        "customers/confirmation.py",
        "customers/apis.py",
        "customers/serializers.py",
        "kyc_portal/core/api.py",
        "verification/workflow.py",
    ]
    codes = set()
    for source in sources:
        codes |= set(re.findall(r'code="([a-z_]+)"', (root / source).read_text()))
    documented = set(re.findall(r"`([a-z_]+)`", (root / "docs/api.md").read_text()))

    assert codes - NOT_REACHABLE_THROUGH_THE_API - documented == set()
