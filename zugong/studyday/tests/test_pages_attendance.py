"""A session's attendance: marking many at once, 结束考勤, 催交笔记, the 签到屏幕 and its JSON (the same code as
``signin.current_code``, nothing outside the window, never cached), and leave approved or refused with a
reason; each write audited, bad input refused in Chinese with nothing changed."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from .. import services_attendance, signin
from ..models import Attendance, LeaveRequest, Reminder, Session
from .test_pages_base import StudyPagesTestCase


class MarkAttendanceTest(StudyPagesTestCase):
    def test_it_marks_many_at_once(self):
        client = self.as_secretary()
        s, alice, bob = self.now_session, self.p.alice, self.p.bob
        url = reverse("studyday:session_mark", args=[s.pk])
        response = client.post(
            url, {f"status_{alice.pk}": "present", f"status_{bob.pk}": "leave", "note": "补登"}
        )
        self.assertRedirects(response, reverse("studyday:session_detail", args=[s.pk]) + "#roster")
        rows = dict(s.attendance.values_list("person_id", "status"))
        self.assertEqual(rows, {alice.pk: "present", bob.pk: "leave"})
        self.assertEqual(self.audit_count("studyday.attendance", kind="update"), 2)

    def test_it_refuses_a_bad_status_and_changes_nothing(self):
        client = self.as_secretary()
        s, alice, bob = self.now_session, self.p.alice, self.p.bob
        url = reverse("studyday:session_mark", args=[s.pk])
        response = client.post(
            url, {f"status_{alice.pk}": "present", f"status_{bob.pk}": "holiday"}, follow=True
        )
        self.assertContains(response, "出勤状态不正确：holiday。")
        response = client.post(url, {f"status_{self.p.dave.pk}": "present"}, follow=True)
        self.assertContains(response, "有人员不在本次会议活动的应到名单中。")
        self.assertEqual(set(s.attendance.values_list("status", flat=True)), {"expected"})

    def stale_form(self, client, session) -> dict:
        """The roster form as the page drew it: each row's ``was_`` and its select at the shown status."""
        html = client.get(reverse("studyday:session_detail", args=[session.pk])).content.decode()
        was = dict(re.findall(r'name="was_(\d+)" value="(\w+)"', html))
        self.assertTrue(was)
        return {f"was_{pk}": status for pk, status in was.items()} | {
            f"status_{pk}": status for pk, status in was.items()
        }

    def sign_in_alice(self, session):
        code, _ = signin.current_code(session.pk)
        row, newly = services_attendance.sign_in(actor=self.p.member, session_id=session.pk, code=code)
        self.assertTrue(newly)
        return row.status

    def test_saving_a_stale_page_keeps_who_signed_in_meanwhile(self):
        client = self.as_secretary()
        s, alice, bob = self.now_session, self.p.alice, self.p.bob
        form = self.stale_form(client, s)
        self.assertEqual(form[f"was_{alice.pk}"], "expected")
        signed = self.sign_in_alice(s)  # with the screen's code, after the page was drawn
        form[f"status_{bob.pk}"] = "leave"  # the organizer's one change; alice's row still says 未签到
        response = client.post(reverse("studyday:session_mark", args=[s.pk]), form, follow=True)
        self.assertContains(response, "已登记 1 人的出勤。")
        self.assertNotContains(response, "未覆盖")
        rows = dict(s.attendance.values_list("person_id", "status"))
        self.assertEqual(rows, {alice.pk: signed, bob.pk: "leave"})
        self.assertIn(signed, ("present", "late"))

    def test_a_row_changed_meanwhile_is_not_overwritten_and_counted(self):
        client = self.as_secretary()
        s, alice, bob = self.now_session, self.p.alice, self.p.bob
        form = self.stale_form(client, s)
        signed = self.sign_in_alice(s)
        form[f"status_{alice.pk}"] = "absent"  # meant for the 未签到 she was on the page
        form[f"status_{bob.pk}"] = "absent"
        response = client.post(reverse("studyday:session_mark", args=[s.pk]), form, follow=True)
        self.assertContains(response, "已登记 1 人的出勤。")
        self.assertContains(response, "1 人的出勤在此期间已变化（如已扫码签到），未覆盖，请刷新后核对。")
        rows = dict(s.attendance.values_list("person_id", "status"))
        self.assertEqual(rows, {alice.pk: signed, bob.pk: "absent"})

    def test_an_unchanged_page_changes_nothing(self):
        client = self.as_secretary()
        s = self.now_session
        form = self.stale_form(client, s)
        self.sign_in_alice(s)
        response = client.post(reverse("studyday:session_mark", args=[s.pk]), form, follow=True)
        self.assertContains(response, "出勤没有变化。")
        self.assertEqual(self.audit_count("studyday.attendance", kind="update"), 1)  # the sign-in only

    def test_a_bad_or_huge_person_id_is_refused_in_chinese(self):
        client = self.as_secretary()
        s = self.now_session
        url = reverse("studyday:session_mark", args=[s.pk])
        for key in ("status_²", f"status_{10**30}", f"status_{2**31}", "status_-1"):
            with self.subTest(key=key):
                response = client.post(url, {key: "present"}, follow=True)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "人员编号不正确。")
        self.assertEqual(set(s.attendance.values_list("status", flat=True)), {"expected"})

    def test_it_closes_the_attendance(self):
        client = self.as_secretary()
        s = self.now_session
        response = client.post(reverse("studyday:session_close", args=[s.pk]), follow=True)
        self.assertContains(response, "考勤已结束，2 名未签到人员记为缺席。")
        s.refresh_from_db()
        self.assertIsNotNone(s.closed_at)
        self.assertEqual(set(s.attendance.values_list("status", flat=True)), {"absent"})
        response = client.post(reverse("studyday:session_close", args=[s.pk]), follow=True)
        self.assertContains(response, "本次会议活动的考勤已结束。")

    def test_it_does_not_close_a_session_not_started(self):
        response = self.as_secretary().post(
            reverse("studyday:session_close", args=[self.next_session.pk]), follow=True
        )
        self.assertContains(response, "会议活动尚未开始，不能结束考勤。")
        self.next_session.refresh_from_db()
        self.assertIsNone(self.next_session.closed_at)

    def test_it_reminds_those_without_notes(self):
        client = self.as_secretary()
        s = self.past_session
        response = client.post(reverse("studyday:session_remind", args=[s.pk]), follow=True)
        self.assertContains(response, "已提醒 1 人提交学习笔记和心得体会。")
        self.assertEqual(
            list(Reminder.objects.filter(session=s).values_list("person_id", flat=True)), [self.p.bob.pk]
        )
        self.assertEqual(self.audit_count("studyday.reminder", kind="create"), 1)
        response = client.post(reverse("studyday:session_remind", args=[s.pk]), follow=True)
        self.assertContains(response, "没有需要提醒的人员")
        self.assertEqual(Reminder.objects.filter(session=s).count(), 1)


