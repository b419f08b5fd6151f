"""The member's own API keeps the pages' rules: my sessions only (another's is a 404), 签到 with the right code
is 出席 (after the grace 迟到), a wrong code or a time outside the window is a 400 with the Chinese message and
changes nothing, a second sign-in changes nothing and writes no second audit row; notes with a required
reflection and a sniffed file (multipart or base64); leave and its withdrawal; a user without a person is 403."""

from __future__ import annotations

import base64

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from ..models import Attendance, LeaveRequest, Submission
from .test_mine_base import PDF, PNG, REFLECTION, MineBase

LIST = "api-studyday-my-session-list"
LEAVES = "api-studyday-my-leave-request-list"


def url(name, pk):
    return reverse(f"api-studyday-my-session-{name}", args=[pk])


class MineApiTest(MineBase):
    def setUp(self):
        self.api = APIClient()
        self.api.force_authenticate(self.p.member)

    def status_of(self, s, person=None):
        return Attendance.objects.get(session=s, person=person or self.p.alice).status

    def test_it_lists_my_sessions_and_filters_upcoming(self):
        upcoming = self.make_session(starts_in=60, title="下周学习日")
        past = self.make_session(starts_in=-180, minutes=60, title="上周学习日")
        rows = self.api.get(reverse(LIST)).json()["results"]
        self.assertEqual([r["id"] for r in rows], [upcoming.pk, past.pk])
        self.assertEqual(rows[1]["status"], "absent")
        self.assertEqual(rows[1]["status_display"], "缺席")
        self.assertEqual(rows[1]["notes_status"], "due")
        self.assertEqual(rows[0]["notes_status"], "")
        self.assertEqual(
            [r["id"] for r in self.api.get(reverse(LIST), {"upcoming": "true"}).json()["results"]],
            [upcoming.pk],
        )
        self.assertEqual(
            [r["id"] for r in self.api.get(reverse(LIST), {"upcoming": "false"}).json()["results"]], [past.pk]
        )
        self.assertEqual(self.api.get(url("detail", upcoming.pk)).json()["title"], "下周学习日")

    def test_another_member_gets_404_and_an_empty_list(self):
        s = self.make_session()
        self.api.force_authenticate(self.p.other_member)
        self.assertEqual(self.api.get(reverse(LIST)).json()["results"], [])
        for name in ("detail", "notes", "notes-file"):
            self.assertEqual(self.api.get(url(name, s.pk)).status_code, 404, name)
        self.assertEqual(self.api.post(url("signin", s.pk), {"code": self.code(s)}).status_code, 404)
        self.assertEqual(self.api.post(url("leave", s.pk), {"reason": "出差"}).status_code, 404)
        self.assertEqual(self.status_of(s), Attendance.Status.EXPECTED)

    def test_a_user_without_a_person_is_refused(self):
        self.api.force_authenticate(self.p.branch_secretary)
        response = self.api.get(reverse(LIST))
        self.assertEqual(response.status_code, 403)
        self.assertIn("没有关联党员信息", response.json()["detail"])
        self.assertIn(APIClient().get(reverse(LIST)).status_code, (401, 403))

    def test_signin_with_the_right_code_once(self):
        s = self.make_session(starts_in=10)
        audited = self.audit_count("attendance")
        response = self.api.post(url("signin", s.pk), {"code": self.code(s)}, format="json")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["signed"], body["status"]), (True, "present"))
        self.assertTrue(body["detail"].startswith("签到成功（出席，"))
        again = self.api.post(url("signin", s.pk), {"code": self.code(s)}, format="json").json()
        self.assertEqual(
            (again["signed"], again["status"], again["signed_at"]), (False, "present", body["signed_at"])
        )
        self.assertTrue(again["detail"].startswith("您已签到"))
        self.assertEqual(self.audit_count("attendance"), audited + 1)

    def test_signin_after_the_grace_is_late(self):
        s = self.make_session(starts_in=-15, late_after=10)
        body = self.api.post(url("signin", s.pk), {"code": self.code(s)}, format="json").json()
        self.assertEqual(body["status"], "late")

    def test_a_wrong_code_or_a_closed_window_is_a_400_and_changes_nothing(self):
        s = self.make_session()
        early = self.make_session(starts_in=300)
        ended = self.make_session(starts_in=-300, minutes=60)
        audited = self.audit_count("attendance")
        cases = (
            (s, self.wrong(self.code(s)), "签到码不正确或已过期"),
            (s, "abc", "签到码不正确或已过期"),
            (early, self.code(early), "签到尚未开始"),
            (ended, self.code(ended), "签到已结束"),
        )
        for session, code, message in cases:
            response = self.api.post(url("signin", session.pk), {"code": code}, format="json")
            self.assertEqual(response.status_code, 400, message)
            self.assertIn(message, response.json()["non_field_errors"][0])
            self.assertEqual(self.status_of(session), Attendance.Status.EXPECTED)
        self.assertEqual(self.audit_count("attendance"), audited)

    def test_notes_multipart_with_a_sniffed_file(self):
        s = self.make_session(starts_in=-10)
        bad = SimpleUploadedFile("笔记.jpg", b"GIF89a....", content_type="image/jpeg")
        response = self.api.post(
            url("notes", s.pk), {"reflection": REFLECTION, "file": bad}, format="multipart"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("附件只接受", response.json()["file"][0])
        self.assertFalse(Submission.objects.exists())
        pdf = SimpleUploadedFile("笔记.pdf", PDF, content_type="application/pdf")
        response = self.api.post(
            url("notes", s.pk), {"notes": "要点", "reflection": REFLECTION, "file": pdf}, format="multipart"
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(
            (response.json()["status"], response.json()["file_type"]), ("submitted", "application/pdf")
        )
        self.assertEqual(self.api.get(url("notes", s.pk)).json()["reflection"], REFLECTION)
        self.assertEqual(self.api.get(url("notes-file", s.pk)).content, PDF)
        self.assertEqual(self.api.get(reverse(LIST)).json()["results"][0]["notes_status"], "submitted")

    def test_notes_need_a_reflection_and_a_reviewed_one_is_final(self):
        from .. import services_notes

        s = self.make_session(starts_in=-10)
        response = self.api.post(url("notes", s.pk), {"notes": "要点", "reflection": ""}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["reflection"], ["请填写心得体会。"])
        encoded = base64.b64encode(PNG).decode()
        body = {"reflection": REFLECTION, "file_base64": encoded, "file_name": "笔记.png"}
        self.assertEqual(self.api.post(url("notes", s.pk), body, format="json").status_code, 201)
        sub = Submission.objects.get()
        services_notes.review_submission(
            actor=self.p.branch_secretary, submission=sub, approve=False, comment="请补充"
        )
        self.assertEqual(
            self.api.post(url("notes", s.pk), {"reflection": REFLECTION + "补充"}, format="json").status_code,
            201,
        )
        sub.refresh_from_db()
        services_notes.review_submission(actor=self.p.branch_secretary, submission=sub, approve=True)
        response = self.api.post(url("notes", s.pk), {"reflection": REFLECTION}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("已审阅，不能再修改", response.json()["non_field_errors"][0])

    def test_leave_and_withdraw(self):
        s = self.make_session(starts_in=24 * 60)
        self.assertEqual(self.api.post(url("leave", s.pk), {"reason": ""}, format="json").status_code, 400)
        response = self.api.post(url("leave", s.pk), {"reason": "出差"}, format="json")
        self.assertEqual(response.status_code, 201)
        leave_id = response.json()["id"]
        again = self.api.post(url("leave", s.pk), {"reason": "出差"}, format="json")
        self.assertIn("已提交过", again.json()["non_field_errors"][0])
        self.assertEqual([r["id"] for r in self.api.get(reverse(LEAVES)).json()["results"]], [leave_id])
        self.api.force_authenticate(self.p.other_member)
        withdraw = reverse("api-studyday-my-leave-request-withdraw", args=[leave_id])
        self.assertEqual(self.api.post(withdraw).status_code, 404)
        self.api.force_authenticate(self.p.member)
        self.assertEqual(self.api.post(withdraw).json()["status"], "withdrawn")
        self.assertEqual(LeaveRequest.objects.get().status, LeaveRequest.Status.WITHDRAWN)
        self.assertEqual(self.api.post(withdraw).status_code, 400)
