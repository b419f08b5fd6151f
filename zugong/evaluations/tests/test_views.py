"""The 测评 staff pages: create a 干部民主测评 from the form, issue codes (the slips are the download), void one,
go live (test ballots deleted), results with the numbers, the Word report and the Excel of ballots; another
committee's secretary and a plain member get nothing."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase

from .. import services
from ..models import Ballot, BallotCode, Evaluation
from .test_engine import cadre_vote, make

FMT = "%Y-%m-%dT%H:%M"


class CreatePageTest(PersonaTestCase):
    def post(self, **over):
        now = timezone.localtime()
        data = {
            "title": "东城街道2025年度干部民主测评",
            "kind": "cadre",
            "org": self.p.committee.pk,
            "opens_at": (now - dt.timedelta(hours=1)).strftime(FMT),
            "closes_at": (now + dt.timedelta(days=1)).strftime(FMT),
            "subjects": "陈志刚\n李建国\n",
            "voter_classes": "分管领导,3,2\n干部职工代表，1，20",
            **over,
        }
        self.client.force_login(self.p.committee_secretary)
        return self.client.post(reverse("evaluations:create"), data)

    def test_it_creates_a_test_mode_evaluation(self):
        response = self.post()
        e = Evaluation.objects.get()
        self.assertRedirects(response, reverse("evaluations:detail", args=[e.pk]))
        self.assertEqual((e.mode, e.org, e.kind), ("test", self.p.committee, "cadre"))
        self.assertEqual(
            list(e.subjects.values_list("label", "kind")), [("陈志刚", "person"), ("李建国", "person")]
        )
        # Typed names are tied to the roster (one record of that name in 东城 and the secretary's view).
        self.assertEqual(list(e.subjects.values_list("person__name", flat=True)), ["陈志刚", "李建国"])
        self.assertEqual(
            [(c.name, str(c.weight), c.expected) for c in e.voter_classes.all()],
            [("分管领导", "3.00", 2), ("干部职工代表", "1.00", 20)],
        )

    def test_a_name_outside_the_organization_stays_a_name(self):
        """赵立新 is in 西城: typed into a 东城 evaluation, he is not tied to the roster."""
        self.post(subjects="赵立新")
        self.assertEqual(
            list(Evaluation.objects.get().subjects.values_list("label", "person")), [("赵立新", None)]
        )

    def test_bad_input_is_a_message_and_changes_nothing(self):
        for over, message in (
            ({"subjects": "  \n"}, "请至少填写一个测评对象"),
            ({"voter_classes": "分管领导,三,2"}, "权重应为数字"),
            ({"voter_classes": "分管领导,0,2"}, "权重应大于 0"),
            ({"closes_at": "2000-01-01T00:00"}, "截止时间应晚于开始时间"),
            ({"org": self.p.other_committee.pk}, "选择一个有效的选项"),
        ):
            with self.subTest(message):
                response = self.post(**over)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, message)
        self.assertFalse(Evaluation.objects.exists())


class EvaluationPagesTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.e = make(cls.p)

    def login(self, user=None):
        self.client.force_login(user or self.p.committee_secretary)

    def issue(self, count=3, fmt="docx"):
        self.login()
        return self.client.post(
            reverse("evaluations:codes_issue", args=[self.e.pk]),
            {"voter_class": self.e.voter_classes.get().pk, "count": count, "format": fmt},
        )

    def test_issuing_codes_downloads_the_slips(self):
        response = self.issue(3)
        self.assertEqual(response.status_code, 200)
        self.assertIn(".docx", response["Content-Disposition"])
        self.assertEqual(response["Cache-Control"], "private, no-store")
        self.assertEqual(BallotCode.objects.filter(evaluation=self.e).count(), 3)
        pdf = self.issue(2, "pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        detail = self.client.get(reverse("evaluations:detail", args=[self.e.pk]))
        self.assertContains(detail, "尚未", count=0)
        self.assertEqual(len(detail.context["batches"]), 2)

    def test_void_go_live_and_results(self):
        _, codes = services.issue_codes(
            actor=self.p.org_admin, evaluation=self.e, voter_class=self.e.voter_classes.get(), count=2
        )
        subject = self.e.subjects.get()
        services.cast_ballot(code=codes[0], answers={str(subject.pk): cadre_vote("excellent")})
        self.login()
        response = self.client.post(
            reverse("evaluations:code_void", args=[self.e.pk]), {"code": codes[1]}, follow=True
        )
        self.assertContains(response, "测评码已作废")
        response = self.client.post(
            reverse("evaluations:go_live", args=[self.e.pk]), {"confirm": "on"}, follow=True
        )
        self.assertContains(response, "删除试用选票 1 张")
        self.assertFalse(Ballot.objects.exists())
        _, live = services.issue_codes(
            actor=self.p.org_admin, evaluation=self.e, voter_class=self.e.voter_classes.get(), count=3
        )
        for code, grade in zip(live, ("excellent", "competent", "incompetent"), strict=True):
            services.cast_ballot(code=code, answers={str(subject.pk): cadre_vote(grade)})
        page = self.client.get(reverse("evaluations:results", args=[self.e.pk]))
        self.assertContains(page, '<strong id="results-ballots">3</strong>', html=True)
        self.assertContains(page, "66.67%")  # 好评率: 优秀+称职 2 of 3
        self.assertContains(page, "evaluation-chart-data")
        report = self.client.get(reverse("evaluations:results_report", args=[self.e.pk]))
        self.assertEqual(report.status_code, 200)
        self.assertTrue(report.content.startswith(b"PK"))
        ballots = self.client.get(reverse("evaluations:ballots_export", args=[self.e.pk]))
        sheet = load_workbook(io.BytesIO(ballots.content), read_only=True).active
        self.assertEqual(
            len([r for r in sheet.iter_rows(values_only=True)]), 1 + 1 + 3
        )  # watermark, header, 3
        self.assertEqual(AuditEvent.objects.filter(event="export").count(), 2)

    def test_archive_stops_the_codes(self):
        _, codes = services.issue_codes(
            actor=self.p.org_admin, evaluation=self.e, voter_class=self.e.voter_classes.get(), count=1
        )
        self.login()
        response = self.client.post(
            reverse("evaluations:archive", args=[self.e.pk]), {"reason": "测评对象调整"}
        )
        self.assertRedirects(response, reverse("evaluations:list"))
        with self.assertRaises(services.BallotRefused):
            services.cast_ballot(
                code=codes[0], answers={str(self.e.subjects.get().pk): cadre_vote("excellent")}
            )

    def test_another_committee_and_a_member_get_nothing(self):
        for user in (self.p.other_secretary, self.p.member):
            self.login(user)
            listed = self.client.get(reverse("evaluations:list"))
            self.assertNotContains(listed, self.e.title, status_code=listed.status_code)
            for name in ("detail", "results", "results_report", "ballots_export"):
                response = self.client.get(reverse(f"evaluations:{name}", args=[self.e.pk]))
                self.assertIn(response.status_code, (403, 404), (user.username, name))
            response = self.client.post(
                reverse("evaluations:codes_issue", args=[self.e.pk]),
                {"voter_class": self.e.voter_classes.get().pk, "count": 5, "format": "docx"},
            )
            self.assertIn(response.status_code, (403, 404))
        self.assertFalse(BallotCode.objects.exists())
