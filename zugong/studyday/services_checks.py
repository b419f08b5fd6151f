"""Writes of 抽查 (spot checks of members' notes) and of the required frequencies of 三会一课.

A draw is reproducible: the candidates are the members expected at a (not cancelled) session of the chosen
organizations in the date window, taken in the order of their ids, and the sample is
``random.Random(seed).sample(candidates, k)``; the parameters and the seed are stored, so ``redraw`` gives
the same members in the same order for as long as the sessions and attendance of the window stay as they
were. Only the department that organizes the check (change scope on its organization) draws, grades and
finishes it. The requirements are the 组织部's alone (org_admin at the district root)."""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zugong.core import audit, bulk
from zugong.core.models import AuditEvent
from zugong.core.roles import Action, Role
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope, path_prefix_q, user_grants
from zugong.orgs.models import Organization, OrgType

from .choices import SessionKind
from .models import Attendance, Requirement, SpotCheck, SpotCheckItem

# Who organizes a check: the district, a 党(工)委 or a 党总支 (never the branch whose notes are checked).
ORGANIZER_TYPES = (OrgType.DISTRICT, OrgType.COMMITTEE, OrgType.GENERAL_BRANCH)
MAX_SEED = 2**63 - 1
MAX_SIZE = 5000
MAX_COMMENT = 500
MAX_TIMES = 31


# ---- the draw ------------------------------------------------------------------------------------------


