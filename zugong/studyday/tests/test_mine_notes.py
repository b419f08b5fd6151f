"""笔记和心得 and 请假 through the member's pages: the reflection is required, the file's type is read from its
bytes, a returned submission is handed in again, a reviewed one is final; leave is asked with a reason and a
waiting one withdrawn behind a confirmation. Another member gets 404 on every page and on the file."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from .. import services_attendance, services_notes
from ..models import Attendance, LeaveRequest, Submission, SubmissionFile
from .test_mine_base import PDF, PNG, REFLECTION, MineBase


class NotesPageTest(MineBase):
    def setUp(self):
        self.login(self.p.member)
        self.s = self.make_session(starts_in=-30)
        self.url = reverse("mystudy:notes", args=[self.s.pk])

    def post(self, **data):
        return self.client.post(self.url, {"notes": "一、党章总纲", "reflection": REFLECTION, **data})

    def test_the_form_has_the_fields_the_phone_needs(self):
        html = self.client.get(self.url).content.decode()
        self.assertIn('name="notes"', html)
        self.assertIn('name="reflection"', html)
        self.assertIn('name="file"', html)
        self.assertIn('accept="image/*,application/pdf"', html)
        self.assertIn('enctype="multipart/form-data"', html)
        self.assertIn("提交</button>", html)

    def test_it_hands_in_notes_with_a_pdf(self):
        response = self.post(file=SimpleUploadedFile("笔记.pdf", PDF, content_type="application/pdf"))
        self.assertRedirects(response, self.url)
        sub = Submission.objects.get(session=self.s, person=self.p.alice)
        self.assertEqual(
            (sub.status, sub.file_name, sub.file_type), ("submitted", "笔记.pdf", "application/pdf")
        )
        self.assertEqual(bytes(SubmissionFile.objects.get(submission=sub).data), PDF)
        page = self.client.get(self.url)
        self.assertContains(page, "已提交，正在等待支部审阅。")
        self.assertNotContains(page, 'id="notes-form"')
        download = self.client.get(reverse("mystudy:notes_file", args=[sub.pk]))
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download.content, PDF)
        self.assertEqual(download["X-Content-Type-Options"], "nosniff")

    def test_the_reflection_is_required(self):
        for reflection in ("", "   ", "学习了"):
            response = self.client.post(self.url, {"notes": "笔记", "reflection": reflection})
            self.assertEqual(response.status_code, 200)
            self.assertContains(
                response, "请填写心得体会。" if not reflection.strip() else "心得体会不少于 10 个字。"
            )
        self.assertFalse(Submission.objects.exists())

    def test_the_file_type_is_read_from_its_bytes(self):
        fake = SimpleUploadedFile("笔记.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
        response = self.post(file=fake)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "附件只接受 PDF、JPG、PNG 或 Word（.docx）文件。")
        renamed = SimpleUploadedFile("笔记.pdf", PNG, content_type="application/pdf")
        self.assertContains(self.post(file=renamed), "附件的扩展名与文件内容不符")
        self.assertFalse(Submission.objects.exists())
        self.assertEqual(self.post(file=SimpleUploadedFile("笔记.png", PNG, "image/png")).status_code, 302)
        self.assertEqual(Submission.objects.get().file_type, "image/png")

    def test_a_returned_submission_shows_the_comment_and_is_handed_in_again(self):
        self.post()
        sub = Submission.objects.get()
        services_notes.review_submission(
            actor=self.p.branch_secretary, submission=sub, approve=False, comment="请结合本职工作谈体会"
        )
        page = self.client.get(self.url)
        self.assertContains(page, "退回意见：请结合本职工作谈体会")
        self.assertContains(page, 'id="notes-form"')
        self.assertContains(page, REFLECTION)  # the form starts from what was handed in
        self.assertRedirects(self.post(reflection=REFLECTION + "结合社区工作，要做好为民服务。"), self.url)
        sub.refresh_from_db()
        self.assertEqual(sub.status, Submission.Status.SUBMITTED)
        self.assertIn("为民服务", sub.reflection)

    def test_a_reviewed_submission_is_read_only_and_refused(self):
        self.post()
        sub = Submission.objects.get()
        services_notes.review_submission(
            actor=self.p.branch_secretary, submission=sub, approve=True, comment="很好"
        )
        page = self.client.get(self.url)
        self.assertContains(page, "已审阅")
        self.assertContains(page, "审阅意见：很好")
        self.assertNotContains(page, 'id="notes-form"')
        response = self.post(reflection="想再改一下心得体会的内容，补充一些。")
        self.assertContains(response, "您的笔记和心得已审阅，不能再修改。")
        sub.refresh_from_db()
        self.assertEqual(sub.reflection, REFLECTION)

    def test_before_the_session_starts_there_is_nothing_to_hand_in(self):
        later = self.make_session(starts_in=60, title="下周学习日")
        url = reverse("mystudy:notes", args=[later.pk])
        self.assertContains(self.client.get(url), "会议活动开始后才能提交笔记和心得。")
        response = self.client.post(url, {"reflection": REFLECTION})
        self.assertContains(response, "会议活动开始后才能提交笔记和心得。")
        self.assertFalse(Submission.objects.exists())

    def test_another_member_gets_404_on_my_pages_and_my_file(self):
        self.post(file=SimpleUploadedFile("笔记.pdf", PDF, content_type="application/pdf"))
        sub = Submission.objects.get()
        self.login(self.p.other_member)
        for name in ("session", "notes", "leave"):
            url = reverse(f"mystudy:{name}", args=[self.s.pk])
            self.assertEqual(self.client.get(url).status_code, 404, name)
        self.assertEqual(self.client.post(self.url, {"reflection": REFLECTION}).status_code, 404)
        self.assertEqual(self.client.get(reverse("mystudy:notes_file", args=[sub.pk])).status_code, 404)
        self.assertEqual(Submission.objects.count(), 1)

    def test_the_branch_secretary_without_a_person_sees_the_unlinked_page(self):
        self.login(self.p.branch_secretary)
        for url in (reverse("mystudy:home"), reverse("mystudy:attendance"), self.url):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 403)
            self.assertContains(response, "您的账号没有关联党员信息", status_code=403)


class LeavePageTest(MineBase):
    def setUp(self):
        self.login(self.p.member)
        self.s = self.make_session(starts_in=24 * 60)
        self.url = reverse("mystudy:leave", args=[self.s.pk])

    def test_it_asks_leave_with_a_reason(self):
        self.assertContains(self.client.get(self.url), 'name="reason"')
        self.assertContains(self.client.post(self.url, {"reason": "  "}), "请填写请假事由。")
        self.assertFalse(LeaveRequest.objects.exists())
        self.assertRedirects(self.client.post(self.url, {"reason": "出差"}), self.url)
        leave = LeaveRequest.objects.get()
        self.assertEqual((leave.person, leave.status, leave.reason), (self.p.alice, "submitted", "出差"))
        page = self.client.get(self.url)
        self.assertContains(page, "待审批")
        self.assertContains(page, 'data-confirm="确定撤回这份请假申请吗？"')
        self.assertNotContains(page, 'id="leave-form"')  # one waiting request at a time

    def test_a_waiting_request_is_withdrawn_by_post_only(self):
        leave = services_attendance.request_leave(actor=self.p.member, session=self.s, reason="病假")
        url = reverse("mystudy:leave_withdraw", args=[leave.pk])
        self.assertEqual(self.client.get(url).status_code, 405)
        self.assertRedirects(self.client.post(url), self.url)
        leave.refresh_from_db()
        self.assertEqual(leave.status, LeaveRequest.Status.WITHDRAWN)
        response = self.client.post(url, follow=True)
        self.assertContains(response, "该请假申请已处理，不能撤回。")
        self.assertContains(response, 'id="leave-form"')  # may ask again

    def test_another_member_cannot_withdraw_my_request(self):
        leave = services_attendance.request_leave(actor=self.p.member, session=self.s, reason="病假")
        self.login(self.p.other_member)
        self.assertEqual(
            self.client.post(reverse("mystudy:leave_withdraw", args=[leave.pk])).status_code, 404
        )
        leave.refresh_from_db()
        self.assertEqual(leave.status, LeaveRequest.Status.SUBMITTED)

    def test_an_approved_leave_shows_as_leave(self):
        leave = services_attendance.request_leave(actor=self.p.member, session=self.s, reason="病假")
        services_attendance.decide_leave(actor=self.p.branch_secretary, leave=leave, approve=True)
        self.assertEqual(Attendance.objects.get(session=self.s, person=self.p.alice).status, "leave")
        page = self.client.get(reverse("mystudy:session", args=[self.s.pk]))
        self.assertContains(page, "请假申请：已批准")
        self.assertContains(page, ">请假</span>")

    def test_no_leave_after_signing_in(self):
        now = self.make_session(starts_in=5, title="正在进行")
        self.client.post(reverse("mystudy:signin", args=[now.pk]), {"code": self.code(now)})
        url = reverse("mystudy:leave", args=[now.pk])
        self.assertContains(self.client.get(url), "您已签到，无需请假。")
        self.assertContains(self.client.post(url, {"reason": "出差"}), "您已签到，无需请假。")
        self.assertFalse(LeaveRequest.objects.filter(session=now).exists())
