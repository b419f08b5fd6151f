"""The roster pages in a real browser (Debian's chromium through Playwright): htmx filtering, the
organization picker, and the transfer with its confirmation, at phone width and on a desktop."""

import pytest

from zugong.core.testing import PASSWORD, build_personas
from zugong.core.tests import test_browser as core_browser
from zugong.core.tests.test_browser import SHOTS, page_width

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1366, "height": 800}}
browser = core_browser.browser  # the fixture, for the modules that take it from here


def open_page(browser, live_server, username, device):
    context = browser.new_context(locale="zh-CN", **device)
    page = context.new_page()
    page.set_default_timeout(15000)
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/")
    return page, external


def table_names(page):
    return page.locator("#person-table tbody td:first-child a").all_inner_texts()


def assert_fits(page, width):
    scroll = page_width(page, width)
    wide = page.evaluate(
        "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)",
        width,
    )
    assert scroll <= width, f"page is {scroll}px wide at a {width}px viewport: {wide}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_filters_the_list_with_htmx_at_phone_width(live_server, browser):
    build_personas()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, external = open_page(browser, live_server, "committee_secretary", PHONE)
    errors = []  # an htmx trigger filter (change[...]) would need eval(), which the CSP refuses: a console error
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/people/")
    assert sorted(table_names(page)) == sorted(["王小红", "李建国", "张晓梅", "陈志刚"])
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "people-list-phone.png"), full_page=True)

    from playwright.sync_api import expect

    page.get_by_role("button", name="筛选与排序").click()
    page.fill("#id_q", "小红")
    expect(page.locator("#person-table tbody a")).to_have_count(1)  # no eval() under the CSP
    assert table_names(page) == ["王小红"]
    assert "q=%E5%B0%8F%E7%BA%A2" in page.url  # hx-push-url keeps the filter in the address

    page.fill("#id_q", "")
    expect(page.locator("#person-table tbody a")).to_have_count(4)  # no eval() under the CSP
    # The organization picker: search, choose, and the table follows.
    page.locator("#person-filter .dropdown-toggle").click()
    page.fill("input[name=org_q]", "机关")
    page.get_by_label("东城街道机关党支部").check()
    expect(page.locator("#person-table tbody a")).to_have_count(2)  # no eval() under the CSP
    assert sorted(table_names(page)) == ["张晓梅", "陈志刚"]
    assert page.locator("#org-chosen-label").inner_text() == "东城街道机关党支部"
    page.screenshot(path=str(SHOTS / "people-list-picker-phone.png"), full_page=True)
    assert errors == [], errors
    page.get_by_role("link", name="陈志刚").click()
    expect(page.get_by_role("link", name="组织关系转接")).to_be_visible()
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "person-phone.png"), full_page=True)
    page.get_by_role("link", name="组织关系转接").click()
    page.fill("input[name=org_q]", "西城")
    page.get_by_label("西城社区党支部").check()
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "transfer-form-phone.png"), full_page=True)
    assert external == [], external


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_transfers_with_a_confirmation_on_a_desktop(live_server, browser):
    from playwright.sync_api import expect

    p = build_personas()
    page, external = open_page(browser, live_server, "committee_secretary", DESKTOP)
    page.goto(f"{live_server.url}/people/")
    page.screenshot(path=str(SHOTS / "people-list-desktop.png"), full_page=True)
    page.goto(f"{live_server.url}/people/new/?org={p.sibling_branch.pk}")
    page.fill("input[name=id_number]", "110101198001010018")
    page.fill("input[name=name]", "周新")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("main")).to_contain_text("公民身份号码校验位不正确，请核对。")
    page.screenshot(path=str(SHOTS / "person-create-error-desktop.png"), full_page=True)
    page.goto(f"{live_server.url}/people/{p.bob.pk}/")
    page.screenshot(path=str(SHOTS / "person-desktop.png"), full_page=True)
    page.get_by_role("link", name="组织关系转接").click()
    page.fill("input[name=org_q]", "机关党支部")
    page.get_by_label("东城街道机关党支部").check()
    page.fill("input[name=reason]", "工作调动")
    page.get_by_role("button", name="下一步：确认").click()
    expect(page.locator("main")).to_contain_text(
        "确认将 李建国 的组织关系从 东城社区第一党支部 转至 东城街道机关党支部？"
    )
    page.screenshot(path=str(SHOTS / "transfer-confirm-desktop.png"), full_page=True)
    page.get_by_role("button", name="确认转接").click()
    expect(page.locator("main")).to_contain_text("已将 李建国 的组织关系")
    assert_fits(page, 1366)
    assert external == [], external
