"""会议活动 pages: the list's filters and its Excel export (attendance figures, no other branch's names), a new
session for the organization's members or a chosen list, editing it and its minutes, the chosen list,
cancelling with a reason, attachments; each write audited, bad input refused in Chinese, nothing changed."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ..models import Attendance, Session, SessionFile
from .test_pages_base import OTHER_NAMES, PDF, StudyPagesTestCase, workbook_text

NEW = {
    "kind": "party_lecture",
    "title": "书记讲党课",
    "starts_at": "2026-11-05T14:30",
    "ends_at": "2026-11-05T16:30",
    "place": "社区会议室",
    "organizer": "支部书记",
    "agenda": "一、讲党课\n二、交流",
    "late_after": "10",
    "signin_before": "30",
    "needs_notes": "on",
}


class SessionListTest(StudyPagesTestCase):
    def test_it_filters_by_kind_status_and_search(self):
        client = self.as_secretary()
        url = reverse("studyday:session_list")
        titles = lambda r: {s.title for s, _, _ in r.context["rows"]}  # noqa: E731
        self.assertEqual(
            titles(client.get(url)), {"支部学习日（进行中）", "主题党日（已结束）", "支委会（明天）"}
        )
        self.assertEqual(titles(client.get(url + "?kind=theme_day")), {"主题党日（已结束）"})
        self.assertEqual(titles(client.get(url + "?status=ended")), {"主题党日（已结束）"})
        self.assertEqual(
            titles(client.get(url + "?status=upcoming")), {"支部学习日（进行中）", "支委会（明天）"}
        )
        self.assertEqual(titles(client.get(url + "?q=党员活动室")), {"支部学习日（进行中）"})
        self.assertEqual(titles(client.get(url + "?status=cancelled")), set())
        response = client.get(url + "?date_from=2026-13-01")
        self.assertContains(response, "起始日期格式不正确")
        self.assertEqual(titles(response), set())

    def test_the_export_has_attendance_figures_and_no_other_branch(self):
        client = self.as_secretary()
        response = client.get(reverse("studyday:session_export"))
        self.assertEqual(response.status_code, 200)
        text = workbook_text(response)
        self.assertIn("主题党日（已结束）", text)
        self.assertIn("出勤率（%）", text)
        for other in OTHER_NAMES:
            self.assertNotIn(other, text)
        self.assertEqual(self.audit_count(event="export", actor=self.p.branch_secretary), 1)

    def test_the_organization_filter_refuses_an_organization_out_of_view(self):
        response = self.as_secretary().get(
            reverse("studyday:session_list") + f"?org={self.p.other_branch.pk}"
        )
        self.assertContains(response, "所选党组织不在您的授权范围内。")


class SessionCreateTest(StudyPagesTestCase):
    def test_it_creates_a_session_for_the_members(self):
        client = self.as_secretary()
        before = self.audit_count("studyday.attendance")
        response = client.post(
            reverse("studyday:session_create"), NEW | {"org": self.p.branch.pk, "expected_mode": "members"}
        )
        session = Session.objects.get(title="书记讲党课")
        self.assertRedirects(response, reverse("studyday:session_detail", args=[session.pk]))
        self.assertEqual(
            set(Attendance.objects.filter(session=session).values_list("person_id", flat=True)),
            {self.p.alice.pk, self.p.bob.pk},
        )
        self.assertEqual(session.created_by, self.p.branch_secretary)
        self.assertEqual(self.audit_count("studyday.session", kind="create", object_id=str(session.pk)), 1)
        self.assertEqual(self.audit_count("studyday.attendance") - before, 2)

    def test_it_creates_a_session_for_a_chosen_list(self):
        client = self.as_secretary()
        response = client.post(
            reverse("studyday:session_create"),
            NEW | {"org": self.p.branch.pk, "expected_mode": "chosen", "person_ids": [self.p.bob.pk]},
        )
        session = Session.objects.get(title="书记讲党课")
        self.assertRedirects(response, reverse("studyday:session_detail", args=[session.pk]))
        self.assertEqual(list(session.attendance.values_list("person_id", flat=True)), [self.p.bob.pk])
        self.assertEqual(session.expected_mode, "chosen")

    def test_it_creates_the_session_of_a_plan_date(self):
        client = self.as_secretary()
        data = NEW | {
            "org": self.p.branch.pk,
            "expected_mode": "members",
            "kind": "study_day",
            "plan_item": self.item.pk,
        }
        client.post(reverse("studyday:session_create") + f"?item={self.item.pk}", data)
        self.assertEqual(Session.objects.get(title="书记讲党课").plan_item, self.item)

    def test_it_refuses_bad_input_and_changes_nothing(self):
        client = self.as_secretary()
        count, audits = Session.objects.count(), self.audit_count()
        cases = [
            (NEW | {"org": self.p.branch.pk, "expected_mode": "members", "ends_at": "2026-11-05T13:00"},
             "结束时间应晚于开始时间。"),
            (NEW | {"org": self.p.branch.pk, "expected_mode": "members", "title": ""}, "请填写主题。"),
            (NEW | {"org": self.p.branch.pk, "expected_mode": "chosen"}, "请勾选应到人员。"),
            (NEW | {"org": self.p.branch.pk, "expected_mode": "chosen", "person_ids": [self.p.dave.pk]},
             "有 1 名人员不存在或不在您的授权范围内。"),
            (NEW | {"org": self.p.other_branch.pk, "expected_mode": "members"}, "所选党组织不在您的授权范围内。"),
            (NEW | {"org": self.p.branch.pk, "expected_mode": "members", "late_after": "-1"},
             "迟到界限（分钟）应在 0 至 240 之间。"),
        ]  # fmt: skip
        for data, message in cases:
            with self.subTest(message=message):
                response = client.post(reverse("studyday:session_create"), data)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, message)
        self.assertEqual((Session.objects.count(), self.audit_count()), (count, audits))

    def test_the_people_list_follows_the_organization_in_scope(self):
        client = self.as_secretary()
        response = client.get(reverse("studyday:session_people") + f"?org={self.p.branch.pk}")
        self.assertContains(response, "王小红")
        response = client.get(reverse("studyday:session_people") + f"?org={self.p.other_branch.pk}")
        self.assertNotContains(response, "赵立新")


class SessionChangeTest(StudyPagesTestCase):
    def test_it_saves_the_minutes(self):
        client = self.as_secretary()
        s = self.now_session
        data = {
            "title": s.title, "starts_at": "2026-01-01T14:30", "ends_at": "2026-01-01T16:30", "place": s.place,
            "organizer": "", "agenda": "", "late_after": "5", "signin_before": "15", "needs_notes": "on",
            "minutes": "会议由支部书记主持，全体党员学习了党章。",
        }  # fmt: skip
        response = client.post(reverse("studyday:session_edit", args=[s.pk]), data)
        self.assertRedirects(response, reverse("studyday:session_detail", args=[s.pk]))
        s.refresh_from_db()
        self.assertEqual((s.minutes, s.late_after), ("会议由支部书记主持，全体党员学习了党章。", 5))
        self.assertEqual(self.audit_count("studyday.session", kind="update", object_id=str(s.pk)), 1)
        response = client.post(
            reverse("studyday:session_edit", args=[s.pk]), data | {"ends_at": "2026-01-01T10:00"}
        )
        self.assertContains(response, "结束时间应晚于开始时间。")

    def test_it_changes_the_chosen_list(self):
        client = self.as_secretary()
        s = self.next_session
        response = client.post(
            reverse("studyday:session_expected", args=[s.pk]), {"person_ids": [self.p.alice.pk]}
        )
        self.assertRedirects(response, reverse("studyday:session_detail", args=[s.pk]))
        self.assertEqual(list(s.attendance.values_list("person_id", flat=True)), [self.p.alice.pk])
        self.assertEqual(self.audit_count("studyday.attendance", kind="delete"), 1)
        response = client.post(reverse("studyday:session_expected", args=[s.pk]), {})
        self.assertContains(response, "请勾选应到人员。")
        self.assertEqual(s.attendance.count(), 1)

    def test_it_cancels_with_a_reason(self):
        client = self.as_secretary()
        s = self.next_session
        confirm = client.get(reverse("studyday:session_cancel", args=[s.pk]))
        self.assertContains(confirm, "data-confirm")
        response = client.post(reverse("studyday:session_cancel", args=[s.pk]), {"reason": ""})
        self.assertContains(response, "请填写取消原因。")
        s.refresh_from_db()
        self.assertIsNone(s.archived_at)
        response = client.post(reverse("studyday:session_cancel", args=[s.pk]), {"reason": "与区委会议冲突"})
        self.assertRedirects(response, reverse("studyday:session_detail", args=[s.pk]))
        s.refresh_from_db()
        self.assertEqual(s.archived_reason, "与区委会议冲突")
        self.assertEqual(self.audit_count("studyday.session", kind="archive"), 1)
        self.assertEqual(client.get(reverse("studyday:session_edit", args=[s.pk])).status_code, 404)

    def test_the_organization_committee_member_may_not_cancel(self):
        self.client.force_login(self.p.org_committee_member)
        url = reverse("studyday:session_cancel", args=[self.next_session.pk])
        self.assertEqual(self.client.post(url, {"reason": "不开了"}).status_code, 403)

    def test_it_uploads_and_downloads_an_attachment(self):
        client = self.as_secretary()
        s = self.past_session
        upload = SimpleUploadedFile("会议记录.pdf", PDF, content_type="application/pdf")
        response = client.post(reverse("studyday:session_file_upload", args=[s.pk]), {"file": upload})
        self.assertRedirects(response, reverse("studyday:session_detail", args=[s.pk]) + "#files")
        row = SessionFile.objects.get(session=s)
        self.assertEqual(self.audit_count("studyday.sessionfile", kind="create", object_id=str(row.pk)), 1)
        response = client.get(reverse("studyday:session_file", args=[row.pk]))
        self.assertEqual(response.content, PDF)
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertEqual(self.audit_count("studyday.sessionfile", event="export"), 1)

    def test_it_refuses_a_file_that_is_not_what_it_says(self):
        client = self.as_secretary()
        upload = SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
        response = client.post(reverse("studyday:session_file_upload", args=[self.past_session.pk]), {"file": upload},
                               follow=True)  # fmt: skip
        self.assertContains(response, "附件未上传")
        self.assertFalse(SessionFile.objects.filter(session=self.past_session).exists())


class SessionAtTheEndsOfTheCalendarTest(StudyPagesTestCase):
    def test_a_start_in_year_one_or_9999_is_refused_in_chinese(self):
        client = self.client
        client.force_login(self.p.branch_secretary)
        count = Session.objects.count()
        for start, end in (
            ("0001-01-01T00:00", "0001-01-01T01:00"),
            ("9999-12-31T22:00", "9999-12-31T23:00"),
        ):
            with self.subTest(start=start):
                data = NEW | {
                    "org": self.p.branch.pk,
                    "expected_mode": "members",
                    "starts_at": start,
                    "ends_at": end,
                }
                response = client.post(reverse("studyday:session_create"), data)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "应在 2000 年至 2100 年之间")
        self.assertEqual(Session.objects.count(), count)
