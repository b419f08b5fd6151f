"""学习计划执行: per organization, the study plan's dates of a year against the 学习日 actually held. The page,
its Excel export and the API read the same ``adherence`` (rule of the house 6).

A plan date counts once it has passed (before today, local time); today's and later dates are 待开展. A date
is 已落实 when a session that is not cancelled and has started by ``as_of`` was registered for it (its
``plan_item``), or when the organization held a 学习日 on that local day. Archived plans do not count.
Active 党支部 in view without any plan for the year are listed as 未制定计划.

Set-based: one query for the organizations, one for the plans, ONE grouped count of the plan dates, and one
query for the dates missed (two NOT EXISTS, anti-joins); never a query per organization or per date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from zugong.core.roles import Action
from zugong.core.scope import path_prefix_q
from zugong.orgs.models import Organization, OrgStatus, OrgType

from .choices import SessionKind
from .models import PlanItem, Session, StudyPlan
from .selectors_compliance import OrgRow
from .selectors_compliance import filter_rows as filter_org_rows

# The orders a list offers: the tree, by name, the most dates missed first, the lowest rate first.
SORTS = {
    "path": ("按组织层级", lambda r: r.path),
    "name": ("按名称", lambda r: (r.name, r.path)),
    "behind": ("未落实最多在前", lambda r: (-r.behind, r.path)),
    "rate": ("落实率从低到高", lambda r: (r.rate if r.rate is not None else Decimal(101), r.path)),
}


@dataclass
class Row(OrgRow):
    has_plan: bool = False
    planned: int = 0  # plan dates passed
    held: int = 0  # of them, 已落实
    upcoming: int = 0  # plan dates from today on
    missed: list[dt.date] = field(default_factory=list)

    @property
    def behind(self) -> int:
        return self.planned - self.held

    @property
    def no_plan(self) -> bool:
        return not self.has_plan

    @property
    def is_behind(self) -> bool:
        """Dates missed, or no plan at all."""
        return self.behind > 0 or self.no_plan

    @property
    def rate(self) -> Decimal | None:
        if not self.planned:
            return None
        return (Decimal(100) * self.held / self.planned).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def missed_short(self) -> str:
        """The dates missed, at most three named: "03-05、03-12、03-19等 7 个"."""
        days = [f"{d:%m-%d}" for d in self.missed]
        if len(days) <= 3:
            return "、".join(days)
        return f"{'、'.join(days[:3])}等 {len(days)} 个"

    @property
    def status(self) -> str:
        if self.no_plan:
            return "未制定计划"
        if self.behind:
            return f"未落实 {self.behind} 次"
        return "按计划落实"

    def as_dict(self) -> dict:
        return {
            "org": self.org_id,
            "name": self.name,
            "code": self.code,
            "org_type": self.org_type,
            "parent_name": self.parent_name,
            "has_plan": self.has_plan,
            "planned": self.planned,
            "held": self.held,
            "behind": self.behind,
            "upcoming": self.upcoming,
            "rate": None if self.rate is None else str(self.rate),
            "missed": [d.isoformat() for d in self.missed],
            "is_behind": self.is_behind,
            "status": self.status,
        }


@dataclass
class Report:
    year: int
    as_of: dt.datetime
    today: dt.date
    rows: list[Row]

    @property
    def behind_count(self) -> int:
        return sum(1 for r in self.rows if r.is_behind)

    @property
    def totals(self) -> dict:
        planned = sum(r.planned for r in self.rows)
        held = sum(r.held for r in self.rows)
        return {
            "planned": planned,
            "held": held,
            "behind": planned - held,
            "no_plan": sum(1 for r in self.rows if r.no_plan),
        }


def counted_sessions(as_of: dt.datetime):
    """The sessions that can count for a plan date: not cancelled, started by ``as_of``."""
    return Session.objects.filter(archived_at__isnull=True, starts_at__lte=as_of)


def not_held(as_of: dt.datetime) -> tuple[Exists, Exists]:
    """Two NOT EXISTS on the outer ``PlanItem``: no session registered for it, and no 学习日 of its organization on
    its local day. Kept apart (not one EXISTS with an OR) so that PostgreSQL plans each as a hashed anti-join
    instead of a subquery per plan date."""
    sessions = counted_sessions(as_of)
    linked = sessions.filter(plan_item=OuterRef("pk"))
    same_day = sessions.filter(
        org_id=OuterRef("plan__org_id"), kind=SessionKind.STUDY_DAY, starts_at__date=OuterRef("date")
    )
    return ~Exists(linked), ~Exists(same_day)


def adherence(
    user,
    year: int,
    as_of: dt.datetime | None = None,
    org: Organization | None = None,
    action: str = Action.VIEW,
) -> Report:
    """The plan adherence of the organizations in ``user``'s view (``org``'s subtree when given) for
    ``year`` as it stands at ``as_of`` (default: now)."""
    as_of = as_of or timezone.now()
    today = timezone.localtime(as_of, timezone.get_default_timezone()).date()
    items = PlanItem.objects.restrict(user, action).filter(plan__archived_at__isnull=True, plan__year=year)
    orgs = Organization.objects.restrict(user, action).filter(status=OrgStatus.ACTIVE)
    if org is not None:
        items = items.filter(path_prefix_q("plan__org__path", org.path))
        orgs = orgs.filter(path_prefix_q("path", org.path))
    passed = Q(date__lt=today)
    counts = {
        org_id: (planned, upcoming)
        for org_id, planned, upcoming in items.values_list("plan__org_id")
        .annotate(planned=Count("id", filter=passed), upcoming=Count("id", filter=~passed))
        .order_by()
    }
    missed: dict[int, list[dt.date]] = {}
    for org_id, day in (
        items.filter(passed, *not_held(as_of))
        .values_list("plan__org_id", "date")
        .order_by("plan__org_id", "date")
    ):
        missed.setdefault(org_id, []).append(day)
    # Organizations with a plan of the year (even one with no dates yet) and every active 党支部.
    plans = StudyPlan.objects.restrict(user, action).filter(year=year, archived_at__isnull=True)
    if org is not None:
        plans = plans.filter(path_prefix_q("org__path", org.path))
    with_plan = set(plans.values_list("org_id", flat=True))
    shown = orgs.filter(Q(id__in=with_plan) | Q(org_type=OrgType.BRANCH))
    rows = []
    for org_id, name, code, org_type, parent_name, path in shown.order_by("path").values_list(
        "id", "name", "code", "org_type", "parent__name", "path"
    ):
        planned, upcoming = counts.get(org_id, (0, 0))
        gaps = missed.get(org_id, [])
        rows.append(
            Row(
                org_id, name, code, org_type, parent_name or "", path,
                has_plan=org_id in with_plan, planned=planned, held=planned - len(gaps), upcoming=upcoming,
                missed=gaps,
            )
        )  # fmt: skip
    return Report(year=year, as_of=as_of, today=today, rows=rows)


def filter_rows(rows: list[Row], *, q: str = "", behind: bool = False, sort: str = "path") -> list[Row]:
    """As ``selectors_compliance.filter_rows``, in this report's orders (``SORTS``)."""
    return filter_org_rows(rows, q=q, behind=behind, sort=sort, sorts=SORTS)
