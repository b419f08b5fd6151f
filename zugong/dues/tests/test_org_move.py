"""Moving an organization rewrites the dues records' copies of its path, so they stay in the right scope."""

from __future__ import annotations

from django.utils import timezone

from zugong.core.testing import PersonaTestCase
from zugong.dues import ledger, rules
from zugong.dues.models import LedgerEntry
from zugong.orgs.models import Organization
from zugong.orgs.services import organization_move


class OrgMoveTest(PersonaTestCase):
    def test_it_moves_the_ledger_with_the_branch(self):
        month = rules.add_months(rules.month_start(timezone.localdate()), -1)
        ledger.generate_month(actor=self.p.org_admin, month=month, org=self.p.branch)
        alice = LedgerEntry.objects.get(person=self.p.alice, month=month)
        self.assertEqual(alice.org_path, self.p.branch.path)
        # 东城社区党总支 (with its branch) moves under 西城街道党工委.
        organization_move(
            actor=self.p.org_admin, org=self.p.general_branch, new_parent=self.p.other_committee
        )
        branch = Organization.objects.get(pk=self.p.branch.pk)
        alice.refresh_from_db()
        self.assertEqual(alice.org_path, branch.path)
        self.assertTrue(branch.path.startswith(self.p.other_committee.path))
        # The old committee's secretary no longer sees the row.
        self.assertFalse(LedgerEntry.objects.restrict(self.p.committee_secretary, "view").filter(pk=alice.pk))
