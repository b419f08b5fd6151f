"""学分申报: a cadre claims with evidence, the 干部教育科 approves (2 days at 党校 = 12 credits, 15 学时) or
rejects with a reason; the evidence is judged by its content; every step is audited."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError

from zugong.accounts.models import RoleGrant, User
from zugong.core.models import AuditEvent
from zugong.core.roles import Role

from .. import services
from ..models import Category, Claim, ClaimEvidence, CreditEntry, CreditRuleSet, Source
from ..services_claims import MAX_EVIDENCE_BYTES, sniff_evidence
from .base import YEAR, TrainingTestCase, d, summary

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64


def docx(*, macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        kind = "macroEnabled" if macro else "document"
        z.writestr("[Content_Types].xml", f'<Types><Override ContentType="{kind}.main+xml"/></Types>')
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def claim_data(**over):
    data = {
        "category": Category.PARTY_SCHOOL,
        "title": "市委党校专题培训",
        "organizer": "市委党校",
        "date": dt.date(YEAR, 4, 8),
        "days": "2",
    }
    data.update(over)
    return data


class SniffTest(TrainingTestCase):
    def test_it_knows_the_four_kinds(self):
        self.assertEqual(sniff_evidence(PDF, "结业证书.pdf"), "application/pdf")
        self.assertEqual(sniff_evidence(PNG, "photo.PNG"), "image/png")
        self.assertEqual(sniff_evidence(JPEG, "photo.jpeg"), "image/jpeg")
        self.assertEqual(
            sniff_evidence(docx(), "论文.docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )

    def test_it_refuses_an_exe_renamed_pdf(self):
        with self.assertRaises(ValidationError) as caught:
            sniff_evidence(EXE, "证书.pdf")
        self.assertIn("只接受 PDF、JPG、PNG 或 Word", str(caught.exception))

    def test_it_refuses_a_mismatched_name_macros_empty_and_too_large(self):
        for data, name in (
            (PDF, "证书.exe"),
            (PNG, "证书.pdf"),
            (docx(macro=True), "论文.docx"),
            (b"PK\x03\x04garbage", "论文.docx"),
            (b"", "证书.pdf"),
            (b"%PDF-" + b"0" * MAX_EVIDENCE_BYTES, "证书.pdf"),
        ):
            with self.subTest(name=name, size=len(data)), self.assertRaises(ValidationError):
                sniff_evidence(data, name)


class SubmitTest(TrainingTestCase):
    def test_a_cadre_submits_and_it_is_audited(self):
        claim = services.submit_claim(
            actor=self.p.cadre_user, data=claim_data(), evidence_name="C:\\证书\\结业证书.pdf", evidence=PDF
        )
        self.assertEqual((claim.person, claim.status), (self.p.cadre, Claim.Status.SUBMITTED))
        self.assertEqual((claim.evidence_name, claim.evidence_type), ("结业证书.pdf", "application/pdf"))
        self.assertEqual(claim.evidence_size, len(PDF))
        self.assertEqual(bytes(ClaimEvidence.objects.get(claim=claim).data), PDF)
        self.assertEqual(
            AuditEvent.objects.filter(
                object_type="training.claim", object_id=str(claim.pk), kind=AuditEvent.Kind.CREATE
            ).count(),
            1,
        )
        self.assertFalse(CreditEntry.objects.exists())  # nothing counts before approval

    def test_only_a_district_cadre_may_claim(self):
        for user in (self.p.member, self.p.org_admin, self.p.sysadmin):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied) as caught:
                services.submit_claim(actor=user, data=claim_data(), evidence_name="a.pdf", evidence=PDF)
            self.assertIn("只有区管干部可以申报学分", str(caught.exception))
        self.assertFalse(Claim.objects.exists())

    def test_it_refuses_bad_claims_and_writes_nothing(self):
        future = dt.date.today() + dt.timedelta(days=3)
        for data, evidence, name in (
            (claim_data(days="0", hours="8"), PDF, "a.pdf"),  # 党校 counts by the day
            (claim_data(category=Category.TEACHING, days="0"), PDF, "a.pdf"),  # no hours taught
            (claim_data(date=future), PDF, "a.pdf"),
            (claim_data(title=""), PDF, "a.pdf"),
            (claim_data(category="nonsense"), PDF, "a.pdf"),
            (claim_data(), EXE, "a.pdf"),
        ):
            with self.subTest(data=data, name=name), self.assertRaises(ValidationError):
                services.submit_claim(
                    actor=self.p.cadre_user, data=data, evidence_name=name, evidence=evidence
                )
        self.assertFalse(Claim.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(object_type="training.claim").exists())

    def test_a_closed_year_refuses_claims(self):
        CreditRuleSet.objects.filter(year=YEAR).update(closed=True)
        with self.assertRaises(ValidationError) as caught:
            services.submit_claim(
                actor=self.p.cadre_user, data=claim_data(), evidence_name="a.pdf", evidence=PDF
            )
        self.assertIn("已关账", str(caught.exception))
        self.assertFalse(Claim.objects.exists())

    def test_the_same_evidence_is_not_claimed_twice(self):
        services.submit_claim(actor=self.p.cadre_user, data=claim_data(), evidence_name="a.pdf", evidence=PDF)
        with self.assertRaises(ValidationError):
            services.submit_claim(
                actor=self.p.cadre_user, data=claim_data(), evidence_name="b.pdf", evidence=PDF
            )


class DecideTest(TrainingTestCase):
    def setUp(self):
        self.claim = services.submit_claim(
            actor=self.p.cadre_user, data=claim_data(), evidence_name="证书.pdf", evidence=PDF
        )

    def test_approving_two_days_at_party_school_adds_12_credits_and_15_hours(self):
        services.recompute_year(actor=self.p.org_admin, year=YEAR)
        before = summary(self.p.cadre)
        services.decide_claim(actor=self.p.org_admin, claim=self.claim, approve=True)
        self.claim.refresh_from_db()
        self.assertEqual(
            (self.claim.status, self.claim.decided_by), (Claim.Status.APPROVED, self.p.org_admin)
        )
        entry = CreditEntry.objects.get(claim=self.claim)
        self.assertEqual((entry.source, entry.person, entry.year), (Source.CLAIM, self.p.cadre, YEAR))
        self.assertEqual((entry.credits, entry.credited_hours), (d(12), d(15)))
        after = summary(self.p.cadre)
        self.assertEqual(after.credits_total - before.credits_total, d(12))
        self.assertEqual(after.hours - before.hours, d(15))
        self.assertEqual(after.credits_required, d(12))  # 党校 is required (必修)
        kinds = set(
            AuditEvent.objects.filter(object_type__in=["training.claim", "training.creditentry"]).values_list(
                "object_type", "kind"
            )
        )
        self.assertIn(("training.claim", AuditEvent.Kind.UPDATE), kinds)
        self.assertIn(("training.creditentry", AuditEvent.Kind.CREATE), kinds)

    def test_a_reject_without_reason_is_refused_and_changes_nothing(self):
        count = AuditEvent.objects.count()
        with self.assertRaises(ValidationError):
            services.decide_claim(actor=self.p.org_admin, claim=self.claim, approve=False, reason="  ")
        self.claim.refresh_from_db()
        self.assertEqual(self.claim.status, Claim.Status.SUBMITTED)
        self.assertEqual(AuditEvent.objects.count(), count)
        services.decide_claim(
            actor=self.p.org_admin, claim=self.claim, approve=False, reason="证书不清晰，请重新上传"
        )
        self.claim.refresh_from_db()
        self.assertEqual(
            (self.claim.status, self.claim.reason), (Claim.Status.REJECTED, "证书不清晰，请重新上传")
        )
        self.assertFalse(CreditEntry.objects.exists())

    def test_a_decided_claim_is_not_decided_again(self):
        services.decide_claim(actor=self.p.org_admin, claim=self.claim, approve=True)
        with self.assertRaises(ValidationError) as caught:
            services.decide_claim(actor=self.p.org_admin, claim=self.claim, approve=False, reason="改判")
        self.assertIn("该申报已处理", str(caught.exception))
        self.assertEqual(CreditEntry.objects.count(), 1)

    def test_only_the_office_decides_and_never_their_own_claim(self):
        for user in (self.p.committee_secretary, self.p.cadre_user, self.p.sysadmin):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                services.decide_claim(actor=user, claim=self.claim, approve=True)
        # The cadre also works in the 干部教育科: still not their own claim.
        RoleGrant.objects.create(user=self.p.cadre_user, role=Role.ORG_ADMIN, organization=self.p.district)
        office = User.objects.get(pk=self.p.cadre_user.pk)
        self.assertTrue(services.is_training_office(office))
        with self.assertRaises(PermissionDenied) as caught:
            services.decide_claim(actor=office, claim=self.claim, approve=True)
        self.assertIn("本人", str(caught.exception))
        self.claim.refresh_from_db()
        self.assertEqual(self.claim.status, Claim.Status.SUBMITTED)
        self.assertFalse(CreditEntry.objects.exists())

    def test_approval_in_a_closed_year_is_refused(self):
        CreditRuleSet.objects.filter(year=YEAR).update(closed=True)
        with self.assertRaises(ValidationError):
            services.decide_claim(actor=self.p.org_admin, claim=self.claim, approve=True)
        self.claim.refresh_from_db()
        self.assertEqual(self.claim.status, Claim.Status.SUBMITTED)


class WithdrawAndEvidenceTest(TrainingTestCase):
    def setUp(self):
        self.claim = services.submit_claim(
            actor=self.p.cadre_user, data=claim_data(), evidence_name="证书.pdf", evidence=PDF
        )

    def test_the_claimant_withdraws_while_it_waits(self):
        with self.assertRaises(PermissionDenied):
            services.withdraw_claim(actor=self.p.org_admin, claim=self.claim)
        services.withdraw_claim(actor=self.p.cadre_user, claim=self.claim)
        self.claim.refresh_from_db()
        self.assertEqual(self.claim.status, Claim.Status.WITHDRAWN)
        self.assertEqual(
            AuditEvent.objects.filter(object_type="training.claim", kind=AuditEvent.Kind.UPDATE).count(), 1
        )
        with self.assertRaises(ValidationError):
            services.withdraw_claim(actor=self.p.cadre_user, claim=self.claim)
        with self.assertRaises(ValidationError):
            services.decide_claim(actor=self.p.org_admin, claim=self.claim, approve=True)

    def test_evidence_for_the_claimant_and_staff_in_scope_logged(self):
        for user in (self.p.cadre_user, self.p.committee_secretary, self.p.org_admin):
            name, content_type, data = services.claim_evidence(actor=user, claim=self.claim)
            self.assertEqual((name, content_type, data), ("证书.pdf", "application/pdf", PDF))
        self.assertEqual(AuditEvent.objects.filter(event="export", object_type="training.claim").count(), 3)

    def test_evidence_is_refused_outside_scope(self):
        for user in (self.p.other_secretary, self.p.other_member, self.p.sysadmin, self.p.member):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                services.claim_evidence(actor=user, claim=self.claim)
        self.assertFalse(AuditEvent.objects.filter(event="export").exists())
