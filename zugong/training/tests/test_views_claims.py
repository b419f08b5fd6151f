"""学分申报 pages: 陈志刚 claims 2 days of 党校 training (2 × 6 = 12 credits) with a PDF certificate; the
干部教育科 (org_admin) approves or rejects with a reason; the cadre withdraws; nobody else sees the claim or
its evidence."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from zugong.core.models import AuditEvent

from .. import services
from ..models import Category, Claim, CreditEntry, CreditYear
from .base import YEAR, TrainingTestCase

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CLAIM = {
    "category": Category.PARTY_SCHOOL,
    "title": "市委党校处级干部进修班",
    "organizer": "市委党校",
    "date": dt.date(YEAR, 6, 3),
    "days": "2",
}


def make_claim(p, **data) -> Claim:
    return services.submit_claim(
        actor=p.cadre_user, data={**CLAIM, **data}, evidence_name="结业证书.pdf", evidence=PDF
    )


class CadreClaimPagesTest(TrainingTestCase):
    def post_claim(self, evidence=None, **data):
        self.client.force_login(self.p.cadre_user)
        fields = {**CLAIM, "date": CLAIM["date"].isoformat(), **data}
        if evidence is not False:
            fields["evidence"] = evidence or SimpleUploadedFile("结业证书.pdf", PDF, "application/pdf")
        return self.client.post("/training/mine/claim/", fields)

    def test_it_submits_a_claim_with_its_evidence(self):
        self.client.force_login(self.p.cadre_user)
        self.assertContains(self.client.get("/training/mine/claim/"), 'enctype="multipart/form-data"')
        response = self.post_claim()
        self.assertRedirects(response, f"/training/mine/?year={YEAR}", fetch_redirect_response=False)
        claim = Claim.objects.get()
        self.assertEqual((claim.person, claim.status, claim.days), (self.p.cadre, "submitted", 2))
        self.assertEqual((claim.evidence_name, claim.evidence_type), ("结业证书.pdf", "application/pdf"))
        page = self.client.get(f"/training/mine/?year={YEAR}")
        self.assertContains(page, "已提交学分申报“市委党校处级干部进修班”，请等待干部教育科审核。")
        self.assertContains(page, "待审核")

    def test_it_shows_what_is_wrong_and_writes_nothing(self):
        response = self.post_claim(evidence=False)
        self.assertContains(response, "请上传证明材料。")
        exe = SimpleUploadedFile("证书.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
        self.assertContains(
            self.post_claim(evidence=exe), "证明材料只接受 PDF、JPG、PNG 或 Word（.docx）文件。"
        )
        self.assertContains(self.post_claim(days=""), "党校脱产培训按天计分，请填写天数。")
        future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
        self.assertContains(self.post_claim(date=future), "培训日期不能晚于今天。")
        self.assertFalse(Claim.objects.exists())

    def test_only_a_district_cadre_has_mine(self):
        p = self.p
        for user in (p.member, p.sysadmin):
            self.client.force_login(user)
            self.assertEqual(self.client.get("/training/mine/").status_code, 403)
            self.assertEqual(self.client.get("/training/mine/claim/").status_code, 403)
        self.client.force_login(p.org_admin)  # staff without a cadre record: sent to the overview
        self.assertRedirects(self.client.get("/training/mine/"), "/training/", fetch_redirect_response=False)
        self.client.force_login(p.dave_user)
        self.assertContains(self.client.get(f"/training/mine/?year={YEAR}"), "赵立新")

    def test_mine_shows_bars_entries_and_claims(self):
        make_claim(self.p)
        self.client.force_login(self.p.cadre_user)
        response = self.client.get(f"/training/mine/?year={YEAR}")
        self.assertContains(response, 'id="bar-total"')
        self.assertContains(response, 'data-value="0" data-target="84"')
        self.assertContains(response, "市委党校处级干部进修班")
        self.assertNotContains(response, "style=")

    def test_the_cadre_withdraws_a_waiting_claim(self):
        claim = make_claim(self.p)
        self.client.force_login(self.p.org_admin)
        self.assertEqual(self.client.post(f"/training/claim/{claim.pk}/withdraw/").status_code, 403)
        self.client.force_login(self.p.cadre_user)
        self.assertContains(self.client.get(f"/training/claim/{claim.pk}/"), "撤回申报")
        response = self.client.post(f"/training/claim/{claim.pk}/withdraw/")
        self.assertRedirects(response, "/training/mine/", fetch_redirect_response=False)
        claim.refresh_from_db()
        self.assertEqual(claim.status, Claim.Status.WITHDRAWN)
        response = self.client.post(f"/training/claim/{claim.pk}/withdraw/", follow=True)
        self.assertContains(response, "该申报已处理，不能撤回。")


class OfficeClaimPagesTest(TrainingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.claim = make_claim(cls.p)

    def test_the_office_lists_and_approves_a_claim(self):
        p, claim = self.p, self.claim
        self.client.force_login(p.org_admin)
        listing = self.client.get("/training/claims/")
        self.assertContains(listing, "1 件待审核")
        self.assertContains(listing, "市委党校处级干部进修班")
        self.assertNotContains(self.client.get("/training/claims/?status=approved"), "市委党校处级干部进修班")
        page = self.client.get(f"/training/claim/{claim.pk}/")
        self.assertContains(page, 'id="claim-decide"')
        self.assertContains(page, 'data-confirm="确定提交审核意见吗？"')
        response = self.client.post(f"/training/claim/{claim.pk}/decide/", {"approve": "1"}, follow=True)
        self.assertRedirects(response, "/training/claims/")
        self.assertContains(response, "已通过 陈志刚 的学分申报“市委党校处级干部进修班”，计入 12 学分。")
        claim.refresh_from_db()
        self.assertEqual((claim.status, claim.decided_by), (Claim.Status.APPROVED, p.org_admin))
        self.assertEqual(CreditEntry.objects.get(claim=claim).credits, 12)
        self.assertEqual(CreditYear.objects.get(person=p.cadre, year=YEAR).credits_total, 12)
        again = self.client.post(f"/training/claim/{claim.pk}/decide/", {"approve": "1"})
        self.assertEqual(again.status_code, 400)
        self.assertContains(again, "该申报已处理。", status_code=400)
        self.client.force_login(p.cadre_user)
        mine = self.client.get(f"/training/mine/?year={YEAR}")
        self.assertContains(mine, 'data-value="12" data-target="84"')
        self.assertContains(
            self.client.get(f"/training/claim/{claim.pk}/"),
            '<dd class="col-8" id="claim-credits">12</dd>',
            html=True,
        )

    def test_a_rejection_needs_a_reason_the_cadre_then_reads(self):
        claim = self.claim
        self.client.force_login(self.p.org_admin)
        response = self.client.post(f"/training/claim/{claim.pk}/decide/", {"approve": "0", "reason": " "})
        self.assertContains(response, "不通过时请填写理由。", status_code=400)
        claim.refresh_from_db()
        self.assertEqual(claim.status, Claim.Status.SUBMITTED)
        self.client.post(
            f"/training/claim/{claim.pk}/decide/", {"approve": "0", "reason": "证书与培训日期不符"}
        )
        claim.refresh_from_db()
        self.assertEqual((claim.status, claim.reason), (Claim.Status.REJECTED, "证书与培训日期不符"))
        self.assertFalse(CreditEntry.objects.exists())
        self.client.force_login(self.p.cadre_user)
        self.assertContains(self.client.get(f"/training/mine/?year={YEAR}"), "证书与培训日期不符")

    def test_the_evidence_is_an_attachment_and_its_download_is_logged(self):
        for user in (self.p.org_admin, self.p.cadre_user, self.p.committee_secretary):
            self.client.force_login(user)
            response = self.client.get(f"/training/claim/{self.claim.pk}/evidence/")
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.content, PDF)
            self.assertEqual(response["Content-Type"], "application/pdf")
            self.assertEqual(response["X-Content-Type-Options"], "nosniff")
            self.assertTrue(response["Content-Disposition"].startswith("attachment; filename*=UTF-8''"))
        self.assertEqual(AuditEvent.objects.filter(event="export", detail__claim=self.claim.pk).count(), 3)

    def test_committee_secretary_sees_but_cannot_decide(self):
        self.client.force_login(self.p.committee_secretary)
        page = self.client.get(f"/training/claim/{self.claim.pk}/")
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'id="claim-decide"')
        response = self.client.post(f"/training/claim/{self.claim.pk}/decide/", {"approve": "1"})
        self.assertEqual(response.status_code, 403)
        self.claim.refresh_from_db()
        self.assertEqual(self.claim.status, Claim.Status.SUBMITTED)

    def test_another_branch_and_another_cadre_see_nothing(self):
        pk = self.claim.pk
        for user in (self.p.other_secretary, self.p.dave_user):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(f"/training/claim/{pk}/").status_code, 404)
                self.assertEqual(self.client.get(f"/training/claim/{pk}/evidence/").status_code, 404)
                self.assertEqual(self.client.post(f"/training/claim/{pk}/withdraw/").status_code, 404)
                self.assertEqual(
                    self.client.post(f"/training/claim/{pk}/decide/", {"approve": "1"}).status_code, 403
                )
        self.client.force_login(self.p.other_secretary)
        self.assertNotContains(self.client.get("/training/claims/?status="), "市委党校处级干部进修班")
        self.assertFalse(AuditEvent.objects.filter(event="export", detail__claim=pk).exists())

    def test_members_and_the_three_admins_get_403(self):
        pk = self.claim.pk
        for user in (self.p.member, self.p.sysadmin, self.p.auditor, self.p.cadre_user):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get("/training/claims/").status_code, 403)
                self.assertEqual(
                    self.client.post(f"/training/claim/{pk}/decide/", {"approve": "1"}).status_code, 403
                )
        for user in (self.p.member, self.p.sysadmin):
            self.client.force_login(user)
            self.assertEqual(self.client.get(f"/training/claim/{pk}/").status_code, 403)
            self.assertEqual(self.client.get(f"/training/claim/{pk}/evidence/").status_code, 403)
