"""Sign-in by the screen's code: the code changes every 30 s and is taken in its own slot and the next one; the
window opens ``signin_before`` minutes before the start and closes at the end; 出席 up to ``late_after`` minutes
after the start, 迟到 after; not expected, cancelled or closed: refused; a second sign-in changes nothing and
writes no audit row; eight sign-ins of one member at the same instant give one (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
import unittest

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import TransactionTestCase
from django.utils import timezone

from zugong.accounts.models import User
from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase, build_personas

from .. import signin
from ..models import Attendance, Session
from ..services_attendance import SignInRefused, close_attendance, decide_leave, request_leave, sign_in
from .fixtures_sessions import at, audit_rows, make_session

SLOT = signin.SLOT_SECONDS


def member_account(person, branch):
    """An account of ``person`` with the 党员 role (sign-in and notes need the role, not only the link)."""
    from zugong.accounts.models import RoleGrant
    from zugong.core.roles import Role

    user = User.objects.create_user(username=f"u{person.pk}", password="x", person=person)
    RoleGrant.objects.create(user=user, role=Role.MEMBER, organization=branch)
    return user


class CodeTest(unittest.TestCase):
    T = 1_790_000_020.0  # 10 s after the start of a slot (1_790_000_010 is a multiple of 30)

    def test_the_code_rotates_every_30_seconds(self):
        code, left = signin.current_code(7, at=self.T)
        self.assertEqual((len(code), code.isdigit(), left), (6, True, 20))
        self.assertEqual(signin.current_code(7, at=self.T + 19)[0], code)  # same slot
        self.assertNotEqual(signin.current_code(7, at=self.T + SLOT)[0], code)
        self.assertNotEqual(signin.current_code(8, at=self.T)[0], code)  # another session's

    def test_the_current_and_the_previous_slot_are_accepted(self):
        code = signin.current_code(7, at=self.T)[0]
        self.assertTrue(signin.code_matches(7, code, at=self.T))
        self.assertTrue(signin.code_matches(7, code, at=self.T + SLOT))  # it changed as the member typed
        self.assertFalse(signin.code_matches(7, code, at=self.T + 2 * SLOT))  # two slots back
        self.assertFalse(signin.code_matches(7, code, at=self.T - SLOT))  # not a future code
        self.assertFalse(signin.code_matches(8, code, at=self.T))
        self.assertTrue(signin.code_matches(7, f" {code[:3]} {code[3:]} ", at=self.T))  # spaces typed
        for bad in ("", None, "12345", "1234567", "12345a", "１２３４５６"):
            self.assertFalse(signin.code_matches(7, bad, at=self.T), bad)


class SignInTest(PersonaTestCase):
    """A session at 19:00–21:00 with signin_before 30 and late_after 10."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.start = at(2026, 11, 5, 19, 0)
        cls.session = make_session(cls.p.branch_secretary, cls.p.branch, starts_at=cls.start,
                                   late_after=10, signin_before=30)  # fmt: skip

    def sign(self, when: dt.datetime, user=None, code=None, session=None):
        session = session or self.session
        code = code if code is not None else signin.current_code(session.pk, at=when.timestamp())[0]
        return sign_in(actor=user or self.p.member, session_id=session.pk, code=code, at=when)

    def row(self, person=None):
        return Attendance.objects.get(session=self.session, person=person or self.p.alice)

    def test_on_time_is_present_and_audited(self):
        when = self.start + dt.timedelta(minutes=10)  # the last minute counted on time
        row, new = self.sign(when)
        self.assertTrue(new)
        self.assertEqual((row.status, row.method, row.signed_at), ("present", "code", when))
        audit = audit_rows(row).get(kind="update")
        self.assertEqual((audit.actor_id, audit.before["status"], audit.after["status"]),
                         (self.p.member.pk, "expected", "present"))  # fmt: skip

    def test_after_the_grace_minutes_is_late(self):
        row, _ = self.sign(self.start + dt.timedelta(minutes=10, seconds=1))
        self.assertEqual(row.status, "late")

    def test_the_window(self):
        with self.assertRaisesMessage(SignInRefused, "签到尚未开始，18:30 起可以签到"):
            self.sign(self.start - dt.timedelta(minutes=30, seconds=1))
        with self.assertRaisesMessage(SignInRefused, "签到已结束"):
            self.sign(self.session.ends_at + dt.timedelta(seconds=1))
        self.assertEqual(self.row().status, "expected")
        self.assertFalse(audit_rows(self.row(), kind="update").exists())
        row, new = self.sign(self.start - dt.timedelta(minutes=30))
        self.assertEqual((new, row.status), (True, "present"))
        bob_user = member_account(self.p.bob, self.p.branch)
        row, new = self.sign(self.session.ends_at, user=bob_user)
        self.assertEqual((new, row.status), (True, "late"))

    def test_a_wrong_or_stale_code_is_refused(self):
        when = self.start
        stale = signin.current_code(self.session.pk, at=when.timestamp() - 2 * SLOT)[0]
        for code in (stale, "000000" if stale != "000000" else "000001", "abc"):
            with self.assertRaisesMessage(SignInRefused, "签到码不正确或已过期"):
                self.sign(when, code=code)
        previous = signin.current_code(self.session.pk, at=when.timestamp() - SLOT)[0]
        self.assertTrue(self.sign(when, code=previous)[1])

    def test_not_expected_cancelled_or_closed_is_refused(self):
        with self.assertRaisesMessage(SignInRefused, "不在本次会议活动的应到人员名单中"):
            self.sign(self.start, user=self.p.other_member)
        with self.assertRaisesMessage(PermissionDenied, "没有关联党员信息"):
            self.sign(self.start, user=self.p.branch_secretary)
        with self.assertRaisesMessage(SignInRefused, "不在本次会议活动的应到人员名单中"):
            sign_in(actor=self.p.member, session_id=999_999, code="123456", at=self.start)
        Session.objects.filter(pk=self.session.pk).update(archived_at=timezone.now(), archived_reason="改期")
        with self.assertRaisesMessage(SignInRefused, "本次会议活动已取消"):
            self.sign(self.start)
        Session.objects.filter(pk=self.session.pk).update(archived_at=None)
        now = timezone.now()
        ongoing = make_session(
            self.p.branch_secretary, self.p.branch, starts_at=now - dt.timedelta(minutes=5)
        )
        close_attendance(actor=self.p.branch_secretary, session=ongoing)
        with self.assertRaisesMessage(SignInRefused, "签到已结束"):
            self.sign(now, session=ongoing)
        self.assertEqual(Attendance.objects.get(session=ongoing, person=self.p.alice).status, "absent")

    def test_signing_in_withdraws_ones_own_waiting_leave_request(self):
        start = (timezone.now() + dt.timedelta(days=1)).replace(
            microsecond=0
        )  # leave is asked before the end
        session = make_session(self.p.branch_secretary, self.p.branch, starts_at=start)
        leave = request_leave(actor=self.p.member, session=session, reason="外出培训")
        other = request_leave(actor=member_account(self.p.bob, self.p.branch), session=session, reason="出差")
        self.sign(start, session=session)
        leave.refresh_from_db()
        self.assertEqual(
            (leave.status, leave.comment, leave.decided_by),
            ("withdrawn", "本人已签到，请假申请自动撤回。", None),
        )
        self.assertEqual(audit_rows(leave, kind="update").get().after["status"], "withdrawn")
        with self.assertRaisesMessage(ValidationError, "该请假申请已处理"):
            decide_leave(actor=self.p.branch_secretary, leave=leave, approve=True)
        self.assertEqual(Attendance.objects.get(session=session, person=self.p.alice).status, "present")
        other.refresh_from_db()
        self.assertEqual(other.status, "submitted")  # someone else's request stays

    def test_a_second_sign_in_changes_nothing_and_writes_no_audit_row(self):
        first, new = self.sign(self.start)
        self.assertTrue(new)
        count = AuditEvent.objects.count()
        again, new = self.sign(self.start + dt.timedelta(minutes=20))  # would be late
        self.assertFalse(new)
        self.assertEqual((again.pk, again.status, again.signed_at), (first.pk, "present", self.start))
        again, new = self.sign(self.start + dt.timedelta(minutes=1), code="000000")  # any code: already in
        self.assertFalse(new)
        self.assertEqual(AuditEvent.objects.count(), count)


@unittest.skipUnless(connection.vendor == "postgresql", "simultaneous connections need PostgreSQL")
class SimultaneousSignInTest(TransactionTestCase):
    def test_eight_sign_ins_at_once_give_one(self):
        p = build_personas()
        now = timezone.now()
        session = make_session(p.branch_secretary, p.branch, starts_at=now - dt.timedelta(minutes=1))
        code = signin.current_code(session.pk, at=now.timestamp())[0]
        barrier, outcomes, errors = threading.Barrier(8), [], []

        def attempt():
            try:
                barrier.wait()
                _, new = sign_in(actor=p.member, session_id=session.pk, code=code, at=now)
                outcomes.append(new)
            except Exception as error:  # noqa: BLE001 — reported below
                errors.append(repr(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=attempt) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(sorted(outcomes), [False] * 7 + [True])
        row = Attendance.objects.get(session=session, person=p.alice)
        self.assertEqual((row.status, row.method), ("present", "code"))
        self.assertEqual(
            Attendance.objects.filter(session=session, status__in=["present", "late"]).count(), 1
        )
        self.assertEqual(audit_rows(row, kind="update").count(), 1)
