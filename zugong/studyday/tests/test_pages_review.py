"""笔记审阅: the queue, one member's notes with the PDF they attached, 审阅通过 or 退回 with a comment (the names
a browser test relies on: ``studyday:review_queue``, ``studyday:submission``, the textarea ``comment`` and the
buttons ``decision=approve`` / ``decision=return``)."""

from __future__ import annotations

from django.urls import reverse

from ..models import Submission
from .test_pages_base import PDF, StudyPagesTestCase


class ReviewPagesTest(StudyPagesTestCase):
    def test_the_queue_lists_the_waiting_notes(self):
        response = self.as_secretary().get(reverse("studyday:review_queue"))
        self.assertContains(response, "王小红")
        self.assertContains(response, reverse("studyday:submission", args=[self.submission.pk]))
        filtered = self.as_secretary().get(
            reverse("studyday:review_queue") + f"?session={self.now_session.pk}"
        )
        self.assertNotContains(filtered, reverse("studyday:submission", args=[self.submission.pk]))

    def test_the_page_has_the_form_the_browser_test_uses(self):
        response = self.as_secretary().get(reverse("studyday:submission", args=[self.submission.pk]))
        self.assertContains(response, "通过学习，我深刻认识到党员义务的重要意义。")
        self.assertContains(response, 'name="comment"')
        self.assertContains(response, "<textarea")
        self.assertContains(response, 'name="decision" value="approve"')
        self.assertContains(response, 'name="decision" value="return"')
        self.assertContains(response, "审阅通过")
        self.assertContains(response, "退回")
        self.assertContains(response, reverse("studyday:submission_file", args=[self.submission.pk]))

    def test_it_approves(self):
        client = self.as_secretary()
        url = reverse("studyday:submission", args=[self.submission.pk])
        response = client.post(url, {"decision": "approve", "comment": "笔记认真"}, follow=True)
        self.assertRedirects(response, reverse("studyday:review_queue"))
        self.assertContains(response, "已审阅通过王小红的笔记和心得")
        self.submission.refresh_from_db()
        self.assertEqual((self.submission.status, self.submission.comment), ("reviewed", "笔记认真"))
        self.assertEqual(self.submission.reviewed_by, self.p.branch_secretary)
        self.assertEqual(self.audit_count("studyday.submission", kind="update"), 1)
        self.assertNotContains(client.get(reverse("studyday:review_queue")), "王小红")

    def test_a_return_needs_a_comment(self):
        client = self.as_secretary()
        url = reverse("studyday:submission", args=[self.submission.pk])
        response = client.post(url, {"decision": "return", "comment": ""})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "请填写退回理由。")
        self.submission.refresh_from_db()
        self.assertEqual(self.submission.status, "submitted")
        response = client.post(url, {"decision": "return", "comment": "心得过于简单，请补充"})
        self.assertRedirects(response, reverse("studyday:review_queue"))
        self.submission.refresh_from_db()
        self.assertEqual(
            (self.submission.status, self.submission.comment), ("returned", "心得过于简单，请补充")
        )

    def test_a_decision_that_is_neither_is_refused(self):
        client = self.as_secretary()
        response = client.post(
            reverse("studyday:submission", args=[self.submission.pk]), {"decision": "maybe"}
        )
        self.assertContains(response, "请选择审阅通过或退回。")
        self.assertEqual(Submission.objects.get(pk=self.submission.pk).status, "submitted")

    def test_it_serves_the_attached_file_and_logs_it(self):
        response = self.as_secretary().get(reverse("studyday:submission_file", args=[self.submission.pk]))
        self.assertEqual(response.content, PDF)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(self.audit_count("studyday.submission", event="export"), 1)

    def test_a_reviewed_submission_has_no_form(self):
        Submission.objects.filter(pk=self.submission.pk).update(status="reviewed")
        client = self.as_secretary()
        response = client.get(reverse("studyday:submission", args=[self.submission.pk]))
        self.assertNotContains(response, 'name="decision"')
        response = client.post(
            reverse("studyday:submission", args=[self.submission.pk]), {"decision": "approve"}
        )
        self.assertContains(response, "该笔记和心得已处理。")
