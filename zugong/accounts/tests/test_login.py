from django.urls import reverse

from zugong.core.models import AuditEvent
from zugong.core.testing import PASSWORD, PersonaTestCase


class LoginTest(PersonaTestCase):
    def test_it_renders_the_login_page_in_chinese(self):
        r = self.client.get(reverse("accounts:login"))
        self.assertContains(r, "用户名")
        self.assertContains(r, 'name="viewport"')

    def test_it_logs_in_and_records_the_event(self):
        r = self.client.post(reverse("accounts:login"), {"username": "member", "password": PASSWORD})
        self.assertRedirects(r, reverse("core:home"))
        event = AuditEvent.objects.get(event="login")
        self.assertEqual(
            (event.actor_id, event.actor_name, event.ip), (self.p.member.pk, "member", "127.0.0.1")
        )

    def test_it_records_a_failed_login_without_the_password(self):
        r = self.client.post(reverse("accounts:login"), {"username": "member", "password": "wrong-password"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "用户名或密码不正确")
        event = AuditEvent.objects.get(event="login_failed")
        self.assertEqual(event.detail, {"username": "member"})
        self.assertIsNone(event.actor_id)
        self.assertNotIn("wrong-password", str(event.detail))
        self.assertFalse(AuditEvent.objects.filter(event="login").exists())

    def test_it_logs_out_by_post_and_records_the_event(self):
        self.login(self.p.member)
        r = self.client.post(reverse("accounts:logout"))
        self.assertRedirects(r, reverse("accounts:login"))
        self.assertEqual(AuditEvent.objects.get(event="logout").actor_id, self.p.member.pk)
        self.assertEqual(self.client.get(reverse("core:home")).status_code, 302)

    def test_it_sends_a_temporary_password_to_be_changed(self):
        self.p.member.must_change_password = True
        self.p.member.save()
        r = self.client.post(reverse("accounts:login"), {"username": "member", "password": PASSWORD})
        self.assertRedirects(r, reverse("accounts:password_change"))


class PasswordChangeTest(PersonaTestCase):
    def test_it_changes_the_password_and_clears_the_flag(self):
        user = self.p.member
        user.must_change_password = True
        user.save()
        c = self.login(user)
        self.assertContains(c.get(reverse("accounts:password_change")), "初始密码")
        r = c.post(
            reverse("accounts:password_change"),
            {"old_password": "bad", "new_password1": "Xin#2026mima", "new_password2": "Xin#2026mima"},
        )
        self.assertContains(r, "原密码不正确")
        r = c.post(
            reverse("accounts:password_change"),
            {"old_password": PASSWORD, "new_password1": "Xin#2026mima", "new_password2": "Xin#2026mima"},
        )
        self.assertRedirects(r, reverse("accounts:password_change_done"))
        user.refresh_from_db()
        self.assertTrue(user.check_password("Xin#2026mima"))
        self.assertFalse(user.must_change_password)
        self.assertTrue(AuditEvent.objects.filter(event="password_change", actor_id=user.pk).exists())
