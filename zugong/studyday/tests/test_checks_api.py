"""抽查 API: draw (the seed a string, reproduced), grade, results, verify, finish; another branch's secretary
gets 404, a plain member 403."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from zugong.core.testing import PersonaTestCase

from ..models import SpotCheck
from .test_checks_base import at, attend, session


class SpotCheckApiTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        attend(session(p.branch, "theme_day", at(2026, 2, 10)), p.alice, p.bob)
        attend(session(p.sibling_branch, "theme_day", at(2026, 2, 11)), p.carol, p.cadre)

    def setUp(self):
        self.api = APIClient()

    def as_(self, user):
        self.api.force_authenticate(user)
        return self.api

    def draw(self, user=None, **over):
        body = {
            "title": "2026年第一季度抽查",
            "org": self.p.district.pk,
            "date_from": "2026-01-01",
            "date_to": "2026-03-31",
            "organizations": [self.p.committee.pk],
            "percent": "50",
            **over,
        }
        return self.as_(user or self.p.org_admin).post(
            reverse("api-studyday-spot-check-draw"), body, format="json"
        )

    def test_draw_grade_results_verify_finish(self):
        response = self.draw(seed="9007199254740993")  # 2^53 + 1: kept exactly
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual((data["seed"], data["candidates"], len(data["items"])), ("9007199254740993", 4, 2))
        pk = data["id"]
        again = self.draw(seed=data["seed"]).json()
        self.assertEqual([i["person"] for i in again["items"]], [i["person"] for i in data["items"]])
        api = self.as_(self.p.org_admin)
        first, second = data["items"]
        bad = api.post(
            reverse("api-studyday-spot-check-grade", args=[pk]), {"item": first["id"], "grade": "fail"}
        )
        self.assertEqual(bad.status_code, 400)
        self.assertIn("comment", bad.json())
        ok = api.post(
            reverse("api-studyday-spot-check-grade", args=[pk]), {"item": first["id"], "grade": "excellent"}
        )
        self.assertEqual((ok.status_code, ok.json()["grade_display"]), (200, "优"))
        foreign = api.post(reverse("api-studyday-spot-check-grade", args=[pk]), {"item": again["items"][0]["id"],
                                                                                   "grade": "good"})  # fmt: skip
        self.assertEqual(foreign.status_code, 400)
        self.assertEqual(api.post(reverse("api-studyday-spot-check-finish", args=[pk])).status_code, 400)
        api.post(reverse("api-studyday-spot-check-grade", args=[pk]), {"item": second["id"], "grade": "pass"})
        results = api.get(reverse("api-studyday-spot-check-results", args=[pk])).json()
        self.assertEqual((results["total"]["good_rate"], results["total"]["pass_rate"]), ("50.0", "100.0"))
        self.assertTrue(api.get(reverse("api-studyday-spot-check-verify", args=[pk])).json()["same"])
        done = api.post(reverse("api-studyday-spot-check-finish", args=[pk]))
        self.assertEqual((done.status_code, done.json()["status"]), (200, "done"))
        listing = api.get(reverse("api-studyday-spot-check-list")).json()
        self.assertEqual(listing["count"], 2)
        yearly = api.get(reverse("api-studyday-spot-check-yearly") + "?year=2026").json()
        self.assertEqual(yearly["total"]["total"], 4)

    def test_bad_draws_are_400_and_write_nothing(self):
        for over in ({"size": 2}, {"percent": "0"}, {"percent": None}, {"date_to": "2025-12-31"},
                     {"organizations": []}):  # fmt: skip
            with self.subTest(over):
                self.assertEqual(self.draw(**over).status_code, 400)
        self.assertEqual(SpotCheck.objects.count(), 0)

    def test_other_branch_and_members(self):
        pk = self.draw().json()["id"]
        item = SpotCheck.objects.get(pk=pk).items.first().pk
        detail = reverse("api-studyday-spot-check-detail", args=[pk])
        grade = reverse("api-studyday-spot-check-grade", args=[pk])
        for user in (self.p.other_secretary, self.p.branch_secretary):
            api = self.as_(user)
            with self.subTest(user.username):
                self.assertEqual(api.get(detail).status_code, 404)
                self.assertEqual(api.post(grade, {"item": item, "grade": "good"}).status_code, 404)
                self.assertEqual(api.get(reverse("api-studyday-spot-check-list")).json()["count"], 0)
        # Out of scope for the draw: 西城's secretary cannot draw over 东城, nor a branch organize one.
        self.assertEqual(self.draw(self.p.other_secretary).status_code, 400)  # 东城 is not a choice for them
        own = self.draw(
            self.p.other_secretary, org=self.p.other_branch.pk, organizations=[self.p.other_branch.pk]
        )
        self.assertEqual(own.status_code, 400)
        for user in (self.p.member, self.p.other_member):
            api = self.as_(user)
            with self.subTest(user.username):
                self.assertEqual(api.get(reverse("api-studyday-spot-check-list")).status_code, 403)
                self.assertEqual(api.get(detail).status_code, 403)
                self.assertEqual(self.draw(user).status_code, 403)
        self.assertEqual(SpotCheck.objects.count(), 1)
