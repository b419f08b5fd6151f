"""The training API (catalogue, entries, claims): each endpoint for the 干部教育科, scoped as the pages
(another branch's secretary sees none of 陈志刚's records, gets 404 on them and on writes), the cadre's own
claims, refusals as 400 with the Chinese message and nothing written, 三员 refused."""

from __future__ import annotations

import base64
import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from ..models import Activity, Claim, CreditEntry, Source
from .base import YEAR, TrainingTestCase

DAY = dt.date(YEAR, 5, 10)


def pdf(tag: str = "") -> bytes:
    return b"%PDF-1.4\n% certificate " + tag.encode() + b"\n%%EOF\n"


class ApiTestCase(TrainingTestCase):
    client_class = APIClient

    def as_(self, user):
        self.client.force_login(user)
        return self.client

    def rows(self, user, name, **params):
        response = self.as_(user).get(reverse(name), params)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["results"]

    def names(self, user, name, **params):
        return sorted({row["person_name"] for row in self.rows(user, name, **params)})

    def message(self, response) -> str:
        return str(response.json())

    def claim(self, user=None, tag="a", **fields):
        data = {"category": "party_school", "title": "党校春季进修班", "date": DAY.isoformat(), "days": "2"}
        data.update(fields)
        data["evidence"] = SimpleUploadedFile(f"结业证书{tag}.pdf", pdf(tag), "application/pdf")
        return self.as_(user or self.p.cadre_user).post(
            reverse("api-training-claim-list"), data, format="multipart"
        )


class AccessApiTest(ApiTestCase):
    LISTS = (
        "api-training-activity-list", "api-training-entry-list", "api-training-year-list",
        "api-training-claim-list", "api-training-rule-set-list", "api-training-report-overview",
    )  # fmt: skip

    def test_it_refuses_the_three_administrators_and_plain_members(self):
        for user in (self.p.sysadmin, self.p.secadmin, self.p.auditor, self.p.member):
            for name in self.LISTS:
                response = self.as_(user).get(reverse(name))
                self.assertEqual(response.status_code, 403, (user.username, name))
            response = self.claim(user)
            self.assertEqual(response.status_code, 403, user.username)
        self.assertFalse(Claim.objects.exists())

    def test_it_keeps_the_catalogue_and_reports_to_staff(self):
        for name in ("api-training-activity-list", "api-training-report-units"):
            self.assertEqual(self.as_(self.p.cadre_user).get(reverse(name)).status_code, 403, name)
        for name in ("api-training-entry-list", "api-training-year-list", "api-training-claim-list"):
            self.assertEqual(self.as_(self.p.cadre_user).get(reverse(name)).status_code, 200, name)


