"""Optional dynamic code (RFC 6238 TOTP) for administrators: enrol with a code, then log in in two steps."""

import pyotp
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zugong.accounts.models import LoginLock, TOTPDevice
from zugong.core.models import AuditEvent
from zugong.core.testing import PASSWORD, PersonaTestCase

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code_now(secret=SECRET, offset_steps=0):
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(timezone.now()) + offset_steps)


class EnrolmentTest(PersonaTestCase):
    def test_it_shows_a_qr_code_and_the_secret_then_enables_with_a_code(self):
        c = self.login(self.p.org_admin)
        r = c.get(reverse("accounts:totp_setup"))
        secret = c.session["zugong_totp_setup_secret"]
        self.assertContains(r, "<svg")
        self.assertContains(r, secret)
        r = c.post(
            reverse("accounts:totp_setup"), {"code": "000000" if code_now(secret) != "000000" else "111111"}
        )
        self.assertContains(r, "动态口令不正确")
        self.assertFalse(TOTPDevice.objects.exists())
        r = c.post(reverse("accounts:totp_setup"), {"code": code_now(secret)})
        self.assertRedirects(r, reverse("accounts:totp_setup"))
        device = TOTPDevice.objects.get(user=self.p.org_admin)
        self.assertEqual(device.secret, secret)
        self.assertIsNotNone(device.confirmed_at)
        self.assertTrue(
            AuditEvent.objects.filter(event="totp_enabled", actor_id=self.p.org_admin.pk).exists()
        )

    def test_it_is_for_administrators_only(self):
        for persona in ("sysadmin", "secadmin", "auditor", "org_admin"):
            with self.subTest(persona=persona):
                self.assertEqual(
                    self.login(getattr(self.p, persona)).get(reverse("accounts:totp_setup")).status_code, 200
                )
        for persona in ("branch_secretary", "member"):
            with self.subTest(persona=persona):
                self.assertEqual(
                    self.login(getattr(self.p, persona)).get(reverse("accounts:totp_setup")).status_code, 403
                )


class TwoStepLoginTest(PersonaTestCase):
    def setUp(self):
        self.device = TOTPDevice.objects.create(
            user=self.p.sysadmin, secret=SECRET, confirmed_at=timezone.now()
        )

    def password_step(self, next_url=""):
        data = {"username": "sysadmin", "password": PASSWORD}
        if next_url:
            data["next"] = next_url
        return self.client.post(reverse("accounts:login"), data)

    def test_it_asks_for_the_code_after_the_password(self):
        r = self.password_step()
        self.assertRedirects(r, reverse("accounts:login_totp"))
        self.assertNotIn(SESSION_KEY, self.client.session)
        self.assertFalse(AuditEvent.objects.filter(event="login").exists())
        self.assertEqual(self.client.get(reverse("core:home")).status_code, 302)

    def test_it_logs_in_with_the_current_code(self):
        self.password_step(next_url=reverse("orgs:tree"))
        r = self.client.post(reverse("accounts:login_totp"), {"code": code_now()})
        self.assertRedirects(r, reverse("orgs:tree"), fetch_redirect_response=False)
        self.assertEqual(int(self.client.session[SESSION_KEY]), self.p.sysadmin.pk)
        self.assertTrue(AuditEvent.objects.filter(event="login", actor_id=self.p.sysadmin.pk).exists())

    def test_it_accepts_the_previous_step_but_not_a_code_twice(self):
        self.password_step()
        code = code_now(offset_steps=-1)
        self.assertEqual(self.client.post(reverse("accounts:login_totp"), {"code": code}).status_code, 302)
        self.client.logout()
        self.password_step()
        r = self.client.post(reverse("accounts:login_totp"), {"code": code})
        self.assertContains(r, "动态口令不正确或已过期")

    def test_it_refuses_a_wrong_code_and_counts_it_towards_the_lockout(self):
        self.password_step()
        wrong = "123456" if code_now() != "123456" else "654321"
        r = self.client.post(reverse("accounts:login_totp"), {"code": wrong})
        self.assertContains(r, "动态口令不正确或已过期")
        self.assertNotIn(SESSION_KEY, self.client.session)
        self.assertEqual(AuditEvent.objects.filter(event="login_failed", detail__step="totp").count(), 1)
        for _ in range(4):
            r = self.client.post(reverse("accounts:login_totp"), {"code": wrong})
        self.assertTrue(LoginLock.objects.filter(kind="account", key="sysadmin").exists())
        self.assertRedirects(
            self.client.post(reverse("accounts:login_totp"), {"code": code_now()}), reverse("accounts:login")
        )
        self.assertNotIn(SESSION_KEY, self.client.session)

    def test_it_sends_the_second_step_back_to_the_password_without_one_pending(self):
        self.assertRedirects(self.client.get(reverse("accounts:login_totp")), reverse("accounts:login"))

    def test_it_sends_the_admin_login_through_the_two_steps(self):
        r = self.client.get("/admin/login/?next=/admin/")
        self.assertRedirects(r, reverse("accounts:login") + "?next=/admin/", fetch_redirect_response=False)

    def test_it_asks_the_api_for_the_code_too(self):
        api = APIClient()
        r = api.post(reverse("api-token"), {"username": "sysadmin", "password": PASSWORD}, format="json")
        self.assertEqual(r.status_code, 400)
        self.assertIn("otp", r.json())
        r = api.post(
            reverse("api-token"),
            {"username": "sysadmin", "password": PASSWORD, "otp": code_now()},
            format="json",
        )
        self.assertEqual(r.status_code, 200)
        self.assertIn("token", r.json())

    def test_it_turns_off_with_a_code(self):
        c = self.login(self.p.sysadmin)
        self.assertContains(c.get(reverse("accounts:totp_setup")), "已启用")
        r = c.post(reverse("accounts:totp_setup"), {"code": code_now()})
        self.assertRedirects(r, reverse("accounts:totp_setup"))
        self.assertFalse(TOTPDevice.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(event="totp_disabled").exists())


class TOTPSecretAtRestTest(PersonaTestCase):
    def test_it_stores_the_secret_encrypted(self):
        from django.db import connection

        from zugong.accounts import totp as totp_module

        device = totp_module.totp_enable(user=self.p.org_admin, secret=SECRET, code=code_now())
        self.assertIsNotNone(device)
        with connection.cursor() as cursor:
            cursor.execute("SELECT secret_enc FROM accounts_totpdevice WHERE id = %s", [device.pk])
            (stored,) = cursor.fetchone()
        self.assertNotIn(SECRET, stored)
        self.assertTrue(stored.startswith("sm4gcm:"))
        device.refresh_from_db()
        self.assertEqual(device.secret, SECRET)
