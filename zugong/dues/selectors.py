"""Reads and statistics of the dues ledger, one function per figure, shared by the report pages, their Excel
exports and the API (rule of the house 6). Every read starts from ``restrict(user, action)`` and is set-based:
a grouped query over the ledger (by the path prefix of each organization shown), never a query per row.

Figures are integer fen; a collection rate is a ``Decimal`` fraction (paid / due, 4 places, half up), None when
nothing is due.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Substr

from zugong.core.roles import Action
from zugong.core.scope import grant_paths, path_prefix_q
from zugong.orgs.models import PATH_SEGMENT, Organization, OrgStatus, OrgType

from . import rules
from .models import Allocation, DuesRuleSet, LedgerEntry, Payment

STEP = PATH_SEGMENT + 1  # the length of one path segment ("00000007/")
UNPAID = Q(amount_fen__gt=F("paid_fen"))
DEFAULT_REMIT_PERMILLE = 50
RATE_PLACES = Decimal("0.0001")


def figures(within: Q | None = None) -> dict:
    """What a group of ledger rows adds up to (only the rows matching ``within``, when given). The keys are
    not the model's field names (an aggregate named ``paid_fen`` would shadow the column in the filters);
    ``_row`` renames them."""

    def only(q: Q | None) -> Q | None:
        if within is None:
            return q
        return within if q is None else within & q

    return {
        "n_members": Count("id", filter=only(None)),
        "sum_due": Coalesce(Sum("amount_fen", filter=only(None)), 0),
        "sum_paid": Coalesce(Sum("paid_fen", filter=only(None)), 0),
        "n_unpaid": Count("id", filter=only(UNPAID)),
        "n_missing_base": Count("id", filter=only(Q(missing_base=True))),
    }


# aggregate key -> row key
FIGURE_NAMES = {
    "n_members": "members",
    "sum_due": "due_fen",
    "sum_paid": "paid_fen",
    "n_unpaid": "unpaid_members",
    "n_missing_base": "missing_base",
}
FIGURE_KEYS = tuple(FIGURE_NAMES)


def rate_of(paid_fen: int, due_fen: int) -> Decimal | None:
    """paid / due as a fraction with 4 places (half up); None when nothing is due."""
    if not due_fen:
        return None
    return (Decimal(paid_fen) / Decimal(due_fen)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def _row(org, sums: dict | None, *, own: bool = False) -> dict:
    sums = sums or {}
    row = {"org": org, "own": own, **{name: sums.get(key) or 0 for key, name in FIGURE_NAMES.items()}}
    row["owed_fen"] = max(row["due_fen"] - row["paid_fen"], 0)
    row["rate"] = rate_of(row["paid_fen"], row["due_fen"])
    return row


# ---- the ledger -------------------------------------------------------------------------------------


def ledger_for(user, action: str = Action.VIEW, month: dt.date | None = None):
    """The ledger rows ``user`` may ``action`` (one month's when ``month`` is given)."""
    queryset = LedgerEntry.objects.restrict(user, action)
    if month is not None:
        queryset = queryset.filter(month=rules.month_start(month))
    return queryset


def scope_top_org(user, action: str = Action.VIEW) -> Organization | None:
    """The one organization at the top of the user's scope (the district for a whole-district grant, a
    secretary's own committee or branch), or None when the scope has several tops (or none)."""
    paths = grant_paths(user, action)
    if paths == [""]:
        roots = list(Organization.objects.filter(parent__isnull=True)[:2])
        return roots[0] if len(roots) == 1 else None
    if len(paths) == 1:
        return Organization.objects.filter(path=paths[0]).first()
    return None


def _scope_tops(user, action: str) -> list[Organization]:
    paths = grant_paths(user, action)
    if not paths:
        return []
    queryset = Organization.objects.all()
    queryset = queryset.filter(parent__isnull=True) if paths == [""] else queryset.filter(path__in=paths)
    return list(queryset.order_by("sort_order", "code"))


def month_summary(user, month: dt.date, org: Organization | None = None, *, action: str = Action.VIEW):
    """月度收缴: per organization directly below ``org`` (党小组 excepted: they hold no members), or per top
    organization of the user's scope when ``org`` is None, the month's figures over its subtree: members
    charged, due_fen, paid_fen, owed_fen, rate, unpaid_members, missing_base. Members held by ``org`` itself
    come as one more row with ``own`` set. ``org`` must be in the user's scope (the view checks it).

    One grouped query over the month's ledger rows, by the path prefix of each child."""
    entries = ledger_for(user, action, month)
    if org is None:
        tops = _scope_tops(user, action)
        if not tops:
            return []
        # A handful of tops: one query with a filtered aggregate per top.
        aggregates = {}
        for top in tops:
            for key, expr in figures(path_prefix_q("org_path", top.path)).items():
                aggregates[f"t{top.pk}_{key}"] = expr
        sums = entries.aggregate(**aggregates)
        return [_row(top, {key: sums[f"t{top.pk}_{key}"] for key in FIGURE_KEYS}) for top in tops]

    seg_len = len(org.path) + STEP
    grouped = (
        entries.filter(path_prefix_q("org_path", org.path))
        .annotate(prefix=Substr("org_path", 1, seg_len))
        .values("prefix")
        .annotate(**figures())
        .order_by()
    )
    by_prefix = {row["prefix"]: row for row in grouped}
    children = (
        Organization.objects.restrict(user, action)
        .filter(parent=org)
        .exclude(org_type=OrgType.GROUP)
        .order_by("status", "sort_order", "code")
    )
    rows = []
    if org.path in by_prefix:
        rows.append(_row(org, by_prefix.pop(org.path), own=True))
    for child in children:
        found = by_prefix.pop(child.path, None)
        if found is None and child.status != OrgStatus.ACTIVE:
            continue
        rows.append(_row(child, found))
    if by_prefix:  # rows charged by organizations since moved or hidden: counted, not lost
        rest = {key: sum(row[key] for row in by_prefix.values()) for key in FIGURE_KEYS}
        rows.append(_row(None, rest))
    return rows


def summary_total(rows: list[dict]) -> dict:
    """The sum of ``month_summary`` rows (they never overlap)."""
    return _row(None, {key: sum(row[name] for row in rows) for key, name in FIGURE_NAMES.items()})


def year_series(user, year: int, org: Organization | None = None, *, action: str = Action.VIEW) -> list[dict]:
    """Each month of ``year``: members charged (0: no ledger for the month), due_fen, paid_fen and rate over
    the user's scope (or ``org``'s subtree), one grouped query."""
    first, after = _year_bounds(year)
    entries = LedgerEntry.objects.restrict(user, action).filter(month__gte=first, month__lt=after)
    if org is not None:
        entries = entries.filter(path_prefix_q("org_path", org.path))
    grouped = (
        entries.values("month")
        .annotate(
            n_members=Count("id"),
            sum_due=Coalesce(Sum("amount_fen"), 0),
            sum_paid=Coalesce(Sum("paid_fen"), 0),
        )
        .order_by("month")
    )
    by_month = {row["month"]: row for row in grouped}
    series = []
    for n in range(1, 13):
        month = dt.date(year, n, 1)
        row = by_month.get(month, {})
        due, paid = row.get("sum_due", 0), row.get("sum_paid", 0)
        series.append(
            {
                "month": month,
                "members": row.get("n_members", 0),
                "due_fen": due,
                "paid_fen": paid,
                "rate": rate_of(paid, due),
            }
        )
    return series


# ---- arrears ----------------------------------------------------------------------------------------

ARREARS_SORTS = {
    "name": ("person__name_stroke_key", "person"),
    "-name": ("-person__name_stroke_key", "-person"),
    "consecutive": ("consecutive", "person__name_stroke_key", "person"),
    "-consecutive": ("-consecutive", "person__name_stroke_key", "person"),
    "months": ("unpaid_months", "person__name_stroke_key", "person"),
    "-months": ("-unpaid_months", "person__name_stroke_key", "person"),
    "owed": ("owed_fen", "person__name_stroke_key", "person"),
    "-owed": ("-owed_fen", "person__name_stroke_key", "person"),
    "first": ("first_unpaid", "person__name_stroke_key", "person"),
    "-first": ("-first_unpaid", "person__name_stroke_key", "person"),
}


def arrears(
    user,
    as_of: dt.date,
    *,
    org: Organization | None = None,
    action: str = Action.VIEW,
    sort: str = "-consecutive",
):
    """欠交名单: per member with unpaid ledger months up to ``as_of`` (a month) in the user's scope (or in
    ``org``'s subtree): unpaid_months, owed_fen, first_unpaid, last_unpaid and ``consecutive`` — the unpaid
    months since the last paid one, i.e. the run ending at ``as_of``'s side (0 when the latest month is
    paid). A month is paid when ``paid_fen`` ≥ ``amount_fen`` (a waived month owes nothing).

    One grouped query (values: person, person__name, person__name_stroke_key, person__org__name, …); the
    last paid month is a correlated subquery over the member's own rows."""
    as_of = rules.month_start(as_of)
    scoped = LedgerEntry.objects.restrict(user, action)
    if org is not None:
        scoped = scoped.filter(path_prefix_q("org_path", org.path))
    last_paid = (
        scoped.filter(person=OuterRef("person"), month__lte=as_of)
        .exclude(UNPAID)
        .order_by("-month")
        .values("month")[:1]
    )
    since = Coalesce(Subquery(last_paid), Value(dt.date(1, 1, 1)))
    return (
        scoped.filter(UNPAID, month__lte=as_of)
        .values("person", "person__name", "person__name_stroke_key", "person__org__name")
        .annotate(
            unpaid_months=Count("id"),
            owed_fen=Sum(F("amount_fen") - F("paid_fen")),
            first_unpaid=Min("month"),
            last_unpaid=Max("month"),
            consecutive=Count("id", filter=Q(month__gt=since)),
        )
        .order_by(*ARREARS_SORTS.get(sort, ARREARS_SORTS["-consecutive"]))
    )


# ---- remittance -------------------------------------------------------------------------------------


def remit_permille_for(year: int) -> int:
    """The share remitted upward (‰) by the rule set in force at the year's end."""
    rule_set = (
        DuesRuleSet.objects.filter(effective_from__lte=dt.date(year, 12, 1))
        .order_by("-effective_from")
        .first()
    )
    return rule_set.remit_permille if rule_set else DEFAULT_REMIT_PERMILLE


def remit_of(collected_fen: int, permille: int) -> int:
    """collected × ‰ / 1000, rounded half up to the fen (never negative)."""
    return max((collected_fen * permille + 500) // 1000, 0)


def remittance(user, year: int, *, action: str = Action.VIEW) -> list[dict]:
    """上缴党费: per 党(工)委 in the user's scope, over its subtree: dues_fen (allocations of posted payments to
    ``year``'s months, reversals netted), voluntary_fen (voluntary payments made in ``year`` that stay local),
    collected_fen = dues + voluntary, remit_fen = collected × remit_permille / 1000 (half up), to_centre_fen
    (single voluntary payments at or above the threshold, remitted whole to the Centre) and due_by (30 April
    of the next year). ``nested`` marks a committee inside another listed one (its money is also in the outer
    one's figures). Two grouped queries per distinct committee depth."""
    committees = list(
        Organization.objects.restrict(user, action).filter(org_type=OrgType.COMMITTEE).order_by("path")
    )
    if not committees:
        return []
    first, after = _year_bounds(year)
    permille = remit_permille_for(year)
    posted = Payment.Status.POSTED
    vol_local = Q(kind=Payment.Kind.VOLUNTARY, to_centre=False) | Q(
        kind=Payment.Kind.REVERSAL, reverses__kind=Payment.Kind.VOLUNTARY, reverses__to_centre=False
    )
    vol_centre = Q(kind=Payment.Kind.VOLUNTARY, to_centre=True) | Q(
        kind=Payment.Kind.REVERSAL, reverses__kind=Payment.Kind.VOLUNTARY, reverses__to_centre=True
    )
    by_path: dict[str, dict] = {
        c.path: {"dues_fen": 0, "voluntary_fen": 0, "to_centre_fen": 0} for c in committees
    }
    for length in sorted({len(c.path) for c in committees}):
        paths = [c.path for c in committees if len(c.path) == length]
        dues = (
            Allocation.objects.filter(payment__status=posted, entry__month__gte=first, entry__month__lt=after)
            .annotate(prefix=Substr("entry__org_path", 1, length))
            .filter(prefix__in=paths)
            .values("prefix")
            .annotate(total=Sum("amount_fen"))
            .order_by()
        )
        for row in dues:
            by_path[row["prefix"]]["dues_fen"] = row["total"] or 0
        voluntary = (
            Payment.objects.filter(status=posted, paid_on__gte=first, paid_on__lt=after)
            .filter(vol_local | vol_centre)
            .annotate(prefix=Substr("org_path", 1, length))
            .filter(prefix__in=paths)
            .values("prefix")
            .annotate(
                local=Coalesce(Sum("amount_fen", filter=vol_local), 0),
                centre=Coalesce(Sum("amount_fen", filter=vol_centre), 0),
            )
            .order_by()
        )
        for row in voluntary:
            by_path[row["prefix"]]["voluntary_fen"] = row["local"]
            by_path[row["prefix"]]["to_centre_fen"] = row["centre"]
    due_by = dt.date(year + 1, 4, 30)
    rows = []
    for committee in committees:
        f = by_path[committee.path]
        collected = f["dues_fen"] + f["voluntary_fen"]
        rows.append(
            {
                "org": committee,
                "nested": any(
                    other.path != committee.path and committee.path.startswith(other.path)
                    for other in committees
                ),
                "dues_fen": f["dues_fen"],
                "voluntary_fen": f["voluntary_fen"],
                "collected_fen": collected,
                "remit_permille": permille,
                "remit_fen": remit_of(collected, permille),
                "to_centre_fen": f["to_centre_fen"],
                "due_by": due_by,
            }
        )
    return rows


def remittance_total(rows: list[dict]) -> dict:
    """The sum over the outermost committees (a nested committee's money is already in its parent's)."""
    outer = [row for row in rows if not row["nested"]]
    keys = ("dues_fen", "voluntary_fen", "collected_fen", "remit_fen", "to_centre_fen")
    return {key: sum(row[key] for row in outer) for key in keys}


# ---- one member's year ------------------------------------------------------------------------------


def annual_statement(person, year: int) -> dict:
    """个人年度党费明细: the member's 12 months of ``year`` (ledger row or None, due, paid, owed, and the
    payments allocated to it), the year's payments (made in the year, or paying its months) and voluntary
    payments, and the totals. Three queries. The caller has checked that the person is in scope."""
    first, after = _year_bounds(year)
    entries = list(
        LedgerEntry.objects.filter(person=person, month__gte=first, month__lt=after)
        .select_related("org")
        .order_by("month")
    )
    allocations: dict[int, list[Allocation]] = {}
    for allocation in (
        Allocation.objects.filter(entry__in=[e.pk for e in entries], payment__status=Payment.Status.POSTED)
        .select_related("payment")
        .order_by("payment__paid_on", "payment_id")
    ):
        allocations.setdefault(allocation.entry_id, []).append(allocation)
    payments = list(
        Payment.objects.filter(person=person)
        .filter(
            Q(paid_on__gte=first, paid_on__lt=after)
            | Q(allocations__entry__month__gte=first, allocations__entry__month__lt=after)
        )
        .select_related("reverses", "org")
        .distinct()
        .order_by("paid_on", "id")
    )
    by_month = {e.month: e for e in entries}
    months = []
    for n in range(1, 13):
        month = dt.date(year, n, 1)
        entry = by_month.get(month)
        months.append(
            {
                "month": month,
                "entry": entry,
                "org": entry.org if entry else None,
                "category": entry.get_category_display() if entry else "",
                "base_fen": entry.base_fen if entry else None,
                "due_fen": entry.amount_fen if entry else 0,
                "paid_fen": entry.paid_fen if entry else 0,
                "owed_fen": entry.owed_fen if entry else 0,
                "missing_base": bool(entry and entry.missing_base),
                "reduced": bool(entry and entry.reduction_id),
                "allocations": allocations.get(entry.pk, []) if entry else [],
            }
        )
    voluntary = [
        p
        for p in payments
        if p.status == Payment.Status.POSTED
        and (
            p.kind == Payment.Kind.VOLUNTARY
            or (p.kind == Payment.Kind.REVERSAL and p.reverses and p.reverses.kind == Payment.Kind.VOLUNTARY)
        )
        and first <= p.paid_on < after
    ]
    totals = {
        "due_fen": sum(m["due_fen"] for m in months),
        "paid_fen": sum(m["paid_fen"] for m in months),
        "owed_fen": sum(m["owed_fen"] for m in months),
        "voluntary_fen": sum(p.amount_fen for p in voluntary),
    }
    totals["rate"] = rate_of(totals["paid_fen"], totals["due_fen"])
    return {
        "person": person,
        "year": year,
        "months": months,
        "payments": payments,
        "voluntary": voluntary,
        "totals": totals,
    }
