"""The monthly ledger (``ledger.generate_month``): who is charged, by which branch, how much, under which rule
set; idempotence; scope; the audit event. Runs on SQLite and on PostgreSQL (DATABASE_URL).

Documented behaviour: a month already in the ledger is never re-computed. Generating it again adds only the
members missing from it; a base, category, reduction or rule set entered later does not change its rows
(``ON CONFLICT DO NOTHING``)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zugong.core import idnumber
from zugong.core.audit import Events
from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase, create_person
from zugong.dues import ledger, rules
from zugong.dues.models import Category, DuesProfile, DuesRuleSet, IncomeBase, LedgerEntry, Reduction
from zugong.people.choices import MembershipStatus, Sex
from zugong.people.models import Membership
from zugong.people.services import person_archive, person_transfer


def M(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


_seq = itertools.count(1)


class LedgerCase(PersonaTestCase):
    def member(self, name, org, join_date=dt.date(2010, 7, 1), status=MembershipStatus.FULL):
        person = create_person(
            id_number=idnumber.make("110102", dt.date(1975, 5, 5), next(_seq) * 2 + 1),
            name=name,
            org=org,
            birth_date=dt.date(1975, 5, 5),
            sex=Sex.MALE,
        )
        if status:
            Membership.objects.create(
                person=person,
                status=status,
                join_date=join_date,
                confirmation_date=None
                if status == MembershipStatus.PROBATIONARY
                else join_date.replace(year=join_date.year + 1),
            )
            person.party_status = status
            person.save(update_fields=["party_status"])
        return person

    def generate(self, month, actor=None, org=None):
        return ledger.generate_month(actor=actor or self.p.org_admin, month=month, org=org)

    def row(self, person, month) -> LedgerEntry:
        return LedgerEntry.objects.get(person=person, month=month)

    def rows(self, month) -> dict[int, LedgerEntry]:
        return {e.person_id: e for e in LedgerEntry.objects.filter(month=month)}

    def base(self, person, month, base_fen):
        return IncomeBase.objects.create(person=person, effective_month=month, base_fen=base_fen)

    def profile(self, person, category):
        return DuesProfile.objects.update_or_create(person=person, defaults={"category": category})[0]

    def reduction(self, person, first, last, amount_fen=0, status=Reduction.Status.APPROVED):
        return Reduction.objects.create(
            person=person,
            amount_fen=amount_fen,
            valid_from=first,
            valid_to=last,
            reason="困难",
            status=status,
        )

    def on_roll(self):
        return {self.p.alice.pk, self.p.bob.pk, self.p.carol.pk, self.p.dave.pk, self.p.cadre.pk}


class WhoIsChargedTests(LedgerCase):
    def test_it_writes_one_row_per_member_on_the_roll(self):
        added = self.generate(M(2024, 6))
        self.assertEqual(added, 5)
        rows = self.rows(M(2024, 6))
        self.assertEqual(set(rows), self.on_roll())
        default = DuesRuleSet.objects.get(effective_from=M(2008, 4))
        for person in (self.p.alice, self.p.bob, self.p.carol, self.p.dave, self.p.cadre):
            entry = rows[person.pk]
            self.assertEqual((entry.org_id, entry.org_path), (person.org_id, person.org_path))
            self.assertEqual(entry.month, M(2024, 6))
            self.assertEqual(entry.rule_set_id, default.pk)
            self.assertEqual(entry.category, Category.EMPLOYED)  # no profile: employed
            self.assertEqual((entry.amount_fen, entry.paid_fen), (0, 0))
            self.assertIsNone(entry.reduction_id)

    def test_it_normalizes_the_month_to_its_first_day(self):
        self.generate(dt.date(2024, 6, 17))
        self.assertEqual(set(LedgerEntry.objects.values_list("month", flat=True)), {M(2024, 6)})

    def test_it_skips_people_without_membership_archived_members_and_later_joiners(self):
        cadre_only = self.member("非党干部", self.p.branch, status="")
        archived = self.member("已归档", self.p.branch)
        person_archive(actor=self.p.org_admin, person=archived, reason="去世")
        later = self.member("七月入党", self.p.branch, join_date=dt.date(2024, 7, 1))
        self.assertEqual(self.generate(M(2024, 6)), 5)
        self.assertEqual(set(self.rows(M(2024, 6))), self.on_roll())
        self.assertEqual(self.generate(M(2024, 7)), 6)
        self.assertIn(later.pk, self.rows(M(2024, 7)))
        self.assertFalse(LedgerEntry.objects.filter(person__in=[cadre_only, archived]).exists())

    def test_it_charges_a_probationary_member_from_the_admission_month(self):
        on_20th = self.member("预备甲", self.p.branch, dt.date(2024, 3, 20), MembershipStatus.PROBATIONARY)
        on_31st = self.member("预备乙", self.p.branch, dt.date(2024, 3, 31), MembershipStatus.PROBATIONARY)
        next_month = self.member("预备丙", self.p.branch, dt.date(2024, 4, 1), MembershipStatus.PROBATIONARY)
        self.generate(M(2024, 2))
        self.generate(M(2024, 3))
        self.generate(M(2024, 4))
        february, march, april = self.rows(M(2024, 2)), self.rows(M(2024, 3)), self.rows(M(2024, 4))
        self.assertNotIn(on_20th.pk, february)
        self.assertIn(on_20th.pk, march)
        self.assertIn(on_31st.pk, march)
        self.assertNotIn(next_month.pk, march)
        self.assertIn(next_month.pk, april)
        self.assertIn(self.p.carol.pk, february)  # the personas' 预备党员 joined in 2005

    def test_it_refuses_a_future_month_and_writes_nothing(self):
        this_month = rules.month_start(timezone.localdate())
        events = AuditEvent.objects.filter(event=Events.DUES_LEDGER).count()
        with self.assertRaises(ValidationError) as caught:
            self.generate(rules.add_months(this_month, 1))
        self.assertIn("未来月份", caught.exception.messages[0])
        self.assertFalse(LedgerEntry.objects.exists())
        self.assertEqual(AuditEvent.objects.filter(event=Events.DUES_LEDGER).count(), events)
        self.assertEqual(self.generate(this_month), 5)

    def test_it_refuses_a_month_without_a_rule_set(self):
        with self.assertRaises(ValidationError) as caught:
            self.generate(M(2008, 3))  # the national rule set starts in April 2008
        self.assertIn("没有适用的党费标准", caught.exception.messages[0])
        self.assertFalse(LedgerEntry.objects.exists())


class AmountTests(LedgerCase):
    def test_it_applies_a_raise_from_its_month_not_before(self):
        alice = self.p.alice
        self.base(alice, M(2024, 1), 300_000)
        self.base(alice, M(2024, 4), 600_000)
        for month in (M(2023, 12), M(2024, 1), M(2024, 3), M(2024, 4), M(2024, 5)):
            self.generate(month)
        self.assertTrue(self.row(alice, M(2023, 12)).missing_base)
        self.assertEqual(self.row(alice, M(2023, 12)).amount_fen, 0)
        for month, base, amount in [(M(2024, 1), 300_000, 1_500), (M(2024, 3), 300_000, 1_500),
                                    (M(2024, 4), 600_000, 9_000), (M(2024, 5), 600_000, 9_000)]:  # fmt: skip
            entry = self.row(alice, month)
            self.assertEqual((entry.base_fen, entry.amount_fen, entry.missing_base), (base, amount, False))

    def test_it_computes_the_regulation_numbers_per_category(self):
        p = self.p
        cases = {
            p.alice: (Category.EMPLOYED, 300_001, 3_000),
            p.bob: (Category.EMPLOYED, 1_150_000, 23_000),
            p.carol: (Category.RETIRED, 500_000, 2_500),
            p.dave: (Category.FARMER, None, 50),
            p.cadre: (Category.STUDENT, None, 20),
        }
        for person, (category, base, _) in cases.items():
            self.profile(person, category)
            if base is not None:
                self.base(person, M(2020, 1), base)
        self.generate(M(2024, 6))
        for person, (category, base, amount) in cases.items():
            entry = self.row(person, M(2024, 6))
            self.assertEqual((entry.category, entry.base_fen, entry.amount_fen), (category, base, amount))
            self.assertFalse(entry.missing_base)
            self.assertEqual(
                entry.amount_fen, rules.amount_fen(category=category, base_fen=base), person.name
            )

    def test_it_flags_a_missing_base_for_base_categories_only(self):
        p = self.p
        self.profile(p.alice, Category.EMPLOYED)  # no base
        self.profile(p.bob, Category.RETIRED)  # no base
        self.profile(p.carol, Category.FARMER)
        self.profile(p.dave, Category.UNEMPLOYED)
        self.reduction(p.cadre, M(2024, 1), M(2024, 12), amount_fen=100)  # employed, no base, reduced
        self.generate(M(2024, 6))
        rows = self.rows(M(2024, 6))
        flags = {pk: (e.missing_base, e.amount_fen) for pk, e in rows.items()}
        self.assertEqual(flags[p.alice.pk], (True, 0))
        self.assertEqual(flags[p.bob.pk], (True, 0))
        self.assertEqual(flags[p.carol.pk], (False, 50))
        self.assertEqual(flags[p.dave.pk], (False, 20))
        self.assertEqual(flags[p.cadre.pk], (False, 100))

    def test_it_applies_an_approved_reduction_to_the_months_it_covers(self):
        alice, bob = self.p.alice, self.p.bob
        self.base(alice, M(2020, 1), 1_150_000)
        self.base(bob, M(2020, 1), 1_150_000)
        waived = self.reduction(alice, M(2024, 2), M(2024, 4), amount_fen=0)
        self.reduction(alice, M(2024, 6), M(2024, 6), amount_fen=0, status=Reduction.Status.PROPOSED)
        self.reduction(alice, M(2024, 7), M(2024, 7), amount_fen=0, status=Reduction.Status.REJECTED)
        self.reduction(alice, M(2024, 8), M(2024, 8), amount_fen=0, status=Reduction.Status.REVOKED)
        whole_year = self.reduction(bob, M(2024, 1), M(2024, 12), amount_fen=1_000)
        june = self.reduction(bob, M(2024, 6), M(2024, 6), amount_fen=500)  # the later one wins
        for month in range(1, 10):
            self.generate(M(2024, month))
        amounts = dict(
            LedgerEntry.objects.filter(person=alice).values_list("month", "amount_fen").order_by("month")
        )
        self.assertEqual(
            amounts,
            {M(2024, 1): 23_000, M(2024, 2): 0, M(2024, 3): 0, M(2024, 4): 0, M(2024, 5): 23_000,
             M(2024, 6): 23_000, M(2024, 7): 23_000, M(2024, 8): 23_000, M(2024, 9): 23_000},
        )  # fmt: skip
        self.assertEqual(self.row(alice, M(2024, 3)).reduction_id, waived.pk)
        self.assertFalse(self.row(alice, M(2024, 3)).missing_base)
        self.assertIsNone(self.row(alice, M(2024, 6)).reduction_id)
        self.assertEqual(
            (self.row(bob, M(2024, 5)).amount_fen, self.row(bob, M(2024, 5)).reduction_id),
            (1_000, whole_year.pk),
        )
        self.assertEqual((self.row(bob, M(2024, 6)).amount_fen, self.row(bob, M(2024, 6)).reduction_id),
                         (500, june.pk))  # fmt: skip

    def test_it_applies_a_later_rule_set_to_its_months_only(self):
        alice, dave = self.p.alice, self.p.dave
        self.base(alice, M(2020, 1), 300_000)
        self.profile(dave, Category.FARMER)
        default = DuesRuleSet.objects.get(effective_from=M(2008, 4))
        self.generate(M(2024, 6))
        self.generate(M(2024, 7))
        later = DuesRuleSet.objects.create(
            name="某省调整",
            effective_from=M(2024, 7),
            employed_brackets=[[None, 100]],  # 1 % flat
            retired_brackets=[[None, 100]],
            farmer_fen=100,
            flat_fen=30,
        )
        # Months already written are kept, also the one the new rule set nominally covers.
        self.assertEqual(self.generate(M(2024, 6)), 0)
        self.assertEqual(self.generate(M(2024, 7)), 0)
        for month in (M(2024, 6), M(2024, 7)):
            self.assertEqual(self.row(alice, month).amount_fen, 1_500)
            self.assertEqual(self.row(dave, month).amount_fen, 50)
            self.assertEqual(self.row(alice, month).rule_set_id, default.pk)
        # Its months not yet written follow it.
        self.assertEqual(self.generate(M(2024, 8)), 5)
        self.assertEqual(self.row(alice, M(2024, 8)).amount_fen, 3_000)
        self.assertEqual(self.row(dave, M(2024, 8)).amount_fen, 100)
        self.assertEqual(self.row(self.p.bob, M(2024, 8)).amount_fen, 0)  # no base
        self.assertEqual(set(LedgerEntry.objects.filter(month=M(2024, 8)).values_list("rule_set", flat=True)),
                         {later.pk})  # fmt: skip
        self.assertEqual(ledger.rule_set_for(M(2024, 6)), default)
        self.assertEqual(ledger.rule_set_for(M(2030, 1)), later)

    def test_it_adds_nothing_when_run_again_and_keeps_amounts_after_a_base_change(self):
        alice = self.p.alice
        self.base(alice, M(2024, 1), 300_000)
        self.assertEqual(self.generate(M(2024, 6)), 5)
        self.assertEqual(self.generate(M(2024, 6)), 0)
        self.assertEqual(LedgerEntry.objects.filter(month=M(2024, 6)).count(), 5)
        # A raise entered afterwards from that very month: the month is NOT re-computed (by design).
        self.base(alice, M(2024, 6), 1_150_000)
        self.profile(self.p.bob, Category.FARMER)
        self.assertEqual(self.generate(M(2024, 6)), 0)
        self.assertEqual((self.row(alice, M(2024, 6)).base_fen, self.row(alice, M(2024, 6)).amount_fen),
                         (300_000, 1_500))  # fmt: skip
        self.assertEqual(self.row(self.p.bob, M(2024, 6)).category, Category.EMPLOYED)
        # ensure_months (prepayments) keeps it too.
        ledger.ensure_months(person=alice, months=[M(2024, 6)])
        self.assertEqual(self.row(alice, M(2024, 6)).amount_fen, 1_500)
        # A member who was missing is added alone.
        newcomer = self.member("新党员", self.p.branch, dt.date(2024, 6, 10))
        self.assertEqual(self.generate(M(2024, 6)), 1)
        self.assertIn(newcomer.pk, self.rows(M(2024, 6)))
        # The next month takes the new base.
        self.generate(M(2024, 7))
        self.assertEqual(self.row(alice, M(2024, 7)).amount_fen, 23_000)

    def test_it_writes_missing_months_for_one_member_as_the_monthly_run_would(self):
        alice = self.p.alice
        self.base(alice, M(2024, 1), 540_000)
        entries = ledger.ensure_months(person=alice, months=[M(2024, 3), M(2024, 2), M(2024, 3)])
        self.assertEqual(
            [(e.month, e.amount_fen) for e in entries], [(M(2024, 2), 8_100), (M(2024, 3), 8_100)]
        )
        self.assertEqual(LedgerEntry.objects.count(), 2)  # only her
        self.assertEqual(self.generate(M(2024, 3)), 4)  # the others


class TransferTests(LedgerCase):
    def transfer(self, person, to_org, day):
        return person_transfer(actor=self.p.org_admin, person=person, to_org=to_org, transfer_date=day)

    def test_it_charges_the_month_of_a_transfer_to_the_branch_left_and_the_next_to_the_new_one(self):
        alice, p = self.p.alice, self.p
        self.transfer(alice, p.other_branch, dt.date(2024, 3, 15))
        alice.refresh_from_db()
        self.assertEqual(alice.org, p.other_branch)
        for month in (M(2024, 2), M(2024, 3), M(2024, 4)):
            self.generate(month)
        self.assertEqual(self.row(alice, M(2024, 2)).org, p.branch)
        self.assertEqual(self.row(alice, M(2024, 3)).org, p.branch)
        self.assertEqual(self.row(alice, M(2024, 3)).org_path, p.branch.path)
        self.assertEqual(self.row(alice, M(2024, 4)).org, p.other_branch)
        self.assertEqual(self.row(alice, M(2024, 4)).org_path, p.other_branch.path)

    def test_it_follows_several_transfers_month_by_month(self):
        alice, p = self.p.alice, self.p
        self.transfer(alice, p.other_branch, dt.date(2024, 3, 15))
        self.transfer(alice, p.sibling_branch, dt.date(2024, 5, 10))
        for month in range(2, 8):
            self.generate(M(2024, month))
        orgs = dict(LedgerEntry.objects.filter(person=alice).values_list("month", "org"))
        self.assertEqual(
            orgs,
            {M(2024, 2): p.branch.pk, M(2024, 3): p.branch.pk, M(2024, 4): p.other_branch.pk,
             M(2024, 5): p.other_branch.pk, M(2024, 6): p.sibling_branch.pk, M(2024, 7): p.sibling_branch.pk},
        )  # fmt: skip

    def test_it_charges_the_branch_of_the_first_day_after_two_transfers_in_one_month(self):
        alice, p = self.p.alice, self.p
        self.transfer(alice, p.other_branch, dt.date(2024, 3, 10))
        self.transfer(alice, p.sibling_branch, dt.date(2024, 3, 10))  # same day: in the order recorded
        self.transfer(alice, p.general_branch, dt.date(2024, 3, 20))
        self.generate(M(2024, 3))
        self.generate(M(2024, 4))
        self.assertEqual(self.row(alice, M(2024, 3)).org, p.branch)
        self.assertEqual(self.row(alice, M(2024, 4)).org, p.general_branch)
        self.assertEqual(self.row(alice, M(2024, 4)).org_path, p.general_branch.path)

    def test_it_leaves_a_transfer_dated_on_the_first_with_the_branch_left(self):
        # 转出当月由转出党支部收缴: the month of the transfer belongs to the branch left, even from the 1st.
        bob, p = self.p.bob, self.p
        self.transfer(bob, p.other_branch, dt.date(2024, 4, 1))
        self.generate(M(2024, 4))
        self.generate(M(2024, 5))
        self.assertEqual(self.row(bob, M(2024, 4)).org, p.branch)
        self.assertEqual(self.row(bob, M(2024, 5)).org, p.other_branch)

    def test_it_gives_each_branch_secretary_the_months_their_branch_charges(self):
        alice, p = self.p.alice, self.p
        self.transfer(alice, p.other_branch, dt.date(2024, 3, 15))
        self.generate(M(2024, 3), actor=p.other_secretary)
        self.assertFalse(LedgerEntry.objects.filter(person=alice).exists())
        self.generate(M(2024, 3), actor=p.branch_secretary)
        self.assertEqual(self.row(alice, M(2024, 3)).org, p.branch)
        self.generate(M(2024, 4), actor=p.branch_secretary)
        self.assertFalse(LedgerEntry.objects.filter(person=alice, month=M(2024, 4)).exists())
        self.generate(M(2024, 4), actor=p.other_secretary)
        self.assertEqual(self.row(alice, M(2024, 4)).org, p.other_branch)


class ScopeTests(LedgerCase):
    def test_it_lets_a_branch_secretary_generate_only_their_subtree(self):
        p = self.p
        self.assertEqual(self.generate(M(2024, 6), actor=p.branch_secretary), 2)
        self.assertEqual(set(self.rows(M(2024, 6))), {p.alice.pk, p.bob.pk})
        self.assertTrue(all(e.org_path.startswith(p.branch.path) for e in self.rows(M(2024, 6)).values()))
        self.assertEqual(self.generate(M(2024, 6), actor=p.committee_secretary), 2)  # carol, cadre
        self.assertEqual(self.generate(M(2024, 6), actor=p.org_admin), 1)  # dave
        self.assertEqual(set(self.rows(M(2024, 6))), self.on_roll())

    def test_it_narrows_to_an_organization_in_scope(self):
        p = self.p
        self.assertEqual(self.generate(M(2024, 6), actor=p.committee_secretary, org=p.sibling_branch), 2)
        self.assertEqual(set(self.rows(M(2024, 6))), {p.carol.pk, p.cadre.pk})
        self.assertEqual(
            self.generate(M(2024, 6), actor=p.org_committee_member, org=p.branch), 2
        )  # alice, bob
        self.assertEqual(self.generate(M(2024, 6), actor=p.branch_secretary, org=p.group), 0)  # no one there
        in_general_branch = self.member("总支党员", p.general_branch)
        self.assertEqual(self.generate(M(2024, 6), actor=p.committee_secretary, org=p.general_branch), 1)
        self.assertIn(in_general_branch.pk, self.rows(M(2024, 6)))
        self.assertNotIn(p.dave.pk, self.rows(M(2024, 6)))

    def test_it_refuses_an_organization_outside_scope_and_writes_nothing(self):
        p = self.p
        events = AuditEvent.objects.filter(event=Events.DUES_LEDGER).count()
        for actor, org in [(p.other_secretary, p.branch), (p.branch_secretary, p.sibling_branch),
                           (p.branch_secretary, p.committee), (p.committee_secretary, p.other_branch)]:  # fmt: skip
            with self.assertRaises(PermissionDenied):
                self.generate(M(2024, 6), actor=actor, org=org)
        self.assertFalse(LedgerEntry.objects.exists())
        self.assertEqual(AuditEvent.objects.filter(event=Events.DUES_LEDGER).count(), events)

    def test_it_refuses_users_without_the_right_to_add(self):
        p = self.p
        for actor in (p.member, p.other_member, p.sysadmin, p.secadmin, p.auditor):
            with self.assertRaises(PermissionDenied):
                self.generate(M(2024, 6), actor=actor)
            with self.assertRaises(PermissionDenied):
                self.generate(M(2024, 6), actor=actor, org=p.branch)
        self.assertFalse(LedgerEntry.objects.exists())

    def test_it_covers_every_subtree_of_a_user_with_several_grants(self):
        from zugong.accounts.models import RoleGrant
        from zugong.core.roles import Role

        p = self.p
        RoleGrant.objects.create(user=p.other_secretary, role=Role.SECRETARY, organization=p.sibling_branch)
        self.assertEqual(self.generate(M(2024, 6), actor=p.other_secretary), 3)
        self.assertEqual(set(self.rows(M(2024, 6))), {p.dave.pk, p.carol.pk, p.cadre.pk})

    def test_it_gives_another_branch_nothing_of_this_one(self):
        p = self.p
        self.assertEqual(self.generate(M(2024, 6), actor=p.other_secretary), 1)
        self.assertEqual(set(self.rows(M(2024, 6))), {p.dave.pk})


class AuditTests(LedgerCase):
    def test_it_records_one_event_per_run(self):
        p = self.p
        before = AuditEvent.objects.filter(event=Events.DUES_LEDGER).count()
        self.generate(M(2024, 6), actor=p.committee_secretary, org=p.branch)
        self.generate(M(2024, 6), actor=p.org_admin)
        events = list(AuditEvent.objects.filter(event=Events.DUES_LEDGER).order_by("id"))
        self.assertEqual(len(events) - before, 2)
        first, second = events[-2:]
        rule_set = DuesRuleSet.objects.get(effective_from=M(2008, 4))
        self.assertEqual(first.actor_id, p.committee_secretary.pk)
        self.assertEqual(first.kind, AuditEvent.Kind.EVENT)
        self.assertEqual((first.object_type, first.object_id), ("orgs.organization", str(p.branch.pk)))
        self.assertEqual(
            first.detail,
            {"month": "2024-06-01", "rows": 2, "rule_set": rule_set.pk, "paths": [p.branch.path]},
        )
        self.assertEqual(second.actor_id, p.org_admin.pk)
        self.assertEqual(
            second.detail, {"month": "2024-06-01", "rows": 3, "rule_set": rule_set.pk, "paths": [""]}
        )
