"""The OpenAPI description at /api/openapi.json against real responses of every endpoint."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from claims.annotations import AnnotationQuery
from claims.filters import ClaimFilter

SPEC_URI = "urn:factreg:openapi"


@pytest.fixture
def spec(client, db) -> dict:
    response = client.get("/api/openapi.json")
    assert response["Content-Type"] == "application/json"
    return response.json()


def escape(token: str) -> str:
    """A JSON Pointer token."""
    return token.replace("~", "~0").replace("/", "~1")


def check(spec: dict, path: str, response) -> None:
    """Validate a real response's body against the spec's schema for its path and status."""
    declared = spec["paths"][path]["get"]["responses"][str(response.status_code)]
    pointer = f"/paths/{escape(path)}/get/responses/{response.status_code}"
    if "$ref" in declared:
        pointer = declared["$ref"].removeprefix("#")
        declared = spec["components"]["responses"][pointer.rsplit("/", 1)[1]]
    (media_type,) = declared["content"]
    assert response["Content-Type"].split(";")[0] == media_type.split(";")[0], path
    registry = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    schema = {"$ref": f"{SPEC_URI}#{pointer}/content/{escape(media_type)}/schema"}
    validator = Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())
    ]
    assert errors == [], (path, response.status_code, errors[:5])


def test_the_description_is_valid_openapi_3_1_served_from_this_site(spec):
    validate_spec(spec)
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": "http://testserver"}]


def test_every_endpoint_answers_as_described(client, spec, public_registry):
    stake, alpha = public_registry.stake, public_registry.alpha
    quote = stake.quotes.get()
    requests = [
        ("/api/claims/", "/api/claims/", {}),
        ("/api/claims/", "/api/claims/", {"per_page": 1, "page": 2}),
        ("/api/claims/", "/api/claims/", {"q": "lukoil", "topic": ["energy"]}),
        ("/api/claims/", "/api/claims/", {"topic": "nope", "date_from": "2022-13"}),
        ("/api/claims/", "/api/claims/", {"page": 99}),
        ("/api/claims/{id}/", f"/api/claims/{stake.pk}/", {}),
        ("/api/claims/{id}/", f"/api/claims/{public_registry.decline.pk}/", {}),
        ("/api/claims/{id}/", f"/api/claims/{public_registry.draft.pk}/", {}),
        ("/api/sources/{slug}/", f"/api/sources/{alpha.slug}/", {}),
        ("/api/sources/{slug}/", "/api/sources/no-such-source/", {}),
        ("/api/annotations/", "/api/annotations/", {"source": "alpha"}),
        ("/api/annotations/", "/api/annotations/", {"source": "beta", "page": 1}),
        ("/api/annotations/", "/api/annotations/", {"source": "alpha", "page": 0}),
        ("/api/annotations/", "/api/annotations/", {"source": "nope"}),
        ("/api/annotations/{id}/", f"/api/annotations/{quote.pk}/", {}),
        ("/api/annotations/{id}/", "/api/annotations/999999/", {}),
    ]
    seen = set()
    for path, url, params in requests:
        response = client.get(url, params)
        check(spec, path, response)
        seen.add((path, response.status_code))
    declared = {
        (path, int(status))
        for path, item in spec["paths"].items()
        for status in item["get"]["responses"]
        if status != "503"
    }
    assert seen == declared  # every documented answer was met, and no other


@pytest.mark.parametrize(
    ("path", "url"),
    [("/api/claims/", "/api/claims/"), ("/api/annotations/{id}/", "/api/annotations/1/")],
)
def test_an_unreachable_database_answers_as_described(spec, public_registry, path, url):
    from django.test import Client

    from tests.test_failures import database

    with database():
        response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503
    check(spec, path, response)


def test_a_response_that_breaks_the_description_is_caught(client, spec, public_registry):
    spec["components"]["schemas"]["Link"]["properties"]["claim"] = {"type": "string"}
    with pytest.raises(AssertionError, match="is not of type 'string'"):
        check(spec, "/api/claims/", client.get("/api/claims/"))
    del spec["components"]["schemas"]["Claim"]["properties"]["measure"]
    with pytest.raises(AssertionError, match="'measure' was unexpected"):
        check(spec, "/api/claims/{id}/", client.get(f"/api/claims/{public_registry.stake.pk}/"))


def test_the_claim_lists_parameters_are_exactly_its_filters(spec):
    parameters = {p["name"] for p in spec["paths"]["/api/claims/"]["get"]["parameters"]}
    assert parameters == {*ClaimFilter.base_filters, "page", "per_page"}


def test_the_annotation_parameters_are_exactly_the_ones_read(spec):
    parameters = spec["paths"]["/api/annotations/"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == set(AnnotationQuery.base_fields)
    assert {p["name"] for p in parameters if p.get("required")} == {
        name for name, field in AnnotationQuery.base_fields.items() if field.required
    }


def test_every_path_parameter_is_one_the_url_takes(spec):
    for path, item in spec["paths"].items():
        names = [p["name"] for p in item["get"]["parameters"] if p["in"] == "path"]
        assert names == re.findall(r"\{(\w+)\}", path)
        match = resolve(re.sub(r"\{\w+\}", "7", path))
        assert match.url_name != "api-not-found", path
        assert len(match.kwargs) == len(names), path


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("q", "lukoil"),
        ("topic", "energy"),
        ("entity", "russia"),
        ("claimant", "ann-analyst"),
        ("source", "beta"),
        ("outlet", "outlet a"),
        ("date_from", "2022"),
        ("date_to", "2022-12"),
        ("relation", "supports"),
        ("has_value", "true"),
    ],
)
def test_each_documented_filter_narrows_the_list(client, spec, public_registry, name, value):
    documented = {p["name"] for p in spec["paths"]["/api/claims/"]["get"]["parameters"]}
    assert name in documented
    everything = client.get("/api/claims/").json()["count"]
    response = client.get("/api/claims/", {name: value})
    check(spec, "/api/claims/", response)
    assert 0 < response.json()["count"] < everything
