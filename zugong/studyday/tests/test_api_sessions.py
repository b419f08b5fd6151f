"""Staff API of the sessions: create (roster or chosen list), list filters, detail figures, update, cancel, the
expected list, attendance marked, closed, reminders, the roster — each with its audit rows, and bad input
refused with a Chinese message and nothing changed."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase

from .. import services_attendance
from ..models import Attendance, Reminder, Session
from .fixtures_sessions import at, audit_count, audit_rows, ended_session, make_session

S = Attendance.Status


class ApiCase(PersonaTestCase):
    def setUp(self):
        self.api = APIClient()

    def as_(self, user):
        self.api.force_authenticate(user)
        return self.api

    def post(self, user, name, pk=None, body=None):
        url = reverse(name, args=[pk] if pk is not None else [])
        return self.as_(user).post(url, body or {}, format="json")

    def get(self, user, name, pk=None, query=""):
        url = reverse(name, args=[pk] if pk is not None else [])
        return self.as_(user).get(url + query)

    def assertRefused(self, response, code, text):
        self.assertEqual(response.status_code, code, response.content)
        self.assertIn(text, response.content.decode())


class SessionCreateTest(ApiCase):
    def body(self, **over):
        start = timezone.now() + dt.timedelta(days=1)
        return {"org": self.p.branch.pk, "kind": "study_day", "title": "学习贯彻党章",
                "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=2)).isoformat(), **over}  # fmt: skip

    def test_it_creates_a_session_with_the_roster_and_audits_it(self):
        response = self.post(self.p.branch_secretary, "api-studyday-session-list", body=self.body())
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual((data["kind_display"], data["org_name"]), ("学习日", "东城社区第一党支部"))
        self.assertEqual((data["summary"]["expected"], data["summary"]["waiting"]), (2, 2))
        session = Session.objects.get(pk=data["id"])
        self.assertEqual(session.org_path, self.p.branch.path)
        row = audit_rows(session).get()
        self.assertEqual(
            (row.kind, row.actor_id, row.detail), ("create", self.p.branch_secretary.pk, {"expected": 2})
        )
        attendance = Attendance.objects.filter(session=session)
        self.assertEqual({a.person_id for a in attendance}, {self.p.alice.pk, self.p.bob.pk})
        for a in attendance:
            self.assertEqual(audit_rows(a).get().kind, "create")

    def test_a_chosen_list(self):
        response = self.post(
            self.p.org_committee_member, "api-studyday-session-list",
            body=self.body(kind="group_meeting", expected_mode="chosen", person_ids=[self.p.alice.pk]),
        )  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["summary"]["expected"], 1)
        self.assertEqual(response.json()["expected_mode"], "chosen")

    def test_bad_input_is_400_in_chinese_and_writes_nothing(self):
        start = timezone.now()
        cases = [
            ({"ends_at": (start - dt.timedelta(hours=1)).isoformat(), "starts_at": start.isoformat()},
             "结束时间应晚于开始时间"),
            ({"title": ""}, "请填写主题"),
            ({"kind": "party_congress"}, "不是合法选项"),
            ({"late_after": 999}, "迟到界限（分钟）应在 0 至 240 之间"),
            ({"expected_mode": "chosen", "person_ids": [self.p.dave.pk]}, "不在您的授权范围内"),
            ({"expected_mode": "chosen", "person_ids": []}, "请选择应到人员"),
            ({"starts_at": "明天晚上"}, "日期时间格式错误"),
        ]  # fmt: skip
        before = (Session.objects.count(), Attendance.objects.count(), audit_count())
        for over, text in cases:
            with self.subTest(over=over):
                response = self.post(
                    self.p.branch_secretary, "api-studyday-session-list", body=self.body(**over)
                )
                self.assertRefused(response, 400, text)
        self.assertEqual((Session.objects.count(), Attendance.objects.count(), audit_count()), before)

    def test_an_organization_outside_the_view_is_404_and_a_member_403(self):
        body = self.body()
        self.assertEqual(
            self.post(self.p.other_secretary, "api-studyday-session-list", body=body).status_code, 404
        )
        self.assertEqual(self.post(self.p.member, "api-studyday-session-list", body=body).status_code, 403)
        self.assertEqual(self.post(self.p.auditor, "api-studyday-session-list", body=body).status_code, 403)
        self.assertFalse(Session.objects.exists())


class SessionReadTest(ApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.study = make_session(p.branch_secretary, p.branch, starts_at=at(2026, 3, 5))
        cls.lecture = make_session(p.committee_secretary, p.sibling_branch, kind="party_lecture",
                                   starts_at=at(2026, 4, 9))  # fmt: skip
        cls.cancelled = make_session(p.branch_secretary, p.branch, starts_at=at(2026, 3, 12))
        cls.cancelled.archived_at, cls.cancelled.archived_reason = timezone.now(), "改期"
        cls.cancelled.save()
        cls.foreign = make_session(p.other_secretary, p.other_branch, starts_at=at(2026, 3, 5))

    def ids(self, user, query=""):
        response = self.get(user, "api-studyday-session-list", query=query)
        self.assertEqual(response.status_code, 200, response.content)
        return {row["id"] for row in response.json()["results"]}

    def test_list_filters(self):
        admin = self.p.committee_secretary
        self.assertEqual(self.ids(admin), {self.study.pk, self.lecture.pk})
        self.assertEqual(self.ids(admin, "?kind=party_lecture"), {self.lecture.pk})
        self.assertEqual(self.ids(admin, f"?org={self.p.branch.pk}"), {self.study.pk})
        self.assertEqual(self.ids(admin, f"?org={self.p.general_branch.pk}"), {self.study.pk})  # its subtree
        self.assertEqual(self.ids(admin, f"?org={self.p.other_branch.pk}"), set())  # outside the view
        self.assertEqual(self.ids(admin, "?date_from=2026-04-01"), {self.lecture.pk})
        self.assertEqual(self.ids(admin, "?date_from=2026-03-01&date_to=2026-03-31"), {self.study.pk})
        self.assertEqual(self.ids(admin, "?cancelled=true"), {self.cancelled.pk})
        self.assertEqual(self.ids(self.p.branch_secretary), {self.study.pk})
        self.assertEqual(self.ids(self.p.other_secretary), {self.foreign.pk})
        self.assertEqual(self.ids(self.p.org_admin), {self.study.pk, self.lecture.pk, self.foreign.pk})
        row = self.get(admin, "api-studyday-session-list", query=f"?org={self.p.branch.pk}").json()[
            "results"
        ][0]
        self.assertEqual((row["expected_count"], row["kind_display"]), (2, "学习日"))

    def test_a_bad_filter_is_400_in_chinese(self):
        self.assertRefused(self.get(self.p.branch_secretary, "api-studyday-session-list", query="?date_from=3月"),
                           400, "日期格式不正确")  # fmt: skip
        self.assertRefused(self.get(self.p.branch_secretary, "api-studyday-session-list", query="?kind=x"),
                           400, "x")  # fmt: skip

    def test_detail_has_the_figures(self):
        services_attendance.mark_attendance(
            actor=self.p.branch_secretary, session=self.study, marks={self.p.alice.pk: S.LATE}
        )
        data = self.get(self.p.branch_secretary, "api-studyday-session-detail", self.study.pk).json()
        summary = data["summary"]
        self.assertTrue(summary["ended"])
        self.assertEqual(
            (summary["expected"], summary["late"], summary["absent"], summary["attended"], summary["rate"]),
            (2, 1, 1, 1, "50.0"),
        )
        self.assertEqual((summary["notes_missing"], data["files"]), (2, []))

    def test_roster(self):
        services_attendance.mark_attendance(
            actor=self.p.branch_secretary, session=self.study, marks={self.p.bob.pk: S.PRESENT}
        )
        rows = self.get(self.p.branch_secretary, "api-studyday-session-roster", self.study.pk).json()[
            "results"
        ]
        by_person = {r["person"]: r for r in rows}
        self.assertEqual(by_person[self.p.bob.pk]["status_display"], "出席")
        self.assertEqual(by_person[self.p.bob.pk]["marked_by_name"], "branch_secretary")
        self.assertEqual((by_person[self.p.alice.pk]["status"], by_person[self.p.alice.pk]["notes_status"]),
                         ("expected", ""))  # fmt: skip


class SessionWriteTest(ApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.session = make_session(cls.p.branch_secretary, cls.p.branch)

    def test_update_keeps_the_fields_not_given_and_audits(self):
        response = self.as_(self.p.branch_secretary).patch(
            reverse("api-studyday-session-detail", args=[self.session.pk]),
            {"title": "学习《中国共产党章程》", "minutes": "一、领学党章。"}, format="json",
        )  # fmt: skip
        self.assertEqual(response.status_code, 200, response.content)
        self.session.refresh_from_db()
        self.assertEqual(
            (self.session.title, self.session.minutes), ("学习《中国共产党章程》", "一、领学党章。")
        )
        row = audit_rows(self.session, kind="update").get()
        self.assertEqual(row.before, {"title": "学习党的二十届四中全会精神", "minutes": ""})
        bad = self.as_(self.p.branch_secretary).patch(
            reverse("api-studyday-session-detail", args=[self.session.pk]),
            {"ends_at": (self.session.starts_at - dt.timedelta(minutes=1)).isoformat()}, format="json",
        )  # fmt: skip
        self.assertRefused(bad, 400, "结束时间应晚于开始时间")
        self.assertEqual(audit_rows(self.session, kind="update").count(), 1)

    def test_cancel_needs_a_reason_and_the_archive_right(self):
        name = "api-studyday-session-cancel"
        self.assertRefused(
            self.post(self.p.branch_secretary, name, self.session.pk, {}), 400, "该字段是必填项"
        )
        self.assertRefused(self.post(self.p.org_committee_member, name, self.session.pk, {"reason": "改期"}),
                           403, "权限")  # fmt: skip
        self.assertFalse(audit_rows(self.session, kind="archive").exists())
        response = self.post(
            self.p.branch_secretary, name, self.session.pk, {"reason": "与区委全会冲突，改期"}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["archived_reason"], "与区委全会冲突，改期")
        self.assertEqual(audit_rows(self.session, kind="archive").count(), 1)
        again = self.post(self.p.branch_secretary, name, self.session.pk, {"reason": "再次"})
        self.assertRefused(again, 400, "该会议活动已取消")

    def test_expected_list(self):
        bob_row = Attendance.objects.get(session=self.session, person=self.p.bob)
        response = self.post(self.p.branch_secretary, "api-studyday-session-expected", self.session.pk,
                             {"person_ids": [self.p.alice.pk]})  # fmt: skip
        self.assertEqual((response.status_code, response.json()), (200, {"added": 0, "removed": 1}))
        self.assertEqual(audit_rows(bob_row, kind="delete").count(), 1)
        self.session.refresh_from_db()
        self.assertEqual(self.session.expected_mode, "chosen")
        before = (Attendance.objects.count(), audit_count())
        for body, text in (({"person_ids": [self.p.dave.pk]}, "不在您的授权范围内"),
                           ({"person_ids": []}, "请选择应到人员"), ({}, "该字段是必填项")):  # fmt: skip
            with self.subTest(body=body):
                response = self.post(
                    self.p.branch_secretary, "api-studyday-session-expected", self.session.pk, body
                )
                self.assertRefused(response, 400, text)
        self.assertEqual((Attendance.objects.count(), audit_count()), before)

    def test_attendance_marks(self):
        name = "api-studyday-session-attendance"
        marks = {str(self.p.alice.pk): "present", str(self.p.bob.pk): "leave"}
        response = self.post(
            self.p.org_committee_member, name, self.session.pk, {"marks": marks, "note": "补登"}
        )
        self.assertEqual((response.status_code, response.json()), (200, {"changed": 2}))
        alice = Attendance.objects.get(session=self.session, person=self.p.alice)
        self.assertEqual((alice.status, alice.method, alice.note), ("present", "organizer", "补登"))
        self.assertIsNotNone(alice.signed_at)
        row = audit_rows(alice, kind="update").get()
        self.assertEqual((row.before["status"], row.after["status"]), ("expected", "present"))
        before = (list(Attendance.objects.values_list("status", flat=True).order_by("id")), audit_count())
        for marks, text in (({str(self.p.alice.pk): "sleeping"}, "出勤状态不正确：sleeping"),
                            ({str(self.p.dave.pk): "present"}, "有人员不在本次会议活动的应到名单中"),
                            ({"王小红": "present"}, "人员编号不正确"), ({"²": "present"}, "人员编号不正确"),
                            ({str(10**30): "present"}, "人员编号不正确"), ({}, "不能为空")):  # fmt: skip
            with self.subTest(marks=marks):
                self.assertRefused(
                    self.post(self.p.branch_secretary, name, self.session.pk, {"marks": marks}), 400, text
                )
        self.assertEqual(
            (list(Attendance.objects.values_list("status", flat=True).order_by("id")), audit_count()), before
        )

    def test_close_marks_the_missing_absent_once(self):
        services_attendance.mark_attendance(
            actor=self.p.branch_secretary, session=self.session, marks={self.p.alice.pk: S.PRESENT}
        )
        response = self.post(self.p.branch_secretary, "api-studyday-session-close", self.session.pk)
        self.assertEqual((response.status_code, response.json()), (200, {"absent": 1}))
        bob = Attendance.objects.get(session=self.session, person=self.p.bob)
        self.assertEqual((bob.status, bob.method), ("absent", "close"))
        self.assertEqual(audit_rows(bob, kind="update").count(), 1)
        self.session.refresh_from_db()
        self.assertIsNotNone(self.session.closed_at)
        self.assertRefused(self.post(self.p.branch_secretary, "api-studyday-session-close", self.session.pk),
                           400, "考勤已结束")  # fmt: skip
        later = make_session(
            self.p.branch_secretary, self.p.branch, starts_at=timezone.now() + dt.timedelta(days=1)
        )
        self.assertRefused(self.post(self.p.branch_secretary, "api-studyday-session-close", later.pk),
                           400, "会议活动尚未开始，不能结束考勤")  # fmt: skip
        self.assertIsNone(Session.objects.get(pk=later.pk).closed_at)

    def test_remind_once_a_day_to_the_missing(self):
        ended = ended_session(self.p.branch_secretary, self.p.branch)
        response = self.post(self.p.branch_secretary, "api-studyday-session-remind", ended.pk)
        self.assertEqual((response.status_code, response.json()), (200, {"sent": 2}))
        self.assertEqual(AuditEvent.objects.filter(object_type="studyday.reminder", kind="create").count(), 2)
        again = self.post(self.p.branch_secretary, "api-studyday-session-remind", ended.pk)
        self.assertEqual(again.json(), {"sent": 0})
        self.assertEqual(Reminder.objects.count(), 2)
        no_notes = make_session(self.p.branch_secretary, self.p.branch, needs_notes=False)
        self.assertRefused(self.post(self.p.branch_secretary, "api-studyday-session-remind", no_notes.pk),
                           400, "不要求提交笔记和心得")  # fmt: skip
