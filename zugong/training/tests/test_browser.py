"""累计学分制 in a real browser (Debian's chromium through Playwright): the cadre 陈志刚 claims 2 days of 党校
training with a PDF certificate on a phone, the 干部教育科 approves it on a desktop, and the cadre's 总学分 bar
moves from 0 to 12 (2 days × 6 credits) of 84."""

import re

import pytest
from django.utils import timezone

from zugong.accounts.models import RoleGrant, User
from zugong.core.roles import Role
from zugong.core.testing import PASSWORD, build_personas
from zugong.people.tests.test_browser import DESKTOP, PHONE, SHOTS, assert_fits, browser, open_page  # noqa: F401
from zugong.training import ledger

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def total_bar(page) -> tuple[str, str]:
    bar = page.locator("#bar-total .progress")
    return bar.get_attribute("data-value"), bar.get_attribute("aria-valuenow")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_cadre_claims_the_office_approves_and_the_bar_moves(live_server, browser):  # noqa: F811
    p = build_personas()
    cadre_user = User.objects.create_user(
        username="cadre", password=PASSWORD, display_name="陈志刚", person=p.cadre
    )
    RoleGrant.objects.create(user=cadre_user, role=Role.MEMBER, organization=p.sibling_branch)
    today = timezone.localdate()
    ledger.ensure_rule_set(today.year)
    SHOTS.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import expect

    # The cadre, on a phone: nothing yet, then the claim with its certificate.
    page, external = open_page(browser, live_server, "cadre", PHONE)
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("link", name="我的学分").first.click()
    page.wait_for_url(re.compile(r"/training/mine/$"))
    assert total_bar(page) == ("0", "0")
    assert_fits(page, 375)
    page.get_by_role("link", name="申报学分").click()
    page.wait_for_url(re.compile(r"/training/mine/claim/$"))
    page.select_option("select[name=category]", "party_school")
    page.fill("input[name=title]", "区委党校处级干部进修班")
    page.fill("input[name=organizer]", "区委党校")
    page.fill("input[name=date]", today.isoformat())
    page.fill("input[name=days]", "2")
    page.set_input_files(
        "input[name=evidence]", files=[{"name": "结业证书.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "training-claim-phone.png"), full_page=True)
    page.get_by_role("button", name="提交申报").click()
    page.wait_for_url(re.compile(r"/training/mine/\?year=\d{4}$"))
    assert "请等待干部教育科审核" in page.inner_text("main")
    assert "待审核" in page.inner_text("#mine-claims")
    assert total_bar(page) == ("0", "0")

    # The training office, on a desktop: the waiting claim, its evidence, 通过 after the confirmation.
    office, office_external = open_page(browser, live_server, "org_admin", DESKTOP)
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    office.on("dialog", accept)
    office.goto(f"{live_server.url}/training/claims/")
    expect(office.locator("#claims-pending")).to_have_text("1 件待审核")
    office.get_by_role("link", name="区委党校处级干部进修班").click()
    office.wait_for_url(re.compile(r"/training/claim/\d+/$"))
    assert office.inner_text("#claim-evidence").strip() == "结业证书.pdf"
    with office.expect_download() as download:
        office.locator("#claim-evidence").click()
    assert download.value.suggested_filename == "结业证书.pdf"
    office.screenshot(path=str(SHOTS / "training-claim-decide-desktop.png"), full_page=True)
    office.locator("#claim-approve").click()
    office.wait_for_url(re.compile(r"/training/claims/$"))
    assert dialogs == ["确定提交审核意见吗？"]
    assert "已通过 陈志刚 的学分申报“区委党校处级干部进修班”，计入 12 学分。" in office.inner_text("main")

    # The cadre's bar has moved: 12 of 84 credits.
    page.reload()
    assert total_bar(page) == ("12", "14")
    expect(page.locator("#bar-total .progress-bar")).to_have_class(re.compile(r"\btw-14\b"))
    assert "已通过" in page.inner_text("#mine-claims")
    assert "区委党校处级干部进修班" in page.inner_text("#mine-entries")
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "training-mine-phone.png"), full_page=True)
    assert external == [] and office_external == [], (external, office_external)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_catalogue_filters_without_a_console_error(live_server, browser):  # noqa: F811
    """Choosing a category reloads the table through htmx (no eval under the CSP: no console error); sorting a
    column twice keeps the rows."""
    from zugong.training import services

    p = build_personas()
    today = timezone.localdate()
    for title, category in (("区委党校专题班", "party_school"), ("中心组学习会", "central_group")):
        services.create_activity(
            actor=p.org_admin,
            data={"title": title, "category": category, "organizer": "区委组织部", "org": p.district,
                  "start_date": today, "end_date": today, "days": "1", "hours": "3"},
        )  # fmt: skip
    page, external = open_page(browser, live_server, "org_admin", DESKTOP)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/training/activities/")
    assert page.locator("#activity-table tbody tr").count() == 2
    with page.expect_response(re.compile(r"/training/activities/\?.*category=central_group")):
        page.select_option("select[name=category]", "central_group")
    page.wait_for_function("document.querySelectorAll('#activity-table tbody tr').length === 1")
    assert "中心组学习会" in page.inner_text("#activity-table")
    page.goto(f"{live_server.url}/training/activities/?sort=-title")
    assert page.locator("#activity-table tbody tr").count() == 2
    assert errors == [] and external == [], (errors, external)
