"""Reads of the 累计学分制 module: a cadre's progress, the figures per unit, team and district, the shortfall
list and the year-end rows. The pages, their Excel exports and the API all read them from here (rule of the
house 6). Every user-facing read starts from ``restrict(user, action)`` and is set-based: grouped queries over
the yearly summaries (``CreditYear``, rebuilt by ``ledger.recompute``), never a query per cadre.

The last four functions are for other modules (assessment, promotion, team rating), which apply their own
scope: "did this cadre meet the year's target", and the consequences of not meeting it 【地方】.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, F, Q, Sum
from django.utils import timezone

from zugong.core.roles import Action
from zugong.orgs.models import LeadershipTeam, TeamPosition, Unit

from . import rules as R
from .models import Category, Claim, CreditEntry, CreditRuleSet, CreditYear, Grade, RankGroup

ZERO = Decimal(0)
CENT = Decimal("0.01")
CHART_UNITS = 30


def q2(value) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def current_year() -> int:
    return timezone.localdate().year


def year_param(value, default=None) -> int:
    """A year from a query parameter ("2025" → 2025); anything else gives ``default`` or the current year."""
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = None
    if year is None or not 2000 <= year <= 2100:
        return default if default is not None else current_year()
    return year


def rules_of_year(year: int) -> tuple[CreditRuleSet | None, R.Rules]:
    """The year's rule set (None when not set up) and its numbers (the defaults when not set up)."""
    rule_set = CreditRuleSet.objects.filter(year=year).first()
    return rule_set, (R.Rules.of(rule_set) if rule_set is not None else R.Rules.defaults(year))


def summaries_for(user, year: int, action=Action.VIEW):
    """The cadres' summaries of ``year`` that ``user`` may ``action`` (a cadre: their own)."""
    return (
        CreditYear.objects.restrict(user, action)
        .filter(year=year)
        .select_related("person", "person__unit", "person__cadre")
    )


def shortfall_of(summary: CreditYear, rules: R.Rules) -> dict:
    """What the cadre still lacks (0 when met): 学时 (县处级: the five-year cycle's 550 less the cycle so far,
    unless the 3 months of full-time training are done, even before the cycle is due; 乡科级: 90 less the
    year's, 0 when the 12 days are done), 网络学时, 必修学分, 总学分."""
    if summary.rank_group == RankGroup.COUNTY:
        # The cycle's target, also in its early years when it is not due yet (``met_hours`` is then True).
        cycle_done = Decimal(summary.cycle_days) >= rules.county_days
        hours = ZERO if cycle_done else max(ZERO, rules.county_hours - Decimal(summary.cycle_hours))
    elif summary.met_hours:
        hours = ZERO
    else:
        hours = max(ZERO, rules.township_hours - Decimal(summary.hours))
    return {
        "hours": q2(hours),
        "online_hours": q2(max(ZERO, rules.online_hours_target - Decimal(summary.online_hours))),
        "required": q2(max(ZERO, rules.required_credits - Decimal(summary.credits_required))),
        "total": q2(max(ZERO, rules.total_credits - Decimal(summary.credits_total))),
    }


def _bar(label: str, value, target, met: bool) -> dict:
    value, target = q2(value), q2(target)
    percent = 100 if target <= 0 else min(100, int(value * 100 / target))
    return {"label": label, "value": value, "target": target, "percent": max(0, percent), "met": bool(met)}


def _blank_summary(person, year: int) -> CreditYear:
    """An unsaved summary of zeros, for a cadre the ledger has not reached yet."""
    cadre = getattr(person, "cadre", None)
    rank = cadre.rank if cadre is not None else getattr(person, "rank", "")
    return CreditYear(person=person, year=year, rank_group=R.rank_group(rank))


def progress_of(person, year: int) -> dict:
    """One cadre's year: the summary (None before the first recompute), the rule set, a bar per target —
    学时 (县处级: 周期学时), 网络学时, 必修学分, 总学分 — the grade, the shortfall, the year's entries and
    claims. The caller has checked that the person is in scope."""
    summary = CreditYear.objects.filter(person=person, year=year).first()
    rule_set, rules = rules_of_year(year)
    s = summary if summary is not None else _blank_summary(person, year)
    if s.rank_group == RankGroup.COUNTY:
        first, last = rules.cycle(year)
        reached = s.cycle_hours >= rules.county_hours or s.cycle_days >= rules.county_days
        hours_bar = _bar(f"周期学时（{first}–{last}）", s.cycle_hours, rules.county_hours, reached)
        # Not reached yet, but not behind either: the five years are not over (and no promotion deadline
        # has passed).
        hours_bar["in_progress"] = bool(s.met_hours and not reached)
    else:
        hours_bar = _bar("学时", s.hours, rules.township_hours, s.met_hours)
    bars = [
        hours_bar,
        _bar("网络学时", s.online_hours, rules.online_hours_target, s.met_online),
        _bar(
            "必修学分",
            s.credits_required,
            rules.required_credits,
            s.credits_required >= rules.required_credits,
        ),
        _bar("总学分", s.credits_total, rules.total_credits, s.credits_total >= rules.total_credits),
    ]
    entries = (
        CreditEntry.objects.filter(person=person, year=year, archived_at__isnull=True)
        .select_related("activity")
        .order_by("-date", "-id")
    )
    claims = Claim.objects.filter(
        person=person, date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)
    ).order_by("-created_at", "-id")
    return {
        "person": person,
        "year": year,
        "summary": summary,
        "rule_set": rule_set,
        "rules": rules,
        "rank_group": s.rank_group,
        "bars": bars,
        "grade": summary.grade if summary is not None else None,
        "met_target": bool(summary is not None and summary.met_target),
        "shortfall": shortfall_of(s, rules),
        "entries": entries,
        "claims": claims,
    }


