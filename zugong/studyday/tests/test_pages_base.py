"""What the staff-page tests share: records of 东城社区第一党支部 (p.branch) written through the services — a
fourth-quarter plan whose 10月1日 moved, a session signing in now, one that ended two days ago with 王小红's
notes (and a PDF) waiting for review, one tomorrow with her leave request, an attachment — and one session
of 西城社区党支部 (p.other_branch) that the branch's staff must never see."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from openpyxl import load_workbook

from zugong.core.models import AuditEvent, WorkdayOverride
from zugong.core.testing import PersonaTestCase

from .. import services
from ..services_attendance import request_leave
from ..services_notes import submit_notes

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
OUR_NAMES = ("王小红", "李建国", "东城社区第一党支部", "支部学习日（进行中）")
OTHER_NAMES = ("赵立新", "西城社区党支部", "西城主题党日")


def session_data(title: str, starts_at: dt.datetime, hours: int = 2, **more) -> dict:
    return {"title": title, "starts_at": starts_at, "ends_at": starts_at + dt.timedelta(hours=hours)} | more


def workbook_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None
    )


class StudyPagesTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        admin, now = p.org_admin, timezone.now()
        WorkdayOverride.objects.create(date=dt.date(2026, 10, 1), kind="holiday", name="国庆节")
        # 国庆 (10-01 to 10-07) is built in; the district's entry makes 10-02 a working day, so 10-01 moves to it.
        WorkdayOverride.objects.create(date=dt.date(2026, 10, 2), kind="workday", name="本区照常上班")
        cls.plan = services.create_plan(actor=admin, org=p.branch, year=2026, quarter=4)
        cls.item = cls.plan.items.get(scheduled=dt.date(2026, 10, 1))
        cls.now_session = services.create_session(
            actor=admin, org=p.branch, kind="study_day",
            data=session_data("支部学习日（进行中）", now - dt.timedelta(minutes=10), place="党员活动室"),
        )  # fmt: skip
        cls.past_session = services.create_session(
            actor=admin, org=p.branch, kind="theme_day",
            data=session_data("主题党日（已结束）", now - dt.timedelta(days=2)),
        )  # fmt: skip
        cls.next_session = services.create_session(
            actor=admin, org=p.branch, kind="committee_meeting",
            data=session_data("支委会（明天）", now + dt.timedelta(days=1)),
        )  # fmt: skip
        cls.submission = submit_notes(
            actor=p.member, session=cls.past_session, notes="学习了党章第一章。",
            reflection="通过学习，我深刻认识到党员义务的重要意义。", file_name="笔记.pdf", file_data=PDF,
        )  # fmt: skip
        cls.leave = request_leave(actor=p.member, session=cls.next_session, reason="出差在外")
        cls.file = services.add_session_file(actor=admin, session=cls.now_session, name="议程.pdf", data=PDF)
        cls.other_session = services.create_session(
            actor=admin, org=p.other_branch, kind="theme_day",
            data=session_data("西城主题党日", now - dt.timedelta(days=1)),
        )  # fmt: skip

    def audit_count(self, object_type: str = "", **filters) -> int:
        qs = AuditEvent.objects.filter(**filters)
        return qs.filter(object_type=object_type).count() if object_type else qs.count()

    def as_secretary(self):
        self.client.force_login(self.p.branch_secretary)
        return self.client
