"""Lockout: 5 failed logins within 15 minutes lock the account name, and 5 from one IP lock the IP;
only the 安全管理员 lifts a lock."""

import datetime as dt

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zugong.accounts.lockout import LOCKED_MESSAGE
from zugong.accounts.models import LoginFailure, LoginLock
from zugong.core.models import AuditEvent
from zugong.core.testing import PASSWORD, PersonaTestCase

LOGIN = "accounts:login"


class LockoutTest(PersonaTestCase):
    def fail_login(self, username="member", ip="10.0.0.1", times=1):
        for _ in range(times):
            r = self.client.post(
                reverse(LOGIN), {"username": username, "password": "Wrong#123"}, REMOTE_ADDR=ip
            )
            self.assertEqual(r.status_code, 200)
        return r

    def log_in(self, username="member", ip="10.0.0.1"):
        return self.client.post(reverse(LOGIN), {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)

    def test_it_does_not_lock_after_4_failures(self):
        r = self.fail_login(times=4)
        self.assertContains(r, "用户名或密码不正确")
        self.assertFalse(LoginLock.objects.exists())
        self.assertRedirects(self.log_in(), reverse("core:home"))

    def test_it_locks_the_account_at_the_5th_failure_within_15_minutes(self):
        r = self.fail_login(times=5)
        self.assertContains(r, LOCKED_MESSAGE)
        lock = LoginLock.objects.get(kind="account")
        self.assertEqual((lock.key, lock.failures, lock.lifted_at), ("member", 5, None))
        event = AuditEvent.objects.get(event="lockout", detail__kind="account")
        self.assertEqual(event.detail, {"kind": "account", "key": "member", "failures": 5})

    def test_it_refuses_the_right_password_once_locked_without_saying_so(self):
        self.fail_login(times=5)
        r = self.log_in(ip="10.0.0.2")  # another address: the account lock holds
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, LOCKED_MESSAGE)
        wrong = self.fail_login(ip="10.0.0.3")
        self.assertEqual(r.context["form"].errors, wrong.context["form"].errors)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertFalse(AuditEvent.objects.filter(event="login").exists())

    def test_it_does_not_count_failures_older_than_15_minutes(self):
        self.fail_login(times=4)
        LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=15, seconds=1))
        self.fail_login(times=4)
        self.assertFalse(LoginLock.objects.exists())
        self.fail_login(times=1)  # 5 within the window now
        self.assertTrue(LoginLock.objects.filter(kind="account", key="member").exists())

    def test_it_locks_an_ip_trying_5_different_names(self):
        for name in ("a1", "b2", "c3", "d4", "e5"):
            self.fail_login(username=name, ip="10.9.9.9")
        lock = LoginLock.objects.get(kind="ip")
        self.assertEqual((lock.key, lock.failures), ("10.9.9.9", 5))
        self.assertFalse(LoginLock.objects.filter(kind="account").exists())
        self.assertContains(self.log_in(ip="10.9.9.9"), LOCKED_MESSAGE)
        self.assertRedirects(self.log_in(ip="10.9.9.8"), reverse("core:home"))

    @override_settings(ZUGONG_TRUSTED_PROXIES=["10.0.0.254"])
    def test_it_locks_the_forwarded_ip_behind_a_trusted_proxy_not_the_proxy(self):
        def fail(username, client, spoofed):
            self.client.post(
                reverse(LOGIN),
                {"username": username, "password": "Wrong#123"},
                REMOTE_ADDR="10.0.0.254",
                HTTP_X_FORWARDED_FOR=f"{spoofed}, {client}",  # the left-most value is the client's own
            )

        for i, name in enumerate(("a1", "b2", "c3", "d4", "e5")):
            fail(name, "198.51.100.7", spoofed=f"203.0.113.{i}")
        lock = LoginLock.objects.get(kind="ip")
        self.assertEqual((lock.key, lock.failures), ("198.51.100.7", 5))
        self.assertEqual(
            set(AuditEvent.objects.filter(event="login_failed").values_list("ip", flat=True)),
            {"198.51.100.7"},
        )
        # Other clients behind the same proxy still log in.
        r = self.client.post(
            reverse(LOGIN),
            {"username": "member", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.254",
            HTTP_X_FORWARDED_FOR="198.51.100.8",
        )
        self.assertRedirects(r, reverse("core:home"))

    @override_settings(ZUGONG_LOCKOUT_FAILURES=3, ZUGONG_LOCKOUT_WINDOW_MINUTES=1)
    def test_it_reads_the_thresholds_from_settings(self):
        self.fail_login(times=3)
        self.assertTrue(LoginLock.objects.filter(kind="account").exists())

    def test_it_starts_the_account_count_afresh_after_a_good_login(self):
        self.fail_login(times=4)
        self.assertRedirects(self.log_in(ip="10.0.0.9"), reverse("core:home"))
        self.client.logout()
        self.fail_login(times=1)
        self.assertFalse(LoginLock.objects.filter(kind="account").exists())

    def test_it_locks_the_api_token_endpoint_too(self):
        api = APIClient()
        for _ in range(5):
            api.post(reverse("api-token"), {"username": "member", "password": "x"}, REMOTE_ADDR="10.1.1.1")
        r = api.post(
            reverse("api-token"), {"username": "member", "password": PASSWORD}, REMOTE_ADDR="10.1.1.2"
        )
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json()["detail"], LOCKED_MESSAGE)
        self.assertNotIn("token", r.json())

    def test_it_locks_the_web_login_after_api_failures(self):
        api = APIClient()
        for _ in range(5):
            api.post(reverse("api-token"), {"username": "member", "password": "x"}, REMOTE_ADDR="10.1.1.1")
        self.assertContains(self.log_in(ip="10.2.2.2"), LOCKED_MESSAGE)


class LockPagesTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        now = timezone.now()
        cls.lock = LoginLock.objects.create(kind="account", key="member", since=now, failures=5)
        cls.ip_lock = LoginLock.objects.create(kind="ip", key="10.0.0.1", since=now, failures=5)

    def test_it_lists_locks_for_the_secadmin(self):
        r = self.login(self.p.secadmin).get(reverse("accounts:locks"))
        self.assertContains(r, "member")
        self.assertContains(r, "10.0.0.1")
        self.assertContains(r, "15 分钟内登录失败达到 5 次")

    def test_it_lifts_a_lock_after_confirmation(self):
        c = self.login(self.p.secadmin)
        r = c.get(reverse("accounts:lock_lift", args=[self.lock.pk]))
        self.assertContains(r, "确认解除锁定")
        self.lock.refresh_from_db()
        self.assertIsNone(self.lock.lifted_at)  # GET changes nothing
        LoginFailure.objects.create(username="member", ip="10.0.0.1", at=timezone.now())
        r = c.post(reverse("accounts:lock_lift", args=[self.lock.pk]))
        self.assertRedirects(r, reverse("accounts:locks"))
        self.lock.refresh_from_db()
        self.assertIsNotNone(self.lock.lifted_at)
        self.assertEqual(self.lock.lifted_by, self.p.secadmin)
        self.assertFalse(LoginFailure.objects.filter(username="member").exists())
        event = AuditEvent.objects.get(event="lockout_lifted")
        self.assertEqual((event.actor_id, event.detail["key"]), (self.p.secadmin.pk, "member"))
        self.assertNotContains(c.get(reverse("accounts:locks")), "<code>member</code>", html=False)

    def test_it_lets_the_member_log_in_once_both_locks_are_lifted(self):
        c = self.login(self.p.secadmin)
        c.post(reverse("accounts:lock_lift", args=[self.lock.pk]))
        c.post(reverse("accounts:lock_lift", args=[self.ip_lock.pk]))
        c.logout()
        r = c.post(reverse(LOGIN), {"username": "member", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
        self.assertRedirects(r, reverse("core:home"))

    def test_it_refuses_everyone_else_with_403(self):
        for persona in ("sysadmin", "auditor", "org_admin", "branch_secretary", "member"):
            c = self.login(getattr(self.p, persona))
            with self.subTest(persona=persona):
                self.assertEqual(c.get(reverse("accounts:locks")).status_code, 403)
                self.assertEqual(c.get(reverse("accounts:lock_lift", args=[self.lock.pk])).status_code, 403)
                self.assertEqual(c.post(reverse("accounts:lock_lift", args=[self.lock.pk])).status_code, 403)
        self.lock.refresh_from_db()
        self.assertIsNone(self.lock.lifted_at)
        self.assertFalse(AuditEvent.objects.filter(event="lockout_lifted").exists())
