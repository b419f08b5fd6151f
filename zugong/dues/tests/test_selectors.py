"""The report selectors against the regulation's numbers: a branch whose members earn 3,000.00 / 3,200.00 /
5,400.00 / 11,500.00 yuan is due 15.00 + 32.00 + 81.00 + 230.00 = 358.00 a month; collected, rates, arrears,
the 5 % remitted upward (half up) and a member's year. Ledger rows come from ``ledger.generate_month``,
payments are written directly (these tests do not depend on the payment services)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.db.models import F

from zugong.core import idnumber
from zugong.core.testing import PersonaTestCase, create_person
from zugong.dues import ledger, selectors
from zugong.dues.models import Allocation, Category, DuesProfile, IncomeBase, LedgerEntry, Payment
from zugong.people.choices import MembershipStatus, Sex
from zugong.people.models import Membership

D = dt.date
YEAR = 2026
MONTHS = [D(YEAR, n, 1) for n in range(1, 7)]  # January–June 2026, all in the past
_receipts = itertools.count(1)


def add_member(p, name: str, org, serial: int):
    person = create_person(
        id_number=idnumber.make("110101", D(1982, 5, 1), serial),
        name=name,
        org=org,
        birth_date=D(1982, 5, 1),
        sex=Sex.MALE,
    )
    person.party_status = MembershipStatus.FULL
    person.save(update_fields=["party_status"])
    Membership.objects.create(
        person=person, status=MembershipStatus.FULL, join_date=D(2010, 7, 1), confirmation_date=D(2011, 7, 1)
    )
    return person


def pay(person, months, *, kind=Payment.Kind.MONTHLY, paid_on=None) -> Payment:
    """Pay ``person``'s ledger ``months`` in full, as the payment service would: Payment + Allocations + paid_fen."""
    entries = list(LedgerEntry.objects.filter(person=person, month__in=months).order_by("month"))
    assert len(entries) == len(months)
    total = sum(e.amount_fen - e.paid_fen for e in entries)
    payment = Payment.objects.create(
        person=person,
        org=entries[0].org,
        org_path=entries[0].org_path,
        kind=kind,
        amount_fen=total,
        paid_on=paid_on or entries[-1].month + dt.timedelta(days=9),
        first_month=entries[0].month,
        months=len(entries),
        receipt_no=f"DFTEST-{next(_receipts):08d}",
    )
    Allocation.objects.bulk_create(
        [Allocation(payment=payment, entry=e, amount_fen=e.amount_fen - e.paid_fen) for e in entries]
    )
    LedgerEntry.objects.filter(pk__in=[e.pk for e in entries]).update(paid_fen=F("amount_fen"))
    return payment


VOLUNTARY_DAY = D(YEAR, 5, 20)


def voluntary(person, amount_fen: int, *, to_centre: bool, paid_on=VOLUNTARY_DAY) -> Payment:
    return Payment.objects.create(
        person=person,
        org=person.org,
        org_path=person.org_path,
        kind=Payment.Kind.VOLUNTARY,
        amount_fen=amount_fen,
        paid_on=paid_on,
        to_centre=to_centre,
        receipt_no=f"DFTEST-{next(_receipts):08d}",
    )


def build_dues(p) -> None:
    """The personas' district with a dues year: p.branch's four employed members at 3,000.00 / 3,200.00 /
    5,400.00 / 11,500.00 (358.00 a month), p.sibling_branch's carol (student, 0.20) and cadre (no base yet),
    p.other_branch's dave (5,000.00 → 1 % = 50.00). Ledger January–June 2026."""
    p.erin = add_member(p, "周文斌", p.branch, 901)
    p.frank = add_member(p, "吴海涛", p.branch, 903)
    for person, base in ((p.alice, 300_000), (p.bob, 320_000), (p.erin, 540_000), (p.frank, 1_150_000)):
        IncomeBase.objects.create(person=person, effective_month=D(2025, 1, 1), base_fen=base)
    IncomeBase.objects.create(person=p.dave, effective_month=D(2025, 1, 1), base_fen=500_000)
    DuesProfile.objects.create(person=p.carol, category=Category.STUDENT)
    for month in MONTHS:
        ledger.generate_month(actor=p.org_admin, month=month)


