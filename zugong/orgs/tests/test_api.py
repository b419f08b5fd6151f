"""The organization API: scope per persona, 404 for outsiders, writes through services."""

from django.urls import reverse
from rest_framework.test import APIClient

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase
from zugong.orgs.models import Organization, OrgStatus
from zugong.people.models import Person

LIST = "api-organization-list"


def detail(org):
    return reverse("api-organization-detail", args=[org.pk])


def action(org, name):
    return reverse(f"api-organization-{name}", args=[org.pk])


class ApiTestCase(PersonaTestCase):
    client_class = APIClient

    def codes(self, user, **params):
        self.client.force_login(user)
        response = self.client.get(reverse(LIST), params)
        self.assertEqual(response.status_code, 200)
        return {row["code"] for row in response.json()["results"]}


class OrganizationListTest(ApiTestCase):
    def test_it_shows_the_org_admin_the_whole_district(self):
        self.assertEqual(
            self.codes(self.p.org_admin), set(Organization.objects.values_list("code", flat=True))
        )

    def test_it_shows_a_committee_secretary_the_subtree(self):
        self.assertEqual(
            self.codes(self.p.committee_secretary), {"T01", "T0101", "T010101", "T01010101", "T0102"}
        )

    def test_it_shows_a_branch_secretary_the_branch(self):
        self.assertEqual(self.codes(self.p.branch_secretary), {"T010101", "T01010101"})

    def test_it_shows_members_and_system_roles_nothing(self):
        for user in (self.p.member, self.p.sysadmin, self.p.secadmin, self.p.auditor):
            self.assertEqual(self.codes(user), set(), user.username)

    def test_it_applies_the_page_filters(self):
        self.assertEqual(self.codes(self.p.org_admin, org_type="branch"), {"T010101", "T0102", "T0201"})
        self.assertEqual(
            self.codes(self.p.org_admin, within=self.p.general_branch.pk), {"T0101", "T010101", "T01010101"}
        )
        self.assertEqual(self.codes(self.p.org_admin, q="西城"), {"T02", "T0201"})


class OutsiderTest(ApiTestCase):
    """A secretary of another branch meets 404 on every organization of p.committee's subtree."""

    def test_it_hides_the_committee_subtree(self):
        self.client.force_login(self.p.other_secretary)
        subtree = [
            self.p.committee,
            self.p.general_branch,
            self.p.branch,
            self.p.group,
            self.p.sibling_branch,
        ]
        for org in subtree:
            calls = [
                ("get", detail(org), None),
                ("get", action(org, "children"), None),
                ("get", action(org, "counts"), None),
                ("patch", detail(org), {"name": "x"}),
                ("post", action(org, "move"), {"parent": self.p.other_committee.pk}),
                ("post", action(org, "dissolve"), {}),
                ("post", action(org, "restore"), {}),
            ]
            for method, url, data in calls:
                response = getattr(self.client, method)(url, data, format="json")
                self.assertEqual(response.status_code, 404, f"{method} {url}")
        self.assertFalse(AuditEvent.objects.exclude(kind=AuditEvent.Kind.EVENT).exists())

    def test_it_cannot_create_under_a_foreign_parent(self):
        self.client.force_login(self.p.other_secretary)
        response = self.client.post(
            reverse(LIST),
            {"parent": self.p.committee.pk, "org_type": "branch", "code": "X1", "name": "越权支部"},
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Organization.objects.filter(code="X1").exists())

    def test_it_refuses_members_every_write(self):
        self.client.force_login(self.p.member)
        self.assertEqual(self.client.get(detail(self.p.branch)).status_code, 404)
        self.assertEqual(
            self.client.patch(detail(self.p.branch), {"name": "x"}, format="json").status_code, 404
        )
        response = self.client.post(
            reverse(LIST),
            {"parent": self.p.branch.pk, "org_type": "group", "code": "X2", "name": "新小组"},
            format="json",
        )
        self.assertEqual(response.status_code, 403)

    def test_it_answers_403_when_visible_but_not_permitted(self):
        self.client.force_login(self.p.committee_secretary)
        # A secretary may not move organizations (调整组织隶属 is the department's).
        response = self.client.post(
            action(self.p.branch, "move"), {"parent": self.p.committee.pk}, format="json"
        )
        self.assertEqual(response.status_code, 403)


