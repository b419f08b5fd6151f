"""The staff pages in a real browser (Debian's chromium through Playwright) at phone width: the landing page,
the plan with its moved date, a new session for a chosen list (the people box reloads with the organization
and filters by name), the session page marking attendance, and the 签到屏幕 whose script shows the current
code. No page scrolls sideways, asks for anything off the server, or trips the Content-Security-Policy."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from zugong.core.models import WorkdayOverride
from zugong.core.testing import build_personas
from zugong.core.tests.test_browser import SHOTS
from zugong.people.tests.test_browser import assert_fits, open_page

from .. import services, signin
from ..models import Attendance, Session
from .test_browser import PHONE, browser, watch_console  # noqa: F401 - the fixture


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_secretary_runs_a_study_day_from_a_phone(live_server, browser):  # noqa: F811
    from playwright.sync_api import expect

    p = build_personas()
    WorkdayOverride.objects.create(date=dt.date(2026, 10, 1), kind="holiday", name="国庆节")
    # 国庆 (10-01 to 10-07) is built in; the district's entry makes 10-02 a working day, so 10-01 moves to it.
    WorkdayOverride.objects.create(date=dt.date(2026, 10, 2), kind="workday", name="本区照常上班")
    plan = services.create_plan(actor=p.org_admin, org=p.branch, year=2026, quarter=4)
    now = timezone.now()
    session = services.create_session(
        actor=p.org_admin, org=p.branch, kind="study_day",
        data={"title": "学习党章", "starts_at": now - dt.timedelta(minutes=5), "ends_at": now + dt.timedelta(hours=2)},
    )  # fmt: skip
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, external = open_page(browser, live_server, "branch_secretary", PHONE)
    errors = watch_console(page)
    url = live_server.url

    def shot(name):
        assert_fits(page, 375)
        page.screenshot(path=str(SHOTS / f"studyday-staff-{name}.png"), full_page=True)

    page.goto(url + reverse("studyday:home"))
    expect(page.locator("#week-table")).to_contain_text("学习党章")
    shot("home")

    page.goto(url + reverse("studyday:plan_detail", args=[plan.pk]))
    # The dates come by month; a month before this one starts folded and opens with a tap.
    october = page.locator("#month-2026-10")
    folded = timezone.localdate() >= dt.date(2026, 11, 1)
    assert (october.get_attribute("open") is None) == folded
    if folded:
        expect(october.get_by_text("原定 10月1日 → 顺延")).to_be_hidden()
        october.locator("summary").tap()
    expect(october.get_by_text("原定 10月1日 → 顺延")).to_be_visible()
    shot("plan")

    # 学习计划执行: the fourth quarter's dates passed without a 学习日 (the test runs after 2026).
    page.goto(url + reverse("studychecks:adherence") + "?year=2026")
    expect(page.locator("#adherence-table")).to_contain_text("东城社区第一党支部")
    expect(page.locator("#adherence-table")).to_contain_text("未落实")
    # The tab row scrolls sideways on a phone; the current tab is brought into view.
    tab = page.locator(".nav-tabs .active").bounding_box()
    assert tab["x"] >= 0 and tab["x"] + tab["width"] <= 375, tab
    shot("adherence")

    # A 党课 for a chosen list: the search hides the others, 李建国 is ticked.
    page.goto(url + reverse("studyday:session_create"))
    page.select_option("select[name=kind]", "party_lecture")
    page.fill("input[name=title]", "书记讲党课")
    page.check("input[name=expected_mode][value=chosen]")
    page.fill("[data-pick-search]", "李")
    expect(page.locator("[data-pick-item][data-name=王小红]")).to_be_hidden()
    page.check(f"#person-{p.bob.pk}")
    expect(page.locator("[data-pick-count]")).to_have_text("1")
    shot("session-new")
    page.get_by_role("button", name="保存").tap()
    page.wait_for_url(re.compile(r"/studyday/sessions/\d+/$"))
    lecture = Session.objects.get(title="书记讲党课")
    assert list(lecture.attendance.values_list("person_id", flat=True)) == [p.bob.pk]

    # The session page: mark 王小红 present, one submit.
    page.goto(url + reverse("studyday:session_detail", args=[session.pk]))
    page.select_option(f"select[name=status_{p.alice.pk}]", "present")
    page.get_by_role("button", name="保存本页出勤").tap()
    expect(page.locator("main")).to_contain_text("已登记 1 人的出勤。")
    assert Attendance.objects.get(session=session, person=p.alice).status == "present"
    shot("session")

    # The screen: the script keeps the code current and the counts.
    page.goto(url + reverse("studyday:screen", args=[session.pk]))
    expect(page.locator("#screen-code")).to_have_text(re.compile(r"^\d{6}$"))
    assert page.locator("#screen-code").text_content() in {
        signin.current_code(session.pk)[0],
        signin.current_code(session.pk, at=timezone.now().timestamp() - signin.SLOT_SECONDS)[0],
    }
    expect(page.locator("#screen-signed")).to_have_text("1")
    expect(page.locator("#screen-qr")).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    shot("screen")

    assert external == [], external
    assert errors == [], errors
