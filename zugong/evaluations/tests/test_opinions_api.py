"""The 征求意见 and 整改 API: record an opinion, make an issue of it, start, close with a base64 evidence file,
reopen; filters of the 问题清单 (overdue); another committee's secretary sees nothing and gets 404, a plain
member is refused, bad input is a 400 with the Chinese message and changes nothing."""

from __future__ import annotations

import base64
import datetime as dt

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zugong.core.testing import PersonaTestCase

from ..models import Issue, Opinion
from .test_opinions_services import PDF

TODAY = timezone.localdate()


class OpinionIssueApiTest(PersonaTestCase):
    def setUp(self):
        self.api = APIClient()
        self.api.force_authenticate(self.p.committee_secretary)

    def opinion(self, **over):
        body = {"org": self.p.committee.pk, "source": "visit", "visit_group": "第三组",
                "received_on": TODAY.isoformat(), "text": "村级活动场所开放时间短"} | over  # fmt: skip
        return self.api.post(reverse("api-evaluation-opinion-list"), body, format="json")

    def issue(self, opinions, **over):
        body = {"org": self.p.committee.pk, "category": "service", "title": "活动场所开放时间短",
                "opinions": opinions, "owner_unit": self.p.unit.pk,
                "deadline": (TODAY - dt.timedelta(days=1)).isoformat(), "measures": "延长开放时间"} | over  # fmt: skip
        return self.api.post(reverse("api-evaluation-issue-list"), body, format="json")

    def test_the_whole_way(self):
        response = self.opinion()
        self.assertEqual(response.status_code, 201, response.content)
        opinion = response.json()
        self.assertEqual((opinion["source_display"], opinion["visit_group"]), ("走访", "第三组"))
        response = self.issue([opinion["id"]])
        self.assertEqual(response.status_code, 201, response.content)
        issue = response.json()
        self.assertEqual(
            (issue["status"], issue["is_overdue"], issue["sources"]), ("pending", True, "走访（第三组）")
        )
        self.assertEqual(issue["owner"], "东城街道办事处")
        overdue = self.api.get(reverse("api-evaluation-issue-list"), {"overdue": "1"}).json()
        self.assertEqual([r["id"] for r in overdue["results"]], [issue["id"]])
        pk = issue["id"]
        self.assertEqual(self.api.post(reverse("api-evaluation-issue-start", args=[pk])).status_code, 200)
        response = self.api.post(
            reverse("api-evaluation-issue-close", args=[pk]),
            {"evidence_text": "开放时间延长至晚 9 点", "evidence_base64": base64.b64encode(PDF).decode(),
             "evidence_name": "公示.pdf"},
            format="json",
        )  # fmt: skip
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["status"], response.json()["is_overdue"], response.json()["evidence_name"]),
            ("closed", False, "公示.pdf"),
        )
        response = self.api.post(
            reverse("api-evaluation-issue-reopen", args=[pk]), {"reason": "群众反映未落实"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [s["kind"] for s in response.json()["steps"]], ["created", "started", "closed", "reopened"]
        )

    def test_bad_input_is_a_chinese_400_and_changes_nothing(self):
        response = self.opinion(visit_group="")
        self.assertEqual(response.status_code, 400)
        self.assertIn("请填写走访组", str(response.json()))
        self.assertFalse(Opinion.objects.exists())
        opinion = self.opinion().json()["id"]
        pk = self.issue([opinion]).json()["id"]
        response = self.api.post(
            reverse("api-evaluation-issue-close", args=[pk]), {"evidence_text": " "}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        response = self.api.post(
            reverse("api-evaluation-issue-close", args=[pk]),
            {"evidence_text": "已整改", "evidence_base64": base64.b64encode(b"MZ evil").decode(), "evidence_name": "a.pdf"},
            format="json",
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertIn("只接受 PDF", str(response.json()))
        response = self.api.post(reverse("api-evaluation-issue-reopen", args=[pk]), {"reason": "x"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("只有已整改的问题可以重新整改", str(response.json()))
        self.assertEqual(Issue.objects.get(pk=pk).status, "pending")

    def test_another_committee_sees_nothing(self):
        opinion = self.opinion().json()["id"]
        pk = self.issue([opinion]).json()["id"]
        self.api.force_authenticate(self.p.other_secretary)
        for name in ("api-evaluation-opinion-list", "api-evaluation-issue-list"):
            self.assertEqual(self.api.get(reverse(name)).json()["count"], 0)
        self.assertEqual(
            self.api.get(reverse("api-evaluation-opinion-detail", args=[opinion])).status_code, 404
        )
        self.assertEqual(self.api.get(reverse("api-evaluation-issue-detail", args=[pk])).status_code, 404)
        response = self.api.post(reverse("api-evaluation-issue-close", args=[pk]), {"evidence_text": "x"})
        self.assertEqual(response.status_code, 404)
        # Their issue cannot take my opinion.
        response = self.issue([opinion], org=self.p.other_branch.pk, owner_unit=None)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Issue.objects.count(), 1)

    def test_a_plain_member_is_refused(self):
        self.api.force_authenticate(self.p.member)
        self.assertEqual(self.api.get(reverse("api-evaluation-issue-list")).status_code, 403)
        self.assertEqual(self.opinion().status_code, 403)
