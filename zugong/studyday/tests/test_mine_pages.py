"""我的学习 and one session as the member sees it: upcoming sessions with 签到, past ones with my status and my
notes' state, the reminders (read once shown), the year's figures, the session's materials, the attendance
history by year; a secretary who is also a member sees only their own rows here."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from .. import services_attendance, services_materials, services_notes
from ..models import Attendance, Reminder, Session
from .test_mine_base import REFLECTION, MineBase
from .test_watermark import make_pdf


class HomePageTest(MineBase):
    def setUp(self):
        self.login(self.p.member)

    def test_it_lists_upcoming_and_past_sessions_with_my_status_and_notes(self):
        upcoming = self.make_session(starts_in=24 * 60, title="下周学习日")
        present = self.make_session(starts_in=-180, minutes=60, title="上周学习日")
        absent = self.make_session(starts_in=-3 * 24 * 60, minutes=60, title="上月主题党日")
        late = self.make_session(starts_in=-5 * 24 * 60, minutes=60, title="三月党课")
        Attendance.objects.filter(session=present, person=self.p.alice).update(status="present")
        Attendance.objects.filter(session=late, person=self.p.alice).update(status="late")
        services_notes.submit_notes(actor=self.p.member, session=present, notes="", reflection=REFLECTION)
        response = self.client.get(reverse("mystudy:home"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual([r.session for r in response.context["upcoming"]], [upcoming])
        past = {r.session.title: r for r in response.context["past"]}
        self.assertEqual(list(past), ["上周学习日", "上月主题党日", "三月党课"])
        self.assertEqual(
            [(r.status_label, r.notes_label) for r in past.values()],
            [("出席", "待审阅"), ("缺席", "待提交"), ("迟到", "待提交")],
        )
        self.assertContains(response, "笔记待审阅")
        self.assertContains(response, "笔记待提交")
        self.assertIn(absent.pk, [r.session_id for r in response.context["past"]])

    def test_a_returned_and_a_reviewed_submission_show_their_state(self):
        returned = self.make_session(starts_in=-180, minutes=60, title="退回的")
        reviewed = self.make_session(starts_in=-240, minutes=60, title="审阅的")
        for s, approve in ((returned, False), (reviewed, True)):
            sub = services_notes.submit_notes(actor=self.p.member, session=s, notes="", reflection=REFLECTION)
            services_notes.review_submission(
                actor=self.p.branch_secretary,
                submission=sub,
                approve=approve,
                comment="" if approve else "太短",
            )
        response = self.client.get(reverse("mystudy:home"))
        self.assertContains(response, "笔记已退回")
        self.assertContains(response, "笔记已审阅")

    def test_reminders_stay_until_the_member_taps_got_it(self):
        s = self.make_session(starts_in=-180, minutes=60, title="催交的学习日")
        services_notes.remind_missing(actor=self.p.branch_secretary, session=s)
        url = reverse("mystudy:reminders_read")
        first = self.client.get(reverse("mystudy:home"))
        self.assertContains(first, "请提交“催交的学习日”")
        self.assertContains(first, f'action="{url}"')
        self.assertIsNone(Reminder.objects.get(person=self.p.alice).read_at)  # a GET changes nothing
        self.assertContains(self.client.get(reverse("mystudy:home")), "请提交“催交的学习日”")
        self.assertEqual(self.client.get(url).status_code, 405)
        self.assertIsNone(Reminder.objects.get(person=self.p.alice).read_at)
        mine = Reminder.objects.get(person=self.p.alice)
        bobs = Reminder.objects.get(person=self.p.bob)
        self.assertContains(first, f'<input type="hidden" name="id" value="{mine.pk}">')
        # A reminder that came in after the page was shown stays unread; bad ids and another's change nothing.
        later = self.make_session(starts_in=-120, minutes=60, title="新催交的学习日")
        services_notes.remind_missing(actor=self.p.branch_secretary, session=later)
        form = {"id": [str(mine.pk), str(bobs.pk), "x", "9" * 30]}
        self.assertRedirects(self.client.post(url, form), reverse("mystudy:home"))
        self.assertIsNotNone(Reminder.objects.get(pk=mine.pk).read_at)
        self.assertIsNone(Reminder.objects.get(pk=bobs.pk).read_at)  # only my own
        page = self.client.get(reverse("mystudy:home"))
        self.assertNotContains(page, "请提交“催交的学习日”")
        self.assertContains(page, "请提交“新催交的学习日”")
        self.assertRedirects(self.client.post(url), reverse("mystudy:home"))  # no ids: nothing marked
        self.assertEqual(Reminder.objects.filter(person=self.p.alice, read_at__isnull=True).count(), 1)

    def test_the_year_figures_count_ended_sessions(self):
        a = self.make_session(starts_in=-180, minutes=60)
        self.make_session(starts_in=-240, minutes=60)  # never signed in: absent once ended
        self.make_session(starts_in=60)  # not ended: not counted
        Attendance.objects.filter(session=a, person=self.p.alice).update(status="present")
        rates = self.client.get(reverse("mystudy:home")).context["rates"]
        if timezone.localtime(a.starts_at).year == timezone.localdate().year:
            self.assertEqual((rates["expected"], rates["present"], rates["absent"]), (2, 1, 1))
            self.assertEqual(str(rates["rate"]), "50.0")

    def test_a_secretary_who_is_a_member_sees_only_their_own_rows(self):
        self.make_session(starts_in=60, title="王小红的学习日")
        self.login(self.p.other_member)
        response = self.client.get(reverse("mystudy:home"))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "王小红的学习日")
        self.assertContains(response, "近期没有需要参加的会议活动。")

    def test_its_queries_do_not_grow_with_the_sessions(self):
        def queries() -> int:
            self.client.get(reverse("mystudy:home"))  # warm the session and the grants
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(reverse("mystudy:home")).status_code, 200)
            return len(captured)

        def add(i):
            s = self.make_session(starts_in=-(i + 2) * 60 * 3, minutes=60, title=f"学习日{i}")
            services_notes.submit_notes(actor=self.p.member, session=s, notes="", reflection=REFLECTION)
            self.make_session(starts_in=(i + 1) * 60, title=f"将来的学习日{i}")

        add(0)
        few = queries()
        for i in range(1, 6):
            add(i)
        self.assertEqual(queries(), few)


class SessionPageTest(MineBase):
    def setUp(self):
        self.login(self.p.member)

    def test_it_shows_the_session_my_status_its_materials_and_the_buttons(self):
        s = self.make_session(starts_in=10)
        material = services_materials.material_upload(
            actor=self.p.branch_secretary, org=self.p.branch, title="党章学习提纲", file_name="提纲.pdf",
            data=make_pdf(), session=s,
        )  # fmt: skip
        response = self.client.get(reverse("mystudy:session", args=[s.pk]))
        self.assertEqual(response.status_code, 200)
        for text in ("第一季度学习日", "社区党群服务中心二楼", "一、学习党章", "未签到", "党章学习提纲"):
            self.assertContains(response, text)
        self.assertContains(response, reverse("materials:detail", args=[material.pk]))
        self.assertContains(response, reverse("mystudy:signin", args=[s.pk]))
        self.assertContains(response, reverse("mystudy:leave", args=[s.pk]))
        self.assertNotContains(response, reverse("mystudy:notes", args=[s.pk]))  # not started yet

    def test_after_the_start_it_offers_notes(self):
        s = self.make_session(starts_in=-5)
        response = self.client.get(reverse("mystudy:session", args=[s.pk]))
        self.assertContains(response, reverse("mystudy:notes", args=[s.pk]))

    def test_a_cancelled_session_says_so_and_offers_nothing(self):
        from .. import services

        s = self.make_session(starts_in=10)
        services.cancel_session(actor=self.p.branch_secretary, session=s, reason="改期")
        response = self.client.get(reverse("mystudy:session", args=[s.pk]))
        self.assertContains(response, "本次会议活动已取消。")
        self.assertNotContains(response, reverse("mystudy:signin", args=[s.pk]))
        self.assertNotContains(response, reverse("mystudy:leave", args=[s.pk]))

    def test_a_session_i_am_not_expected_at_is_a_404(self):
        s = self.make_session()
        Attendance.objects.filter(session=s, person=self.p.alice).delete()
        self.assertEqual(self.client.get(reverse("mystudy:session", args=[s.pk])).status_code, 404)
        self.assertEqual(self.client.get(reverse("mystudy:session", args=[s.pk + 99])).status_code, 404)

    def test_anonymous_users_go_to_the_login(self):
        self.client.logout()
        response = self.client.get(reverse("mystudy:home"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])


class AttendancePageTest(MineBase):
    def setUp(self):
        self.login(self.p.member)

    @override_settings(ZUGONG_PAGE_SIZE=2)
    def test_it_pages_the_history_of_the_year(self):
        for i in range(3):
            self.make_session(starts_in=-(i + 1) * 60 * 3, minutes=60, title=f"学习日{i}")
        last_year = Session.objects.create(
            org=self.p.branch, org_path=self.p.branch.path, kind="study_day", title="去年的学习日",
            starts_at=timezone.now() - dt.timedelta(days=400), ends_at=timezone.now() - dt.timedelta(days=400) + dt.timedelta(hours=1),
        )  # fmt: skip
        Attendance.objects.create(
            session=last_year, person=self.p.alice, org_path=self.p.branch.path, status="late"
        )
        url = reverse("mystudy:attendance")
        first = self.client.get(url)
        self.assertEqual(first.status_code, 200)
        this_year = timezone.localdate().year
        in_year = Attendance.objects.filter(person=self.p.alice, session__starts_at__year=this_year).count()
        self.assertEqual(first.context["page"].paginator.count, in_year)
        self.assertContains(first, f"{this_year}年出勤")
        old = self.client.get(url, {"year": this_year - 1})
        self.assertEqual(old.context["year"], this_year - 1)
        self.assertContains(old, "去年的学习日")
        self.assertEqual(old.context["rates"]["late"], 1)
        self.assertEqual(self.client.get(url, {"year": "x"}).context["year"], this_year)

    def test_a_leave_approved_counts_as_leave(self):
        s = self.make_session(starts_in=24 * 60)
        leave = services_attendance.request_leave(actor=self.p.member, session=s, reason="出差")
        services_attendance.decide_leave(actor=self.p.branch_secretary, leave=leave, approve=True)
        self.assertContains(self.client.get(reverse("mystudy:attendance")), ">请假</span>")
