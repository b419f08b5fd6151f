"""抽查 services: a seeded draw is reproduced by its seed; N members or X % rounded up; only the members
expected at a (not cancelled) session of the chosen organizations in the window; bad input refused with
nothing written; grading rules; results by organization with their rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase

from .. import selectors_checks as selectors
from .. import services_checks as services
from ..models import SpotCheck, SpotCheckItem
from .test_checks_base import at, attend, members, session, submit

JAN1, MAR31 = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


class DrawTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.branch_people = [p.alice, p.bob, *members(p.branch, 18, "东一")]  # 20
        cls.sibling_people = members(p.sibling_branch, 5, "机关")  # 5: 25 in 东城 with the branch
        s1 = session(p.branch, "committee_meeting", at(2026, 1, 15))
        attend(s1, *cls.branch_people)
        attend(session(p.sibling_branch, "theme_day", at(2026, 2, 10)), *cls.sibling_people)
        # Not candidates: a cancelled session, one outside the window, another committee's branch.
        cls.cancelled_only = members(p.branch, 1, "取消")[0]
        attend(session(p.branch, "study_day", at(2026, 3, 5), cancelled=True), cls.cancelled_only)
        cls.late_only = members(p.branch, 1, "四月")[0]
        attend(session(p.branch, "study_day", at(2026, 4, 1, 9)), cls.late_only)
        attend(session(p.other_branch, "theme_day", at(2026, 2, 10)), p.dave)

    def draw(self, actor=None, **over):
        p = self.p
        kwargs = {
            "actor": actor or p.org_admin,
            "org": p.district,
            "title": "2026年第一季度学习笔记抽查",
            "date_from": JAN1,
            "date_to": MAR31,
            "organizations": [p.committee],
            **over,
        }
        if "size" not in over and "percent" not in over:
            kwargs["percent"] = Decimal("10")
        return services.draw_spot_check(**kwargs)

    def sample(self, check) -> list[int]:
        return list(check.items.order_by("position").values_list("person_id", flat=True))

    def test_it_reproduces_the_draw_with_its_seed(self):
        check = self.draw()
        self.assertEqual(services.redraw(check), self.sample(check))
        again = self.draw(seed=check.seed)
        self.assertEqual(self.sample(again), self.sample(check))
        self.assertTrue(selectors.verify(check)["same"])

    def test_it_records_a_seed_from_the_system_when_none_is_given(self):
        a, b = self.draw(), self.draw()
        self.assertTrue(0 <= a.seed < 2**63)
        self.assertNotEqual(a.seed, b.seed)

    def test_it_draws_ten_percent_of_25_as_3(self):
        check = self.draw(percent=Decimal("10"))
        self.assertEqual((check.candidates, check.items.count()), (25, 3))
        self.assertEqual(list(check.items.values_list("position", flat=True).order_by("position")), [1, 2, 3])

    def test_it_draws_n_members_and_never_more_than_there_are(self):
        self.assertEqual(self.draw(size=5).items.count(), 5)
        self.assertEqual(self.draw(size=100).items.count(), 25)
        self.assertEqual(self.draw(percent="100").items.count(), 25)

    def test_it_draws_only_members_of_the_chosen_orgs_in_the_window(self):
        drawn = set(self.sample(self.draw(size=100)))
        self.assertEqual(drawn, {x.pk for x in self.branch_people + self.sibling_people})
        only_sibling = set(self.sample(self.draw(size=100, organizations=[self.p.sibling_branch])))
        self.assertEqual(only_sibling, {x.pk for x in self.sibling_people})
        april = self.draw(size=100, date_from=dt.date(2026, 4, 1), date_to=dt.date(2026, 4, 30))
        self.assertEqual(self.sample(april), [self.late_only.pk])

    def test_it_keeps_the_member_organization_at_the_draw(self):
        check = self.draw(size=100)
        orgs = dict(check.items.values_list("person_id", "org_id"))
        self.assertEqual(orgs[self.p.alice.pk], self.p.branch.pk)
        self.assertEqual(orgs[self.sibling_people[0].pk], self.p.sibling_branch.pk)
        item = check.items.get(person=self.p.alice)
        self.assertEqual(item.org_path, self.p.branch.path)

    def test_a_group_meeting_counts_for_the_members_branch(self):
        bob_only = members(self.p.branch, 1, "小组")[0]
        attend(session(self.p.group, "group_meeting", at(2026, 2, 3)), bob_only)
        check = self.draw(size=100, organizations=[self.p.branch])
        self.assertEqual(check.items.get(person=bob_only).org_id, self.p.branch.pk)

    def test_it_audits_the_check_and_each_member_drawn(self):
        check = self.draw(size=4)
        self.assertTrue(
            AuditEvent.objects.filter(
                object_type="studyday.spotcheck", object_id=str(check.pk), kind="create"
            ).exists()
        )
        self.assertEqual(
            AuditEvent.objects.filter(object_type="studyday.spotcheckitem", kind="create").count(), 4
        )

    def test_bad_input_is_refused_and_nothing_written(self):
        p = self.p
        audit_rows = AuditEvent.objects.count()
        cases = {
            "both": {"size": 3, "percent": Decimal("10")},
            "zero size": {"size": 0},
            "percent 0": {"percent": Decimal("0")},
            "percent 101": {"percent": Decimal("101")},
            "percent text": {"percent": "十"},
            "dates reversed": {"percent": "10", "date_from": MAR31, "date_to": JAN1},
            "no orgs": {"percent": "10", "organizations": []},
            "no title": {"percent": "10", "title": "  "},
            "negative seed": {"percent": "10", "seed": -1},
            "huge seed": {"percent": "10", "seed": 2**63},
            "no candidates": {
                "percent": "10",
                "date_from": dt.date(2025, 1, 1),
                "date_to": dt.date(2025, 1, 31),
            },
            "a branch organizes": {"percent": "10", "org": p.branch, "organizations": [p.branch]},
            "orgs outside the check org": {
                "percent": "10",
                "org": p.committee,
                "organizations": [p.branch, p.other_branch],
            },
        }
        for name, over in cases.items():
            with self.subTest(name), self.assertRaises(ValidationError) as caught:
                self.draw(**over)
            self.assertTrue(all(caught.exception.messages))
        with self.assertRaises(ValidationError):  # neither
            services.draw_spot_check(
                actor=p.org_admin,
                org=p.district,
                title="x",
                date_from=JAN1,
                date_to=MAR31,
                organizations=[p.branch],
            )
        self.assertEqual((SpotCheck.objects.count(), SpotCheckItem.objects.count()), (0, 0))
        self.assertEqual(AuditEvent.objects.count(), audit_rows)

    def test_only_the_organizing_department_draws(self):
        p = self.p
        with self.assertRaises(PermissionDenied):
            self.draw(actor=p.branch_secretary, org=p.district)
        with self.assertRaises(PermissionDenied):  # 东城's secretary cannot reach into 西城
            self.draw(actor=p.committee_secretary, org=p.committee, organizations=[p.other_branch])
        with self.assertRaises(PermissionDenied):
            self.draw(actor=p.member)
        own = self.draw(actor=p.committee_secretary, org=p.committee, organizations=[p.branch], size=2)
        self.assertEqual(own.items.count(), 2)
        self.assertEqual(SpotCheck.objects.count(), 1)


class GradeTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.s = session(p.branch, "theme_day", at(2026, 2, 10))
        attend(cls.s, p.alice, p.bob)
        s2 = session(p.sibling_branch, "theme_day", at(2026, 2, 11))
        attend(s2, p.carol, p.cadre)
        submit(cls.s, p.alice, notes="学习二十大报告笔记", reflection="体会很深")
        cls.check = services.draw_spot_check(
            actor=p.org_admin, org=p.district, title="抽查", date_from=JAN1, date_to=MAR31,
            organizations=[p.committee], size=4,
        )  # fmt: skip

    def item(self, person) -> SpotCheckItem:
        return self.check.items.get(person=person)

    def test_it_grades_and_records_the_grader(self):
        item = services.grade_item(
            actor=self.p.org_admin, item=self.item(self.p.alice), grade="excellent", comment=""
        )
        item.refresh_from_db()
        self.assertEqual((item.grade, item.graded_by, item.comment), ("excellent", self.p.org_admin, ""))
        self.assertIsNotNone(item.graded_at)
        self.assertTrue(
            AuditEvent.objects.filter(
                object_type="studyday.spotcheckitem", object_id=str(item.pk), kind="update"
            ).exists()
        )

    def test_a_fail_needs_a_comment(self):
        with self.assertRaises(ValidationError) as caught:
            services.grade_item(actor=self.p.org_admin, item=self.item(self.p.bob), grade="fail", comment=" ")
        self.assertIn("comment", caught.exception.error_dict)
        self.assertEqual(self.item(self.p.bob).grade, "")
        services.grade_item(
            actor=self.p.org_admin, item=self.item(self.p.bob), grade="fail", comment="未交笔记"
        )
        self.assertEqual(self.item(self.p.bob).grade, "fail")

    def test_an_unknown_grade_is_refused(self):
        with self.assertRaises(ValidationError):
            services.grade_item(actor=self.p.org_admin, item=self.item(self.p.bob), grade="A+", comment="")

    def test_only_the_department_grades(self):
        """The branch's own secretary sees their members' items but does not grade the district's check."""
        for user in (
            self.p.branch_secretary,
            self.p.committee_secretary,
            self.p.other_secretary,
            self.p.member,
        ):
            with self.subTest(user.username), self.assertRaises(PermissionDenied):
                services.grade_item(actor=user, item=self.item(self.p.alice), grade="good", comment="")
        self.assertEqual(self.item(self.p.alice).grade, "")

    def test_it_finishes_only_when_all_are_graded_and_then_locks(self):
        with self.assertRaises(ValidationError):
            services.finish_check(actor=self.p.org_admin, check=self.check)
        for person, grade in ((self.p.alice, "excellent"), (self.p.bob, "good"), (self.p.carol, "pass"),
                              (self.p.cadre, "pass")):  # fmt: skip
            services.grade_item(actor=self.p.org_admin, item=self.item(person), grade=grade, comment="")
        services.finish_check(actor=self.p.org_admin, check=self.check)
        self.check.refresh_from_db()
        self.assertEqual(self.check.status, "done")
        with self.assertRaises(ValidationError):
            services.grade_item(
                actor=self.p.org_admin, item=self.item(self.p.bob), grade="fail", comment="补评"
            )

    def test_results_by_organization(self):
        """东城社区第一党支部: 优 1, 不合格 1 → 优良率 50.0 %, 合格率 50.0 %; 机关党支部: 良 1, 合格 1 → 50.0 %,
        100.0 %; all four: 优良 2 of 4 → 50.0 %, 合格 3 of 4 → 75.0 %."""
        grades = {self.p.alice: ("excellent", ""), self.p.bob: ("fail", "笔记空白"), self.p.carol: ("good", ""),
                  self.p.cadre: ("pass", "")}  # fmt: skip
        for person, (grade, comment) in grades.items():
            services.grade_item(actor=self.p.org_admin, item=self.item(person), grade=grade, comment=comment)
        data = selectors.check_results(self.check)
        rows = {r["org_name"]: r for r in data["rows"]}
        branch, sibling = rows["东城社区第一党支部"], rows["东城街道机关党支部"]
        self.assertEqual((branch["total"], branch["excellent"], branch["fail"]), (2, 1, 1))
        self.assertEqual((branch["good_rate"], branch["pass_rate"]), (Decimal("50.0"), Decimal("50.0")))
        self.assertEqual((sibling["good_rate"], sibling["pass_rate"]), (Decimal("50.0"), Decimal("100.0")))
        total = data["total"]
        self.assertEqual(
            (total["graded"], total["good_rate"], total["pass_rate"]), (4, Decimal("50.0"), Decimal("75.0"))
        )

    def test_year_results_show_a_branch_its_own(self):
        services.grade_item(actor=self.p.org_admin, item=self.item(self.p.alice), grade="good", comment="")
        mine = selectors.year_results(self.p.branch_secretary, 2026)
        self.assertEqual([r["org_name"] for r in mine["rows"]], ["东城社区第一党支部"])
        self.assertEqual((mine["total"]["total"], mine["total"]["good"]), (2, 1))
        self.assertEqual(selectors.year_results(self.p.other_secretary, 2026)["rows"], [])
        self.assertEqual(len(selectors.year_results(self.p.org_admin, 2026)["rows"]), 2)
        self.assertEqual(selectors.year_results(self.p.org_admin, 2025)["rows"], [])

    def test_the_grader_reads_the_notes_or_not_handed_in(self):
        alice = selectors.member_notes(self.check, self.p.alice.pk)
        self.assertEqual((alice["expected"], alice["submitted"]), (1, 1))
        self.assertEqual(alice["rows"][0]["submission"].notes, "学习二十大报告笔记")
        bob = selectors.member_notes(self.check, self.p.bob.pk)
        self.assertEqual((bob["expected"], bob["submitted"]), (1, 0))
        self.assertIsNone(bob["rows"][0]["submission"])

    def test_verify_notices_a_changed_window(self):
        """A session cancelled after the draw changes the candidates: the page says so."""
        self.assertTrue(selectors.verify(self.check)["same"])
        self.s.archived_at = self.s.starts_at
        self.s.save(update_fields=["archived_at"])
        v = selectors.verify(self.check)
        self.assertFalse(v["same"])
        self.assertEqual((v["candidates_then"], v["candidates_now"]), (4, 2))
