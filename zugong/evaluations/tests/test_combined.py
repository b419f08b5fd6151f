"""述职评议's combined score with the default (【地方】) numbers: 民主评议 6 好 + 3 较好 + 1 一般 of 10 = 0.6×100 +
0.3×85 + 0.1×70 = 92.50; written 88 and on-site 90 → (20×88 + 30×90 + 50×92.5) / 100 = 90.85 → 好; weights that
do not sum to 100 are refused."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import SimpleTestCase

from zugong.core.testing import PersonaTestCase

from .. import combined as C
from .. import selectors, services
from ..builtins import Kind
from .test_engine import make


def item(counts: dict[str, int]) -> dict:
    total = sum(counts.values())
    return {
        "answered": total,
        "options": [
            {"value": k, "count": n, "share": Decimal(n) / total, "weighted_share": Decimal(n) / total}
            for k, n in counts.items()
        ],
    }


class CombinedScoreTest(SimpleTestCase):
    def test_the_default_numbers(self):
        config = C.DEFAULT
        democratic = C.democratic_score(item({"good": 6, "fairly_good": 3, "fair": 1, "poor": 0}), config)
        self.assertEqual(democratic, Decimal("92.50"))
        result = C.combined({"written": Decimal(88), "onsite": Decimal(90), "democratic": democratic}, config)
        self.assertEqual((result["score"], result["grade"]), (Decimal("90.85"), "好"))

    def test_the_bands(self):
        for score, grade in ((Decimal("90"), "好"), (Decimal("89.99"), "较好"), (Decimal("80"), "较好"),
                             (Decimal("79.99"), "一般"), (Decimal("60"), "一般"), (Decimal("59.99"), "差")):  # fmt: skip
            self.assertEqual(C.grade_of(score, C.DEFAULT), grade, score)

    def test_a_missing_part_gives_no_score(self):
        result = C.combined({"written": Decimal(88), "onsite": None, "democratic": Decimal(90)}, C.DEFAULT)
        self.assertEqual((result["score"], result["missing"]), (None, ["现场述职"]))
        self.assertIsNone(C.democratic_score({"answered": 0, "options": []}, C.DEFAULT))

    def test_a_configuration_is_checked(self):
        bad = {**C.DEFAULT, "components": [{"key": "written", "label": "书面述职", "weight": 40},
                                           {"key": "democratic", "label": "民主评议", "weight": 50}]}  # fmt: skip
        with self.assertRaises(ValidationError) as caught:
            C.check_config(bad)
        self.assertIn("合计 100", str(caught.exception))
        with self.assertRaises(ValidationError):
            C.check_config(
                {**C.DEFAULT, "components": [{"key": "written", "label": "书面述职", "weight": 100}]}
            )
        self.assertEqual(C.check_config(C.DEFAULT)["components"][2]["weight"], 50)


class ReportEvaluationTest(PersonaTestCase):
    """A 述职评议 end to end: 10 ballots (6 好, 3 较好, 1 一般) → 民主评议 92.50; the department's 88 and 90 →
    90.85, 好."""

    def test_the_combined_score_of_a_secretary(self):
        e = make(self.p, kind=Kind.REPORT, subjects=[{"kind": "org", "label": "东城社区第一党支部书记述职"}])
        self.assertEqual(
            e.spec["combined"]["components"][2], {"key": "democratic", "label": "民主评议", "weight": 50}
        )
        services.go_live(actor=self.p.org_admin, evaluation=e)
        _, codes = services.issue_codes(
            actor=self.p.org_admin, evaluation=e, voter_class=e.voter_classes.get(), count=10
        )
        subject = e.subjects.get()
        for code, grade in zip(codes, ["good"] * 6 + ["fairly_good"] * 3 + ["fair"], strict=True):
            services.cast_ballot(code=code, answers={str(subject.pk): {"overall": grade}})
        pending = selectors.results(e)["subjects"][0]["combined"]
        self.assertEqual((pending["score"], pending["missing"]), (None, ["书面述职", "现场述职"]))
        with self.assertRaises(ValidationError):
            services.set_report_scores(
                actor=self.p.org_admin, evaluation=e, subject=subject, scores={"written": "101"}
            )
        services.set_report_scores(
            actor=self.p.org_admin, evaluation=e, subject=subject, scores={"written": "88", "onsite": 90}
        )
        result = selectors.results(e)["subjects"][0]["combined"]
        self.assertEqual(
            [p["score"] for p in result["parts"]], [Decimal("88.00"), Decimal("90.00"), Decimal("92.50")]
        )
        self.assertEqual((result["score"], result["grade"]), (Decimal("90.85"), "好"))
        with self.assertRaises(PermissionDenied):
            services.set_report_scores(
                actor=self.p.other_secretary, evaluation=e, subject=subject, scores={"written": "10"}
            )


class ReportPageTest(PersonaTestCase):
    def test_the_office_enters_the_scores_and_the_page_and_report_show_the_grade(self):
        import io

        import docx
        from django.urls import reverse

        e = make(self.p, kind=Kind.REPORT, subjects=[{"kind": "org", "label": "第一党支部书记述职"}])
        services.go_live(actor=self.p.org_admin, evaluation=e)
        _, codes = services.issue_codes(
            actor=self.p.org_admin, evaluation=e, voter_class=e.voter_classes.get(), count=2
        )
        subject = e.subjects.get()
        for code in codes:
            services.cast_ballot(code=code, answers={str(subject.pk): {"overall": "good"}})
        self.client.force_login(self.p.committee_secretary)
        url = reverse("evaluations:report_scores", args=[e.pk])
        response = self.client.post(url, {f"s{subject.pk}__written": "abc"}, follow=True)
        self.assertContains(response, "书面述职得分应为数字")
        response = self.client.post(
            url, {f"s{subject.pk}__written": "80", f"s{subject.pk}__onsite": "70"}, follow=True
        )
        self.assertContains(response, "已保存 1 名述职人的述职得分")
        # (20×80 + 30×70 + 50×100) / 100 = 87.00 → 较好
        self.assertContains(response, "87.00")
        self.assertContains(response, '<span class="badge text-bg-primary">较好</span>', html=True)
        report = self.client.get(reverse("evaluations:results_report", args=[e.pk]))
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(report.content)).paragraphs)
        self.assertIn("综合得分：87.00，等次：较好。", text)
        self.client.force_login(self.p.other_secretary)
        self.assertEqual(self.client.post(url, {f"s{subject.pk}__written": "1"}).status_code, 404)


class ReportConfigTest(PersonaTestCase):
    def test_the_office_changes_the_weights_and_bands(self):
        from django.urls import reverse

        e = make(self.p, kind=Kind.REPORT, subjects=[{"kind": "org", "label": "第一党支部书记述职"}])
        self.client.force_login(self.p.committee_secretary)
        url = reverse("evaluations:report_config", args=[e.pk])
        fields = {"w_written": "30", "w_onsite": "30", "w_democratic": "40", "band_0": "95", "band_1": "85",
                  "band_2": "70"}  # fmt: skip
        response = self.client.post(url, {**fields, "w_democratic": "50"}, follow=True)
        self.assertContains(response, "合计 100")
        response = self.client.post(url, {**fields, "band_1": "96"}, follow=True)
        self.assertContains(response, "由高到低")
        response = self.client.post(url, fields, follow=True)
        self.assertContains(response, "已保存综合评分设置")
        e.refresh_from_db()
        self.assertEqual([c["weight"] for c in e.spec["combined"]["components"]], [30, 30, 40])
        self.assertEqual(C.grade_of(Decimal("94.99"), e.spec["combined"]), "较好")
        self.client.force_login(self.p.other_secretary)
        self.assertEqual(self.client.post(url, fields).status_code, 404)
