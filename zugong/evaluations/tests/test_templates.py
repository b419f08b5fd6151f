"""The department's own forms (测评表), typed one item a line: every kind of item, every bad line named with its
number; the built-ins typed back and read again unchanged; a "三度" form with 参与度 and 公信度 used by a new
evaluation; another committee's secretary gets a 404."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import timezone

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase

from .. import services
from ..builtins import BUILTIN
from ..models import Evaluation, FormTemplate
from ..spec import parse_lines, to_lines

LINES = """【分项评价】
政治素质｜等次
总体评价｜干部等次
工作成效｜等次｜突出/良好/一般
对组织部门工作的参与度｜满意度
最关注的工作｜多选｜党员教育/干部培训/基层党建｜最多2
综合评分｜评分｜10｜选填
意见建议｜文字｜必填"""


class LinesTest(SimpleTestCase):
    def test_every_kind_of_line(self):
        items = parse_lines(LINES)["sections"][0]["items"]
        self.assertEqual([i["kind"] for i in items],
                         ["grade", "grade", "grade", "satisfaction", "multiple", "rating", "text"])  # fmt: skip
        self.assertEqual((items[0]["scale"], items[1]["scale"]), ("team", "cadre"))
        self.assertEqual([o["label"] for o in items[2]["options"]], ["突出", "良好", "一般"])
        self.assertEqual(
            (items[4]["max"], items[5]["max"], items[5]["required"], items[6]["required"]),
            (2, 10, False, True),
        )

    def test_the_builtins_go_round(self):
        for kind, spec in BUILTIN.items():
            with self.subTest(kind):
                again = parse_lines(to_lines(spec))
                self.assertEqual(
                    [
                        (i["label"], i["kind"], i.get("scale"), i["required"])
                        for s in again["sections"]
                        for i in s["items"]
                    ],
                    [
                        (i["label"], i["kind"], i.get("scale"), i["required"])
                        for s in spec["sections"]
                        for i in s["items"]
                    ],
                )

    def test_bad_lines_are_named(self):
        with self.assertRaises(ValidationError) as caught:
            parse_lines("政治素质｜投票\n\n工作成效｜单选｜只有一个")
        problems = caught.exception.message_dict["lines"]
        self.assertIn("第 1 行", problems[0])
        with self.assertRaises(ValidationError) as caught:
            parse_lines("工作成效｜单选｜只有一个")
        self.assertIn("选项应为 2–30 个", str(caught.exception))


class TemplatePagesTest(PersonaTestCase):
    def test_a_three_du_form_of_our_own_is_used_by_a_new_evaluation(self):
        self.client.force_login(self.p.committee_secretary)
        page = self.client.get(reverse("evaluations:template_create"), {"kind": "sandu"})
        self.assertContains(page, "对组织部门工作的知晓度｜满意度")
        lines = "对组织部门工作的参与度｜满意度\n对组织部门工作的公信度｜满意度\n意见和建议｜文字"
        response = self.client.post(
            reverse("evaluations:template_create"),
            {"name": "东城“三度”测评表", "kind": "sandu", "org": self.p.committee.pk, "lines": lines},
        )
        self.assertRedirects(response, reverse("evaluations:templates"))
        template = FormTemplate.objects.get()
        self.assertEqual(AuditEvent.objects.filter(object_type="evaluations.formtemplate").count(), 1)
        bad = self.client.post(
            reverse("evaluations:template_edit", args=[template.pk]),
            {"name": "东城“三度”测评表", "kind": "sandu", "lines": "参与度｜打分"},
        )
        self.assertContains(bad, "第 1 行")
        now = timezone.localtime()
        self.client.post(reverse("evaluations:create"), {
            "title": "东城2025年“三度”测评", "kind": "sandu", "org": self.p.committee.pk, "template": template.pk,
            "opens_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "subjects": "东城街道党工委组织部门", "voter_classes": "党员代表,1,30",
        })  # fmt: skip
        evaluation = Evaluation.objects.get()
        labels = [i["label"] for s in evaluation.spec["sections"] for i in s["items"]]
        self.assertEqual(labels, ["对组织部门工作的参与度", "对组织部门工作的公信度", "意见和建议"])
        services.save_template(actor=self.p.org_admin, template=template, name="改", kind="sandu", org=None,
                               lines="新题目｜满意度")  # fmt: skip
        evaluation.refresh_from_db()
        self.assertEqual(
            len([i for s in evaluation.spec["sections"] for i in s["items"]]), 3
        )  # copied, unchanged

    def test_another_committee_gets_nothing(self):
        template = services.save_template(
            actor=self.p.org_admin, name="东城测评表", kind="cadre", org=self.p.committee, lines="作风｜等次"
        )
        self.client.force_login(self.p.other_secretary)
        self.assertEqual(
            self.client.get(reverse("evaluations:template_edit", args=[template.pk])).status_code, 404
        )
        self.assertNotContains(self.client.get(reverse("evaluations:templates")), "东城测评表")