def window(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight of ``date_from``, local midnight after ``date_to``) as aware datetimes."""
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def covering(paths: list[str]) -> list[str]:
    """The paths with those inside another one dropped."""
    kept: list[str] = []
    for p in sorted(set(paths)):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


def attendance_in(org_paths: list[str], date_from: dt.date, date_to: dt.date):
    """Attendance rows of the organizations' subtrees at sessions (not cancelled) that started in the
    window."""
    start, end = window(date_from, date_to)
    scope = reduce(or_, (path_prefix_q("org_path", p) for p in covering(org_paths)))
    return Attendance.objects.filter(
        scope,
        session__archived_at__isnull=True,
        session__starts_at__gte=start,
        session__starts_at__lt=end,
    )


def candidate_ids(org_paths: list[str], date_from: dt.date, date_to: dt.date) -> list[int]:
    """The members who can be drawn, in the order of their ids (the order the seed is applied to)."""
    return list(
        attendance_in(org_paths, date_from, date_to)
        .values_list("person_id", flat=True)
        .distinct()
        .order_by("person_id")
    )


def sample_size(candidates: int, size: int | None, percent: Decimal | None) -> int:
    """``size``, or ``percent`` % of the candidates rounded up; never more than there are."""
    k = size if size is not None else math.ceil(Decimal(percent) * candidates / 100)
    return min(k, candidates)


def draw(candidates: list[int], seed: int, k: int) -> list[int]:
    return random.Random(seed).sample(candidates, k)


def redraw_counted(check: SpotCheck) -> tuple[int, list[int]]:
    """(the number of candidates now, the sample the stored parameters and seed give now)."""
    candidates = candidate_ids(check.org_paths, check.date_from, check.date_to)
    return len(candidates), draw(
        candidates, check.seed, sample_size(len(candidates), check.size, check.percent)
    )


def redraw(check: SpotCheck) -> list[int]:
    """The sample the stored parameters and seed give now (person ids in drawing order)."""
    return redraw_counted(check)[1]


def _member_orgs(person_ids: list[int], org_paths, date_from, date_to) -> dict[int, tuple[int, str]]:
    """Each drawn member's organization at the draw: that of their latest session in the window, a
    党小组's being its 党支部's, a branch preferred over a session held higher up (a 党课 of the 党工委)."""
    rows = (
        attendance_in(org_paths, date_from, date_to)
        .filter(person_id__in=person_ids)
        .order_by("person_id", "-session__starts_at", "-id")
        .values_list(
            "person_id", "session__org_id", "session__org__org_type", "session__org__path",
            "session__org__parent_id", "session__org__parent__path",
        )
    )  # fmt: skip
    chosen: dict[int, tuple[int, str, bool]] = {}
    for person_id, org_id, org_type, path, parent_id, parent_path in rows:
        if org_type == OrgType.GROUP and parent_id is not None:
            org_id, path, org_type = parent_id, parent_path, OrgType.BRANCH
        is_branch = org_type == OrgType.BRANCH
        have = chosen.get(person_id)
        if have is None or (is_branch and not have[2]):
            chosen[person_id] = (org_id, path, is_branch)
    return {pk: (org_id, path) for pk, (org_id, path, _) in chosen.items()}


def _clean_percent(percent) -> Decimal:
    try:
        value = Decimal(str(percent)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValidationError({"percent": "抽取比例应为数字。"})
    if not value.is_finite() or not Decimal(0) < value <= Decimal(100):
        raise ValidationError({"percent": "抽取比例应大于 0 且不超过 100（%）。"})
    return value


def _clean_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        try:
            seed = int(str(seed).strip())
        except ValueError:
            raise ValidationError({"seed": "随机种子应为整数。"})
    if not 0 <= seed <= MAX_SEED:
        raise ValidationError({"seed": f"随机种子应为 0–{MAX_SEED} 之间的整数。"})
    return seed


def _is_date(value) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


@transaction.atomic
def draw_spot_check(
    *,
    actor,
    org: Organization,
    title: str,
    date_from: dt.date,
    date_to: dt.date,
    organizations: list[Organization],
    size: int | None = None,
    percent=None,
    seed: int | None = None,
) -> SpotCheck:
    """Draw ``size`` members, or ``percent`` % of the candidates (rounded up), from the members expected at
    a session of ``organizations`` between ``date_from`` and ``date_to``; ``seed`` repeats an earlier draw
    (a new one is drawn from the system's randomness when not given, and recorded)."""
    ensure_org_in_scope(actor, Action.CHANGE, org)
    if org.org_type not in ORGANIZER_TYPES:
        raise ValidationError({"org": "抽查应由区委、党(工)委或党总支组织。"})
    title = " ".join(str(title or "").split())
    if not title or len(title) > 200:
        raise ValidationError({"title": "请填写抽查名称（不超过 200 字）。"})
    if not (_is_date(date_from) and _is_date(date_to)):
        raise ValidationError({"date_from": "请填写会议的起止日期。"})
    if date_to < date_from:
        raise ValidationError({"date_to": "截止日期不能早于起始日期。"})
    if date_from.year < 2000 or date_to.year > 2100:
        raise ValidationError({"date_from": "会议的起止日期应在 2000 年至 2100 年之间。"})
    chosen = list({o.pk: o for o in organizations or []}.values())
    if not chosen:
        raise ValidationError({"organizations": "请至少选择一个抽查范围内的组织。"})
    for o in chosen:
        ensure_org_in_scope(actor, Action.ADD, o)
        if not o.path.startswith(org.path):
            raise ValidationError({"organizations": f"“{o.name}”不在“{org.name}”的范围内。"})
    if (size is None) == (percent in (None, "")):
        raise ValidationError({"size": "请填写抽取人数或抽取比例（二者只填一项）。"})
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SIZE:
            raise ValidationError({"size": f"抽取人数应为 1–{MAX_SIZE} 的整数。"})
        percent = None
    else:
        percent = _clean_percent(percent)
    seed = secrets.randbits(63) if seed in (None, "") else _clean_seed(seed)
    chosen.sort(key=lambda o: o.path)
    paths = [o.path for o in chosen]
    candidates = candidate_ids(paths, date_from, date_to)
    if not candidates:
        raise ValidationError("所选组织在该时间段内没有应参加会议的党员，无法抽查。")
    sample = draw(candidates, seed, sample_size(len(candidates), size, percent))
    check = SpotCheck.objects.create(
        org=org, title=title, date_from=date_from, date_to=date_to, org_ids=[o.pk for o in chosen],
        org_paths=paths, size=size, percent=percent, seed=seed, candidates=len(candidates), drawn_by=actor,
    )  # fmt: skip
    orgs = _member_orgs(sample, paths, date_from, date_to)
    items = [
        SpotCheckItem(check_run=check, person_id=pk, org_id=orgs[pk][0], org_path=orgs[pk][1], position=n)
        for n, pk in enumerate(sample, start=1)
    ]
    bulk.insert_objects(items)
    ensure_in_scope(actor, Action.CHANGE, check)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=check, detail={"items": len(items)})
    audit.record_changes_bulk(
        actor=actor, kind=AuditEvent.Kind.CREATE, objs=items, detail={"spot_check": check.pk}
    )
    return check


