"""Idle timeout: a session unused for more than 30 minutes is logged out; each request restarts the 30."""

import datetime as dt
from unittest import mock

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from zugong.core.testing import PASSWORD, PersonaTestCase


class IdleTimeoutTest(PersonaTestCase):
    def at(self, moment):
        return mock.patch("django.utils.timezone.now", return_value=moment)

    def test_it_sets_30_minutes_renewed_on_every_request_and_dropped_at_browser_close(self):
        self.assertEqual(settings.SESSION_COOKIE_AGE, 30 * 60)
        self.assertTrue(settings.SESSION_SAVE_EVERY_REQUEST)
        self.assertTrue(settings.SESSION_EXPIRE_AT_BROWSER_CLOSE)

    def test_it_logs_out_after_more_than_30_idle_minutes(self):
        start = timezone.now()
        with self.at(start):
            r = self.client.post(reverse("accounts:login"), {"username": "member", "password": PASSWORD})
            self.assertRedirects(r, reverse("core:home"))
        with self.at(start + dt.timedelta(minutes=30, seconds=1)):
            r = self.client.get(reverse("core:home"))
        self.assertEqual(r.status_code, 302)
        self.assertIn(reverse("accounts:login"), r["Location"])

    def test_it_keeps_an_active_session_alive_past_30_minutes(self):
        start = timezone.now()
        with self.at(start):
            self.client.post(reverse("accounts:login"), {"username": "member", "password": PASSWORD})
        for minutes in (29, 58, 87):  # a request every 29 minutes
            with self.at(start + dt.timedelta(minutes=minutes)):
                self.assertEqual(self.client.get(reverse("core:home")).status_code, 200, minutes)
        with self.at(start + dt.timedelta(minutes=87 + 31)):
            self.assertEqual(self.client.get(reverse("core:home")).status_code, 302)