def _met_rate(cadres: int, behind: int) -> int:
    return round((cadres - behind) * 100 / cadres) if cadres else 0


def unit_progress(user, year, action=Action.VIEW) -> list[dict]:
    """Per unit (工作单位) of the cadres in scope: cadres, avg_total, behind (not met), met_rate (percent);
    by unit code, cadres without a unit last (unit None). One grouped query."""
    grouped = (
        CreditYear.objects.restrict(user, action)
        .filter(year=year)
        .values("person__unit")
        .annotate(
            cadres=Count("id"),
            avg_total=Avg("credits_total"),
            behind=Count("id", filter=Q(met_target=False)),
        )
        .order_by()
    )
    rows = {row["person__unit"]: row for row in grouped}
    units = Unit.objects.in_bulk([pk for pk in rows if pk is not None])
    out = []
    for pk, row in rows.items():
        out.append(
            {
                "unit": units.get(pk) if pk is not None else None,
                "cadres": row["cadres"],
                "avg_total": q2(row["avg_total"]),
                "behind": row["behind"],
                "met": row["cadres"] - row["behind"],
                "met_rate": _met_rate(row["cadres"], row["behind"]),
            }
        )
    out.sort(key=lambda r: (r["unit"] is None, r["unit"].code if r["unit"] else ""))
    return out


def _team_members(person_ids=None):
    """(team, person) of the seats held now, distinct (one person twice on a team counts once)."""
    seats = TeamPosition.objects.filter(archived_at__isnull=True, person__isnull=False)
    if person_ids is not None:
        seats = seats.filter(person_id__in=person_ids)
    return seats.values_list("team_id", "person_id").distinct()


def team_progress(user, year, action=Action.VIEW) -> list[dict]:
    """Per leadership team of the cadres in scope (those holding a seat now): team, unit, cadres,
    avg_total, behind, may_be_excellent (average ≥ the year's total target). Two queries and one for the
    teams; ordered by unit code and team name."""
    summaries = CreditYear.objects.restrict(user, action).filter(year=year)
    totals = {
        pid: (total, met)
        for pid, total, met in summaries.values_list("person_id", "credits_total", "met_target")
    }
    if not totals:
        return []
    members: dict[int, set[int]] = {}
    for team_id, person_id in _team_members(summaries.values("person_id")):
        members.setdefault(team_id, set()).add(person_id)
    _, rules = rules_of_year(year)
    teams = LeadershipTeam.objects.select_related("unit").in_bulk(list(members))
    out = []
    for team_id, people in members.items():
        cadres = len(people)
        avg = q2(sum((Decimal(totals[p][0]) for p in people), ZERO) / cadres)
        behind = sum(1 for p in people if not totals[p][1])
        out.append(
            {
                "team": teams[team_id],
                "unit": teams[team_id].unit,
                "cadres": cadres,
                "avg_total": avg,
                "behind": behind,
                "met_rate": _met_rate(cadres, behind),
                "may_be_excellent": avg >= rules.total_credits,
            }
        )
    out.sort(key=lambda r: (r["unit"].code, r["team"].name, r["team"].pk))
    return out


