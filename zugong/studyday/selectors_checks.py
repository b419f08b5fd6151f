"""Reads of 抽查: the checks a user may see with their progress, the items of a check, the results by
organization (of one check, and of every check of a year — what feeds an organization's statistics), the
notes and reflections a grader reads, and the reproduction of a draw. Pages, exports and the API read the
same functions (rule of the house 6); every figure is one grouped query, never a query per item."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet

from zugong.core.roles import Action
from zugong.people.models import Person

from . import services_checks as S
from .models import SpotCheck, SpotCheckItem, Submission

GRADES = SpotCheckItem.Grade
GRADE_KEYS = ("excellent", "good", "pass", "fail")


def checks_for(user, action: str = Action.VIEW) -> QuerySet[SpotCheck]:
    """The checks ``user`` may ``action``, newest first, with their item and graded counts."""
    return (
        SpotCheck.objects.restrict(user, action)
        .select_related("org", "drawn_by")
        .annotate(n_items=Count("items"), n_graded=Count("items", filter=~Q(items__grade="")))
        .order_by("-drawn_at", "-id")
    )


def items_of(check: SpotCheck) -> QuerySet[SpotCheckItem]:
    return (
        SpotCheckItem.objects.filter(check_run=check)
        .select_related("person", "org", "graded_by")
        .order_by("position")
    )


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal (None when nothing is graded)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _tally(row: dict) -> dict:
    graded = sum(row[g] for g in GRADE_KEYS)
    row["graded"] = graded
    row["ungraded"] = row["total"] - graded
    row["good_rate"] = rate(row["excellent"] + row["good"], graded)  # 优良率
    row["pass_rate"] = rate(graded - row["fail"], graded)  # 合格率
    return row


def results_by_org(items: QuerySet[SpotCheckItem]) -> dict:
    """Per organization (of the member at the draw): members drawn, counts of 优/良/合格/不合格, 未评定,
    优良率 and 合格率 (of those graded); and the same over all of them."""
    grouped = (
        items.values_list("org_id", "org__name", "org__path", "grade").annotate(n=Count("id")).order_by()
    )
    blank = {"total": 0, **dict.fromkeys(GRADE_KEYS, 0)}
    rows: dict[int, dict] = {}
    total = {"org_id": None, "org_name": "合计", **blank}
    for org_id, name, path, grade, n in grouped:
        row = rows.setdefault(org_id, {"org_id": org_id, "org_name": name, "path": path, **blank})
        row["total"] += n
        total["total"] += n
        if grade:
            row[grade] += n
            total[grade] += n
    ordered = sorted(rows.values(), key=lambda r: r["path"])
    return {"rows": [_tally(r) for r in ordered], "total": _tally(total)}


def check_results(check: SpotCheck) -> dict:
    return results_by_org(SpotCheckItem.objects.filter(check_run=check))


def year_results(user, year: int) -> dict:
    """Every check whose window ends in ``year``, by organization, as far as ``user`` may see the members
    drawn (a branch sees its own results, the department all)."""
    items = SpotCheckItem.objects.restrict(user, Action.VIEW).filter(check_run__date_to__year=year)
    return results_by_org(items)


def progress(check: SpotCheck) -> dict:
    counts = dict(
        SpotCheckItem.objects.filter(check_run=check)
        .values_list("grade")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("grade", "n")
    )
    total = sum(counts.values())
    graded = total - counts.get("", 0)
    return {
        "total": total,
        "graded": graded,
        "ungraded": total - graded,
        "grades": [(g.label, counts.get(g.value, 0)) for g in GRADES],
        "done": bool(total) and graded == total,
    }


def member_notes(check: SpotCheck, person_id: int) -> dict:
    """What the grader reads: the member's sessions in the check's window and organizations, each with
    the notes and reflection handed in (None: 未提交)."""
    attendance = list(
        S.attendance_in(check.org_paths, check.date_from, check.date_to)
        .filter(person_id=person_id)
        .select_related("session", "session__org")
        .order_by("session__starts_at", "session_id")
    )
    submissions = {
        s.session_id: s
        for s in Submission.objects.filter(
            person_id=person_id, session_id__in=[a.session_id for a in attendance]
        )
    }
    rows = [
        {"attendance": a, "session": a.session, "submission": submissions.get(a.session_id)}
        for a in attendance
    ]
    return {"rows": rows, "expected": len(rows), "submitted": len(submissions)}


def next_ungraded(check: SpotCheck, after: int = 0) -> SpotCheckItem | None:
    """The next item to grade after position ``after`` (or the first one left)."""
    items = SpotCheckItem.objects.filter(check_run=check, grade="").order_by("position")
    return items.filter(position__gt=after).first() or items.first()


def verify(check: SpotCheck) -> dict:
    """Whether the stored seed and parameters give the same sample again: the stored members by position
    beside those drawn now."""
    stored = list(
        SpotCheckItem.objects.filter(check_run=check).order_by("position").values_list("person_id", flat=True)
    )
    candidates, again = S.redraw_counted(check)
    names = dict(Person.objects.filter(pk__in=set(stored) | set(again)).values_list("pk", "name"))
    width = max(len(stored), len(again))
    pairs = [
        {
            "position": n + 1,
            "stored": names.get(stored[n]) if n < len(stored) else None,
            "again": names.get(again[n]) if n < len(again) else None,
            "same": n < len(stored) and n < len(again) and stored[n] == again[n],
        }
        for n in range(width)
    ]
    return {
        "same": stored == again,
        "candidates_then": check.candidates,
        "candidates_now": candidates,
        "stored": stored,
        "again": again,
        "pairs": pairs,
        "differ": sum(1 for p in pairs if not p["same"]),
    }
