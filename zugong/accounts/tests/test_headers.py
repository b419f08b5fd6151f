"""Security headers on every page, and ``check --deploy`` clean under the production settings."""

import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.test import SimpleTestCase
from django.urls import reverse

from zugong.core.testing import PersonaTestCase


class HeadersTest(PersonaTestCase):
    def test_it_sends_the_security_headers_on_a_page(self):
        r = self.client.get(reverse("accounts:login"))
        csp = r["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "font-src 'self'",
            "img-src 'self' data:",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ):
            self.assertIn(directive, csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(r["X-Content-Type-Options"], "nosniff")
        self.assertEqual(r["Referrer-Policy"], "same-origin")
        self.assertEqual(r["X-Frame-Options"], "DENY")
        self.assertIn("camera=()", r["Permissions-Policy"])
        self.assertIn("HttpOnly", str(r.cookies[settings.CSRF_COOKIE_NAME]))

    def test_it_has_no_inline_script_or_style_on_the_pages(self):
        self.login(self.p.org_admin)
        for url in (reverse("core:home"), reverse("people:list"), reverse("orgs:tree"), reverse("api-docs")):
            body = self.client.get(url).content.decode()
            with self.subTest(url=url):
                self.assertNotIn("style=", body)
                self.assertNotIn("<style", body)
                self.assertNotIn("<script>", body)

    def test_it_gives_a_new_account_a_temporary_password(self):
        """Accounts are made on the 系统管理员's page (validated, audited); the admin only shows them."""
        from zugong.accounts.models import User

        self.p.sysadmin.is_staff = True
        self.p.sysadmin.save()
        c = self.login(self.p.sysadmin)
        body = {"username": "newbie", "password1": "Chushi#2026", "password2": "Chushi#2026"}
        self.assertEqual(c.post(reverse("admin:accounts_user_add"), body).status_code, 403)
        r = c.post(reverse("accounts:user_create"), {"username": "newbie", "password": "Chushi#2026"})
        self.assertEqual(r.status_code, 302, r.content.decode()[:2000])
        self.assertTrue(User.objects.get(username="newbie").must_change_password)


class DeployCheckTest(SimpleTestCase):
    def test_it_passes_check_deploy_with_the_production_settings(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "zugong.settings_production",
            "ZUGONG_SECRET_KEY": secrets.token_urlsafe(48),
            "ZUGONG_ALLOWED_HOSTS": "zugong.example.gov.cn",
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_it_refuses_to_start_without_a_real_secret_key(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "zugong.settings_production",
            "ZUGONG_SECRET_KEY": "short",
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ZUGONG_SECRET_KEY", result.stderr)
