"""Staff API of leave requests (decide) and notes (list, detail, review, the attachment): the rules, the audit
rows, bad input refused with a Chinese message and nothing changed."""

from __future__ import annotations

from zugong.core.models import AuditEvent

from .. import services_attendance, services_notes
from ..models import Attendance, LeaveRequest, Submission
from .fixtures_sessions import audit_count, audit_rows, make_session
from .test_api_sessions import ApiCase

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
REFLECTION = "通过学习，深刻认识到坚持党的全面领导的重要意义。"


class LeaveApiTest(ApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.session = make_session(p.branch_secretary, p.branch)
        cls.leave = services_attendance.request_leave(actor=p.member, session=cls.session, reason="社区值班")

    def test_list(self):
        rows = self.get(self.p.branch_secretary, "api-studyday-leave-list").json()["results"]
        self.assertEqual([(r["person_name"], r["reason"], r["status_display"]) for r in rows],
                         [("王小红", "社区值班", "待审批")])  # fmt: skip
        self.assertEqual(self.get(self.p.branch_secretary, "api-studyday-leave-list", query="?status=approved")
                         .json()["count"], 0)  # fmt: skip
        self.assertEqual(self.get(self.p.other_secretary, "api-studyday-leave-list").json()["count"], 0)

    def test_approve_makes_the_attendance_leave(self):
        response = self.post(
            self.p.branch_secretary, "api-studyday-leave-decide", self.leave.pk, {"approve": True}
        )
        self.assertEqual(
            (response.status_code, response.json()["status"]), (200, "approved"), response.content
        )
        self.assertEqual(response.json()["decided_by_name"], "branch_secretary")
        row = Attendance.objects.get(session=self.session, person=self.p.alice)
        self.assertEqual((row.status, row.method), ("leave", "leave"))
        self.assertEqual(audit_rows(self.leave, kind="update").get().after["status"], "approved")
        self.assertEqual(audit_rows(row, kind="update").get().after["status"], "leave")
        again = self.post(self.p.branch_secretary, "api-studyday-leave-decide", self.leave.pk, {"approve": False,
                                                                                                "comment": "x"})  # fmt: skip
        self.assertRefused(again, 400, "该请假申请已处理")

    def test_reject_needs_a_reason_and_changes_nothing_without(self):
        before = audit_count()
        for body, text in (({"approve": False}, "请填写不批准的理由"), ({"approve": False, "comment": "  "},
                           "请填写不批准的理由"), ({}, "该字段是必填项"), ({"approve": "也许"}, "必须是有效的布尔值")):  # fmt: skip
            with self.subTest(body=body):
                self.assertRefused(self.post(self.p.branch_secretary, "api-studyday-leave-decide", self.leave.pk,
                                             body), 400, text)  # fmt: skip
        self.assertEqual((LeaveRequest.objects.get().status, audit_count()), ("submitted", before))
        response = self.post(self.p.branch_secretary, "api-studyday-leave-decide", self.leave.pk,
                             {"approve": False, "comment": "支部学习日不安排值班"})  # fmt: skip
        self.assertEqual((response.status_code, response.json()["status_display"]), (200, "未批准"))
        self.assertEqual(Attendance.objects.get(session=self.session, person=self.p.alice).status, "expected")


class SubmissionApiTest(ApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.session = make_session(p.branch_secretary, p.branch)
        cls.sub = services_notes.submit_notes(
            actor=p.member, session=cls.session, notes="一、坚持党的全面领导。", reflection=REFLECTION,
            file_name="笔记.png", file_data=PNG,
        )  # fmt: skip

    def test_list_and_detail(self):
        rows = self.get(self.p.branch_secretary, "api-studyday-submission-list").json()["results"]
        self.assertEqual(
            [(r["person_name"], r["status"], r["file_name"]) for r in rows],
            [("王小红", "submitted", "笔记.png")],
        )
        self.assertNotIn("reflection", rows[0])
        detail = self.get(self.p.branch_secretary, "api-studyday-submission-detail", self.sub.pk).json()
        self.assertEqual((detail["reflection"], detail["notes"]), (REFLECTION, "一、坚持党的全面领导。"))
        query = f"?session={self.session.pk}&status=reviewed"
        self.assertEqual(
            self.get(self.p.branch_secretary, "api-studyday-submission-list", query=query).json()["count"], 0
        )

    def test_review_and_return(self):
        name = "api-studyday-submission-review"
        before = audit_count()
        self.assertRefused(
            self.post(self.p.branch_secretary, name, self.sub.pk, {"approve": False}), 400, "请填写退回理由"
        )
        self.assertEqual((Submission.objects.get().status, audit_count()), ("submitted", before))
        response = self.post(
            self.p.branch_secretary, name, self.sub.pk, {"approve": False, "comment": "心得过于简略"}
        )
        self.assertEqual((response.status_code, response.json()["status_display"]), (200, "已退回"))
        self.assertEqual(audit_rows(self.sub, kind="update").get().after["status"], "returned")
        self.assertRefused(
            self.post(self.p.branch_secretary, name, self.sub.pk, {"approve": True}), 400, "已处理"
        )
        services_notes.submit_notes(
            actor=self.p.member, session=self.session, notes="", reflection=REFLECTION * 2
        )
        response = self.post(
            self.p.org_committee_member, name, self.sub.pk, {"approve": True, "comment": "好"}
        )
        self.assertEqual((response.status_code, response.json()["status"]), (200, "reviewed"))
        self.assertEqual(response.json()["reviewed_by_name"], "org_committee_member")

    def test_the_attachment_download_is_logged(self):
        response = self.get(self.p.branch_secretary, "api-studyday-submission-file", self.sub.pk)
        self.assertEqual(
            (response.status_code, response["Content-Type"], response.content), (200, "image/png", PNG)
        )
        row = AuditEvent.objects.get(event="export", object_type="studyday.submission")
        self.assertEqual((row.actor_id, row.detail["bytes"]), (self.p.branch_secretary.pk, len(PNG)))
