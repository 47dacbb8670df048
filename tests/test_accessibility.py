"""Every public page, in a real browser on a desktop and a phone: no serious or critical
accessibility violations by axe-core, and no sideways scrolling at 390 px.

axe-core comes from the npm registry (package.json; `make install` runs `npm ci`) and is
injected into each page; the pages' Content-Security-Policy forbids scripts from
anywhere but the site, so the test's browser context bypasses it for axe alone.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from claims.models import Claim, ClaimLink, Entity, Source, Topic
from tests import test_browser as base

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
PHONE = 390  # px, a common phone's width
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": PHONE, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
    },
}


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script; a missing install fails in CI and skips elsewhere."""
    if not AXE.exists():
        message = "axe-core is not installed: run `npm ci` (make install does)"
        if os.environ.get("FACTREG_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def public_pages() -> dict[str, str]:
    """One page of every public kind, from the curated registry."""
    contested = Claim.objects.published().most_contested().first()
    # The curated registry has no retracted claim; its page (with the notice) is public,
    # so one is retracted here, as a reviewer would leave it.
    retracted = Claim.objects.published().exclude(pk=contested.pk).order_by("pk").first()
    assert retracted is not None
    Claim.objects.filter(pk=retracted.pk).update(
        status=Claim.Status.RETRACTED, retraction_reason="The source corrected the figure."
    )
    source = Source.objects.public().first()
    topic = Topic.objects.public().first()
    entity = Entity.objects.public().first()
    assert contested and source and topic and entity
    pages = {
        "overview": "/",
        "claims": "/claims/",
        "search with filters": "/claims/?q=gas&topic=energy&date_from=2020",
        "no results": "/claims/?q=zzzzqqq",
        "invalid filters": "/claims/?date_from=someday",
        "claim": contested.get_absolute_url(),
        "claim version": f"{contested.get_absolute_url()}v/1/",
        "contradictions": "/contradictions/",
        "links guide": "/links/",
        "sources": "/sources/",
        "source": source.get_absolute_url(),
        "topic": topic.get_absolute_url(),
        "entity": entity.get_absolute_url(),
        "timeline": "/timeline/",
        "data and API": "/data/",
    }
    pages["retracted claim"] = retracted.get_absolute_url()
    assert ClaimLink.objects.public().exists()
    return pages


@pytest.mark.parametrize("device", VIEWPORTS)
def test_every_public_page_passes_axe_and_fits_a_phone(
    live_server, registry, browser: Browser, axe_source: str, device: str
):
    context = browser.new_context(bypass_csp=True, **VIEWPORTS[device])
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: dict[str, list[str]] = {}
    too_wide: dict[str, int] = {}
    for name, path in public_pages().items():
        response = page.goto(live_server.url + path)
        assert response is not None
        assert response.status in (200, 400), (path, response.status)
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
                }));
            }"""
        )
        blocking = [
            f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
            for v in violations
            if v["impact"] in BLOCKING
        ]
        if blocking:
            problems[f"{name} {path}"] = blocking
        if device == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE + base.OVERFLOW_TOLERANCE:
                too_wide[path] = width
    context.close()
    assert not problems, problems
    assert not too_wide, f"wider than {PHONE}px: {too_wide}"
