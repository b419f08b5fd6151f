"""党费 in a real browser (Debian's chromium through Playwright) at phone width: a branch secretary generates
the month's ledger, records a member's payment, and the receipt shows the amount in 大写."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from zugong.core.testing import build_personas
from zugong.dues import rules, services
from zugong.dues.models import DuesRuleSet
from zugong.people.tests.test_browser import PHONE, SHOTS, assert_fits, browser, open_page  # noqa: F401


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_generates_the_month_and_prints_a_receipt_at_phone_width(live_server, browser):  # noqa: F811
    p = build_personas()
    # A transactional test runs on a flushed database: the rule set of migration 0002 may be gone.
    DuesRuleSet.objects.get_or_create(
        effective_from=dt.date(2008, 4, 1),
        defaults={
            "name": "中组发〔2008〕3号",
            "employed_brackets": rules.EMPLOYED_BRACKETS,
            "retired_brackets": rules.RETIRED_BRACKETS,
        },
    )
    month = rules.month_start(timezone.localdate())
    services.income_base_add(
        actor=p.org_admin, person=p.alice, effective_month=rules.add_months(month, -1), base_fen=300001
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, external = open_page(browser, live_server, "branch_secretary", PHONE)
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/dues/")
    assert "没有符合条件的台账记录" in page.inner_text("#ledger-table")
    assert_fits(page, 375)
    page.get_by_role("link", name="生成本月台账").click()
    expect(page.locator("main")).to_contain_text("请确认")
    page.get_by_role("button", name="确认生成").click()
    page.wait_for_url(re.compile(r"/dues/\?month="), timeout=30000)
    assert dialogs == ["确定生成党费台账吗？"]
    assert f"已生成 {month:%Y年%m月} 党费台账" in page.inner_text("main")
    expect(page.locator("#ledger-due")).to_have_text("30.00")
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "dues-ledger-phone.png"), full_page=True)

    page.get_by_role("link", name="王小红").click()
    expect(page.locator("#owed-total")).to_have_text("30.00 元")
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "dues-person-phone.png"), full_page=True)
    page.get_by_role("link", name="登记交纳").click()
    expect(page.locator("input[name=amount_fen]")).to_have_value("30.00")
    expect(page.locator(f"#month-{month.isoformat()}")).to_be_checked()
    page.select_option("select[name=method]", "online")
    page.get_by_role("button", name="登记并出具收据").click()
    page.wait_for_url(re.compile(r"/dues/payment/\d+/receipt/$"), timeout=30000)
    assert page.inner_text("#receipt-capital") == "叁拾元整"
    assert page.inner_text("#receipt-amount") == "¥30.00"
    assert page.inner_text("#receipt-person") == "王小红"
    assert page.inner_text("#receipt-clerk") == "branch_secretary"
    assert re.fullmatch(r"DF\d{4}-\d{8}", page.inner_text("#receipt-no"))
    assert "已登记交纳 30.00 元" in page.inner_text("main")
    # The print stylesheet is served locally and hides the navigation on paper.
    page.emulate_media(media="print")
    assert page.locator("nav.navbar").is_hidden()
    page.emulate_media(media="screen")
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "dues-receipt-phone.png"), full_page=True)
    assert external == [], external
