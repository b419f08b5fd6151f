"""Organization pages: each renders for the right persona, refuses users of another branch and plain
members, exports a real workbook, and moves / dissolves through the services."""

import datetime as dt
import io

from django.urls import reverse
from openpyxl import load_workbook

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase
from zugong.orgs.models import Organization, OrgStatus

HX = {"HTTP_HX_REQUEST": "true"}


class PagesTest(PersonaTestCase):
    def test_it_shows_the_tree_from_the_grant_roots(self):
        r = self.login(self.p.committee_secretary).get(reverse("orgs:tree"))
        self.assertEqual(r.status_code, 200)
        self.assertEqual([n.pk for n in r.context["nodes"]], [self.p.committee.pk])
        self.assertContains(r, "东城社区党总支")  # first level opened straight away
        self.assertNotContains(r, "示范区委")
        self.assertNotContains(r, "西城")

    def test_it_gives_the_org_admin_the_whole_district(self):
        r = self.login(self.p.org_admin).get(reverse("orgs:tree"))
        self.assertEqual([n.pk for n in r.context["nodes"]], [self.p.district.pk])
        self.assertEqual(r.context["nodes"][0].member_count, 5)

    def test_it_expands_children_lazily_with_counts(self):
        r = self.login(self.p.committee_secretary).get(
            reverse("orgs:tree_children", args=[self.p.general_branch.pk]), **HX
        )
        self.assertEqual(r.status_code, 200)
        self.assertTemplateUsed(r, "orgs/htmx/tree_nodes.html")
        self.assertNotContains(r, "<html")
        (branch,) = r.context["nodes"]
        self.assertEqual((branch.pk, branch.member_count, branch.has_children), (self.p.branch.pk, 2, True))

    def test_it_shows_dissolved_children_greyed(self):
        self.p.group.status, self.p.group.dissolved_on = OrgStatus.DISSOLVED, dt.date(2024, 1, 1)
        self.p.group.save()
        r = self.login(self.p.branch_secretary).get(
            reverse("orgs:tree_children", args=[self.p.branch.pk]), **HX
        )
        self.assertContains(r, "已撤销")
        self.assertContains(r, "text-muted")

    def test_it_renders_the_detail_page(self):
        p = self.p
        r = self.login(p.committee_secretary).get(reverse("orgs:detail", args=[p.branch.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "王小红")
        self.assertContains(r, "第一党小组")
        self.assertEqual(r.context["counts"]["people"]["total"], 2)
        # Ancestors above the grant are shown, but not as links.
        crumbs = dict((a.pk, link) for a, link in r.context["ancestors"])
        self.assertEqual(crumbs, {p.district.pk: False, p.committee.pk: True, p.general_branch.pk: True})
        self.assertNotContains(r, reverse("orgs:detail", args=[p.district.pk]) + '"')
        self.assertTrue(r.context["actions"]["change"])
        self.assertFalse(r.context["actions"]["move"])
        self.assertTrue(r.context["actions"]["dissolve"])

    def test_it_hides_actions_a_role_may_not_take(self):
        r = self.login(self.p.org_committee_member).get(reverse("orgs:detail", args=[self.p.branch.pk]))
        actions = r.context["actions"]
        self.assertTrue(actions["change"])
        self.assertFalse(actions["dissolve"] or actions["move"])
        self.assertNotContains(r, reverse("orgs:dissolve", args=[self.p.branch.pk]))

    def test_it_lists_filters_sorts_and_paginates(self):
        c = self.login(self.p.committee_secretary)
        r = c.get(reverse("orgs:list"), {"org_type": "branch", "sort": "-code"})
        self.assertEqual([o.code for o in r.context["page"]], ["T0102", "T010101"])
        r = c.get(reverse("orgs:list"), {"q": "党小组"})
        self.assertEqual([o.code for o in r.context["page"]], ["T01010101"])
        with self.settings(ZUGONG_PAGE_SIZE=2):
            r = c.get(reverse("orgs:list"), {"page": 3})
        self.assertEqual(r.context["page"].paginator.count, 5)
        self.assertEqual(len(r.context["page"]), 1)

    def test_it_reports_a_bad_filter_and_lists_nothing(self):
        r = self.login(self.p.org_admin).get(reverse("orgs:list"), {"org_type": "nonsense"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "筛选条件有误")
        self.assertEqual(r.context["page"].paginator.count, 0)


class ExportTest(PersonaTestCase):
    def test_it_exports_a_real_workbook_of_the_filter_and_audits(self):
        r = self.login(self.p.committee_secretary).get(reverse("orgs:export"), {"org_type": "branch"})
        self.assertEqual(r.status_code, 200)
        self.assertIn("spreadsheetml", r["Content-Type"])
        wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
        rows = list(wb.active.iter_rows(values_only=True))
        self.assertIn("导出人", rows[0][0])
        self.assertEqual(rows[1][:4], ("组织编码", "组织名称", "简称", "组织类别"))
        self.assertEqual(sorted(row[0] for row in rows[2:]), ["T010101", "T0102"])
        event = AuditEvent.objects.get(event="export")
        self.assertEqual((event.actor_id, event.detail["rows"]), (self.p.committee_secretary.pk, 2))

    def test_it_exports_a_subtree(self):
        r = self.login(self.p.org_admin).get(reverse("orgs:export"), {"within": self.p.general_branch.pk})
        wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
        self.assertEqual(wb.active.max_row - 2, 3)


class ScopeTest(PersonaTestCase):
    """Every organization page of p.committee's subtree, tried from another branch and as a plain member."""

    def org_urls(self, org):
        return [
            ("get", reverse("orgs:detail", args=[org.pk])),
            ("get", reverse("orgs:tree_children", args=[org.pk])),
            ("get", reverse("orgs:edit", args=[org.pk])),
            ("post", reverse("orgs:edit", args=[org.pk])),
            ("get", reverse("orgs:move", args=[org.pk])),
            ("post", reverse("orgs:move", args=[org.pk])),
            ("get", reverse("orgs:dissolve", args=[org.pk])),
            ("post", reverse("orgs:dissolve", args=[org.pk])),
            ("post", reverse("orgs:restore", args=[org.pk])),
            ("get", reverse("orgs:create") + f"?parent={org.pk}"),
            ("get", reverse("orgs:list") + f"?within={org.pk}"),
            ("get", reverse("orgs:export") + f"?within={org.pk}"),
        ]

    def assert_refused(self, user, orgs):
        c = self.login(user)
        before = AuditEvent.objects.count()
        for org in orgs:
            for method, url in self.org_urls(org):
                if method == "post":
                    r = c.post(url, {"name": "x", "on": "2024-01-01", "confirm": "on"})
                else:
                    r = c.get(url)
                self.assertIn(r.status_code, (403, 404), f"{user} {method} {url}")
        self.assertEqual(AuditEvent.objects.count(), before)

    def subtree(self):
        p = self.p
        return [p.committee, p.general_branch, p.branch, p.group, p.sibling_branch]

    def test_it_refuses_the_other_secretary(self):
        self.assert_refused(self.p.other_secretary, self.subtree())

    def test_it_refuses_the_other_member(self):
        self.assert_refused(self.p.other_member, self.subtree())

    def test_it_refuses_a_plain_member_even_their_own_branch(self):
        self.assert_refused(self.p.member, self.subtree())
        c = self.login(self.p.member)
        for name in ("orgs:tree", "orgs:list", "orgs:export"):
            self.assertEqual(c.get(reverse(name)).status_code, 403)

    def test_it_refuses_a_branch_secretary_above_the_branch(self):
        p = self.p
        c = self.login(p.branch_secretary)
        self.assertEqual(c.get(reverse("orgs:detail", args=[p.committee.pk])).status_code, 404)
        self.assertEqual(c.get(reverse("orgs:detail", args=[p.sibling_branch.pk])).status_code, 404)
        r = c.get(reverse("orgs:list"))
        self.assertEqual({o.code for o in r.context["page"]}, {"T010101", "T01010101"})

    def test_it_refuses_the_system_roles(self):
        for user in (self.p.sysadmin, self.p.secadmin, self.p.auditor):
            c = self.login(user)
            self.assertEqual(c.get(reverse("orgs:tree")).status_code, 403)
            self.assertEqual(c.get(reverse("orgs:detail", args=[self.p.district.pk])).status_code, 404)

    def test_it_forbids_a_visible_org_without_the_right(self):
        c = self.login(self.p.committee_secretary)
        self.assertEqual(c.get(reverse("orgs:move", args=[self.p.branch.pk])).status_code, 403)


class WriteTest(PersonaTestCase):
    def test_it_creates_a_child_and_rejects_bad_input_in_chinese(self):
        p = self.p
        c = self.login(p.branch_secretary)
        url = reverse("orgs:create") + f"?parent={p.branch.pk}"
        r = c.post(url, {"org_type": "group", "code": "T0101", "name": "重复编码小组"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "组织编码“T0101”已被使用")
        r = c.post(url, {"org_type": "branch", "code": "NEW1", "name": "错误类别"})
        self.assertContains(r, "选择一个有效的选项")
        self.assertFalse(Organization.objects.filter(code="NEW1").exists())
        r = c.post(
            url, {"org_type": "group", "code": "NEW2", "name": "第二党小组", "founded_on": "2024-03-01"}
        )
        org = Organization.objects.get(code="NEW2")
        self.assertRedirects(r, reverse("orgs:detail", args=[org.pk]))
        self.assertEqual(org.parent, p.branch)

    def test_it_creates_under_a_parent_chosen_in_the_form(self):
        p = self.p
        c = self.login(p.committee_secretary)
        url = reverse("orgs:create")
        r = c.get(url)
        self.assertContains(r, "东城社区党总支")
        self.assertNotContains(r, "西城")
        data = {"org_type": "branch", "code": "T0103", "name": "东城街道第二党支部"}
        r = c.post(url, {**data, "parent": p.other_committee.pk})
        self.assertContains(r, "所选上级党组织不存在、已撤销或不在您的授权范围内")
        r = c.post(url, {**data, "parent": p.branch.pk})
        self.assertContains(r, "党支部下不能直接设立党支部")
        self.assertFalse(Organization.objects.filter(code="T0103").exists())
        r = c.post(url, {**data, "parent": p.committee.pk})
        self.assertEqual(Organization.objects.get(code="T0103").parent, p.committee)
        self.assertEqual(self.login(p.member).get(url).status_code, 403)

    def test_it_edits_an_organization(self):
        p = self.p
        c = self.login(p.committee_secretary)
        url = reverse("orgs:edit", args=[p.sibling_branch.pk])
        self.assertContains(c.get(url), "陈志刚")  # secretary choices: people of the branch
        data = {
            "org_type": "branch",
            "code": "T0102",
            "name": "东城街道机关第一党支部",
            "secretary": p.cadre.pk,
        }
        r = c.post(url, data)
        self.assertRedirects(r, reverse("orgs:detail", args=[p.sibling_branch.pk]))
        p.sibling_branch.refresh_from_db()
        self.assertEqual((p.sibling_branch.name, p.sibling_branch.secretary), (data["name"], p.cadre))
        r = c.post(url, {**data, "secretary": p.dave.pk})
        self.assertContains(r, "所选人员不存在、已归档或不在您的授权范围内")
        self.assertEqual(p.sibling_branch.secretary, p.cadre)

    def test_it_moves_after_a_confirmation_showing_what_moves(self):
        p = self.p
        c = self.login(p.org_admin)
        url = reverse("orgs:move", args=[p.general_branch.pk])
        r = c.get(url)
        targets = [pk for pk, _ in r.context["form"].fields["new_parent"].widget.choices if pk]
        self.assertIn(p.other_committee.pk, [int(str(t)) for t in targets])
        self.assertNotIn(p.committee.pk, [int(str(t)) for t in targets])
        r = c.post(url, {"new_parent": p.other_committee.pk})
        self.assertTemplateUsed(r, "orgs/move_confirm.html")
        self.assertEqual(r.context["impact"], {"orgs": 3, "people": 2})
        p.general_branch.refresh_from_db()
        self.assertEqual(p.general_branch.parent, p.committee)  # nothing moved yet
        r = c.post(url, {"new_parent": p.other_committee.pk, "confirm": "1"})
        self.assertRedirects(r, reverse("orgs:detail", args=[p.general_branch.pk]))
        p.alice.refresh_from_db()
        self.assertTrue(p.alice.org_path.startswith(p.other_committee.path))
        self.assertTrue(AuditEvent.objects.filter(kind="update", object_id=str(p.general_branch.pk)).exists())

    def test_it_refuses_a_move_target_of_the_wrong_type(self):
        p = self.p
        r = self.login(p.org_admin).post(
            reverse("orgs:move", args=[p.branch.pk]), {"new_parent": p.district.pk, "confirm": "1"}
        )
        self.assertContains(r, "所选组织不能作为新的上级党组织")
        p.branch.refresh_from_db()
        self.assertEqual(p.branch.parent, p.general_branch)

    def test_it_dissolves_with_a_date_and_confirmation(self):
        p = self.p
        c = self.login(p.branch_secretary)
        url = reverse("orgs:dissolve", args=[p.group.pk])
        r = c.post(url, {"on": "2024-06-30"})
        self.assertContains(r, "请勾选确认后再撤销")
        r = c.post(url, {"on": "2024-06-30", "confirm": "on"})
        self.assertRedirects(r, reverse("orgs:detail", args=[p.group.pk]))
        p.group.refresh_from_db()
        self.assertEqual(p.group.dissolved_on, dt.date(2024, 6, 30))
        self.assertTrue(AuditEvent.objects.filter(kind="archive", object_id=str(p.group.pk)).exists())
        r = c.post(reverse("orgs:restore", args=[p.group.pk]))
        p.group.refresh_from_db()
        self.assertTrue(p.group.is_active)

    def test_it_shows_why_an_organization_cannot_be_dissolved(self):
        p = self.p
        r = self.login(p.committee_secretary).post(
            reverse("orgs:dissolve", args=[p.sibling_branch.pk]), {"on": "2024-06-30", "confirm": "on"}
        )
        self.assertContains(r, "该组织还有在册人员，请先办理组织关系转接。")
        p.sibling_branch.refresh_from_db()
        self.assertTrue(p.sibling_branch.is_active)

    def test_it_keeps_a_branch_secretary_from_dissolving_their_own_branch(self):
        c = self.login(self.p.branch_secretary)
        self.assertEqual(c.get(reverse("orgs:dissolve", args=[self.p.branch.pk])).status_code, 403)
