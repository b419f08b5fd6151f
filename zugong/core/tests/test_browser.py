"""The foundation walked in a real browser: Debian's chromium driven by Playwright at phone width."""

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from zugong.core.testing import PASSWORD, build_personas

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(os.environ.get("ZUGONG_SCREENSHOTS", "/tmp/zugong-screenshots"))


def page_width(page, viewport: int) -> int:
    """The page's full width in CSS pixels, once the phone's layout viewport is in place: just after a
    navigation, an emulated phone can lay the page out at its default 980 px before it applies the
    page's viewport meta. A page that is really too wide still measures too wide after the wait."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function("w => document.documentElement.clientWidth <= w", arg=viewport, timeout=3000)
    return page.evaluate("document.documentElement.scrollWidth")


def chromium_or_skip():
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium for the browser test")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


@contextlib.contextmanager
def chromium():
    """Debian's chromium under Playwright's sync API, for a test with the live server.

    Playwright's sync API runs an event loop in this thread; the ORM calls made by the live server happen in
    its own thread. The test's own ORM work under that loop runs in another asyncio context, with a database
    connection of its own that the test's teardown does not see: it is closed here, or it would hold the
    test database open on PostgreSQL (and its teardown would fail to drop it)."""
    chromium_or_skip()
    from django.db import connections
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
            try:
                yield browser
            finally:
                browser.close()
                connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


@contextlib.contextmanager
def phone_page(browser):
    """A page at phone width in a context of its own: its own cookies, so a second user can log in beside the
    first. (Clearing the first context's cookies is not enough: a response still in flight sets the session
    cookie again, since every request pushes the idle timeout on.)"""
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def browser_page(browser):
    with phone_page(browser) as page:
        yield page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_walks_tree_to_organization_to_person_at_phone_width(live_server, browser_page):
    from playwright.sync_api import expect

    build_personas()
    page = browser_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
    # The Content-Security-Policy refuses inline script and style: the pages must need neither.
    csp_violations = []
    page.on(
        "console", lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "committee_secretary")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/orgs/tree/")
    page.screenshot(path=str(SHOTS / "tree.png"), full_page=True)
    # The secretary's tree starts at their own committee, not at the district.
    assert page.get_by_text("示范区委").count() == 0
    page.get_by_role("link", name="东城街道党工委").first.click()
    expect(page.get_by_role("heading", name="东城街道党工委").first).to_be_visible()

    page.get_by_role("link", name="东城街道机关党支部").first.click()
    expect(page.get_by_role("heading", name="东城街道机关党支部").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "organization.png"), full_page=True)
    page.get_by_role("link", name="张晓梅").first.click()
    expect(page.get_by_role("heading", name="张晓梅").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "person.png"), full_page=True)
    content = page.content()
    assert "110101" not in content or "*" in content  # the ID number is shown masked
    # Fits a phone: nothing forces horizontal scrolling of the page itself.
    width = page_width(page, 375)
    assert width <= 380, f"page is {width}px wide at a 375px viewport"
    assert external == [], f"the page requested something outside the server: {external}"
    assert csp_violations == [], csp_violations
