"""Security headers: a strict Content-Security-Policy and a Permissions-Policy on every page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.conftest import PublicRegistry


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def public_paths(registry: PublicRegistry) -> list[str]:
    stake = registry.stake
    return [
        "/",
        "/claims/",
        "/claims/?q=lukoil",
        stake.get_absolute_url(),
        "/contradictions/",
        "/links/",
        "/sources/",
        "/sources/alpha/",
        "/topics/energy/",
        "/entities/lukoil/",
        "/timeline/",
        "/claims/export.csv",
        "/sources/export.bib",
        "/api/claims/",
        f"/api/claims/{stake.pk}/",
        "/api/annotations/?source=alpha",
        "/api/openapi.json",
        "/feeds/claims.atom",
        "/topics/energy/feed.atom",
        "/data/",
        "/data/snapshot/datapackage.json",
        "/data/snapshot/claims.csv",
        "/data/snapshot.zip",
        "/healthz",
        "/no-such-page/",
    ]


def test_every_public_url_has_a_strict_policy_without_unsafe_inline(client, public_registry):
    for path in public_paths(public_registry):
        response = client.get(path)
        header = response["Content-Security-Policy"]
        assert "unsafe-inline" not in header, path
        assert "unsafe-eval" not in header, path
        policy = directives(header)
        assert policy["default-src"] == ["'none'"], path
        assert policy["script-src"] == ["'self'"], path
        assert policy["style-src"] == ["'self'"], path
        assert policy["frame-ancestors"] == ["'none'"], path
        assert policy["object-src"] == ["'none'"], path
        assert policy["base-uri"] == ["'none'"], path


def test_every_public_url_switches_off_browser_features(client, public_registry):
    for path in public_paths(public_registry):
        features = dict(
            item.split("=", 1) for item in client.get(path)["Permissions-Policy"].split(", ")
        )
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert features[feature] == "()", (path, feature)


@pytest.mark.parametrize("path", ["/admin/", "/admin/claims/claim/", "/admin/claims/claim/add/"])
def test_the_admin_allows_inline_styles_but_never_inline_scripts(client, db, path):
    client.force_login(User.objects.create_superuser("ed", "ed@example.org", "x"))
    policy = directives(client.get(path)["Content-Security-Policy"])
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