class OrganizationWriteTest(ApiTestCase):
    def test_it_creates_under_a_parent_in_scope(self):
        self.client.force_login(self.p.committee_secretary)
        response = self.client.post(
            reverse(LIST),
            {
                "parent": self.p.committee.pk,
                "org_type": "branch",
                "code": "T0103",
                "name": "东城街道第二支部",
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        org = Organization.objects.get(code="T0103")
        self.assertEqual(org.path, self.p.committee.path + org.segment())
        self.assertTrue(AuditEvent.objects.filter(kind="create", object_id=str(org.pk)).exists())

    def test_it_rejects_a_wrong_child_type_in_chinese(self):
        self.client.force_login(self.p.committee_secretary)
        response = self.client.post(
            reverse(LIST),
            {"parent": self.p.branch.pk, "org_type": "branch", "code": "T9", "name": "错层支部"},
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["org_type"], ["党支部下不能直接设立党支部。"])
        self.assertFalse(Organization.objects.filter(code="T9").exists())

    def test_it_patches_and_audits(self):
        self.client.force_login(self.p.branch_secretary)
        response = self.client.patch(detail(self.p.branch), {"short_name": "一支部"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["short_name"], "一支部")
        event = AuditEvent.objects.get(kind=AuditEvent.Kind.UPDATE)
        self.assertEqual((event.object_id, event.after), (str(self.p.branch.pk), {"short_name": "一支部"}))

    def test_it_moves_a_subtree_and_its_people(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.post(
            action(self.p.general_branch, "move"), {"parent": self.p.other_committee.pk}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["parent"], self.p.other_committee.pk)
        alice = Person.objects.get(pk=self.p.alice.pk)
        self.assertTrue(alice.org_path.startswith(self.p.other_committee.path))

    def test_it_dissolves_only_an_empty_organization_and_restores_it(self):
        self.client.force_login(self.p.committee_secretary)
        response = self.client.post(action(self.p.branch, "dissolve"), {}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("下级组织", response.json()["non_field_errors"][0])
        response = self.client.post(action(self.p.group, "dissolve"), {"on": "2025-06-30"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["status"], response.json()["dissolved_on"]), ("dissolved", "2025-06-30")
        )
        response = self.client.post(action(self.p.group, "restore"), format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Organization.objects.get(pk=self.p.group.pk).status, OrgStatus.ACTIVE)

    def test_it_leaves_dissolving_to_the_superior_organization(self):
        self.client.force_login(self.p.branch_secretary)
        response = self.client.post(action(self.p.branch, "dissolve"), {}, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["detail"], "撤销党组织须由上级党组织办理。")


class OrganizationReadTest(ApiTestCase):
    def test_it_lists_children_with_member_counts(self):
        self.client.force_login(self.p.committee_secretary)
        response = self.client.get(action(self.p.committee, "children"))
        self.assertEqual(response.status_code, 200)
        counts = {row["code"]: row["member_count"] for row in response.json()}
        self.assertEqual(counts, {"T0101": 2, "T0102": 2})

    def test_it_counts_the_subtree_as_the_selector_does(self):
        self.client.force_login(self.p.committee_secretary)
        data = self.client.get(action(self.p.committee, "counts")).json()
        self.assertEqual(data["people"], {"total": 4, "full": 3, "probationary": 1, "cadres": 1})
        self.assertEqual(data["org_total"], 4)
        self.assertIn({"label": "党支部", "count": 2}, data["orgs_by_type"])


class UnitAndTeamTest(ApiTestCase):
    def names(self, user, url):
        self.client.force_login(user)
        response = self.client.get(reverse(url))
        self.assertEqual(response.status_code, 200)
        return {row["name"] for row in response.json()["results"]}

    def test_it_scopes_units(self):
        self.assertEqual(self.names(self.p.org_admin, "api-unit-list"), {"东城街道办事处", "西城街道办事处"})
        self.assertEqual(self.names(self.p.committee_secretary, "api-unit-list"), {"东城街道办事处"})
        self.assertEqual(self.names(self.p.member, "api-unit-list"), set())
        self.client.force_login(self.p.other_secretary)
        self.assertEqual(self.client.get(reverse("api-unit-detail", args=[self.p.unit.pk])).status_code, 404)

    def test_it_scopes_teams_and_shows_positions(self):
        self.assertEqual(
            self.names(self.p.committee_secretary, "api-leadership-team-list"), {"东城街道领导班子"}
        )
        self.assertEqual(self.names(self.p.sysadmin, "api-leadership-team-list"), set())
        data = self.client.get(reverse("api-leadership-team-detail", args=[self.p.team.pk])).status_code
        self.assertEqual(data, 404)
        self.client.force_login(self.p.org_admin)
        team = self.client.get(reverse("api-leadership-team-detail", args=[self.p.team.pk])).json()
        self.assertEqual(
            [(pos["title"], pos["person_name"], pos["is_principal"]) for pos in team["positions"]],
            [("党工委书记", "陈志刚", True)],
        )
        self.client.force_login(self.p.other_secretary)
        self.assertEqual(
            self.client.get(reverse("api-leadership-team-detail", args=[self.p.team.pk])).status_code, 404
        )
