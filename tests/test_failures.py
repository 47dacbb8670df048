"""Honest failures: a database that cannot be reached is a 503, and a broken export looks broken."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import OperationalError, ProgrammingError, connection
from django.test import Client

from tests.factories import make_claim, make_quote, make_source, make_topic

DOWN = "connection to server at 127.0.0.1, port 5432 failed: Connection refused"


@contextmanager
def database(*, fails_after: int = 0, error: type[Exception] = OperationalError) -> Iterator:
    """The real database, answering `fails_after` queries and then failing as `error`.

    Django's execute_wrapper runs around every query on the connection: after the
    allowed queries each one raises as a driver does when the server is gone.
    """
    answered = 0

    def wrapper(execute, sql, params, many, context):
        nonlocal answered
        if answered >= fails_after:
            raise error(DOWN)
        answered += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


@pytest.mark.parametrize("path", ["/", "/claims/", "/claims/export.csv", "/sources/"])
def test_pages_and_the_csv_answer_503_with_a_plain_message_when_the_database_is_down(
    public_registry, path
):
    client = Client(raise_request_exception=False)
    with database():
        response = client.get(path)
    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Retry-After"] == "30"
    assert b"database cannot be reached" in response.content


def test_the_api_answers_503_in_json_when_the_database_is_down(public_registry):
    client = Client(raise_request_exception=False)
    with database():
        response = client.get("/api/claims/")
    assert response.status_code == 503
    assert response.json()["error"] == "database_unavailable"


def test_an_api_server_error_is_json_too(public_registry):
    client = Client(raise_request_exception=False)
    with database(error=ProgrammingError):
        response = client.get("/api/claims/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "error": "server_error",
        "detail": "The error has been logged.",
    }


def test_healthz_reports_whether_the_database_answers(client, db):
    up = client.get("/healthz")
    assert up.status_code == 200
    assert up.json() == {"status": "ok", "database": "ok"}
    with database():
        down = client.get("/healthz")
    assert down.status_code == 503
    assert down.json() == {"status": "unavailable", "database": "unreachable"}
    assert down["Cache-Control"] == "no-store"


def test_a_csv_export_that_fails_after_its_first_rows_breaks_off_instead_of_ending(db):
    topic = make_topic("energy")
    source = make_source(slug="long", text="Lukoil holds a stake. It grew.")
    for number in range(250):  # more than the first chunk of 100 claims
        claim = make_claim(f"Claim {number}.", topics=[topic], status="published")
        make_quote(claim, source, "Lukoil holds a stake.")
    client = Client()
    response = client.get("/claims/export.csv")
    assert response.status_code == 200
    stream = iter(response.streaming_content)
    received = next(stream) + next(stream)  # the header and the first chunk's rows
    assert received.count(b"\r\n") == 1 + 100
    with database(), pytest.raises(OperationalError):
        # The next chunk's queries fail: the error leaves the stream, so the server
        # aborts the response; it is never swallowed into a short file that ends well.
        for chunk in stream:
            received += chunk
    assert received.count(b"\r\n") == 1 + 100


def test_healthz_answers_over_plain_http_where_pages_redirect_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    page = client.get("/claims/")
    assert page.status_code == 301
    assert page["Location"] == "https://testserver/claims/"
    # A load balancer probing over plain HTTP gets the answer, not the redirect.
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok"}