class SelectorData(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_dues(cls.p)


class MonthSummaryTests(SelectorData):
    def test_it_adds_up_the_branch_from_the_regulations_numbers(self):
        p = self.p
        amounts = dict(
            LedgerEntry.objects.filter(month=MONTHS[2], org=p.branch).values_list("person_id", "amount_fen")
        )
        self.assertEqual(amounts, {p.alice.pk: 1500, p.bob.pk: 3200, p.erin.pk: 8100, p.frank.pk: 23000})
        rows = selectors.month_summary(p.branch_secretary, MONTHS[2], p.branch)
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertTrue(row["own"])
        self.assertEqual(row["org"], p.branch)
        self.assertEqual(
            (row["members"], row["due_fen"], row["paid_fen"], row["unpaid_members"], row["missing_base"]),
            (4, 35_800, 0, 4, 0),
        )
        self.assertEqual(row["owed_fen"], 35_800)
        self.assertEqual(row["rate"], Decimal("0"))

    def test_it_counts_what_was_collected_and_the_rate(self):
        p = self.p
        pay(p.alice, [MONTHS[2]])
        pay(p.bob, [MONTHS[2]])
        row = selectors.month_summary(p.branch_secretary, MONTHS[2], p.branch)[0]
        self.assertEqual((row["due_fen"], row["paid_fen"], row["owed_fen"]), (35_800, 4_700, 31_100))
        self.assertEqual(row["unpaid_members"], 2)
        self.assertEqual(row["rate"], Decimal("0.1313"))  # 47.00 / 358.00 = 0.13128… half up
        pay(p.erin, [MONTHS[2]])
        pay(p.frank, [MONTHS[2]])
        row = selectors.month_summary(p.branch_secretary, MONTHS[2], p.branch)[0]
        self.assertEqual((row["paid_fen"], row["unpaid_members"], row["rate"]), (35_800, 0, Decimal("1")))

    def test_it_groups_by_the_child_organizations_of_a_committee(self):
        p = self.p
        pay(p.alice, [MONTHS[0]])
        rows = selectors.month_summary(p.committee_secretary, MONTHS[0], p.committee)
        by_org = {row["org"]: row for row in rows}
        self.assertEqual(set(by_org), {p.general_branch, p.sibling_branch})
        gb, sib = by_org[p.general_branch], by_org[p.sibling_branch]
        self.assertEqual((gb["members"], gb["due_fen"], gb["paid_fen"]), (4, 35_800, 1_500))
        # carol pays the students' 0.20; the cadre has no base yet: 0.00 and flagged.
        self.assertEqual((sib["members"], sib["due_fen"], sib["missing_base"]), (2, 20, 1))
        self.assertIsNone(selectors.rate_of(0, 0))
        total = selectors.summary_total(rows)
        self.assertEqual((total["members"], total["due_fen"], total["paid_fen"]), (6, 35_820, 1_500))

    def test_it_groups_in_one_query(self):
        p = self.p
        selectors.month_summary(p.org_admin, MONTHS[0], p.committee)  # warm the grant cache
        with self.assertNumQueries(2):  # children, one grouped query over the ledger
            selectors.month_summary(p.org_admin, MONTHS[0], p.committee)
        with self.assertNumQueries(2):  # the scope's tops, one query with a filtered aggregate per top
            rows = selectors.month_summary(p.org_admin, MONTHS[0])
        self.assertEqual([row["org"] for row in rows], [p.district])
        self.assertEqual(rows[0]["due_fen"], 35_820 + 5_000)

    def test_it_shows_a_secretary_only_their_scope(self):
        p = self.p
        rows = selectors.month_summary(p.other_secretary, MONTHS[0])
        self.assertEqual([row["org"] for row in rows], [p.other_branch])
        self.assertEqual((rows[0]["members"], rows[0]["due_fen"]), (1, 5_000))
        # Asked about another branch's subtree, the rows in scope are none.
        rows = selectors.month_summary(p.other_secretary, MONTHS[0], p.committee)
        self.assertEqual(selectors.summary_total(rows)["members"], 0)
        self.assertEqual(selectors.month_summary(p.member, MONTHS[0]), [])
        self.assertEqual(selectors.ledger_for(p.member, "view").count(), len(MONTHS))  # her own rows only

    def test_it_draws_the_year_month_by_month(self):
        p = self.p
        pay(p.alice, MONTHS[:3])
        series = selectors.year_series(p.branch_secretary, YEAR, p.branch)
        self.assertEqual(len(series), 12)
        self.assertEqual([s["due_fen"] for s in series[:7]], [35_800] * 6 + [0])
        self.assertEqual([s["paid_fen"] for s in series[:4]], [1_500, 1_500, 1_500, 0])
        self.assertIsNone(series[11]["rate"])
        self.assertEqual([s["members"] for s in series[5:7]], [4, 0])


class ArrearsTests(SelectorData):
    def test_it_lists_owed_months_and_the_run_up_to_the_month(self):
        p = self.p
        pay(p.alice, MONTHS[:3])  # owes April–June
        pay(p.bob, [MONTHS[0]])
        pay(p.bob, [MONTHS[3]])  # owes February, March, May, June
        pay(p.erin, MONTHS)
        rows = {r["person"]: r for r in selectors.arrears(p.branch_secretary, D(YEAR, 6, 15))}
        self.assertEqual(set(rows), {p.alice.pk, p.bob.pk, p.frank.pk})
        alice, bob, frank = rows[p.alice.pk], rows[p.bob.pk], rows[p.frank.pk]
        self.assertEqual(
            (alice["unpaid_months"], alice["owed_fen"], alice["consecutive"], alice["first_unpaid"]),
            (3, 4_500, 3, MONTHS[3]),
        )
        self.assertEqual(
            (bob["unpaid_months"], bob["owed_fen"], bob["consecutive"], bob["first_unpaid"]),
            (4, 12_800, 2, MONTHS[1]),
        )
        self.assertEqual((frank["unpaid_months"], frank["consecutive"], frank["owed_fen"]), (6, 6, 138_000))
        # Up to April: bob has just paid, so no run; alice owes one month.
        rows = {r["person"]: r for r in selectors.arrears(p.branch_secretary, MONTHS[3])}
        self.assertEqual(rows[p.bob.pk]["consecutive"], 0)
        self.assertEqual(rows[p.bob.pk]["unpaid_months"], 2)
        self.assertEqual(rows[p.alice.pk]["consecutive"], 1)

    def test_it_sorts_and_scopes(self):
        p = self.p
        pay(p.alice, MONTHS[:5])
        names = [r["person__name"] for r in selectors.arrears(p.org_admin, MONTHS[5], sort="owed")]
        self.assertEqual(names[:2], ["张晓梅", "王小红"])  # 1.20 (6 × 0.20), then 15.00
        self.assertNotIn("陈志刚", names)  # no base yet: 0.00 a month, nothing owed
        names = [r["person__name"] for r in selectors.arrears(p.org_admin, MONTHS[5], org=p.branch)]
        self.assertEqual(sorted(names), sorted(["王小红", "李建国", "周文斌", "吴海涛"]))
        self.assertEqual(
            [r["person__name"] for r in selectors.arrears(p.other_secretary, MONTHS[5])], ["赵立新"]
        )
        self.assertFalse(selectors.arrears(p.other_secretary, MONTHS[5], org=p.branch).exists())
        self.assertFalse(selectors.arrears(p.sysadmin, MONTHS[5]).exists())


class RemittanceTests(SelectorData):
    def test_it_remits_five_percent_half_up(self):
        p = self.p
        for person in (p.alice, p.bob, p.erin, p.frank):
            pay(person, MONTHS)  # 6 × 358.00 = 2,148.00
        voluntary(p.alice, 330, to_centre=False)  # 3.30 stays local
        voluntary(p.bob, 100_000, to_centre=True)  # 1,000.00 goes whole to the Centre
        voluntary(p.bob, 500, to_centre=False, paid_on=D(YEAR - 1, 12, 30))  # another year
        rows = selectors.remittance(p.committee_secretary, YEAR)
        self.assertEqual([row["org"] for row in rows], [p.committee])
        row = rows[0]
        self.assertEqual(row["dues_fen"], 214_800)
        self.assertEqual(row["voluntary_fen"], 330)
        self.assertEqual(row["collected_fen"], 215_130)
        self.assertEqual(row["remit_fen"], 10_757)  # 10,756.5 fen, half up
        self.assertEqual(row["to_centre_fen"], 100_000)
        self.assertEqual(row["due_by"], D(YEAR + 1, 4, 30))
        self.assertEqual(selectors.remit_of(215_130, 50), 10_757)
        self.assertEqual(selectors.remit_of(215_120, 50), 10_756)

    def test_it_nets_a_reversal_and_ignores_pending_payments(self):
        p = self.p
        payment = pay(p.alice, [MONTHS[0]])
        reversal = Payment.objects.create(
            person=p.alice, org=p.branch, org_path=p.branch.path, kind=Payment.Kind.REVERSAL,
            amount_fen=-1_500, paid_on=D(YEAR, 1, 20), reverses=payment, receipt_no="DFTEST-REV",
        )  # fmt: skip
        entry = LedgerEntry.objects.get(person=p.alice, month=MONTHS[0])
        Allocation.objects.create(payment=reversal, entry=entry, amount_fen=-1_500)
        pending = pay(p.bob, [MONTHS[0]])
        Payment.objects.filter(pk=pending.pk).update(status=Payment.Status.PENDING)
        pay(p.dave, [MONTHS[0]])
        rows = {row["org"]: row for row in selectors.remittance(p.org_admin, YEAR)}
        self.assertEqual(rows[p.committee]["dues_fen"], 0)
        self.assertEqual(rows[p.other_committee]["dues_fen"], 5_000)
        self.assertEqual(rows[p.other_committee]["remit_fen"], 250)
        self.assertEqual(selectors.remittance_total(list(rows.values()))["collected_fen"], 5_000)

    def test_it_shows_a_branch_no_committee(self):
        self.assertEqual(selectors.remittance(self.p.other_secretary, YEAR), [])
        self.assertEqual(selectors.remittance(self.p.member, YEAR), [])


class StatementTests(SelectorData):
    def test_it_gives_the_members_twelve_months(self):
        p = self.p
        payment = pay(p.alice, MONTHS[:3])
        voluntary(p.alice, 20_000, to_centre=False)
        with self.assertNumQueries(3):
            data = selectors.annual_statement(p.alice, YEAR)
        self.assertEqual(len(data["months"]), 12)
        self.assertEqual([m["due_fen"] for m in data["months"]], [1_500] * 6 + [0] * 6)
        self.assertEqual([m["paid_fen"] for m in data["months"][:4]], [1_500, 1_500, 1_500, 0])
        self.assertEqual(data["months"][0]["allocations"][0].payment, payment)
        self.assertIsNone(data["months"][8]["entry"])
        self.assertEqual(
            data["totals"],
            {
                "due_fen": 9_000,
                "paid_fen": 4_500,
                "owed_fen": 4_500,
                "voluntary_fen": 20_000,
                "rate": Decimal("0.5"),
            },
        )
        self.assertEqual(len(data["payments"]), 2)
        self.assertEqual(len(data["voluntary"]), 1)