def district_overview(user, year, action=Action.VIEW) -> dict:
    """The figures of the user's whole scope: cadres, met, behind, met_rate, avg_total, the count by grade
    and by rank group (with met), the average per unit (the 30 highest, for a chart) and the credits by
    category (for a chart)."""
    summaries = CreditYear.objects.restrict(user, action).filter(year=year)
    totals = summaries.aggregate(
        cadres=Count("id"),
        met=Count("id", filter=Q(met_target=True)),
        avg_total=Avg("credits_total"),
        excellent=Count("id", filter=Q(grade=Grade.EXCELLENT)),
        passed=Count("id", filter=Q(grade=Grade.PASS)),
        failed=Count("id", filter=Q(grade=Grade.FAIL)),
        county=Count("id", filter=Q(rank_group=RankGroup.COUNTY)),
        county_met=Count("id", filter=Q(rank_group=RankGroup.COUNTY, met_target=True)),
        township=Count("id", filter=Q(rank_group=RankGroup.TOWNSHIP)),
        township_met=Count("id", filter=Q(rank_group=RankGroup.TOWNSHIP, met_target=True)),
    )
    cadres, met = totals["cadres"], totals["met"]
    grades = [
        {"grade": Grade.EXCELLENT.value, "label": Grade.EXCELLENT.label, "count": totals["excellent"]},
        {"grade": Grade.PASS.value, "label": Grade.PASS.label, "count": totals["passed"]},
        {"grade": Grade.FAIL.value, "label": Grade.FAIL.label, "count": totals["failed"]},
    ]
    groups = [
        {
            "rank_group": g.value,
            "label": g.label,
            "cadres": totals[key],
            "met": totals[f"{key}_met"],
            "met_rate": _met_rate(totals[key], totals[key] - totals[f"{key}_met"]),
        }
        for g, key in ((RankGroup.COUNTY, "county"), (RankGroup.TOWNSHIP, "township"))
    ]
    units = sorted(unit_progress(user, year, action), key=lambda r: (-r["avg_total"], -r["cadres"]))
    by_category = {
        row["category"]: row
        for row in CreditEntry.objects.restrict(user, action)
        .filter(year=year, archived_at__isnull=True)
        .values("category")
        .annotate(credits=Sum("credits"), hours=Sum("credited_hours"), entries=Count("id"))
        .order_by()
    }
    categories = [
        {
            "category": c.value,
            "label": c.label,
            "credits": q2(by_category.get(c.value, {}).get("credits")),
            "hours": q2(by_category.get(c.value, {}).get("hours")),
            "entries": by_category.get(c.value, {}).get("entries", 0),
        }
        for c in Category
    ]
    return {
        "year": year,
        "cadres": cadres,
        "met": met,
        "behind": cadres - met,
        "met_rate": _met_rate(cadres, cadres - met),
        "avg_total": q2(totals["avg_total"]),
        "grades": grades,
        "rank_groups": groups,
        "units": units[:CHART_UNITS],
        "categories": categories,
    }


def shortfall_list(user, year, action=Action.VIEW):
    """The cadres in scope behind the year's target, the furthest behind first."""
    return (
        summaries_for(user, year, action)
        .filter(met_target=False)
        .order_by("credits_total", "person__name_stroke_key", "person_id")
    )


def year_end_rows(user, year, action=Action.VIEW) -> list[dict]:
    """The year-end list: every summary in scope, by unit code (no unit last), then 姓氏笔画."""
    rows = summaries_for(user, year, action).order_by(
        F("person__unit__code").asc(nulls_last=True), "person__name_stroke_key", "person_id"
    )
    out = []
    for s in rows:
        person = s.person
        cadre = getattr(person, "cadre", None)
        out.append(
            {
                "summary": s,
                "person_id": person.pk,
                "unit": person.unit.name if person.unit_id else "",
                "name": person.name,
                "post": (cadre.post if cadre is not None else "") or person.post,
                "rank_group": s.get_rank_group_display(),
                "hours": s.hours,
                "cycle_hours": s.cycle_hours,
                "online_hours": s.online_hours,
                "full_time_days": s.full_time_days,
                "required": s.credits_required,
                "earned": s.credits_earned,
                "carried_in": s.carried_in,
                "total": s.credits_total,
                "grade": s.get_grade_display(),
                "met": s.met_target,
            }
        )
    return out


# ---- for other modules (no user: the caller applies its own scope) ----------------------------------------


def _pk(obj) -> int:
    return obj if isinstance(obj, int) else obj.pk


def met_year_target(person, year: int) -> bool:
    """Whether the cadre met the year's target (False when the ledger has no row for them)."""
    met = CreditYear.objects.filter(person_id=_pk(person), year=year).values_list("met_target", flat=True)
    return bool(met.first())


def bars_excellent(person, year: int) -> bool:
    """Not meeting the year's target bars 优秀 in the annual assessment."""
    return not met_year_target(person, year)


def bars_promotion(person, year: int) -> bool:
    """Two failing years in a row (``year`` and the year before) bar promotion. A year counts as failing
    when the cadre has a row for it that is not met (a year before becoming a district cadre is not held
    against them)."""
    failing = CreditYear.objects.filter(
        person_id=_pk(person), year__in=[year - 1, year], met_target=False
    ).count()
    return failing == 2


def team_may_be_excellent(team, year: int) -> bool:
    """Whether the team's average credits (总学分, over the district cadres holding a seat now; a cadre with
    no row counts 0) reach the year's total target; a team whose average is below cannot be rated 优秀.
    False for a team with no district cadre."""
    people = set(
        TeamPosition.objects.filter(
            team_id=_pk(team),
            archived_at__isnull=True,
            person__is_district_cadre=True,
            person__archived_at__isnull=True,
        ).values_list("person_id", flat=True)
    )
    if not people:
        return False
    total = CreditYear.objects.filter(year=year, person_id__in=people).aggregate(t=Sum("credits_total"))["t"]
    _, rules = rules_of_year(year)
    return q2(Decimal(total or 0) / len(people)) >= rules.total_credits
