"""The organization tree's write rules: create, move (one set-based rewrite of every path below),
dissolve and restore."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zugong.core.models import AuditEvent
from zugong.core.scope import user_grants
from zugong.core.testing import PersonaTestCase
from zugong.orgs import services
from zugong.orgs.models import Organization, OrgStatus, OrgType
from zugong.people.choices import TransferKind
from zugong.people.models import Person, Transfer


def reload(*objs):
    for o in objs:
        o.refresh_from_db()


class CreateTest(PersonaTestCase):
    def test_it_puts_a_new_group_under_its_branch(self):
        org = services.organization_create(
            actor=self.p.branch_secretary,
            parent=self.p.branch,
            org_type=OrgType.GROUP,
            code="T01010102",
            name="第二党小组",
        )
        self.assertEqual(org.path, self.p.branch.path + org.segment())
        self.assertEqual(org.depth, self.p.branch.depth + 1)
        self.assertTrue(
            AuditEvent.objects.filter(
                kind="create", object_type="orgs.organization", object_id=str(org.pk)
            ).exists()
        )

    def test_it_rejects_a_type_the_parent_may_not_hold(self):
        with pytest.raises(ValidationError) as e:
            services.organization_create(
                actor=self.p.org_admin,
                parent=self.p.committee,
                org_type=OrgType.GROUP,
                code="X1",
                name="小组",
            )
        self.assertIn("党(工)委下不能直接设立党小组", str(e.value))
        self.assertFalse(Organization.objects.filter(code="X1").exists())

    def test_it_rejects_a_used_code(self):
        with pytest.raises(ValidationError) as e:
            services.organization_create(
                actor=self.p.org_admin,
                parent=self.p.committee,
                org_type=OrgType.BRANCH,
                code="T0102",
                name="重复",
            )
        self.assertIn("组织编码“T0102”已被使用", str(e.value))

    def test_it_rejects_a_parent_outside_the_scope(self):
        with pytest.raises(PermissionDenied):
            services.organization_create(
                actor=self.p.other_secretary,
                parent=self.p.branch,
                org_type=OrgType.GROUP,
                code="X2",
                name="越权",
            )
        self.assertFalse(Organization.objects.filter(code="X2").exists())

    def test_it_rejects_a_second_district(self):
        with pytest.raises(ValidationError):
            services.organization_create(
                actor=self.p.org_admin, parent=None, org_type=OrgType.DISTRICT, code="X3", name="另一个区委"
            )
        with pytest.raises(PermissionDenied):
            services.organization_create(
                actor=self.p.committee_secretary,
                parent=None,
                org_type=OrgType.DISTRICT,
                code="X4",
                name="区委",
            )

    def test_it_rejects_a_dissolved_parent(self):
        services.organization_dissolve(actor=self.p.org_admin, org=self.p.group, on=dt.date(2024, 1, 1))
        self.p.group.refresh_from_db()
        with pytest.raises(ValidationError):
            services.organization_create(
                actor=self.p.org_admin, parent=self.p.group, org_type=OrgType.GROUP, code="X5", name="x"
            )

    def test_it_requires_a_name(self):
        with pytest.raises(ValidationError) as e:
            services.organization_create(
                actor=self.p.org_admin, parent=self.p.branch, org_type=OrgType.GROUP, code="X6", name="  "
            )
        self.assertIn("请填写组织名称", str(e.value))


class MoveTest(PersonaTestCase):
    def test_it_rewrites_every_path_below_in_one_go(self):
        p = self.p
        Transfer.objects.create(
            person=p.carol,
            kind=TransferKind.INTERNAL,
            from_org=p.branch,
            to_org=p.sibling_branch,
            from_path=p.branch.path,
            to_path=p.sibling_branch.path,
            transfer_date=dt.date(2020, 1, 1),
        )
        services.organization_move(actor=p.org_admin, org=p.general_branch, new_parent=p.other_committee)
        reload(p.general_branch, p.branch, p.group, p.alice, p.bob, p.other_committee)
        self.assertEqual(p.general_branch.parent, p.other_committee)
        self.assertEqual(p.general_branch.path, p.other_committee.path + p.general_branch.segment())
        self.assertEqual(p.branch.path, p.general_branch.path + p.branch.segment())
        self.assertEqual(p.group.path, p.branch.path + p.group.segment())
        self.assertEqual([p.general_branch.depth, p.branch.depth, p.group.depth], [3, 4, 5])
        self.assertEqual(p.alice.org_path, p.branch.path)
        self.assertEqual(p.bob.org_path, p.branch.path)
        transfer = Transfer.objects.get(person=p.carol)
        self.assertEqual(transfer.from_path, p.branch.path)
        self.assertEqual(transfer.to_path, p.sibling_branch.path)
        # Scope follows the move: the branch now lies in the other committee's subtree.
        self.assertFalse(Person.objects.restrict(p.committee_secretary).filter(pk=p.alice.pk).exists())
        event = AuditEvent.objects.filter(
            object_type="orgs.organization", object_id=str(p.general_branch.pk)
        ).first()
        self.assertEqual(event.kind, "update")
        self.assertEqual(event.detail["moved_people"], 2)
        self.assertEqual(event.detail["moved_orgs"], 3)

    def test_it_costs_the_same_queries_for_a_big_subtree_as_for_a_leaf(self):
        p = self.p
        user_grants(p.org_admin)  # read once per request in real use
        # The audit chain reads its head once per connection on first append; warm it up.
        services.organization_move(actor=p.org_admin, org=p.sibling_branch, new_parent=p.other_committee)
        services.organization_move(actor=p.org_admin, org=p.sibling_branch, new_parent=p.committee)
        with CaptureQueriesContext(connection) as leaf:
            services.organization_move(actor=p.org_admin, org=p.sibling_branch, new_parent=p.other_committee)
        with CaptureQueriesContext(connection) as subtree:
            services.organization_move(actor=p.org_admin, org=p.general_branch, new_parent=p.other_committee)
        self.assertEqual(len(leaf), len(subtree))

    def test_it_cannot_move_under_its_own_descendant(self):
        p = self.p
        sub = services.organization_create(
            actor=p.org_admin, parent=p.committee, org_type=OrgType.COMMITTEE, code="T0103", name="下属党委"
        )
        with pytest.raises(ValidationError) as e:
            services.organization_move(actor=p.org_admin, org=p.committee, new_parent=sub)
        self.assertIn("不能把组织移到它自己或它的下级组织之下", str(e.value))
        with pytest.raises(ValidationError):
            services.organization_move(actor=p.org_admin, org=p.committee, new_parent=p.committee)
        p.committee.refresh_from_db()
        self.assertEqual(p.committee.parent, p.district)

    def test_it_rejects_a_wrong_type_under_the_new_parent_in_chinese(self):
        p = self.p
        old_path = p.branch.path
        with pytest.raises(ValidationError) as e:
            services.organization_move(actor=p.org_admin, org=p.branch, new_parent=p.district)
        self.assertIn("区委下不能直接设立党支部", str(e.value))
        p.branch.refresh_from_db()
        self.assertEqual(p.branch.path, old_path)

    def test_it_leaves_moving_to_the_org_admin(self):
        with pytest.raises(PermissionDenied):
            services.organization_move(
                actor=self.p.committee_secretary, org=self.p.sibling_branch, new_parent=self.p.general_branch
            )

    def test_it_refuses_the_same_parent_and_a_dissolved_target(self):
        p = self.p
        with pytest.raises(ValidationError):
            services.organization_move(actor=p.org_admin, org=p.sibling_branch, new_parent=p.committee)
        services.organization_dissolve(actor=p.org_admin, org=p.group, on=dt.date(2024, 1, 1))
        with pytest.raises(ValidationError) as e:
            services.organization_move(actor=p.org_admin, org=p.group, new_parent=p.sibling_branch)
        self.assertIn("已撤销", str(e.value))


class DissolveTest(PersonaTestCase):
    def test_it_dissolves_an_empty_group_and_audits(self):
        p = self.p
        services.organization_dissolve(actor=p.branch_secretary, org=p.group, on=dt.date(2024, 5, 1))
        p.group.refresh_from_db()
        self.assertEqual((p.group.status, p.group.dissolved_on), (OrgStatus.DISSOLVED, dt.date(2024, 5, 1)))
        self.assertTrue(AuditEvent.objects.filter(kind="archive", object_id=str(p.group.pk)).exists())

    def test_it_refuses_an_organization_with_active_children(self):
        with pytest.raises(ValidationError) as e:
            services.organization_dissolve(
                actor=self.p.org_admin, org=self.p.general_branch, on=dt.date(2024, 1, 1)
            )
        self.assertIn("未撤销的下级组织", str(e.value))

    def test_it_refuses_an_organization_with_people(self):
        p = self.p
        services.organization_dissolve(actor=p.org_admin, org=p.group, on=dt.date(2024, 1, 1))
        with pytest.raises(ValidationError) as e:
            services.organization_dissolve(actor=p.org_admin, org=p.branch, on=dt.date(2024, 1, 1))
        self.assertIn("在册人员", str(e.value))
        p.branch.refresh_from_db()
        self.assertTrue(p.branch.is_active)

    def test_it_checks_the_date(self):
        p = self.p
        with pytest.raises(ValidationError) as e:
            services.organization_dissolve(actor=p.org_admin, org=p.group, on=dt.date(1999, 1, 1))
        self.assertIn("不能早于成立日期", str(e.value))
        with pytest.raises(ValidationError) as e:
            services.organization_dissolve(actor=p.org_admin, org=p.group, on=dt.date(2999, 1, 1))
        self.assertIn("不能晚于今天", str(e.value))

    def test_it_is_decided_by_the_superior(self):
        # A branch secretary may dissolve a group of the branch, not the branch itself.
        p = self.p
        with pytest.raises(PermissionDenied):
            services.organization_dissolve(actor=p.branch_secretary, org=p.branch, on=dt.date(2024, 1, 1))
        with pytest.raises(PermissionDenied):
            services.organization_dissolve(actor=p.org_committee_member, org=p.group, on=dt.date(2024, 1, 1))

    def test_it_restores_and_refuses_under_a_dissolved_parent(self):
        p = self.p
        extra = services.organization_create(
            actor=p.org_admin, parent=p.committee, org_type=OrgType.BRANCH, code="T0109", name="临时党支部"
        )
        services.organization_dissolve(actor=p.org_admin, org=p.group, on=dt.date(2024, 1, 1))
        services.organization_restore(actor=p.org_admin, org=p.group)
        p.group.refresh_from_db()
        self.assertTrue(p.group.is_active)
        self.assertIsNone(p.group.dissolved_on)
        with pytest.raises(ValidationError):
            services.organization_restore(actor=p.org_admin, org=p.group)
        services.organization_dissolve(actor=p.org_admin, org=extra, on=dt.date(2024, 1, 1))
        self.assertTrue(AuditEvent.objects.filter(kind="restore", object_id=str(p.group.pk)).exists())


class UpdateTest(PersonaTestCase):
    def test_it_refuses_a_type_that_strands_the_children(self):
        with pytest.raises(ValidationError) as e:
            services.organization_update(
                actor=self.p.org_admin, org=self.p.general_branch, org_type=OrgType.BRANCH
            )
        self.assertIn("不能隶属于党支部", str(e.value))

    def test_it_refuses_a_secretary_from_another_branch(self):
        with pytest.raises(ValidationError) as e:
            services.organization_update(
                actor=self.p.committee_secretary, org=self.p.branch, secretary=self.p.dave
            )
        self.assertIn("不在您的授权范围内", str(e.value))

    def test_it_saves_and_audits_the_change(self):
        p = self.p
        services.organization_update(
            actor=p.branch_secretary, org=p.branch, name="东城社区第一党支部（新）", secretary=p.alice
        )
        p.branch.refresh_from_db()
        self.assertEqual(p.branch.secretary, p.alice)
        event = AuditEvent.objects.filter(kind="update", object_id=str(p.branch.pk)).first()
        self.assertEqual(event.after["name"], "东城社区第一党支部（新）")
