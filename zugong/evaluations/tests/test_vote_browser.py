"""测评投票 in a real browser (Debian's chromium through Playwright), as an anonymous voter on a 375 px phone:
the slip's address opens the ballot, 德能勤绩廉 and 总体评价 for two cadres one screen at a time, a reload midway
finds the draft kept on the phone, 提交 and 投票成功 — the draft is gone, the code is used, one ballot counted."""

import re

import pytest

from zugong.core.testing import build_personas
from zugong.people.tests.test_browser import PHONE, SHOTS, assert_fits, browser  # noqa: F401

from .. import services
from ..models import Answer, Ballot, BallotCode
from ..views_vote import DRAFT_PREFIX
from .test_engine import make

ITEMS = ("de", "neng", "qin", "ji", "lian")


def choose(page, subject, key, value):
    page.locator(f"label[for='s{subject.pk}__{key}__{value}']").click()


def checked(page, subject, key, value) -> bool:
    return page.locator(f"#s{subject.pk}__{key}__{value}").is_checked()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_voter_answers_two_cadres_on_a_phone(live_server, browser):  # noqa: F811
    p = build_personas()
    e = make(
        p,
        subjects=[
            {"kind": "person", "label": "陈志刚", "person": p.cadre},
            {"kind": "person", "label": "李建国", "person": p.bob},
        ],
    )
    services.go_live(actor=p.org_admin, evaluation=e)
    _, codes = services.issue_codes(
        actor=p.org_admin, evaluation=e, voter_class=e.voter_classes.get(), count=2
    )
    code = codes[0]
    first, second = list(e.subjects.order_by("position"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import expect

    # An anonymous visitor: no login, nothing from another host, nothing refused by the CSP.
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    external, refused = [], []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)

    # The start page takes the code typed from the slip.
    page.goto(f"{live_server.url}/v/")
    assert_fits(page, 375)
    page.get_by_role("button", name="进入投票").click()
    expect(page.locator("#vote-error")).to_contain_text("请输入测评码")
    page.screenshot(path=str(SHOTS / "vote-start-phone.png"), full_page=True)
    page.fill("input[name=code]", f"{code[:5].lower()} {code[5:].lower()}")
    page.get_by_role("button", name="进入投票").click()
    page.wait_for_url(re.compile(rf"/v/{code}/$"))

    # One screen per subject: the first cadre, 第 1 / 2 个, no 提交 yet.
    first_screen = page.locator(f"#subject-{first.pk}")
    second_screen = page.locator(f"#subject-{second.pk}")
    expect(first_screen).to_be_visible()
    expect(second_screen).to_be_hidden()
    expect(first_screen.locator(".vote-step-count")).to_have_text("第 1 / 2 个")
    expect(page.locator(".vote-subject-name:visible")).to_have_text("陈志刚")
    expect(page.get_by_role("button", name="提交")).to_be_hidden()
    expect(page.get_by_role("button", name="上一个")).to_be_disabled()
    assert_fits(page, 375)

    # 下一个 with an item left: told which, and it stays.
    for key in ITEMS[:4]:
        choose(page, first, key, "good")
    page.get_by_role("button", name="下一个").click()
    expect(page.locator("#vote-check")).to_have_text("请完成对“陈志刚”的“廉”。")
    expect(first_screen).to_be_visible()
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "vote-missing-phone.png"), full_page=True)
    choose(page, first, "lian", "fairly_good")
    expect(page.locator("#vote-check")).to_have_text("请完成对“陈志刚”的“总体评价”。")  # the next gap
    choose(page, first, "overall", "excellent")
    expect(page.locator("#vote-check")).to_be_hidden()
    page.fill(f"#s{first.pk}__opinion", "联系群众紧密")
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "vote-ballot-phone.png"), full_page=True)
    page.get_by_role("button", name="下一个").click()
    expect(second_screen).to_be_visible()
    expect(first_screen).to_be_hidden()
    expect(second_screen.locator(".vote-step-count")).to_have_text("第 2 / 2 个")
    expect(page.get_by_role("button", name="提交")).to_be_visible()
    expect(page.get_by_role("button", name="下一个")).to_be_hidden()
    assert page.locator("#vote-progress-bar").get_attribute("max") == "2"
    assert page.evaluate("document.getElementById('vote-progress-bar').value") == 2
    choose(page, second, "de", "good")
    choose(page, second, "neng", "fair")

    # A reload midway: the same screen, every choice kept on the phone (and only there).
    page.reload()
    expect(second_screen).to_be_visible()
    assert checked(page, second, "de", "good") and checked(page, second, "neng", "fair")
    assert checked(page, first, "lian", "fairly_good") and checked(page, first, "overall", "excellent")
    assert page.locator(f"#s{first.pk}__opinion").input_value() == "联系群众紧密"
    assert page.evaluate("k => localStorage.getItem(k) !== null", DRAFT_PREFIX + code)
    assert not Ballot.objects.exists()
    page.get_by_role("button", name="上一个").click()
    expect(first_screen).to_be_visible()
    page.get_by_role("button", name="下一个").click()
    expect(second_screen).to_be_visible()

    for key in ITEMS[2:]:
        choose(page, second, key, "good")
    choose(page, second, "overall", "competent")
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "vote-ballot-last-phone.png"), full_page=True)
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#vote-done")).to_have_text("投票成功，感谢参与。")
    assert page.evaluate("k => localStorage.getItem(k)", DRAFT_PREFIX + code) is None
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "vote-done-phone.png"), full_page=True)

    ballot = Ballot.objects.get()
    rows = set(Answer.objects.filter(ballot=ballot).values_list("subject_id", "item", "option"))
    assert (first.pk, "lian", "fairly_good") in rows and (second.pk, "neng", "fair") in rows
    assert (first.pk, "overall", "excellent") in rows and (second.pk, "overall", "competent") in rows
    assert Answer.objects.get(ballot=ballot, item="opinion").text == "联系群众紧密"
    assert len(rows) == 13
    assert BallotCode.objects.get(code_hash=services.code_hash(code)).state == "used"

    # Back again: the code has voted.
    page.goto(f"{live_server.url}/v/{code}/")
    expect(page.locator("#vote-reason")).to_contain_text("已经使用过")
    assert_fits(page, 375)
    assert external == [], external
    assert not [m for m in refused if "Content Security Policy" in m], refused
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_every_subject_shows_and_the_form_submits(live_server, browser):  # noqa: F811
    p = build_personas()
    e = make(
        p,
        subjects=[
            {"kind": "person", "label": "陈志刚", "person": p.cadre},
            {"kind": "person", "label": "李建国", "person": p.bob},
        ],
    )
    _, codes = services.issue_codes(
        actor=p.org_admin, evaluation=e, voter_class=e.voter_classes.get(), count=1
    )
    subjects = list(e.subjects.order_by("position"))
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN", java_script_enabled=False, **PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/v/{codes[0]}/")
    for subject in subjects:
        expect(page.locator(f"#subject-{subject.pk}")).to_be_visible()
    expect(page.get_by_role("button", name="下一个")).to_be_hidden()
    for subject in subjects:
        for key in ITEMS:
            choose(page, subject, key, "good")
        choose(page, subject, "overall", "competent")
    assert_fits(page, 375)
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#vote-done")).to_have_text("投票成功，感谢参与。")
    assert Answer.objects.filter(ballot=Ballot.objects.get(is_test=True)).count() == 12
    context.close()
