"""The 测评 API: create a "三度" evaluation, issue codes (plain only in that answer), go live, results with the
satisfaction index; another committee's secretary sees nothing and a plain member is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zugong.core.testing import PersonaTestCase

from .. import services
from ..models import BallotCode, Evaluation


class EvaluationApiTest(PersonaTestCase):
    def setUp(self):
        self.api = APIClient()

    def as_(self, user):
        self.api.force_authenticate(user)
        return self.api

    def create(self, user=None, **over):
        now = timezone.now()
        body = {
            "title": "2025年组织工作“三度”测评",
            "kind": "sandu",
            "org": self.p.committee.pk,
            "opens_at": (now - dt.timedelta(hours=1)).isoformat(),
            "closes_at": (now + dt.timedelta(days=1)).isoformat(),
            "subjects": [{"kind": "department", "label": "东城街道党工委组织部门"}],
            "voter_classes": [{"name": "党员代表", "weight": "1", "expected": 4}],
            **over,
        }
        return self.as_(user or self.p.committee_secretary).post(
            reverse("api-evaluation-list"), body, format="json"
        )

    def test_create_codes_live_and_results(self):
        response = self.create()
        self.assertEqual(response.status_code, 201, response.content)
        pk = response.json()["id"]
        self.assertEqual(response.json()["mode"], "test")
        client = self.as_(self.p.committee_secretary)
        self.assertEqual(client.post(reverse("api-evaluation-live", args=[pk])).status_code, 200)
        voter_class = response.json()["voter_classes"][0]["id"]
        codes = client.post(
            reverse("api-evaluation-codes", args=[pk]), {"voter_class": voter_class, "count": 4}
        )
        self.assertEqual(codes.status_code, 201)
        plain = codes.json()["codes"]
        self.assertEqual(len(plain), 4)
        self.assertFalse(BallotCode.objects.filter(code_hash__in=plain).exists())
        e = Evaluation.objects.get(pk=pk)
        subject = str(e.subjects.get().pk)
        for code, level in zip(
            plain, ("very_satisfied", "satisfied", "satisfied", "not_very_satisfied"), strict=True
        ):
            services.cast_ballot(
                code=code,
                answers={subject: {"awareness": level, "satisfaction": level, "recognition": level}},
            )
        results = client.get(reverse("api-evaluation-results", args=[pk])).json()
        self.assertEqual(results["ballots"], 4)
        item = next(i for i in results["subjects"][0]["items"] if i["key"] == "satisfaction")
        # (1×100 + 2×80 + 1×30) / 4 = 72.50
        self.assertEqual(Decimal(str(item["satisfaction_index"])), Decimal("72.5"))
        self.assertEqual(results["turnout"][0]["rate"], 1.0)

    def test_bad_input_is_a_400_and_changes_nothing(self):
        for over in (
            {"voter_classes": [{"name": "党员代表", "weight": "0", "expected": 4}]},
            {"subjects": []},
            {"closes_at": "2000-01-01T00:00:00+08:00"},
            {"kind": "vote"},
            {"org": self.p.other_committee.pk},
        ):
            with self.subTest(over):
                self.assertEqual(self.create(**over).status_code, 400)
        self.assertFalse(Evaluation.objects.exists())

    def test_another_committee_and_a_member(self):
        pk = self.create().json()["id"]
        other = self.as_(self.p.other_secretary)
        self.assertEqual(other.get(reverse("api-evaluation-list")).json()["count"], 0)
        for name, method in (("detail", "get"), ("results", "get"), ("codes", "post"), ("live", "post")):
            response = getattr(other, method)(reverse(f"api-evaluation-{name}", args=[pk]), {}, format="json")
            self.assertEqual(response.status_code, 404, name)
        member = self.as_(self.p.member)
        self.assertEqual(member.get(reverse("api-evaluation-list")).status_code, 403)
        self.assertFalse(BallotCode.objects.exists())
