"""测评 end to end in a real browser (Debian's chromium through Playwright): the 组织部 creates a "三度"
evaluation, makes it live and downloads three code slips (Word); a voter at phone width types a code from the
slip and votes 很满意/满意/基本满意; the results page shows the one ballot and its satisfaction index."""

import io
import re
from pathlib import Path

import docx
import pytest

from zugong.core.testing import build_personas
from zugong.people.tests.test_browser import DESKTOP, PHONE, SHOTS, assert_fits, browser, open_page  # noqa: F401

from ..models import Ballot, Evaluation

CODE = re.compile(r"\b([2-9A-Z]{4})-([2-9A-Z]{4})-([2-9A-Z]{2})\b")


def codes_in(docx_bytes: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(docx_bytes))
    text = "\n".join(
        p.text for table in document.tables for row in table.rows for c in row.cells for p in c.paragraphs
    )
    return ["".join(m) for m in CODE.findall(text)]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_make_a_three_du_evaluation_a_phone_votes_the_results_show_it(live_server, browser):  # noqa: F811
    build_personas()
    SHOTS.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import expect

    # The 组织部, on a desktop: a new "三度" evaluation, live, three slips.
    office, office_external = open_page(browser, live_server, "org_admin", DESKTOP)
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    office.on("dialog", accept)
    office.goto(f"{live_server.url}/evaluations/new/")
    office.fill("input[name=title]", "2025年组织工作“三度”测评")
    office.select_option("select[name=kind]", "sandu")
    office.fill("textarea[name=subjects]", "区委组织部")
    office.fill("textarea[name=voter_classes]", "党员代表,1,3")
    office.get_by_role("button", name="创建").click()
    office.wait_for_url(re.compile(r"/evaluations/\d+/$"))
    expect(office.locator("#evaluation-mode")).to_have_text("试用")
    office.get_by_role("link", name="转为正式").click()
    office.check("input[name=confirm]")
    office.get_by_role("button", name="确认转为正式").click()
    office.wait_for_url(re.compile(r"/evaluations/\d+/$"))
    expect(office.locator("#evaluation-mode")).to_have_text("正式")
    office.fill("input[name=count]", "3")
    with office.expect_download() as download:
        office.get_by_role("button", name="生成并下载测评码条").click()
    assert download.value.suggested_filename.endswith(".docx")
    codes = codes_in(Path(download.value.path()).read_bytes())
    assert len(codes) == 3 and len(set(codes)) == 3, codes
    office.reload()
    expect(office.locator("#batch-table tbody tr")).to_have_count(1)
    office.screenshot(path=str(SHOTS / "evaluation-detail-desktop.png"), full_page=True)

    # A voter, on a phone, no account: the code from the slip, three answers, 提交.
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/v/")
    page.fill("input[name=code]", codes[0])
    page.get_by_role("button", name="进入投票").click()
    page.wait_for_url(re.compile(rf"/v/{codes[0]}/$"))
    subject = Evaluation.objects.get().subjects.get()
    for key, value in (("awareness", "very_satisfied"), ("satisfaction", "satisfied"),
                       ("recognition", "basically_satisfied")):  # fmt: skip
        page.locator(f"label[for='s{subject.pk}__{key}__{value}']").click()
    assert_fits(page, 375)
    page.screenshot(path=str(SHOTS / "evaluation-vote-phone.png"), full_page=True)
    page.get_by_role("button", name="提交").click()
    expect(page.locator("main")).to_contain_text("投票成功")
    assert Ballot.objects.filter(is_test=False).count() == 1

    # The results: one ballot; 满意度 is 满意 only: index 80.00.
    office.get_by_role("link", name="测评结果").click()
    office.wait_for_url(re.compile(r"/evaluations/\d+/results/$"))
    expect(office.locator("#results-ballots")).to_have_text("1")
    expect(office.locator("main")).to_contain_text("满意度指数 80.00")
    expect(office.locator("[data-chart='chart-0'] canvas")).to_have_count(1)
    office.screenshot(path=str(SHOTS / "evaluation-results-desktop.png"), full_page=True)
    assert dialogs == ["确定转为正式测评吗？试用选票将被删除，试用期间的测评码全部作废。"], dialogs
    assert external == [] and office_external == [], (external, office_external)