class ScreenTest(StudyPagesTestCase):
    def test_the_json_gives_the_current_code(self):
        client = self.as_secretary()
        s = self.now_session
        Attendance.objects.filter(session=s, person=self.p.alice).update(status="present")
        response = client.get(reverse("studyday:screen_code", args=[s.pk]))
        self.assertEqual(response["Cache-Control"], "no-store")
        data = response.json()
        code, _ = signin.current_code(s.pk)
        self.assertEqual((data["open"], data["code"], data["signed"], data["expected"]), (True, code, 1, 2))
        self.assertTrue(data["qr"].startswith("data:image/svg+xml"))
        self.assertTrue(1 <= data["seconds_left"] <= signin.SLOT_SECONDS)

    def test_the_qr_opens_the_members_sign_in_page_with_the_code(self):
        client = self.as_secretary()
        s = self.now_session
        with mock.patch(
            "zugong.studyday.views_attendance.segno.make", wraps=__import__("segno").make
        ) as make:
            data = client.get(reverse("studyday:screen_code", args=[s.pk])).json()
        signin_page = reverse("mystudy:signin", args=[s.pk])
        self.assertEqual(make.call_args.args[0], f"http://testserver{signin_page}?code={data['code']}")

    def test_the_page_shows_the_code_and_refreshes_without_javascript(self):
        response = self.as_secretary().get(reverse("studyday:screen", args=[self.now_session.pk]))
        code, _ = signin.current_code(self.now_session.pk)
        self.assertContains(
            response, f'<div class="screen-code" id="screen-code" aria-live="polite">{code}</div>'
        )
        self.assertContains(response, '<meta http-equiv="refresh" content="30">')
        self.assertContains(response, "js/studyday-screen.js")
        self.assertNotContains(response, "<script>")

    def test_it_shows_no_code_outside_the_window(self):
        client = self.as_secretary()
        for session, words in ((self.next_session, "签到尚未开始"), (self.past_session, "签到已结束")):
            with self.subTest(session=session.title):
                data = client.get(reverse("studyday:screen_code", args=[session.pk])).json()
                self.assertEqual((data["open"], data["code"], data["qr"]), (False, "", ""))
                self.assertIn(words, data["message"])
                page = client.get(reverse("studyday:screen", args=[session.pk]))
                self.assertContains(page, words)
                self.assertNotContains(page, signin.current_code(session.pk)[0])

    def test_a_closed_session_shows_no_code(self):
        Session.objects.filter(pk=self.now_session.pk).update(
            closed_at=timezone.now() - dt.timedelta(minutes=1)
        )
        data = self.as_secretary().get(reverse("studyday:screen_code", args=[self.now_session.pk])).json()
        self.assertEqual((data["open"], data["code"]), (False, ""))


