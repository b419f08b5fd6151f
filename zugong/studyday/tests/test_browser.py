"""星期四学习日 in a real browser (Debian's chromium through Playwright): 王小红 on a 375 px phone opens 我的学习,
signs in with the code on the room's screen (签到成功, 出席) and hands in her notes and reflection with a photo of
her handwritten notes; the branch secretary, on a desktop, opens the review queue and approves them (审阅通过);
her page then shows 已审阅. No page scrolls sideways, asks for anything off the server, or trips the CSP."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from zugong.core.testing import build_personas
from zugong.core.tests import test_browser as core_browser
from zugong.core.tests.test_browser import SHOTS
from zugong.people.tests.test_browser import DESKTOP, assert_fits, open_page

from .. import services, signin
from ..choices import SessionKind
from ..models import Attendance, Submission

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
SCREENSHOT = "/tmp/studyday-phone.png"
PNG = (  # a 1×1 PNG: the photo of the handwritten notes
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
browser = core_browser.browser  # the fixture, for the modules that take it from here
REFLECTION = "学习党章，要把党员标准落实到社区服务的每一件小事上，做到平时看得出来。"


def watch_console(page) -> list[str]:
    """Console errors, a refusal by the Content-Security-Policy among them."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_member_signs_in_and_hands_in_notes_the_secretary_approves(live_server, browser):
    p = build_personas()
    starts = timezone.now() - dt.timedelta(minutes=2)  # started, inside the 10 minutes' grace: 出席
    session = services.create_session(
        actor=p.branch_secretary,
        org=p.branch,
        kind=SessionKind.STUDY_DAY,
        data={"title": "学习党章 争做合格党员", "place": "东城社区党群服务中心二楼会议室", "starts_at": starts,
              "ends_at": starts + dt.timedelta(hours=2), "agenda": "一、集中学习党章\n二、交流学习体会"},
    )  # fmt: skip
    SHOTS.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import expect

    # 王小红 on her phone: 我的学习 shows the session with a big 签到 button.
    page, external = open_page(browser, live_server, "member", PHONE)
    errors = watch_console(page)
    page.goto(f"{live_server.url}{reverse('mystudy:home')}")
    expect(page.get_by_role("heading", name=re.compile("我的学习"))).to_be_visible()
    item = page.locator(f"#mine-session-{session.pk}")
    expect(item).to_contain_text("学习党章 争做合格党员")
    expect(item).to_contain_text("未签到")
    assert_fits(page, 375)
    item.get_by_role("link", name="签到").tap()
    page.wait_for_url(re.compile(rf"/studyday/me/session/{session.pk}/signin/$"))
    code_input = page.locator("input[name=code]")
    assert code_input.get_attribute("inputmode") == "numeric"
    assert code_input.get_attribute("autocomplete") == "off"
    code_input.fill(signin.current_code(session.pk)[0])
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "studyday-signin-phone.png"), full_page=True)
    page.get_by_role("button", name="签到").tap()
    page.wait_for_url(re.compile(rf"/studyday/me/session/{session.pk}/$"))
    expect(page.locator("main")).to_contain_text("签到成功（出席，")
    expect(page.locator("#mine-status-badge")).to_have_text("出席")
    assert Attendance.objects.get(session=session, person=p.alice).status == Attendance.Status.PRESENT
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "studyday-session-phone.png"), full_page=True)

    # 提交笔记: notes, a reflection and the photo of the handwritten notes.
    page.get_by_role("link", name="提交笔记").tap()
    page.wait_for_url(re.compile(rf"/studyday/me/session/{session.pk}/notes/$"))
    page.fill("textarea[name=notes]", "一、党章总纲\n二、党员的义务和权利")
    page.fill("textarea[name=reflection]", REFLECTION)
    page.set_input_files(
        "input[name=file]", files=[{"name": "笔记.png", "mimeType": "image/png", "buffer": PNG}]
    )
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "studyday-notes-phone.png"), full_page=True)
    page.get_by_role("button", name="提交").tap()
    page.wait_for_url(re.compile(rf"/studyday/me/session/{session.pk}/notes/$"))
    expect(page.locator("main")).to_contain_text("已提交笔记和心得，请等待支部审阅。")
    expect(page.locator("#notes-status")).to_have_text("待审阅")
    submission = Submission.objects.get(session=session, person=p.alice)
    assert (submission.status, submission.file_type) == (Submission.Status.SUBMITTED, "image/png")

    page.goto(f"{live_server.url}{reverse('mystudy:home')}")
    expect(page.locator(f"#mine-session-{session.pk}")).to_contain_text("笔记待审阅")
    assert_fits(page, 375)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # The branch secretary on a desktop: the review queue, the submission, a comment, 审阅通过.
    office, office_external = open_page(browser, live_server, "branch_secretary", DESKTOP)
    office_errors = watch_console(office)
    office.goto(f"{live_server.url}{reverse('studyday:review_queue')}")
    submission_url = reverse("studyday:submission", args=[submission.pk])
    office.locator(f"a[href='{submission_url}']").first.click()
    office.wait_for_url(f"{live_server.url}{submission_url}")
    expect(office.locator("main")).to_contain_text(REFLECTION)
    office.fill("textarea[name=comment]", "结合岗位谈得具体，很好。")
    office.locator("button[name=decision][value=approve]").click()
    office.wait_for_url(re.compile(r"/studyday/review/$"))
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REVIEWED
    assert submission.comment == "结合岗位谈得具体，很好。"

    # Her page now says 已审阅, with the comment, and offers no more form.
    page.goto(f"{live_server.url}{reverse('mystudy:notes', args=[session.pk])}")
    expect(page.locator("#notes-status")).to_have_text("已审阅")
    expect(page.locator("#notes-reviewed")).to_contain_text("结合岗位谈得具体，很好。")
    expect(page.locator("#notes-form")).to_have_count(0)
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "studyday-notes-reviewed-phone.png"), full_page=True)

    assert external == [] and office_external == [], (external, office_external)
    assert not [m for m in errors + office_errors if "Content Security Policy" in m], errors + office_errors
    assert errors == [], errors
