"""A temporary password must be changed before anything else, on pages and through the API."""

from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from zugong.accounts.middleware import MUST_CHANGE_MESSAGE
from zugong.core.testing import PASSWORD, PersonaTestCase

NEW = "Xin#2026mima"


class ForcedPasswordChangeTest(PersonaTestCase):
    def setUp(self):
        self.user = self.p.branch_secretary
        self.user.must_change_password = True
        self.user.save()

    def test_it_sends_every_page_to_the_password_change(self):
        c = self.login(self.user)
        for url in (reverse("core:home"), reverse("people:list"), reverse("orgs:tree"), "/admin/"):
            with self.subTest(url=url):
                self.assertRedirects(
                    c.get(url), reverse("accounts:password_change"), fetch_redirect_response=False
                )
        self.assertEqual(c.get(reverse("accounts:password_change")).status_code, 200)

    def test_it_lets_the_user_log_out(self):
        c = self.login(self.user)
        self.assertRedirects(c.post(reverse("accounts:logout")), reverse("accounts:login"))

    def test_it_refuses_api_calls_by_session_and_by_token_in_chinese(self):
        c = self.login(self.user)
        r = c.get(reverse("api-person-list"))
        self.assertEqual((r.status_code, r.json()["detail"]), (403, MUST_CHANGE_MESSAGE))
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=self.user).key}")
        for name in ("api-person-list", "api-me"):
            r = api.get(reverse(name))
            self.assertEqual((r.status_code, r.json()["detail"]), (403, MUST_CHANGE_MESSAGE), name)

    def test_it_opens_everything_once_the_password_is_changed(self):
        c = self.login(self.user)
        r = c.post(
            reverse("accounts:password_change"),
            {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        )
        self.assertRedirects(r, reverse("accounts:password_change_done"))
        self.user.refresh_from_db()
        self.assertFalse(self.user.must_change_password)
        self.assertEqual(c.get(reverse("core:home")).status_code, 200)
        self.assertEqual(c.get(reverse("api-person-list")).status_code, 200)

    def test_it_applies_the_password_rules_to_the_new_password(self):
        c = self.login(self.user)
        r = c.post(
            reverse("accounts:password_change"),
            {"old_password": PASSWORD, "new_password1": "abcdefgh", "new_password2": "abcdefgh"},
        )
        self.assertContains(r, "至少 3 类")
        self.user.refresh_from_db()
        self.assertTrue(self.user.must_change_password)
