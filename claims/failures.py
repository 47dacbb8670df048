"""Honest failures: an unreachable database is a 503, API errors are JSON, /healthz says so."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("factreg.failures")

# Errors that mean the database cannot be reached or used right now (down, restarting,
# refusing connections, disk locked), as against a bug in a query.
UNAVAILABLE = (OperationalError, InterfaceError)
UNAVAILABLE_MESSAGE = "The registry's database cannot be reached just now. Try again in a minute."
RETRY_AFTER_SECONDS = "30"


def ping(alias: str = "default") -> None:
    """Ask the database a trivial query: raises a DatabaseError when it cannot answer."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 with a plain message (JSON for the API), asking clients to retry."""
    if is_api(request):
        response: HttpResponse = JsonResponse(
            {"error": "database_unavailable", "detail": UNAVAILABLE_MESSAGE}, status=503
        )
    else:
        response = HttpResponse(
            UNAVAILABLE_MESSAGE + "\n", status=503, content_type="text/plain; charset=utf-8"
        )
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


class DatabaseUnavailableMiddleware:
    """Turns an unreachable database into a 503 instead of a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, UNAVAILABLE):
            logger.error("Database unavailable: %s", exception)
            return unavailable(request)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON for the API (as the README promises), the plain page elsewhere."""
    if is_api(request):
        return JsonResponse(
            {"error": "server_error", "detail": "The error has been logged."}, status=500
        )
    from django.views.defaults import server_error as page

    return page(request)


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers a query, else 503."""
    try:
        ping()
    except DatabaseError as error:
        logger.error("Health check: database unavailable: %s", error)
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        response["Retry-After"] = RETRY_AFTER_SECONDS
    else:
        response = JsonResponse({"status": "ok", "database": "ok"})
    response["Cache-Control"] = "no-store"
    return response
