from zugong.core.roles import Action
from zugong.core.scope import grant_paths
from zugong.core.testing import PersonaTestCase
from zugong.orgs.models import Organization
from zugong.people.models import Person, Transfer


class ScopeTest(PersonaTestCase):
    def test_it_gives_the_org_admin_everything(self):
        self.assertEqual(grant_paths(self.p.org_admin, Action.VIEW), [""])
        self.assertEqual(Person.objects.restrict(self.p.org_admin).count(), Person.objects.count())

    def test_it_limits_a_committee_secretary_to_the_subtree(self):
        names = set(Person.objects.restrict(self.p.committee_secretary).values_list("name", flat=True))
        self.assertEqual(names, {"王小红", "李建国", "张晓梅", "陈志刚"})
        orgs = set(Organization.objects.restrict(self.p.committee_secretary).values_list("code", flat=True))
        self.assertEqual(orgs, {"T01", "T0101", "T010101", "T01010101", "T0102"})

    def test_it_limits_a_branch_secretary_to_the_branch(self):
        names = set(Person.objects.restrict(self.p.branch_secretary).values_list("name", flat=True))
        self.assertEqual(names, {"王小红", "李建国"})

    def test_it_shows_a_member_only_their_own_record(self):
        self.assertEqual(list(Person.objects.restrict(self.p.member)), [self.p.alice])
        self.assertFalse(Person.objects.restrict(self.p.member, Action.CHANGE).exists())
        self.assertFalse(Organization.objects.restrict(self.p.member).exists())

    def test_it_shows_the_system_roles_no_roster(self):
        for user in (self.p.sysadmin, self.p.secadmin, self.p.auditor):
            self.assertFalse(Person.objects.restrict(user).exists())
            self.assertFalse(Organization.objects.restrict(user).exists())

    def test_it_lets_an_org_committee_member_view_but_not_archive(self):
        self.assertTrue(Person.objects.restrict(self.p.org_committee_member, Action.CHANGE).exists())
        self.assertFalse(Person.objects.restrict(self.p.org_committee_member, Action.ARCHIVE).exists())

    def test_it_scopes_transfers_by_either_end(self):
        self.assertFalse(Transfer.objects.restrict(self.p.other_secretary).exists())
