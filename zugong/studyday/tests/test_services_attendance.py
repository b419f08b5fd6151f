"""Attendance marked and closed, leave approved or refused, notes handed in and reviewed, reminders; the figures
of a session and the attendance rates, with exact numbers; a member's transfer leaves the old attendance with
the branch that held the sessions."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zugong.accounts.models import RoleGrant, User
from zugong.core.models import AuditEvent
from zugong.core.roles import Role
from zugong.core.testing import PersonaTestCase
from zugong.people.models import Person

from .. import selectors
from ..models import Attendance, LeaveRequest, Reminder, Submission
from ..services_attendance import (
    close_attendance,
    decide_leave,
    mark_attendance,
    request_leave,
    withdraw_leave,
)
from ..services_notes import remind_missing, review_submission, submit_notes
from .fixtures_sessions import audit_rows, ended_session, make_session

S = Attendance.Status
REFLECTION = "学习之后，更加坚定了理想信念。"


def member_account(person, branch):
    """An account of ``person`` with the 党员 role (sign-in and notes need the role, not only the link)."""
    from zugong.accounts.models import RoleGrant
    from zugong.core.roles import Role

    user = User.objects.create_user(username=f"u{person.pk}", password="x", person=person)
    RoleGrant.objects.create(user=user, role=Role.MEMBER, organization=branch)
    return user


def status_of(session, person) -> str:
    return Attendance.objects.get(session=session, person=person).status


class MarkAndCloseTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.session = make_session(cls.p.branch_secretary, cls.p.branch)

    def test_marks_change_only_what_differs(self):
        p = self.p
        n = mark_attendance(actor=p.branch_secretary, session=self.session, marks={p.alice.pk: S.PRESENT})
        self.assertEqual(n, 1)
        alice = Attendance.objects.get(session=self.session, person=p.alice)
        self.assertEqual((alice.method, alice.marked_by), ("organizer", p.branch_secretary))
        self.assertIsNotNone(alice.signed_at)
        self.assertEqual(mark_attendance(actor=p.branch_secretary, session=self.session,
                                         marks={p.alice.pk: S.PRESENT, p.bob.pk: S.LATE}), 1)  # fmt: skip
        mark_attendance(actor=p.branch_secretary, session=self.session, marks={str(p.alice.pk): "expected"})
        alice.refresh_from_db()
        self.assertEqual((alice.status, alice.signed_at), ("expected", None))
        self.assertEqual(audit_rows(alice, kind="update").count(), 2)

    def test_bad_marks_change_nothing(self):
        p = self.p
        for marks, text in (({p.alice.pk: "sick"}, "出勤状态不正确"), ({p.dave.pk: S.PRESENT}, "不在本次会议活动的应到名单"),
                            ({"x": S.PRESENT}, "人员编号不正确")):  # fmt: skip
            with self.subTest(marks=marks), self.assertRaisesMessage(ValidationError, text):
                mark_attendance(actor=p.branch_secretary, session=self.session, marks=marks)
        with self.assertRaises(PermissionDenied):
            mark_attendance(actor=p.other_secretary, session=self.session, marks={p.alice.pk: S.PRESENT})
        self.assertEqual(set(Attendance.objects.values_list("status", flat=True)), {"expected"})

    def test_close_writes_absent_and_keeps_leave_and_present(self):
        p = self.p
        carol = Person.objects.get(pk=p.carol.pk)
        Attendance.objects.create(session=self.session, person=carol, org_path=self.session.org_path)
        mark_attendance(
            actor=p.branch_secretary, session=self.session, marks={p.alice.pk: S.LEAVE, p.bob.pk: S.LATE}
        )
        self.assertEqual(close_attendance(actor=p.branch_secretary, session=self.session), 1)
        self.assertEqual(
            [status_of(self.session, x) for x in (p.alice, p.bob, carol)], ["leave", "late", "absent"]
        )
        row = Attendance.objects.get(session=self.session, person=carol)
        self.assertEqual((row.method, audit_rows(row).get().after["status"]), ("close", "absent"))
        with self.assertRaisesMessage(ValidationError, "考勤已结束"):
            close_attendance(actor=p.branch_secretary, session=self.session)


class LeaveTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.session = make_session(cls.p.branch_secretary, cls.p.branch)

    def ask(self, user=None, session=None):
        return request_leave(actor=user or self.p.member, session=session or self.session, reason="外出培训")

    def test_approve_makes_leave(self):
        leave = self.ask()
        self.assertEqual((leave.org_path, audit_rows(leave).get().kind), (self.p.branch.path, "create"))
        with self.assertRaisesMessage(ValidationError, "已提交过"):
            self.ask()
        decide_leave(actor=self.p.branch_secretary, leave=leave, approve=True)
        row = Attendance.objects.get(session=self.session, person=self.p.alice)
        self.assertEqual((row.status, row.method, row.marked_by), ("leave", "leave", self.p.branch_secretary))
        close_attendance(actor=self.p.branch_secretary, session=self.session)
        self.assertEqual(status_of(self.session, self.p.alice), "leave")  # closing keeps it

    def test_no_approval_once_marked_present(self):
        leave = self.ask()
        mark_attendance(
            actor=self.p.branch_secretary, session=self.session, marks={self.p.alice.pk: S.PRESENT}
        )
        # Marked present: the waiting request is closed (she came), audited, and cannot be approved after.
        leave.refresh_from_db()
        self.assertEqual((leave.status, leave.comment), ("rejected", "已登记为到会，无需请假。"))
        self.assertEqual(
            AuditEvent.objects.filter(
                object_type="studyday.leaverequest", object_id=str(leave.pk), kind="update"
            )
            .get()
            .after["status"],
            "rejected",
        )
        with self.assertRaisesMessage(ValidationError, "该请假申请已处理"):
            decide_leave(actor=self.p.branch_secretary, leave=leave, approve=True)
        self.assertEqual(status_of(self.session, self.p.alice), "present")

    def test_reject_needs_a_reason(self):
        leave = self.ask()
        for comment in ("", "   "):
            with self.assertRaisesMessage(ValidationError, "请填写不批准的理由"):
                decide_leave(actor=self.p.branch_secretary, leave=leave, approve=False, comment=comment)
        self.assertEqual(LeaveRequest.objects.get().status, "submitted")
        decide_leave(actor=self.p.branch_secretary, leave=leave, approve=False, comment="学习日原则上不准假")
        self.assertEqual(
            (LeaveRequest.objects.get().status, status_of(self.session, self.p.alice)),
            ("rejected", "expected"),
        )
        with self.assertRaisesMessage(ValidationError, "已处理"):
            decide_leave(actor=self.p.branch_secretary, leave=leave, approve=True)
        self.ask()  # refused once, may ask again

    def test_no_one_approves_their_own(self):
        bob = User.objects.create_user(username="bob_secretary", password="x", person=self.p.bob)
        RoleGrant.objects.create(user=bob, role=Role.SECRETARY, organization=self.p.branch)
        leave = self.ask(user=bob)
        with self.assertRaisesMessage(PermissionDenied, "不能审批本人的请假申请"):
            decide_leave(actor=bob, leave=leave, approve=True)
        with self.assertRaises(PermissionDenied):
            decide_leave(actor=self.p.other_secretary, leave=leave, approve=True)
        self.assertEqual(LeaveRequest.objects.get().status, "submitted")

    def test_withdraw_and_the_limits_of_asking(self):
        leave = self.ask()
        with self.assertRaisesMessage(PermissionDenied, "只能撤回本人的请假申请"):
            withdraw_leave(actor=self.p.branch_secretary, leave=leave)
        self.assertEqual(withdraw_leave(actor=self.p.member, leave=leave).status, "withdrawn")
        with self.assertRaisesMessage(PermissionDenied, "不在本次会议活动的应到人员名单中"):
            self.ask(user=self.p.other_member)
        with self.assertRaisesMessage(ValidationError, "会议活动已结束"):
            self.ask(session=ended_session(self.p.branch_secretary, self.p.branch))


class NotesTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.session = make_session(cls.p.branch_secretary, cls.p.branch)

    def submit(self, reflection=REFLECTION, session=None, user=None):
        return submit_notes(
            actor=user or self.p.member, session=session or self.session, notes="笔记", reflection=reflection
        )

    def test_the_reflection_is_at_least_ten_characters(self):
        for text, message in (("", "请填写心得体会"), ("学习了，很受教育", "心得体会不少于 10 个字"),
                              ("  九个字九个字九个 \n", "心得体会不少于 10 个字")):  # fmt: skip
            with self.subTest(text=text), self.assertRaisesMessage(ValidationError, message):
                self.submit(text)
        self.assertFalse(Submission.objects.exists())
        sub = self.submit("十个字十个字十个字十")
        self.assertEqual(
            (sub.status, sub.org_path, audit_rows(sub).get().kind),
            ("submitted", self.p.branch.path, "create"),
        )

    def test_returned_is_handed_in_again_and_reviewed_is_final(self):
        sub = self.submit()
        with self.assertRaisesMessage(ValidationError, "正在等待审阅"):
            self.submit()
        with self.assertRaisesMessage(ValidationError, "请填写退回理由"):
            review_submission(actor=self.p.branch_secretary, submission=sub, approve=False)
        review_submission(
            actor=self.p.branch_secretary, submission=sub, approve=False, comment="请联系工作实际"
        )
        again = self.submit(REFLECTION + "结合社区工作，要把为民服务落到实处。")
        self.assertEqual((again.pk, again.status), (sub.pk, "submitted"))
        self.assertEqual(audit_rows(sub, kind="update").count(), 2)  # returned, handed in again
        review_submission(actor=self.p.branch_secretary, submission=again, approve=True)
        with self.assertRaisesMessage(ValidationError, "已审阅，不能再修改"):
            self.submit()
        with self.assertRaisesMessage(ValidationError, "已处理"):
            review_submission(actor=self.p.branch_secretary, submission=again, approve=True)

    def test_who_may_hand_in_and_review(self):
        with self.assertRaisesMessage(PermissionDenied, "不在本次会议活动的应到人员名单中"):
            self.submit(user=self.p.other_member)
        later = make_session(
            self.p.branch_secretary, self.p.branch, starts_at=timezone.now() + dt.timedelta(days=1)
        )
        with self.assertRaisesMessage(ValidationError, "会议活动开始后才能提交"):
            self.submit(session=later)
        sub = self.submit()
        with self.assertRaises(PermissionDenied):
            review_submission(actor=self.p.other_secretary, submission=sub, approve=True)
        bob = User.objects.create_user(username="bob_secretary", password="x", person=self.p.bob)
        RoleGrant.objects.create(user=bob, role=Role.SECRETARY, organization=self.p.branch)
        own = self.submit(user=bob)
        with self.assertRaisesMessage(PermissionDenied, "不能审阅本人的笔记和心得"):
            review_submission(actor=bob, submission=own, approve=True)

    def test_remind_once_a_day_to_the_missing_only(self):
        sub = self.submit()
        self.assertEqual(remind_missing(actor=self.p.branch_secretary, session=self.session), 1)
        self.assertEqual(list(Reminder.objects.values_list("person_id", flat=True)), [self.p.bob.pk])
        self.assertEqual(remind_missing(actor=self.p.branch_secretary, session=self.session), 0)
        Reminder.objects.update(sent_at=timezone.now() - dt.timedelta(days=1))  # yesterday's
        review_submission(actor=self.p.branch_secretary, submission=sub, approve=False, comment="太简略")
        self.assertEqual(
            remind_missing(actor=self.p.branch_secretary, session=self.session), 2
        )  # returned: missing
        self.assertEqual(Reminder.objects.filter(person=self.p.alice).count(), 1)
        with self.assertRaises(PermissionDenied):
            remind_missing(actor=self.p.other_secretary, session=self.session)


class FiguresTest(PersonaTestCase):
    """Four ended sessions for 王小红 alone: 出席, 出席, 迟到, 请假 → 应到 4, 出勤 3, 出勤率 75.0."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        for n, status in enumerate((S.PRESENT, S.PRESENT, S.LATE, S.LEAVE)):
            s = ended_session(p.branch_secretary, p.branch, days_ago=20 + n, person_ids=[p.alice.pk])
            mark_attendance(actor=p.branch_secretary, session=s, marks={p.alice.pk: status})
        cls.upcoming = make_session(
            p.branch_secretary, p.branch, starts_at=timezone.now() + dt.timedelta(days=2)
        )

    def by_person(self, user) -> dict:
        return {row["person_id"]: row for row in selectors.rates_by_person(user)}

    def test_rates_by_person_and_by_org(self):
        rows = self.by_person(self.p.branch_secretary)
        alice = rows[self.p.alice.pk]
        self.assertNotIn(self.p.bob.pk, rows)  # expected only at the upcoming session: not in the figures yet
        self.assertEqual(
            {k: alice[k] for k in ("person__name", "expected", "present", "late", "leave", "absent", "attended")},
            {"person__name": "王小红", "expected": 4, "present": 2, "late": 1, "leave": 1, "absent": 0, "attended": 3},
        )  # fmt: skip
        self.assertEqual(str(alice["rate"]), "75.0")
        (org,) = selectors.rates_by_org(self.p.committee_secretary)
        self.assertEqual(
            (org["session__org__name"], org["sessions"], org["expected"], str(org["rate"])),
            ("东城社区第一党支部", 4, 4, "75.0"),
        )  # fmt: skip  the upcoming one is not held yet
        self.assertEqual(selectors.rates_by_org(self.p.other_secretary), [])

    def test_not_signed_in_after_the_end_is_absent(self):
        s = ended_session(self.p.branch_secretary, self.p.branch, days_ago=3)  # alice and bob, nobody marked
        rows = {r["person_id"]: r for r in selectors.rates_by_person(self.p.branch_secretary)}
        self.assertEqual((rows[self.p.alice.pk]["expected"], rows[self.p.alice.pk]["absent"]), (5, 1))
        self.assertEqual(str(rows[self.p.alice.pk]["rate"]), "60.0")
        self.assertEqual((rows[self.p.bob.pk]["expected"], str(rows[self.p.bob.pk]["rate"])), (1, "0.0"))
        summary = selectors.session_summary(s)
        self.assertEqual((summary["expected"], summary["absent"], summary["waiting"], str(summary["rate"])),
                         (2, 2, 0, "0.0"))  # fmt: skip

    def test_session_summary(self):
        s, p = self.upcoming, self.p
        mark_attendance(actor=p.branch_secretary, session=s, marks={p.alice.pk: S.LATE})
        request_leave(
            actor=member_account(p.bob, p.branch),
            session=s,
            reason="病假",
        )
        summary = selectors.session_summary(s)
        self.assertEqual(
            {k: summary[k] for k in ("expected", "present", "late", "leave", "absent", "waiting", "attended",
                                      "notes_missing", "leave_waiting", "ended")},
            {"expected": 2, "present": 0, "late": 1, "leave": 0, "absent": 0, "waiting": 1, "attended": 1,
             "notes_missing": 2, "leave_waiting": 1, "ended": False},
        )  # fmt: skip
        self.assertEqual(str(summary["rate"]), "50.0")

    def test_a_transfer_leaves_the_old_attendance_with_the_old_branch(self):
        p = self.p
        Person.objects.filter(pk=p.alice.pk).update(org=p.other_branch, org_path=p.other_branch.path)
        alice = self.by_person(p.branch_secretary)[p.alice.pk]
        self.assertEqual((alice["person_id"], alice["expected"], str(alice["rate"])), (p.alice.pk, 4, "75.0"))
        self.assertEqual(alice["person__org__name"], "西城社区党支部")  # where she is now
        self.assertEqual(selectors.rates_by_person(p.other_secretary), [])
        self.assertEqual(set(Attendance.objects.values_list("org_path", flat=True)), {p.branch.path})
        # A session of her new branch afterwards counts there.
        s = ended_session(p.other_secretary, p.other_branch, days_ago=1)
        self.assertTrue(
            Attendance.objects.filter(session=s, person=p.alice, org_path=p.other_branch.path).exists()
        )
        rows = {r["person_id"]: r["expected"] for r in selectors.rates_by_person(p.other_secretary)}
        self.assertEqual(rows[p.alice.pk], 1)
