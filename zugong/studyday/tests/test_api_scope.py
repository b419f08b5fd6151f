"""Every staff endpoint of 学习日 and 三会一课, tried by another branch's secretary (404 on the branch's records,
lists without them) and by a plain member and the 三员 (403), GET and POST: nothing changes."""

from __future__ import annotations

from django.urls import reverse

from zugong.core.models import WorkdayOverride

from .. import services, services_attendance, services_notes
from ..models import Attendance, LeaveRequest, Session, StudyPlan, Submission
from .fixtures_sessions import audit_count, make_session
from .test_api_leave_notes import REFLECTION
from .test_api_sessions import ApiCase


class StaffApiScopeTest(ApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.session = make_session(p.branch_secretary, p.branch)
        cls.leave = services_attendance.request_leave(actor=p.member, session=cls.session, reason="出差")
        cls.sub = services_notes.submit_notes(
            actor=p.member, session=cls.session, notes="", reflection=REFLECTION
        )
        cls.plan = services.create_plan(actor=p.branch_secretary, org=p.branch, year=2026, quarter=4)
        cls.item = cls.plan.items.first()
        cls.day = WorkdayOverride.objects.create(date="2026-10-01", kind="holiday", name="国庆节")

    def detail_gets(self):
        return [
            ("api-studyday-plan-detail", self.plan.pk),
            ("api-studyday-plan-item-detail", self.item.pk),
            ("api-studyday-session-detail", self.session.pk),
            ("api-studyday-session-roster", self.session.pk),
            ("api-studyday-leave-detail", self.leave.pk),
            ("api-studyday-submission-detail", self.sub.pk),
            ("api-studyday-submission-file", self.sub.pk),
        ]

    def posts(self):
        p, start = self.p, self.session.starts_at.isoformat()
        end = self.session.ends_at.isoformat()
        return [
            ("api-studyday-plan-list", None, {"org": p.branch.pk, "year": 2027}),
            ("api-studyday-session-list", None, {"org": p.branch.pk, "kind": "study_day", "title": "学习",
                                                 "starts_at": start, "ends_at": end}),
            ("api-studyday-session-cancel", self.session.pk, {"reason": "取消"}),
            ("api-studyday-session-expected", self.session.pk, {"person_ids": [p.alice.pk]}),
            ("api-studyday-session-attendance", self.session.pk, {"marks": {str(p.alice.pk): "present"}}),
            ("api-studyday-session-close", self.session.pk, {}),
            ("api-studyday-session-remind", self.session.pk, {}),
            ("api-studyday-leave-decide", self.leave.pk, {"approve": True}),
            ("api-studyday-submission-review", self.sub.pk, {"approve": True}),
            ("api-studyday-workday-list", None, {"date": "2026-10-02", "kind": "holiday", "name": "国庆节"}),
            ("api-studyday-workday-import", None, {"text": "2026-10-02 休 国庆节"}),
        ]  # fmt: skip

    def lists(self):
        return [
            "api-studyday-plan-list",
            "api-studyday-plan-item-list",
            "api-studyday-session-list",
            "api-studyday-leave-list",
            "api-studyday-submission-list",
            "api-studyday-attendance-report-list",
            "api-studyday-attendance-report-people",
            "api-studyday-workday-list",
        ]

    def state(self):
        return (
            audit_count(),
            list(Attendance.objects.values_list("status", flat=True).order_by("id")),
            list(Session.objects.values_list("title", "archived_at", "closed_at").order_by("id")),
            list(LeaveRequest.objects.values_list("status", flat=True)),
            list(Submission.objects.values_list("status", flat=True)),
            StudyPlan.objects.count(),
            list(WorkdayOverride.objects.values_list("date", flat=True)),
        )

    def test_another_branch_secretary_gets_404_and_sees_nothing_of_the_branch(self):
        user, before = self.p.other_secretary, self.state()
        for name, pk in self.detail_gets():
            with self.subTest(name=name):
                self.assertEqual(self.get(user, name, pk).status_code, 404)
        for name, pk, body in self.posts():
            with self.subTest(name=name):
                expected = 403 if name.startswith("api-studyday-workday") else 404
                self.assertEqual(self.post(user, name, pk, body).status_code, expected, name)
        for name, pk in (("api-studyday-session-detail", self.session.pk), ("api-studyday-plan-item-detail",
                                                                               self.item.pk)):  # fmt: skip
            response = self.as_(user).patch(
                reverse(name, args=[pk]), {"title": "改", "topic": "改"}, format="json"
            )
            self.assertEqual(response.status_code, 404, name)
        self.assertEqual(
            self.as_(user).delete(reverse("api-studyday-workday-detail", args=[self.day.pk])).status_code, 403
        )
        for name in self.lists():
            with self.subTest(name=name):
                response = self.get(user, name)
                self.assertEqual(response.status_code, 200)
                text = response.content.decode()
                for word in ("王小红", "李建国", "东城社区第一党支部", "学习党的二十届四中全会精神"):
                    self.assertNotIn(word, text)
        self.assertEqual(self.state(), before)

    def test_members_and_the_three_admins_get_403_everywhere(self):
        before = self.state()
        for user in (self.p.member, self.p.other_member, self.p.auditor, self.p.sysadmin, self.p.secadmin):
            for name, pk in self.detail_gets():
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.get(user, name, pk).status_code, 403)
            for name in self.lists():
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.get(user, name).status_code, 403)
            for name, pk, body in self.posts():
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.post(user, name, pk, body).status_code, 403)
            url = reverse("api-studyday-workday-detail", args=[self.day.pk])
            self.assertEqual(self.as_(user).delete(url).status_code, 403)
        self.assertEqual(self.state(), before)

    def test_anonymous_callers_are_refused(self):
        self.api.force_authenticate(None)
        for name in self.lists():
            self.assertIn(self.api.get(reverse(name)).status_code, (401, 403))