# ---- grading -------------------------------------------------------------------------------------------


def _lock_check(actor, check: SpotCheck) -> SpotCheck:
    check = SpotCheck.objects.select_for_update().get(pk=check.pk)
    ensure_in_scope(actor, Action.CHANGE, check)
    if check.status == SpotCheck.Status.DONE:
        raise ValidationError("该抽查已完成，不能再修改评定。")
    return check


@transaction.atomic
def grade_item(*, actor, item: SpotCheckItem, grade: str, comment: str = "") -> SpotCheckItem:
    """Grade one member's notes 优/良/合格/不合格; 不合格 needs a comment saying why."""
    check = _lock_check(actor, item.check_run)
    item = SpotCheckItem.objects.select_for_update().get(pk=item.pk, check_run=check)
    if getattr(actor, "person_id", None) == item.person_id:
        raise PermissionDenied("不能评阅本人的笔记。")
    if grade not in SpotCheckItem.Grade.values:
        raise ValidationError({"grade": "请选择评定等次（优、良、合格、不合格）。"})
    comment = str(comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": f"评语不能超过 {MAX_COMMENT} 字。"})
    if grade == SpotCheckItem.Grade.FAIL and not comment:
        raise ValidationError({"comment": "评定为“不合格”时须填写评语，说明不合格的原因。"})
    before = audit.snapshot(item)
    item.grade, item.comment, item.graded_by, item.graded_at = grade, comment, actor, timezone.now()
    item.save(update_fields=["grade", "comment", "graded_by", "graded_at", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=item, before=before)
    return item


@transaction.atomic
def finish_check(*, actor, check: SpotCheck) -> SpotCheck:
    """评阅中 → 已完成, once every member drawn is graded; the grades are then final."""
    check = _lock_check(actor, check)
    ungraded = check.items.filter(grade="").count()
    if ungraded:
        raise ValidationError(f"还有 {ungraded} 名党员的笔记未评定，全部评定后才能完成抽查。")
    before = audit.snapshot(check)
    check.status = SpotCheck.Status.DONE
    check.save(update_fields=["status", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=check, before=before)
    return check


# ---- the required frequencies ----------------------------------------------------------------------------


def is_district_admin(user) -> bool:
    """The 组织部: an org_admin grant at the district root."""
    return any(g.role == Role.ORG_ADMIN and g.is_root for g in user_grants(user))


@transaction.atomic
def requirement_save(
    *, actor, kind: str, period: str, times: int, org_types: list[str], active: bool
) -> Requirement:
    """Set how often ``kind`` must be held (a new requirement for a kind that has none)."""
    if not is_district_admin(actor):
        raise PermissionDenied("只有区委组织部管理员可以设置三会一课频次要求。")
    if kind not in SessionKind.values:
        raise ValidationError({"kind": "会议类型不正确。"})
    label = SessionKind(kind).label
    if period not in Requirement.Period.values:
        raise ValidationError({"period": f"{label}：周期应为每月、每季度、每半年或每年。"})
    if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= MAX_TIMES:
        raise ValidationError({"times": f"{label}：每周期次数应为 1–{MAX_TIMES} 的整数。"})
    types = [t for t in OrgType.values if t in set(org_types or [])]
    if len(types) != len(set(org_types or [])):
        raise ValidationError({"org_types": f"{label}：适用组织类型不正确。"})
    if active and not types:
        raise ValidationError({"org_types": f"{label}：启用的要求须至少适用于一种组织类型。"})
    values = {"period": period, "times": times, "org_types": types, "active": bool(active)}
    requirement = Requirement.objects.select_for_update().filter(kind=kind).first()
    if requirement is None:
        requirement = Requirement.objects.create(kind=kind, **values)
        audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=requirement)
        return requirement
    before = audit.snapshot(requirement)
    if all(getattr(requirement, k) == v for k, v in values.items()):
        return requirement
    for k, v in values.items():
        setattr(requirement, k, v)
    requirement.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=requirement, before=before)
    return requirement
