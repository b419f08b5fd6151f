"""签到 through the member's page: the right code inside the window is 出席, after the grace minutes 迟到; a wrong
code, a time outside the window, or a member who is not expected gets the Chinese message and nothing
changes; a second sign-in changes nothing and writes no second audit row. The QR's ``?code=`` only fills the
form."""

from __future__ import annotations

from django.urls import reverse

from ..models import Attendance
from .test_mine_base import MineBase


class SignInPageTest(MineBase):
    def setUp(self):
        self.login(self.p.member)

    def url(self, session, code=None):
        return reverse("mystudy:signin", args=[session.pk]) + (f"?code={code}" if code else "")

    def row(self, session, person=None):
        return Attendance.objects.get(session=session, person=person or self.p.alice)

    def test_it_shows_a_numeric_code_field_and_prefills_from_the_qr_without_signing_in(self):
        s = self.make_session()
        audited = self.audit_count("attendance")
        code = self.code(s)
        response = self.client.get(self.url(s, code))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('name="code"', html)
        self.assertIn('inputmode="numeric"', html)
        self.assertIn('autocomplete="off"', html)
        self.assertIn(f'value="{code}"', html)
        self.assertContains(response, "签到</button>")
        self.assertEqual(self.row(s).status, Attendance.Status.EXPECTED)
        self.assertEqual(self.audit_count("attendance"), audited)

    def test_it_does_not_prefill_junk_from_the_address(self):
        s = self.make_session()
        response = self.client.get(self.url(s, "<b>12"))
        self.assertNotContains(response, "&lt;b&gt;12")
        self.assertNotContains(response, "<b>12")

    def test_it_signs_in_present_with_the_right_code(self):
        s = self.make_session(starts_in=10)
        audited = self.audit_count("attendance")
        response = self.client.post(self.url(s), {"code": self.code(s)}, follow=True)
        self.assertRedirects(response, reverse("mystudy:session", args=[s.pk]))
        row = self.row(s)
        self.assertEqual((row.status, row.method), (Attendance.Status.PRESENT, Attendance.Method.CODE))
        self.assertContains(response, "签到成功（出席，")
        self.assertEqual(self.audit_count("attendance"), audited + 1)
        self.assertEqual(self.row(s, self.p.bob).status, Attendance.Status.EXPECTED)

    def test_a_code_typed_with_spaces_counts(self):
        s = self.make_session()
        code = self.code(s)
        self.client.post(self.url(s), {"code": f"{code[:3]} {code[3:]}"})
        self.assertEqual(self.row(s).status, Attendance.Status.PRESENT)

    def test_it_signs_in_late_after_the_grace_minutes(self):
        s = self.make_session(starts_in=-20, late_after=10)
        response = self.client.post(self.url(s), {"code": self.code(s)}, follow=True)
        self.assertEqual(self.row(s).status, Attendance.Status.LATE)
        self.assertContains(response, "签到成功（迟到，")

    def test_a_wrong_code_is_refused_and_changes_nothing(self):
        s = self.make_session()
        audited = self.audit_count("attendance")
        response = self.client.post(self.url(s), {"code": self.wrong(self.code(s))})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "签到码不正确或已过期，请输入屏幕上显示的最新签到码。")
        self.assertContains(response, 'name="code"')
        self.assertEqual(self.row(s).status, Attendance.Status.EXPECTED)
        self.assertEqual(self.audit_count("attendance"), audited)

    def test_a_code_that_is_not_six_digits_is_refused(self):
        s = self.make_session()
        for code in ("", "12345", "abcdef", "１２３４５６"):
            response = self.client.post(self.url(s), {"code": code})
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "签到码" if code else "请输入屏幕上显示的 6 位签到码。")
        self.assertEqual(self.row(s).status, Attendance.Status.EXPECTED)

    def test_before_the_window_it_says_when_sign_in_opens(self):
        s = self.make_session(starts_in=120, signin_before=30)
        response = self.client.post(self.url(s), {"code": self.code(s)})
        self.assertContains(response, "签到尚未开始，")
        self.assertContains(response, "起可以签到。")
        self.assertEqual(self.row(s).status, Attendance.Status.EXPECTED)

    def test_after_the_end_it_is_refused(self):
        s = self.make_session(starts_in=-180, minutes=60)
        audited = self.audit_count("attendance")
        response = self.client.post(self.url(s), {"code": self.code(s)})
        self.assertContains(response, "签到已结束；如确已参加，请联系组织者补登。")
        self.assertEqual(self.row(s).status, Attendance.Status.EXPECTED)
        self.assertEqual(self.audit_count("attendance"), audited)

    def test_a_cancelled_session_is_refused(self):
        from .. import services

        s = self.make_session()
        services.cancel_session(actor=self.p.branch_secretary, session=s, reason="改期")
        response = self.client.post(self.url(s), {"code": self.code(s)})
        self.assertContains(response, "本次会议活动已取消。")
        self.assertEqual(self.row(s).status, Attendance.Status.EXPECTED)

    def test_a_member_who_is_not_expected_gets_the_message_as_a_404(self):
        s = self.make_session()
        audited = self.audit_count("attendance")
        self.login(self.p.other_member)
        for response in (self.client.get(self.url(s)), self.client.post(self.url(s), {"code": self.code(s)})):
            self.assertEqual(response.status_code, 404)
            self.assertContains(response, "您不在本次会议活动的应到人员名单中", status_code=404)
            self.assertNotContains(response, s.title, status_code=404)
        self.assertFalse(Attendance.objects.filter(session=s, person=self.p.dave).exists())
        self.assertEqual(self.audit_count("attendance"), audited)
        # A session that does not exist answers the same.
        missing = self.client.post(reverse("mystudy:signin", args=[s.pk + 999]), {"code": "123456"})
        self.assertEqual(missing.status_code, 404)
        self.assertContains(missing, "您不在本次会议活动的应到人员名单中", status_code=404)

    def test_a_second_sign_in_changes_nothing_and_writes_no_second_audit_row(self):
        s = self.make_session(starts_in=10)
        audited = self.audit_count("attendance")
        self.client.post(self.url(s), {"code": self.code(s)})
        first = self.row(s)
        response = self.client.post(self.url(s), {"code": self.code(s)}, follow=True)
        self.assertContains(response, "您已签到（出席，")
        again = self.row(s)
        self.assertEqual((again.status, again.signed_at), (first.status, first.signed_at))
        self.assertEqual(self.audit_count("attendance"), audited + 1)
        page = self.client.get(self.url(s))
        self.assertContains(page, "您已签到")
        self.assertNotContains(page, 'name="code"')

    def test_the_home_page_offers_sign_in_only_while_the_window_is_open(self):
        open_session = self.make_session(starts_in=10, title="正在签到的学习日")
        later = self.make_session(starts_in=24 * 60, title="明天的学习日")
        page = self.client.get(reverse("mystudy:home")).content.decode()
        self.assertIn(reverse("mystudy:signin", args=[open_session.pk]), page)
        self.assertNotIn(reverse("mystudy:signin", args=[later.pk]), page)
