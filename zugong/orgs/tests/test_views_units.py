"""Unit and leadership-team pages and their services."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase
from zugong.orgs import services_units
from zugong.orgs.models import LeadershipTeam, TeamPosition, Unit, UnitKind
from zugong.people.choices import Rank


class UnitPagesTest(PersonaTestCase):
    def test_it_lists_only_units_in_scope(self):
        r = self.login(self.p.committee_secretary).get(reverse("orgs:unit_list"))
        self.assertEqual(r.status_code, 200)
        self.assertEqual([u.code for u in r.context["page"]], ["U01"])
        r = self.login(self.p.org_admin).get(reverse("orgs:unit_list"), {"sort": "-code"})
        self.assertEqual([u.code for u in r.context["page"]], ["U02", "U01"])

    def test_it_shows_teams_and_positions(self):
        r = self.login(self.p.committee_secretary).get(reverse("orgs:unit_detail", args=[self.p.unit.pk]))
        self.assertContains(r, "东城街道领导班子")
        self.assertContains(r, "党工委书记")
        self.assertContains(r, "陈志刚")
        self.assertNotContains(r, "赵立新")

    def test_it_exports_units_and_audits(self):
        r = self.login(self.p.org_admin).get(reverse("orgs:unit_export"), {"kind": "street"})
        rows = list(
            load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.iter_rows(values_only=True)
        )
        self.assertEqual(rows[1][:2], ("单位编码", "单位名称"))
        self.assertEqual(len(rows) - 2, 2)
        self.assertEqual(AuditEvent.objects.get(event="export").detail["what"], "units")

    def test_it_refuses_other_branches_and_members_on_every_unit_page(self):
        p = self.p
        position = TeamPosition.objects.get(team=p.team)
        urls = [
            ("get", reverse("orgs:unit_detail", args=[p.unit.pk])),
            ("get", reverse("orgs:unit_edit", args=[p.unit.pk])),
            ("post", reverse("orgs:unit_edit", args=[p.unit.pk])),
            ("get", reverse("orgs:team_create", args=[p.unit.pk])),
            ("post", reverse("orgs:team_create", args=[p.unit.pk])),
            ("get", reverse("orgs:team_edit", args=[p.team.pk])),
            ("get", reverse("orgs:position_create", args=[p.team.pk])),
            ("post", reverse("orgs:position_create", args=[p.team.pk])),
            ("get", reverse("orgs:position_edit", args=[position.pk])),
            ("post", reverse("orgs:position_delete", args=[position.pk])),
            ("get", reverse("orgs:unit_export") + f"?org={p.committee.pk}"),
            ("get", reverse("orgs:unit_list") + f"?org={p.committee.pk}"),
            ("get", reverse("orgs:unit_create") + f"?org={p.committee.pk}"),
        ]
        for user in (p.other_secretary, p.other_member, p.member, p.branch_secretary):
            c = self.login(user)
            for method, url in urls:
                r = c.post(url, {"name": "x", "title": "x"}) if method == "post" else c.get(url)
                self.assertIn(r.status_code, (403, 404), f"{user} {method} {url}")
        self.assertTrue(TeamPosition.objects.filter(pk=position.pk).exists())
        for user in (p.member, p.other_member, p.sysadmin):
            self.assertEqual(self.login(user).get(reverse("orgs:unit_list")).status_code, 403)


class UnitWritesTest(PersonaTestCase):
    def test_it_creates_a_unit_from_the_page(self):
        p = self.p
        c = self.login(p.committee_secretary)
        url = reverse("orgs:unit_create") + f"?org={p.sibling_branch.pk}"
        self.assertEqual(c.get(url).status_code, 200)
        data = {
            "name": "东城街道社区服务中心",
            "kind": "institution",
            "code": "U01",
            "organization": p.sibling_branch.pk,
        }
        r = c.post(url, data)
        self.assertContains(r, "单位编码“U01”已被使用")
        r = c.post(url, {**data, "organization": p.other_branch.pk, "code": "U09"})
        self.assertContains(r, "所选党组织不存在或不在您的授权范围内")
        self.assertFalse(Unit.objects.filter(code="U09").exists())
        r = c.post(url, {**data, "code": "U03"})
        unit = Unit.objects.get(code="U03")
        self.assertRedirects(r, reverse("orgs:unit_detail", args=[unit.pk]))

    def test_it_adds_a_team_and_a_position(self):
        p = self.p
        c = self.login(p.committee_secretary)
        r = c.post(
            reverse("orgs:team_create", args=[p.unit.pk]),
            {"name": "东城街道办事处领导班子", "is_district_managed": "on"},
        )
        self.assertRedirects(r, reverse("orgs:unit_detail", args=[p.unit.pk]))
        team = LeadershipTeam.objects.get(name="东城街道办事处领导班子")
        url = reverse("orgs:position_create", args=[team.pk])
        self.assertContains(c.get(url), "李建国")  # people of the unit are offered
        r = c.post(url, {"title": "副主任", "person": p.dave.pk, "rank": Rank.TOWNSHIP_DEPUTY})
        self.assertContains(r, "所选人员不存在、已归档或不在您的授权范围内")
        r = c.post(
            url,
            {"title": "副主任", "person": p.bob.pk, "rank": Rank.TOWNSHIP_DEPUTY, "started_on": "2023-01-01"},
        )
        self.assertRedirects(r, reverse("orgs:unit_detail", args=[p.unit.pk]))
        position = TeamPosition.objects.get(team=team)
        self.assertEqual((position.person, position.rank), (p.bob, Rank.TOWNSHIP_DEPUTY))
        self.assertContains(c.get(reverse("orgs:unit_detail", args=[p.unit.pk])), "乡科级副职")
        self.assertTrue(AuditEvent.objects.filter(kind="create", object_type="orgs.teamposition").exists())

    def test_it_edits_and_deletes_a_position(self):
        p = self.p
        position = TeamPosition.objects.get(team=p.team)
        c = self.login(p.committee_secretary)
        url = reverse("orgs:position_edit", args=[position.pk])
        r = c.post(url, {"title": "党工委书记", "person": "", "started_on": "2023-01-01"})
        self.assertContains(r, "职位空缺时不应填写任职日期")
        r = c.post(url, {"title": "党工委书记", "person": ""})
        position.refresh_from_db()
        self.assertIsNone(position.person)
        c.post(reverse("orgs:position_delete", args=[position.pk]))
        # Removed seats are archived, never deleted, and no longer shown on the unit page.
        position.refresh_from_db()
        self.assertIsNotNone(position.archived_at)
        self.assertTrue(AuditEvent.objects.filter(kind="archive", object_type="orgs.teamposition").exists())
        page = c.get(reverse("orgs:unit_detail", args=[p.unit.pk]))
        self.assertNotContains(page, reverse("orgs:position_edit", args=[position.pk]))


class UnitServicesTest(PersonaTestCase):
    def test_it_keeps_a_unit_inside_the_writers_scope(self):
        p = self.p
        with pytest.raises(ValidationError):
            services_units.unit_update(
                actor=p.committee_secretary, unit=p.unit, organization=p.other_committee
            )
        p.unit.refresh_from_db()
        self.assertEqual(p.unit.organization, p.committee)

    def test_it_refuses_a_duplicate_team_name(self):
        with pytest.raises(ValidationError) as e:
            services_units.team_create(actor=self.p.org_admin, unit=self.p.unit, name="东城街道领导班子")
        self.assertIn("已有名为", str(e.value))

    def test_it_refuses_an_unknown_rank(self):
        with pytest.raises(ValidationError):
            services_units.position_create(
                actor=self.p.org_admin, team=self.p.team, title="主任", rank="boss"
            )

    def test_it_creates_a_unit_with_audit(self):
        unit = services_units.unit_create(
            actor=self.p.branch_secretary,
            organization=self.p.branch,
            name="东城社区居委会",
            kind=UnitKind.COMMUNITY,
            code="U10",
        )
        self.assertTrue(
            AuditEvent.objects.filter(kind="create", object_id=str(unit.pk), object_type="orgs.unit").exists()
        )