class LeaveTest(StudyPagesTestCase):
    def test_it_approves_a_leave_request(self):
        client = self.as_secretary()
        response = client.post(
            reverse("studyday:leave_decide", args=[self.leave.pk]), {"decision": "approve"}
        )
        self.assertRedirects(response, reverse("studyday:leave_queue"))
        self.leave.refresh_from_db()
        self.assertEqual(self.leave.status, "approved")
        row = Attendance.objects.get(session=self.next_session, person=self.p.alice)
        self.assertEqual(row.status, "leave")
        self.assertEqual(self.audit_count("studyday.leaverequest", kind="update"), 1)

    def test_a_refusal_needs_a_reason(self):
        client = self.as_secretary()
        url = reverse("studyday:leave_decide", args=[self.leave.pk])
        response = client.post(url, {"decision": "reject", "comment": " "})
        self.assertContains(response, "请填写不批准的理由。")
        self.leave.refresh_from_db()
        self.assertEqual(self.leave.status, "submitted")
        back = reverse("studyday:session_detail", args=[self.next_session.pk])
        response = client.post(url, {"decision": "reject", "comment": "支委会须全员参加", "next": back})
        self.assertRedirects(response, back)
        self.leave.refresh_from_db()
        self.assertEqual((self.leave.status, self.leave.comment), ("rejected", "支委会须全员参加"))
        self.assertEqual(
            Attendance.objects.get(session=self.next_session, person=self.p.alice).status, "expected"
        )

    def test_the_queue_lists_the_waiting_requests(self):
        response = self.as_secretary().get(reverse("studyday:leave_queue"))
        self.assertContains(response, "出差在外")
        LeaveRequest.objects.filter(pk=self.leave.pk).update(status="approved")
        response = self.as_secretary().get(reverse("studyday:leave_queue"))
        self.assertNotContains(response, "出差在外")
