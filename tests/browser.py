"""What the browser tests share: Debian's chromium driven by Playwright, and the
curated registry they browse.

Loaded as a plugin by tests/conftest.py, so that every browser test module uses
one Playwright driver and one browser for the whole session (Playwright's sync
API cannot run two drivers at once in one thread).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from django.db import connections
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests import curated

# Playwright's sync API runs an asyncio event loop in the main thread for as
# long as the browser is open. Django sees that running loop and refuses ORM
# calls from the same thread (SynchronousOnlyOperation), which would break the
# data fixture and pytest-django's database flush at teardown. No coroutine
# ever touches the ORM here, so the guard is switched off for this process.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

MISSING_BROWSER = "Debian's chromium is not installed: apt-get install chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium; skipped when missing, unless CI requires a browser."""
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("FACTREG_REQUIRE_BROWSER") == "1":
            pytest.fail(MISSING_BROWSER)
        pytest.skip(MISSING_BROWSER)
    return path


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver
        # While Playwright's event loop runs in this thread, Django keeps the thread's
        # connections apart (asgiref's Local turns to context variables), so every test
        # since the browser started used connections of its own. They are closed here,
        # while they can still be reached, or PostgreSQL refuses to drop the test
        # database at the end ("being accessed by other users").
        connections.close_all()


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium_path: str) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def registry(transactional_db, curated_rows: curated.CuratedRows) -> None:
    """The seeds and the curated registry, as `make db` loads them, committed for the
    live server's thread (tests/curated.py copies them in; the flush empties them)."""
    curated.replay(curated_rows)


def _new_page(browser: Browser, **options) -> Iterator[Page]:
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A desktop window, 1280 px wide."""
    yield from _new_page(browser, viewport={"width": 1280, "height": 900})


PHONE = {"width": 390, "height": 844}  # px, a common phone


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A 390 px phone screen."""
    yield from _new_page(browser, viewport=PHONE, is_mobile=True, device_scale_factor=2)
