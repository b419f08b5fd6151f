"""三会一课 compliance page, its Excel and API (a past year, so that every period has ended), and the
requirements page, which only the district's 组织部 opens; secretaries see their own subtree, members
nothing."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase

from ..models import Requirement
from .test_checks_base import at, session

PAGE = reverse("studychecks:compliance")
EXPORT = reverse("studychecks:compliance_export")
SETTINGS = reverse("studychecks:requirements")
API = reverse("api-studyday-compliance-list")


class CompliancePageTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        for month in range(1, 13):
            session(p.branch, "committee_meeting", at(2025, month, 10))
            session(p.branch, "theme_day", at(2025, month, 11))
            session(p.group, "group_meeting", at(2025, month, 12))
        for month in (2, 5, 8, 11):
            session(p.branch, "general_meeting", at(2025, month, 20))
        session(p.branch, "life_meeting", at(2025, 12, 20))
        session(p.branch, "party_lecture", at(2025, 6, 20))
        session(p.sibling_branch, "committee_meeting", at(2025, 3, 10))

    def get(self, user, url=PAGE, **params):
        self.client.force_login(user)
        return self.client.get(url, {"year": 2025, **params})

    def test_it_shows_each_organization_against_the_requirements(self):
        response = self.get(self.p.org_admin)
        self.assertContains(response, "12/12 月")
        self.assertContains(response, "4/4 季度")
        self.assertContains(response, "1/12 月")  # 机关党支部's one 支委会
        self.assertContains(response, "西城社区党支部")
        self.assertContains(response, "text-danger")

    def test_only_behind_search_and_parent(self):
        behind = self.get(self.p.org_admin, behind="on")
        self.assertNotContains(behind, "东城社区第一党支部")
        self.assertContains(behind, "东城街道机关党支部")
        search = self.get(self.p.org_admin, q="西城")
        self.assertContains(search, "西城社区党支部")
        self.assertNotContains(search, "东城街道机关党支部")
        parent = self.get(self.p.org_admin, org=self.p.other_committee.pk)
        self.assertContains(parent, "西城社区党支部")
        self.assertNotContains(parent, "第一党小组")

    def test_a_branch_secretary_sees_only_their_subtree(self):
        response = self.get(self.p.branch_secretary)
        self.assertContains(response, "东城社区第一党支部")
        self.assertContains(response, "第一党小组")
        self.assertNotContains(response, "西城社区党支部")
        self.assertNotContains(response, "东城街道机关党支部")
        other = self.get(self.p.other_secretary)
        self.assertContains(other, "西城社区党支部")
        self.assertNotContains(other, "东城社区第一党支部")
        outside = self.get(self.p.other_secretary, org=self.p.committee.pk)  # not a choice for them
        self.assertNotContains(outside, "东城社区第一党支部")

    def test_the_export_has_the_same_rows(self):
        response = self.get(self.p.org_admin, EXPORT, behind="on")
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = {r[0].value: [c.value for c in r] for r in sheet.iter_rows(min_row=3)}
        self.assertEqual(set(rows), {"东城街道机关党支部", "西城社区党支部"})
        self.assertIn("1/12 月；未达标：1月、2月、4月", " ".join(str(v) for v in rows["东城街道机关党支部"]))
        self.assertTrue(
            AuditEvent.objects.filter(event="export", detail__what="studyday.compliance").exists()
        )

    def test_members_get_403(self):
        for user in (self.p.member, self.p.other_member):
            for url in (PAGE, EXPORT, SETTINGS):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.get(user, url).status_code, 403)

    def test_the_api_reports_the_year(self):
        api = APIClient()
        api.force_authenticate(self.p.org_admin)
        data = api.get(API, {"year": 2025}).json()
        rows = {r["name"]: r for r in data["results"]}
        cells = {c["kind"]: c for c in rows["东城社区第一党支部"]["cells"]}
        self.assertEqual(
            (cells["committee_meeting"]["met"], cells["committee_meeting"]["required"]), (12, 12)
        )
        self.assertFalse(rows["东城社区第一党支部"]["is_behind"])
        self.assertTrue(rows["东城街道机关党支部"]["is_behind"])
        self.assertEqual(data["count"], 4)
        self.assertEqual(api.get(API, {"year": "20x5"}).status_code, 400)
        api.force_authenticate(self.p.other_secretary)
        self.assertEqual(
            [r["name"] for r in api.get(API, {"year": 2025}).json()["results"]], ["西城社区党支部"]
        )
        self.assertEqual(api.get(API, {"year": 2025, "org": self.p.committee.pk}).status_code, 400)
        api.force_authenticate(self.p.member)
        self.assertEqual(api.get(API, {"year": 2025}).status_code, 403)


class RequirementsPageTest(PersonaTestCase):
    def form(self, **changes) -> dict:
        """The page's formset as it stands, with ``changes`` = {kind: {field: value}}."""
        self.client.force_login(self.p.org_admin)
        formset = self.client.get(SETTINGS).context["formset"]
        data = {"req-TOTAL_FORMS": len(formset.forms), "req-INITIAL_FORMS": len(formset.forms),
                "req-MIN_NUM_FORMS": 0, "req-MAX_NUM_FORMS": 1000}  # fmt: skip
        for n, f in enumerate(formset.forms):
            values = {**f.initial, **changes.get(f.initial["kind"], {})}
            data[f"req-{n}-kind"] = values["kind"]
            data[f"req-{n}-period"] = values["period"]
            data[f"req-{n}-times"] = values["times"]
            data[f"req-{n}-org_types"] = values["org_types"]
            if values["active"]:
                data[f"req-{n}-active"] = "on"
        return data

    def test_only_the_district_org_admin_opens_it(self):
        for user in (self.p.committee_secretary, self.p.branch_secretary, self.p.other_secretary, self.p.member,
                     self.p.sysadmin):  # fmt: skip
            self.client.force_login(user)
            with self.subTest(user.username):
                self.assertEqual(self.client.get(SETTINGS).status_code, 403)
                self.assertEqual(self.client.post(SETTINGS, {}).status_code, 403)
        self.client.force_login(self.p.org_admin)
        self.assertContains(self.client.get(SETTINGS), "组织生活会")

    def test_it_edits_and_audits_the_requirements(self):
        data = self.form(
            general_meeting={"period": "half", "times": 2},
            warning_education={"active": True, "period": "year", "times": 1, "org_types": ["branch"]},
        )
        response = self.client.post(SETTINGS, data)
        self.assertRedirects(response, SETTINGS)
        general = Requirement.objects.get(kind="general_meeting")
        self.assertEqual((general.period, general.times), ("half", 2))
        self.assertTrue(Requirement.objects.get(kind="warning_education").active)
        self.assertFalse(Requirement.objects.filter(kind="study_day").exists())  # left off
        self.assertTrue(
            AuditEvent.objects.filter(
                object_type="studyday.requirement", object_id=str(general.pk), kind="update"
            ).exists()
        )
        self.assertEqual(AuditEvent.objects.filter(object_type="studyday.requirement").count(), 2)

    def test_bad_input_changes_nothing(self):
        before = list(Requirement.objects.values_list("kind", "period", "times", "org_types", "active"))
        data = self.form(general_meeting={"period": "half"}, committee_meeting={"times": 0})
        response = self.client.post(SETTINGS, data)
        self.assertEqual(response.status_code, 200)
        data = self.form(theme_day={"active": True, "org_types": []}, general_meeting={"period": "half"})
        self.assertContains(self.client.post(SETTINGS, data), "至少适用于一种组织类型")
        after = list(Requirement.objects.values_list("kind", "period", "times", "org_types", "active"))
        self.assertEqual(after, before)
