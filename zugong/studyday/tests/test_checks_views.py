"""抽查 pages: draw from the form, the check with its progress and results, grading beside the member's
notes, the reproduction of the draw, the Excel of the grades, the results of a year; a secretary of another
branch gets 404 and a plain member 403."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook

from zugong.core.testing import PersonaTestCase

from .. import services_checks as services
from ..models import SpotCheck
from .test_checks_base import at, attend, session, submit
from .test_checks_services import JAN1, MAR31


class CheckPagesTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        s = session(p.branch, "theme_day", at(2026, 2, 10), title="学习贯彻主题党日")
        attend(s, p.alice, p.bob)
        submit(s, p.alice, notes="认真学习的笔记", reflection="深刻的体会")
        cls.check = services.draw_spot_check(
            actor=p.org_admin, org=p.district, title="第一季度笔记抽查", date_from=JAN1, date_to=MAR31,
            organizations=[p.branch], size=2,
        )  # fmt: skip
        cls.alice_item = cls.check.items.get(person=p.alice)
        cls.bob_item = cls.check.items.get(person=p.bob)

    def urls(self):
        c, i = self.check.pk, self.alice_item.pk
        return {
            "detail": reverse("studychecks:detail", args=[c]),
            "export": reverse("studychecks:export", args=[c]),
            "verify": reverse("studychecks:verify", args=[c]),
            "grade": reverse("studychecks:grade", args=[i]),
        }

    def test_it_draws_from_the_form(self):
        self.client.force_login(self.p.org_admin)
        form = self.client.get(reverse("studychecks:create"))
        self.assertContains(form, "东城社区第一党支部")
        self.assertNotContains(form, "第一党小组")  # a group comes with its branch
        response = self.client.post(
            reverse("studychecks:create"),
            {"title": "再抽一次", "org": self.p.district.pk, "date_from": "2026-01-01", "date_to": "2026-03-31",
             "organizations": [self.p.committee.pk], "percent": "50", "seed": str(self.check.seed)},
        )  # fmt: skip
        new = SpotCheck.objects.exclude(pk=self.check.pk).get()
        self.assertRedirects(response, reverse("studychecks:detail", args=[new.pk]))
        self.assertEqual((new.seed, new.items.count(), new.candidates), (self.check.seed, 1, 2))

    def test_the_form_refuses_both_size_and_percent(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.post(
            reverse("studychecks:create"),
            {"title": "x", "org": self.p.district.pk, "date_from": "2026-01-01", "date_to": "2026-03-31",
             "organizations": [self.p.branch.pk], "size": "2", "percent": "10"},
        )  # fmt: skip
        self.assertContains(response, "二者只填一项")
        self.assertEqual(SpotCheck.objects.count(), 1)

    def test_the_form_shows_a_service_refusal(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.post(
            reverse("studychecks:create"),
            {"title": "x", "org": self.p.district.pk, "date_from": "2025-01-01", "date_to": "2025-03-31",
             "organizations": [self.p.branch.pk], "size": "2"},
        )  # fmt: skip
        self.assertContains(response, "没有应参加会议的党员")

    def test_a_reproduction_is_prefilled_from_an_earlier_check(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.get(reverse("studychecks:create") + f"?copy={self.check.pk}")
        self.assertContains(response, f'value="{self.check.seed}"')

    def test_the_detail_shows_progress_results_and_grade_forms(self):
        services.grade_item(actor=self.p.org_admin, item=self.alice_item, grade="excellent", comment="")
        self.client.force_login(self.p.org_admin)
        response = self.client.get(self.urls()["detail"])
        self.assertContains(response, "已评定 1 / 2")
        self.assertContains(response, "100.0%")  # 优良率 of the one graded
        self.assertContains(response, str(self.check.seed))
        self.assertContains(response, 'name="grade"')

    def test_grading_from_the_grade_page_goes_to_the_next_member(self):
        self.client.force_login(self.p.org_admin)
        page = self.client.get(self.urls()["grade"])
        self.assertContains(page, "认真学习的笔记")
        self.assertContains(page, "深刻的体会")
        bob_page = self.client.get(reverse("studychecks:grade", args=[self.bob_item.pk]))
        self.assertContains(bob_page, "未提交")
        response = self.client.post(self.urls()["grade"], {"grade": "good", "comment": "较好"})
        self.alice_item.refresh_from_db()
        self.assertEqual((self.alice_item.grade, self.alice_item.comment), ("good", "较好"))
        if self.bob_item.position > self.alice_item.position:
            self.assertRedirects(response, reverse("studychecks:grade", args=[self.bob_item.pk]))

    def test_a_fail_without_comment_is_shown_on_the_form(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.post(self.urls()["grade"], {"grade": "fail", "comment": ""})
        self.assertContains(response, "须填写评语")
        self.alice_item.refresh_from_db()
        self.assertEqual(self.alice_item.grade, "")

    def test_finish(self):
        self.client.force_login(self.p.org_admin)
        finish = reverse("studychecks:finish", args=[self.check.pk])
        self.client.post(finish)
        self.check.refresh_from_db()
        self.assertEqual(self.check.status, "grading")
        for item in (self.alice_item, self.bob_item):
            services.grade_item(actor=self.p.org_admin, item=item, grade="pass", comment="")
        self.client.post(finish)
        self.check.refresh_from_db()
        self.assertEqual(self.check.status, "done")

    def test_verify_shows_the_seed_reproduces_the_sample(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.get(self.urls()["verify"])
        self.assertContains(response, "一致")
        self.assertContains(response, "王小红")

    def test_the_export_has_the_grades(self):
        services.grade_item(actor=self.p.org_admin, item=self.bob_item, grade="fail", comment="没有笔记")
        self.client.force_login(self.p.org_admin)
        response = self.client.get(self.urls()["export"])
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
        self.assertIn(["李建国", "东城社区第一党支部", "不合格", "没有笔记"], [r[1:5] for r in rows])

    def test_the_year_results_and_their_export(self):
        services.grade_item(actor=self.p.org_admin, item=self.alice_item, grade="good", comment="")
        self.client.force_login(self.p.branch_secretary)
        page = self.client.get(reverse("studychecks:results") + "?year=2026")
        self.assertContains(page, "东城社区第一党支部")
        export = self.client.get(reverse("studychecks:results_export") + "?year=2026")
        sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
        self.assertEqual([c.value for c in sheet[3]][:3], ["东城社区第一党支部", 2, 0])
        other = self.client_for(self.p.other_secretary).get(reverse("studychecks:results") + "?year=2026")
        self.assertNotContains(other, "东城社区第一党支部")

    def client_for(self, user):
        self.client.force_login(user)
        return self.client

    def test_a_secretary_of_another_branch_gets_404(self):
        self.client.force_login(self.p.other_secretary)
        for name, url in self.urls().items():
            with self.subTest(name):
                self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(self.urls()["grade"], {"grade": "good"}).status_code, 404)
        self.assertEqual(
            self.client.post(reverse("studychecks:finish", args=[self.check.pk])).status_code, 404
        )
        listing = self.client.get(reverse("studychecks:list"))
        self.assertNotContains(listing, "第一季度笔记抽查")
        self.assertEqual(self.client.get(reverse("studychecks:create")).status_code, 403)

    def test_the_branch_secretary_neither_opens_nor_grades_the_district_check(self):
        self.client.force_login(self.p.branch_secretary)
        self.assertEqual(self.client.get(self.urls()["detail"]).status_code, 404)
        self.assertEqual(self.client.post(self.urls()["grade"], {"grade": "good"}).status_code, 404)

    def test_a_plain_member_gets_403(self):
        for user in (self.p.member, self.p.other_member):
            self.client.force_login(user)
            pages = [*self.urls().values(), reverse("studychecks:list"), reverse("studychecks:create"),
                     reverse("studychecks:results"), reverse("studychecks:results_export")]  # fmt: skip
            for url in pages:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)
            self.assertEqual(self.client.post(self.urls()["grade"], {"grade": "good"}).status_code, 403)
