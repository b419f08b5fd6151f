"""Guards a review asked for: a member may type at most five wrong codes for a session in ten minutes (each
refusal logged); 请假 is approved by a secretary (not the 组织委员); nobody grades their own notes in a 抽查; a
pending leave of someone taken off the expected list is closed; a plan has one study day per date; sign-in and
notes need the 党员 role, not only the account's link to the person."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zugong.accounts.models import RoleGrant, User
from zugong.core.models import AuditEvent
from zugong.core.roles import Role
from zugong.core.testing import PersonaTestCase

from .. import services, services_checks, signin
from ..models import Attendance, LeaveRequest
from ..services_attendance import EVENT_REFUSED, SignInRefused, decide_leave, request_leave, sign_in
from ..services_notes import submit_notes
from .fixtures_sessions import make_session


class GuardsTest(PersonaTestCase):
    def setUp(self):
        self.session = make_session(self.p.branch_secretary, self.p.branch)

    def test_five_wrong_codes_then_the_member_waits(self):
        right = signin.current_code(self.session.pk)[0]
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        for _ in range(5):
            with self.assertRaisesMessage(SignInRefused, "签到码不正确"):
                sign_in(actor=self.p.member, session_id=self.session.pk, code=wrong)
        self.assertEqual(AuditEvent.objects.filter(event=EVENT_REFUSED, actor_id=self.p.member.pk).count(), 5)
        with self.assertRaisesMessage(SignInRefused, "输错次数过多"):
            sign_in(actor=self.p.member, session_id=self.session.pk, code=right)
        row = Attendance.objects.get(session=self.session, person=self.p.alice)
        self.assertEqual(row.status, "expected")
        # Ten minutes later the right code is taken.
        later = timezone.now() + dt.timedelta(minutes=10, seconds=1)
        code = signin.current_code(self.session.pk, at=later.timestamp())[0]
        row, new = sign_in(actor=self.p.member, session_id=self.session.pk, code=code, at=later)
        self.assertTrue(new)

    def test_only_a_secretary_approves_leave(self):
        upcoming = make_session(
            self.p.branch_secretary, self.p.branch, starts_at=timezone.now() + dt.timedelta(days=2)
        )
        leave = request_leave(actor=self.p.member, session=upcoming, reason="出差")
        with self.assertRaisesMessage(PermissionDenied, "请假由党组织书记审批"):
            decide_leave(actor=self.p.org_committee_member, leave=leave, approve=True)
        decide_leave(actor=self.p.branch_secretary, leave=leave, approve=True)
        self.assertEqual(Attendance.objects.get(session=upcoming, person=self.p.alice).status, "leave")

    def test_a_pending_leave_is_closed_when_its_member_is_taken_off_the_list(self):
        upcoming = make_session(
            self.p.branch_secretary, self.p.branch, starts_at=timezone.now() + dt.timedelta(days=2)
        )
        leave = request_leave(actor=self.p.member, session=upcoming, reason="出差")
        services.set_expected(actor=self.p.branch_secretary, session=upcoming, person_ids=[self.p.bob.pk])
        leave.refresh_from_db()
        self.assertEqual(leave.status, LeaveRequest.Status.REJECTED)
        with self.assertRaisesMessage(ValidationError, "已处理"):
            decide_leave(actor=self.p.branch_secretary, leave=leave, approve=True)

    def test_nobody_grades_their_own_notes(self):
        grader = self.p.org_admin
        grader.person = self.p.bob
        grader.save(update_fields=["person"])
        check = services_checks.draw_spot_check(
            actor=grader, org=self.p.committee, title="抽查", date_from=timezone.localdate() - dt.timedelta(days=1),
            date_to=timezone.localdate(), organizations=[self.p.branch], size=2,
        )  # fmt: skip
        own = check.items.get(person=self.p.bob)
        with self.assertRaisesMessage(PermissionDenied, "不能评阅本人的笔记"):
            services_checks.grade_item(actor=grader, item=own, grade="excellent")

    def test_a_plan_has_one_study_day_a_date(self):
        plan = services.create_plan(actor=self.p.branch_secretary, org=self.p.branch, year=2026, quarter=4)
        first = plan.items.first()
        with self.assertRaisesMessage(ValidationError, "计划中已有"):
            services.plan_item_add(actor=self.p.branch_secretary, plan=plan, data={"date": first.date})
        with self.assertRaisesMessage(ValidationError, "计划中已有"):
            services.plan_item_set(
                actor=self.p.branch_secretary, item=plan.items.last(), data={"date": first.date}
            )

    def test_the_member_role_is_needed_not_only_the_link(self):
        linked = User.objects.create_user(username="linked", password="x", person=self.p.bob)
        code = signin.current_code(self.session.pk)[0]
        with self.assertRaises(PermissionDenied):
            sign_in(actor=linked, session_id=self.session.pk, code=code)
        with self.assertRaises(PermissionDenied):
            submit_notes(
                actor=linked, session=self.session, notes="", reflection="这是一段足够长的心得体会。"
            )
        RoleGrant.objects.create(user=linked, role=Role.MEMBER, organization=self.p.branch)
        linked = User.objects.get(pk=linked.pk)
        self.assertTrue(sign_in(actor=linked, session_id=self.session.pk, code=code)[1])

    def test_the_member_pages_need_the_role_too(self):
        from django.urls import reverse

        linked = User.objects.create_user(username="linked", password="x", person=self.p.bob)
        self.client.force_login(linked)
        self.assertEqual(self.client.get(reverse("mystudy:home")).status_code, 403)
        self.assertEqual(self.client.get(reverse("api-studyday-my-session-list")).status_code, 403)
        RoleGrant.objects.create(user=linked, role=Role.MEMBER, organization=self.p.branch)
        self.assertEqual(self.client.get(reverse("mystudy:home")).status_code, 200)

    def test_the_daily_reminder_command(self):
        from io import StringIO

        from django.core.management import CommandError, call_command

        from ..models import Reminder
        from .fixtures_sessions import ended_session

        recent = ended_session(self.p.branch_secretary, self.p.branch, days_ago=1)
        ended_session(self.p.branch_secretary, self.p.branch, days_ago=10)  # too old: not reminded
        submit_notes(actor=self.p.member, session=recent, notes="", reflection="这是一段足够长的心得体会。")
        out = StringIO()
        call_command("studyday_remind", stdout=out)
        self.assertIn("1 次会议活动", out.getvalue())
        self.assertEqual(
            list(Reminder.objects.values_list("session_id", "person_id")), [(recent.pk, self.p.bob.pk)]
        )
        self.assertTrue(
            AuditEvent.objects.filter(object_type="studyday.reminder", actor_id__isnull=True).exists()
        )
        call_command("studyday_remind", stdout=StringIO())  # the same day: nobody twice
        self.assertEqual(Reminder.objects.count(), 1)
        with self.assertRaises(CommandError):
            call_command("studyday_remind", "--days", "0", stdout=StringIO())

    def test_the_daily_reminder_is_set_based(self):
        """The same number of queries for two sessions as for six; a returned submission is owed again."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from ..models import Reminder, Submission
        from ..services_notes import remind_overdue
        from .fixtures_sessions import ended_session

        def run(count: int) -> tuple[int, int, int]:
            Reminder.objects.all().delete()
            for _ in range(count):
                ended_session(self.p.branch_secretary, self.p.branch, days_ago=1)
            with CaptureQueriesContext(connection) as queries:
                sessions, reminders = remind_overdue(days=3)
            return sessions, reminders, len(queries)

        two = run(2)
        self.assertEqual(two[:2], (2, 4))  # alice and bob, each session
        six = run(4)
        self.assertEqual(six[:2], (6, 12))
        self.assertEqual(six[2], two[2])
        returned = Submission.objects.create(
            session=Reminder.objects.first().session, person=self.p.alice, org_path=self.p.branch.path,
            reflection="退回的心得", status=Submission.Status.RETURNED,
        )  # fmt: skip
        Reminder.objects.all().delete()
        self.assertEqual(remind_overdue(days=3), (6, 12))  # returned: still owed
        returned.status = Submission.Status.SUBMITTED
        returned.save()
        Reminder.objects.all().delete()
        self.assertEqual(remind_overdue(days=3), (6, 11))