class ActivityApiTest(ApiTestCase):
    def payload(self, **fields):
        data = {
            "title": "2025年春季县处级干部进修班", "category": "party_school", "organizer": "区委党校",
            "org": self.p.district.pk, "start_date": "2025-04-01", "end_date": "2025-04-02", "days": "2",
        }  # fmt: skip
        data.update(fields)
        return data

    def test_it_creates_updates_and_archives_an_activity(self):
        client = self.as_(self.p.org_admin)
        response = client.post(reverse("api-training-activity-list"), self.payload(), format="json")
        self.assertEqual(response.status_code, 201, response.content)
        row = response.json()
        self.assertEqual(
            (row["days"], row["category_display"], row["org_name"]), ("2.00", "党校脱产培训", "示范区委")
        )
        detail = reverse("api-training-activity-detail", args=[row["id"]])
        response = client.patch(detail, {"title": "春季进修班", "location": "党校一号楼"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["title"], response.json()["days"]), ("春季进修班", "2.00"))
        self.assertEqual(len(self.rows(self.p.org_admin, "api-training-activity-list", year=2025)), 1)
        self.assertEqual(self.rows(self.p.org_admin, "api-training-activity-list", year=2024), [])
        self.assertEqual(len(self.rows(self.p.org_admin, "api-training-activity-list", q="进修")), 1)
        archive = reverse("api-training-activity-archive", args=[row["id"]])
        self.assertEqual(client.post(archive, {}, format="json").status_code, 400)
        response = client.post(archive, {"reason": "重复录入"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIsNotNone(response.json()["archived_at"])
        self.assertEqual(self.rows(self.p.org_admin, "api-training-activity-list"), [])
        self.assertEqual(len(self.rows(self.p.org_admin, "api-training-activity-list", archived="true")), 1)

    def test_it_refuses_bad_input_and_writes_nothing(self):
        client = self.as_(self.p.org_admin)
        url = reverse("api-training-activity-list")
        response = client.post(url, self.payload(end_date="2025-03-01"), format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("结束日期不能早于开始日期", self.message(response))
        response = client.post(url, self.payload(days="0"), format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("按天计分", self.message(response))
        self.assertEqual(client.get(url, {"year": "abc"}).status_code, 400)
        self.assertFalse(Activity.objects.exists())

    def test_it_keeps_district_activities_to_the_office(self):
        client = self.as_(self.p.committee_secretary)
        url = reverse("api-training-activity-list")
        response = client.post(url, self.payload(org=self.p.district.pk), format="json")
        self.assertEqual(response.status_code, 400)  # the district is not among the organizations it sees
        response = client.post(url, self.payload(org=self.p.committee.pk), format="json")
        self.assertEqual(response.status_code, 201, response.content)
        activity = response.json()["id"]
        self.assertEqual(self.rows(self.p.other_secretary, "api-training-activity-list"), [])
        other = self.as_(self.p.other_secretary)
        self.assertEqual(other.get(reverse("api-training-activity-detail", args=[activity])).status_code, 404)
        response = other.patch(reverse("api-training-activity-detail", args=[activity]), {"title": "x"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Activity.objects.get().title, "2025年春季县处级干部进修班")

    def test_it_records_attendance_as_credits(self):
        activity = (
            self.as_(self.p.committee_secretary)
            .post(reverse("api-training-activity-list"), self.payload(org=self.p.committee.pk), format="json")
            .json()["id"]
        )
        url = reverse("api-training-activity-attendance", args=[activity])
        response = self.as_(self.p.other_secretary).post(url, {"person_ids": [self.p.dave.pk]}, format="json")
        self.assertEqual(response.status_code, 404)  # another committee's class
        response = self.as_(self.p.committee_secretary).post(
            url, {"person_ids": [self.p.dave.pk]}, format="json"
        )
        self.assertEqual(response.status_code, 403)
        self.assertIn("不是您授权范围内的区管干部", self.message(response))
        response = self.as_(self.p.committee_secretary).post(
            url, {"person_ids": [self.p.cadre.pk]}, format="json"
        )
        self.assertEqual((response.status_code, response.json()), (200, {"added": 1}))
        entry = CreditEntry.objects.get(person=self.p.cadre)
        self.assertEqual((entry.source, entry.credits), (Source.ATTENDANCE, 12))
        response = self.as_(self.p.committee_secretary).post(
            url, {"person_ids": [self.p.cadre.pk]}, format="json"
        )
        self.assertEqual(response.json(), {"added": 0})


class EntryApiTest(ApiTestCase):
    def payload(self, person, **fields):
        data = {"person": person.pk, "category": "party_school", "title": "党校培训补录", "date": "2025-03-02",
                "days": "2"}  # fmt: skip
        data.update(fields)
        return data

    def test_it_adds_and_archives_a_manual_entry(self):
        client = self.as_(self.p.committee_secretary)
        response = client.post(reverse("api-training-entry-list"), self.payload(self.p.cadre), format="json")
        self.assertEqual(response.status_code, 201, response.content)
        row = response.json()
        self.assertEqual((row["source"], row["credits"], row["credited_hours"]), ("manual", "12.00", "15.00"))
        self.assertEqual(row["person_name"], "陈志刚")
        self.assertNotIn("id_number", str(row))
        response = client.post(reverse("api-training-entry-archive", args=[row["id"]]), {"reason": "重复"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(self.rows(self.p.org_admin, "api-training-entry-list"), [])
        self.assertEqual(len(self.rows(self.p.org_admin, "api-training-entry-list", archived="true")), 1)

    def test_it_scopes_entries_to_the_branch_and_the_cadre(self):
        mine = (
            self.as_(self.p.org_admin)
            .post(reverse("api-training-entry-list"), self.payload(self.p.cadre), format="json")
            .json()["id"]
        )
        self.as_(self.p.org_admin).post(
            reverse("api-training-entry-list"),
            self.payload(self.p.dave, category="lecture", title="专题讲座"),
            format="json",
        )
        entries = "api-training-entry-list"
        self.assertEqual(self.names(self.p.org_admin, entries), ["赵立新", "陈志刚"])
        self.assertEqual(self.names(self.p.committee_secretary, entries), ["陈志刚"])
        self.assertEqual(self.names(self.p.other_secretary, entries), ["赵立新"])
        self.assertEqual(self.names(self.p.cadre_user, entries), ["陈志刚"])
        self.assertEqual(self.names(self.p.dave_user, entries), ["赵立新"])
        self.assertEqual(self.names(self.p.org_admin, entries, person=self.p.dave.pk), ["赵立新"])
        self.assertEqual(self.names(self.p.org_admin, entries, category="party_school"), ["陈志刚"])
        self.assertEqual(self.names(self.p.org_admin, entries, source="claim"), [])
        self.assertEqual(self.names(self.p.org_admin, entries, year=2024), [])
        other = self.as_(self.p.other_secretary)
        self.assertEqual(other.get(reverse("api-training-entry-detail", args=[mine])).status_code, 404)
        response = other.post(reverse("api-training-entry-archive", args=[mine]), {"reason": "越权"})
        self.assertEqual(response.status_code, 404)
        response = other.post(reverse("api-training-entry-list"), self.payload(self.p.cadre), format="json")
        self.assertEqual(response.status_code, 404)
        response = self.as_(self.p.cadre_user).post(
            reverse("api-training-entry-list"), self.payload(self.p.cadre), format="json"
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(CreditEntry.objects.filter(person=self.p.cadre, archived_at__isnull=True).count(), 1)

    def test_it_refuses_bad_input_and_writes_nothing(self):
        client = self.as_(self.p.org_admin)
        url = reverse("api-training-entry-list")
        response = client.post(url, self.payload(self.p.cadre, days="0"), format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("党校脱产培训按天计分，请填写天数", self.message(response))
        response = client.post(url, self.payload(self.p.cadre, date="2099-01-01"), format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("不能晚于今天", self.message(response))
        response = client.post(url, self.payload(self.p.alice), format="json")
        self.assertEqual(response.status_code, 403)  # not a district cadre
        self.assertFalse(CreditEntry.objects.exists())


class ClaimApiTest(ApiTestCase):
    def test_it_lets_the_cadre_claim_with_a_file_and_withdraw(self):
        response = self.claim()
        self.assertEqual(response.status_code, 201, response.content)
        row = response.json()
        self.assertEqual((row["status"], row["person_name"], row["days"]), ("submitted", "陈志刚", "2.00"))
        self.assertEqual((row["evidence_type"], row["evidence_name"]), ("application/pdf", "结业证书a.pdf"))
        self.assertEqual(self.names(self.p.cadre_user, "api-training-claim-list"), ["陈志刚"])
        withdraw = reverse("api-training-claim-withdraw", args=[row["id"]])
        response = self.as_(self.p.org_admin).post(withdraw)
        self.assertEqual(response.status_code, 403)
        response = self.as_(self.p.cadre_user).post(withdraw)
        self.assertEqual((response.status_code, response.json()["status"]), (200, "withdrawn"))
        response = self.as_(self.p.cadre_user).post(withdraw)
        self.assertEqual(response.status_code, 400)
        self.assertIn("该申报已处理", self.message(response))

    def test_it_takes_the_evidence_as_base64_in_json(self):
        data = {"category": "paper", "title": "调研报告", "date": "2025-06-01", "level": "province",
                "evidence_base64": base64.b64encode(pdf("b")).decode(), "evidence_name": "调研报告.pdf"}  # fmt: skip
        response = self.as_(self.p.cadre_user).post(reverse("api-training-claim-list"), data, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        claim = Claim.objects.get()
        self.assertEqual(bytes(claim.evidence.data), pdf("b"))  # memoryview on PostgreSQL
        response = self.as_(self.p.cadre_user).get(reverse("api-training-claim-evidence", args=[claim.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual((response.content, response["Content-Type"]), (pdf("b"), "application/pdf"))
        self.assertIn("attachment", response["Content-Disposition"])

    def test_it_refuses_bad_claims_and_writes_nothing(self):
        url = reverse("api-training-claim-list")
        client = self.as_(self.p.cadre_user)
        exe = SimpleUploadedFile("证书.pdf", b"MZ\x90\x00program", "application/pdf")
        data = {"category": "party_school", "title": "班", "date": "2025-05-10", "days": "2", "evidence": exe}
        response = client.post(url, data, format="multipart")
        self.assertEqual(response.status_code, 400)
        self.assertIn("证明材料只接受 PDF、JPG、PNG 或 Word", self.message(response))
        data = {"category": "party_school", "title": "班", "date": "2025-05-10", "days": "2",
                "evidence_base64": "不是base64", "evidence_name": "a.pdf"}  # fmt: skip
        response = client.post(url, data, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("base64 编码不正确", self.message(response))
        response = client.post(url, {"category": "party_school", "title": "班", "date": "2025-05-10"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("请上传一份证明材料", self.message(response))
        response = self.claim(days="0")
        self.assertEqual(response.status_code, 400)
        self.assertIn("按天计分", self.message(response))
        response = self.claim(self.p.org_admin)
        self.assertEqual(response.status_code, 403)
        self.assertIn("只有区管干部可以申报学分", self.message(response))
        self.assertFalse(Claim.objects.exists())

    def test_it_lets_only_the_office_decide(self):
        claim = self.claim().json()["id"]
        decide = reverse("api-training-claim-decide", args=[claim])
        response = self.as_(self.p.committee_secretary).post(decide, {"approve": True}, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertIn("只有干部教育科", self.message(response))
        response = self.as_(self.p.org_admin).post(decide, {"approve": False}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("请填写不通过的理由", self.message(response))
        self.assertEqual(Claim.objects.get().status, Claim.Status.SUBMITTED)
        response = self.as_(self.p.org_admin).post(
            decide, {"approve": True, "reason": "材料齐全"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        row = response.json()
        self.assertEqual(
            (row["status"], row["credits"], row["decided_by_name"]), ("approved", "12.00", "org_admin")
        )
        self.assertEqual(CreditEntry.objects.get(claim_id=claim).pk, row["entry"])
        response = self.as_(self.p.org_admin).post(
            decide, {"approve": False, "reason": "重复"}, format="json"
        )
        self.assertEqual(response.status_code, 400)

    def test_it_hides_the_claim_from_another_branch(self):
        claim = self.claim().json()["id"]
        self.assertEqual(self.rows(self.p.other_secretary, "api-training-claim-list"), [])
        self.assertEqual(self.rows(self.p.dave_user, "api-training-claim-list"), [])
        self.assertEqual(self.names(self.p.committee_secretary, "api-training-claim-list"), ["陈志刚"])
        for user in (self.p.other_secretary, self.p.dave_user):
            client = self.as_(user)
            for name, method in (
                ("detail", "get"),
                ("evidence", "get"),
                ("decide", "post"),
                ("withdraw", "post"),
            ):
                response = getattr(client, method)(reverse(f"api-training-claim-{name}", args=[claim]))
                self.assertEqual(response.status_code, 404, (user.username, name))
        self.assertEqual(Claim.objects.get().status, Claim.Status.SUBMITTED)

    def test_it_filters_claims(self):
        self.claim()
        self.claim(tag="b", category="lecture", title="专题讲座", days="0")
        self.assertEqual(len(self.rows(self.p.org_admin, "api-training-claim-list")), 2)
        self.assertEqual(len(self.rows(self.p.org_admin, "api-training-claim-list", category="lecture")), 1)
        self.assertEqual(len(self.rows(self.p.org_admin, "api-training-claim-list", status="approved")), 0)
        self.assertEqual(len(self.rows(self.p.org_admin, "api-training-claim-list", year=2024)), 0)
