"""The materials library in a real browser at phone width: a member finds a district-wide material, opens
it and views it (a new tab with the stamped PDF); a secretary uploads, reads the register and traces a code.
No page scrolls sideways, none asks for anything off the server, and the Content-Security-Policy is obeyed."""

from __future__ import annotations

import pytest

from zugong.core.testing import PASSWORD, build_personas
from zugong.core.tests.test_browser import SHOTS, browser, browser_page, page_width, phone_page  # noqa: F401 - the fixtures

from .. import services_materials as S
from ..models_materials import MaterialCopy
from .test_watermark import make_pdf


def login(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{url}/")


def watch(page, url, external, violations):
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(url) else None)
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)


def fits(page, name):
    page.screenshot(path=str(SHOTS / f"materials_{name}.png"), full_page=True)
    width = page_width(page, 375)
    assert width <= 380, f"{name}: the page is {width}px wide at a 375px viewport"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_serves_a_member_and_a_secretary_at_phone_width(live_server, browser, browser_page):  # noqa: F811
    from playwright.sync_api import expect

    p = build_personas()
    material = S.material_upload(
        actor=p.org_admin, org=p.district, title="全区党员学习资料（第一期）", file_name="学习资料.pdf",
        data=make_pdf(), description="请各支部在周四学习日组织学习。",
    )  # fmt: skip
    page, url = browser_page, live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    external, violations = [], []
    watch(page, url, external, violations)

    login(page, url, "member")
    page.goto(f"{url}/materials/")
    fits(page, "list")
    page.get_by_role("link", name="全区党员学习资料（第一期）").click()
    page.wait_for_url(f"{url}/materials/{material.pk}/")
    fits(page, "detail")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="在线查看").click()
    viewer = opened.value
    viewer.wait_for_load_state()
    viewer.close()
    copy = MaterialCopy.objects.get()
    assert (copy.reader.username, copy.purpose, copy.material_id) == ("member", "view", material.pk)

    # The secretary in a browser of their own, as on another phone.
    with phone_page(browser) as page:
        watch(page, url, external, violations)
        login(page, url, "org_admin")
        page.goto(f"{url}/materials/new/")
        fits(page, "upload")
        page.goto(f"{url}/materials/register/")
        fits(page, "register")
        assert page.get_by_text(copy.code).count() == 1
        page.goto(f"{url}/materials/trace/")
        page.fill("input[name=code]", copy.code.lower())
        page.get_by_role("button", name="追查").click()
        expect(page.get_by_text("已查到领取人")).to_have_count(1)
        fits(page, "trace")
        page.goto(f"{url}/materials/{material.pk}/archive/")
        fits(page, "archive")
    assert external == [], f"a page asked for something off the server: {external}"
    assert violations == [], violations
