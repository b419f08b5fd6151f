"""三会一课 compliance (``selectors_compliance.compliance``): the 支部工作条例's frequencies against the
sessions held, counted by local month; a period counts once it has ended, the current one is 进行中; a
cancelled or future session does not count; 党小组会 is required of a 党小组 only; one query for the sessions
whatever the number of organizations; a secretary sees their own subtree."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from zugong.core.testing import PersonaTestCase

from ..models import Requirement
from ..selectors_compliance import compliance, filter_rows
from .test_checks_base import at, session

# "By the end of March": the first moment of April, Asia/Shanghai.
END_OF_MARCH = at(2026, 4, 1, 0, 0)


class ComplianceTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        # 支委会: January, and 00:30 on 1 February local time (still 31 January in UTC), not in March.
        session(p.branch, "committee_meeting", at(2026, 1, 10))
        session(p.branch, "committee_meeting", at(2026, 2, 1, 0, 30))
        session(p.branch, "committee_meeting", at(2026, 3, 12), cancelled=True)  # cancelled: not held
        session(p.branch, "committee_meeting", at(2026, 4, 10))  # after "now"
        session(p.branch, "general_meeting", at(2026, 2, 20))  # the quarter's 党员大会
        for month in (1, 2, 3):
            session(p.branch, "theme_day", at(2026, month, 5))
            session(p.group, "group_meeting", at(2026, month, 6))
        session(p.branch, "group_meeting", at(2026, 1, 7))  # a branch holds no 党小组会 of its own
        session(p.sibling_branch, "study_day", at(2026, 1, 8))  # 学习日: no requirement

    def report(self, user=None, as_of=END_OF_MARCH, year=2026, org=None):
        return compliance(user or self.p.org_admin, year, as_of=as_of, org=org)

    def rows(self, report):
        return {r.name: r for r in report.rows}

    def test_a_branch_with_two_committee_meetings_by_the_end_of_march_is_behind_one_month_of_three(self):
        branch = self.rows(self.report())["东城社区第一党支部"]
        cell = branch.cells["committee_meeting"]
        self.assertEqual((cell.required, cell.met, cell.behind), (3, 2, 1))
        self.assertEqual(cell.text, "2/3 月")
        self.assertEqual(cell.missed, ["3月"])
        self.assertEqual(cell.counts[:4], [1, 1, 0, 0])
        self.assertTrue(branch.is_behind)

    def test_the_quarterly_general_meeting_is_met(self):
        cell = self.rows(self.report())["东城社区第一党支部"].cells["general_meeting"]
        self.assertEqual((cell.required, cell.met, cell.text), (1, 1, "1/1 季度"))
        self.assertEqual((cell.current_label, cell.current_held), ("第2季度", 0))

    def test_the_current_period_is_in_progress_not_behind(self):
        """Mid-March: January and February are due, March is in progress; the yearly 组织生活会 too."""
        report = self.report(as_of=at(2026, 3, 15, 12))
        branch = self.rows(report)["东城社区第一党支部"]
        committee = branch.cells["committee_meeting"]
        self.assertEqual((committee.required, committee.met, committee.current_held), (2, 2, 0))
        general = branch.cells["general_meeting"]
        self.assertEqual((general.required, general.current_held), (0, 1))
        life = branch.cells["life_meeting"]
        self.assertEqual((life.required, life.behind, life.current_label), (0, 0, "全年"))
        self.assertFalse(branch.is_behind)

    def test_a_future_session_does_not_count(self):
        """The 10 April 支委会 is not held yet on 5 April, and held on 11 April."""
        before = self.rows(self.report(as_of=at(2026, 4, 5)))["东城社区第一党支部"].cells["committee_meeting"]
        after = self.rows(self.report(as_of=at(2026, 4, 11)))["东城社区第一党支部"].cells["committee_meeting"]
        self.assertEqual((before.current_held, before.held), (0, 2))
        self.assertEqual((after.current_held, after.held), (1, 3))

    def test_a_past_year_counts_all_its_periods(self):
        branch = self.rows(self.report(as_of=at(2027, 2, 1)))["东城社区第一党支部"]
        committee = branch.cells["committee_meeting"]
        self.assertEqual((committee.required, committee.met, committee.current), (12, 3, None))
        self.assertEqual(branch.cells["general_meeting"].text, "1/4 季度")
        self.assertEqual(branch.cells["life_meeting"].text, "0/1 年")

    def test_group_meetings_are_required_of_groups_only(self):
        rows = self.rows(self.report())
        group = rows["第一党小组"]
        self.assertEqual(list(group.cells), ["group_meeting"])
        self.assertEqual(group.cells["group_meeting"].text, "3/3 月")
        self.assertFalse(group.is_behind)
        self.assertNotIn("group_meeting", rows["东城社区第一党支部"].cells)

    def test_it_lists_the_organizations_a_requirement_applies_to(self):
        self.assertEqual(
            set(self.rows(self.report())),
            {"东城街道机关党支部", "东城社区第一党支部", "第一党小组", "西城社区党支部"},
        )
        sibling = self.rows(self.report())["东城街道机关党支部"]
        self.assertEqual(sibling.cells["committee_meeting"].text, "0/3 月")
        self.assertEqual(sibling.behind, 3 + 3 + 1)  # 支委会, 主题党日, 党员大会

    def test_a_branch_secretary_sees_only_their_subtree(self):
        self.assertEqual(
            sorted(self.rows(self.report(self.p.branch_secretary))), ["东城社区第一党支部", "第一党小组"]
        )
        self.assertEqual(list(self.rows(self.report(self.p.other_secretary))), ["西城社区党支部"])
        self.assertEqual(self.report(self.p.member).rows, [])

    def test_a_parent_organization_limits_the_rows(self):
        names = set(self.rows(self.report(org=self.p.committee)))
        self.assertEqual(names, {"东城街道机关党支部", "东城社区第一党支部", "第一党小组"})

    def test_an_organization_founded_during_the_year_owes_the_periods_after(self):
        self.p.sibling_branch.founded_on = dt.date(2026, 2, 10)
        self.p.sibling_branch.save(update_fields=["founded_on"])
        cell = self.rows(self.report())["东城街道机关党支部"].cells["committee_meeting"]
        self.assertEqual((cell.required, cell.text), (1, "0/1 月"))  # March only

    def test_requirements_are_configurable(self):
        Requirement.objects.filter(kind="general_meeting").update(period="month")
        Requirement.objects.filter(kind="theme_day").update(active=False)
        branch = self.rows(self.report())["东城社区第一党支部"]
        self.assertEqual(branch.cells["general_meeting"].text, "1/3 月")
        self.assertNotIn("theme_day", branch.cells)

    def test_it_counts_sessions_in_one_query(self):
        user = self.p.org_admin
        self.report(user)  # the user's grants, read once per request
        with CaptureQueriesContext(connection) as captured:
            self.report(user)
        sessions = [q for q in captured.captured_queries if "studyday_session" in q["sql"]]
        self.assertEqual(len(sessions), 1)
        self.assertLessEqual(len(captured.captured_queries), 3)

    def test_filter_rows_by_name_behind_and_sort(self):
        rows = self.report().rows
        self.assertEqual([r.name for r in filter_rows(rows, q="小组")], ["第一党小组"])
        self.assertNotIn("第一党小组", [r.name for r in filter_rows(rows, behind=True)])
        worst = filter_rows(rows, sort="behind")[0]
        self.assertEqual(worst.behind, max(r.behind for r in rows))
