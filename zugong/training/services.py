"""Writes of the 累计学分制 module. Every service is keyword-only, runs in one transaction, checks who may do
it (the 干部教育科 for the rules, the year and the claims; staff for the cadres in their CHANGE scope),
refuses bad input with a Chinese ``ValidationError`` before anything is written, audits every row it writes,
and recomputes the ledger (``ledger.recompute``) for the cadres whose entries changed.

Here: roles, the catalogue (培训项目), attendance (班次考勤), manual entries (补录). The rule sets, the year's
close and the reminders (催学) are in ``services_reminders``, the claims in ``services_claims``, the import in
``services_import``; the first two are re-exported from here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zugong.core import audit, bulk
from zugong.core.models import AuditEvent
from zugong.core.roles import Action, Role
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope, grant_paths, user_roles
from zugong.people.models import Person

from . import ledger
from . import rules as R
from .models import Activity, Category, CreditEntry, CreditRuleSet, Level, Mode, Source

CENT = Decimal("0.01")
FIRST_YEAR, LAST_YEAR = 2000, 2100
# Upper bounds of the inputs (well inside the columns): a class of a year, a course of 1,000 hours …
LIMITS = {"days": 366, "hours": 10000, "minutes": 100000, "hours_taught": 1000}
LABELS = {"days": "天数", "hours": "学时", "minutes": "课程时长（分钟）", "hours_taught": "授课学时"}
ENTRY_INPUTS = ("category", "days", "hours", "minutes", "hours_taught", "level")


# ---- input checks -------------------------------------------------------------------------------------


def parse_id(value) -> int | None:
    """A record id from a form or a query string: ASCII digits only (``"²".isdigit()`` is true), at most 9."""
    text = str(value or "").strip()
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None


def check_text(value, field: str, label: str, max_length: int, *, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError({field: f"请填写{label}。"})
    if len(text) > max_length:
        raise ValidationError({field: f"{label}不能超过{max_length}个字。"})
    return text


def check_choice(value, choices, field: str, label: str, *, blank: bool = False) -> str:
    value = "" if value is None else str(value)
    if blank and value == "":
        return ""
    if value not in choices.values or value == "":
        labels = [lb for v, lb in zip(choices.values, choices.labels, strict=True) if v]
        raise ValidationError({field: f"{label}不正确，可选：{'、'.join(labels)}。"})
    return value


def check_decimal(value, field: str, label: str, *, maximum=None, minimum=0, null=False) -> Decimal | None:
    """A number ≥ ``minimum`` (0) with at most two decimal places; '' and None are 0 (or None if ``null``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None if null else Decimal(0)
    if isinstance(value, bool):
        raise ValidationError({field: f"{label}应为数字。"})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"{label}应为数字。"})
    if not number.is_finite():
        raise ValidationError({field: f"{label}应为数字。"})
    if number != number.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValidationError({field: f"{label}最多保留两位小数。"})
    if minimum is not None and number < minimum:
        raise ValidationError({field: f"{label}不能小于 {minimum}。"})
    if maximum is not None and number > maximum:
        raise ValidationError({field: f"{label}不能超过 {maximum}。"})
    return number.quantize(CENT)


def check_int(value, field: str, label: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool):
        raise ValidationError({field: f"{label}应为整数。"})
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: f"{label}应为整数。"})
    if not minimum <= number <= maximum:
        raise ValidationError({field: f"{label}应在 {minimum}–{maximum} 之间。"})
    return number


def check_day(value, field: str, label: str, *, not_future: bool = False) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError({field: f"{label}格式不正确（应为 YYYY-MM-DD）。"})
    if not isinstance(value, dt.date):
        raise ValidationError({field: f"请填写{label}。"})
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError({field: f"{label}超出范围。"})
    if not_future and value > timezone.localdate():
        raise ValidationError({field: f"{label}不能晚于今天。"})
    return value


def check_inputs(data: dict, *, items: bool = False) -> dict:
    """The inputs of an entry, activity or claim (category, days, 学时, minutes, hours taught, level, and
    ``items`` when asked), checked; keys missing from ``data`` take their defaults."""
    out = {"category": check_choice(data.get("category"), Category, "category", "类别")}
    for name in ("days", "hours", "hours_taught"):
        out[name] = check_decimal(data.get(name), name, LABELS[name], maximum=LIMITS[name])
    out["minutes"] = check_decimal(
        data.get("minutes"), "minutes", LABELS["minutes"], maximum=LIMITS["minutes"], null=True
    )
    out["level"] = check_choice(data.get("level", ""), Level, "level", "级别", blank=True)
    if items:
        raw = data.get("items")
        out["items"] = (
            1 if raw in (None, "") else check_int(raw, "items", "次数/篇数", minimum=1, maximum=100)
        )
    return out


def rules_of_year(year: int) -> R.Rules:
    rule_set = CreditRuleSet.objects.filter(year=year).first()
    return R.Rules.of(rule_set) if rule_set is not None else R.Rules.defaults(year)


def check_countable(inputs: dict, year: int) -> None:
    """The numbers must earn the category something under the year's rules (a per-day category needs days,
    a per-hour one 学时 or a length, teaching the hours taught); otherwise the record would count 0."""
    rules = rules_of_year(year)
    out = R.entry_output(
        category=inputs["category"],
        days=inputs["days"],
        hours=inputs["hours"],
        minutes=inputs["minutes"],
        hours_taught=inputs["hours_taught"],
        level=inputs["level"],
        items=inputs.get("items", 1),
        rules=rules,
    )
    if out.credits_raw > 0:
        return
    rule = rules.categories.get(inputs["category"])
    label = Category(inputs["category"]).label
    if rule is None:
        raise ValidationError({"category": f"{year}年度学分规则中没有“{label}”类别。"})
    if rule.mode == Mode.PER_DAY:
        raise ValidationError({"days": f"{label}按天计分，请填写天数。"})
    if rule.mode == Mode.PER_HOUR:
        raise ValidationError({"hours": f"{label}按学时计分，请填写学时或课程时长。"})
    if rule.mode == Mode.PER_HOUR_TAUGHT:
        raise ValidationError({"hours_taught": f"{label}按授课学时计分，请填写授课学时。"})
    raise ValidationError({"category": f"{label}在{year}年度的学分标准为 0，不能计入学分。"})


# ---- who may do it ------------------------------------------------------------------------------------


def is_training_office(user) -> bool:
    """The 干部教育科: an 组织部管理员 whose CHANGE grant covers the whole district."""
    return (
        getattr(user, "is_authenticated", False)
        and Role.ORG_ADMIN in user_roles(user)
        and grant_paths(user, Action.CHANGE) == [""]
    )


def ensure_training_office(user) -> None:
    if not is_training_office(user):
        raise PermissionDenied("只有干部教育科可以办理此项业务。")


def ensure_training_staff(user, action=Action.VIEW) -> list[str]:
    paths = grant_paths(user, action)
    if not paths:
        raise PermissionDenied("您没有办理干部教育培训业务的权限。")
    return paths


def district_cadres(user, action=Action.VIEW):
    """The district-managed cadres (区管干部) on the roll that ``user`` may ``action``."""
    return Person.objects.restrict(user, action).filter(
        is_district_cadre=True, archived_at__isnull=True, cadre__is_district_managed=True
    )


def is_district_cadre(person_id) -> bool:
    return (
        person_id is not None
        and Person.objects.filter(
            pk=person_id, is_district_cadre=True, archived_at__isnull=True, cadre__is_district_managed=True
        ).exists()
    )


def open_rule_set(year: int, *, actor=None) -> CreditRuleSet:
    """The year's rule set, refused when the year is closed. Locked when called inside a transaction, so
    that a close cannot slip between the check and the write. This year's (and next year's) rules are set
    up on first use — copied from the latest year's, audited, and the year computed for every cadre, so that
    the cadres without credits are in its lists too; a past year's only by the office."""
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(f"年度 {year} 超出范围。")
    if not CreditRuleSet.objects.filter(year=year).exists():
        if year < timezone.localdate().year:
            raise ValidationError(f"{year}年度尚未建立学分规则，请先由干部教育科在“学分规则”中建立。")
        rule_set, created = ledger.ensure_rule_set_created(year)
        if created:
            audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=rule_set)
            audit.record_changes_bulk(
                actor=actor, kind=AuditEvent.Kind.CREATE, objs=list(rule_set.rules.all())
            )
            result = ledger.recompute(year)
            audit.record_event(
                actor=actor, event=audit.Events.TRAINING_RECOMPUTE, obj=rule_set,
                detail={**result, "reason": "first_use"},
            )  # fmt: skip
    rule_set = CreditRuleSet.objects.get(year=year)
    if transaction.get_connection().in_atomic_block:
        rule_set = CreditRuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if rule_set.closed:
        raise ValidationError(f"{year}年度已关账，不能再录入、修改或撤销学分记录。")
    return rule_set


def recompute_people(year: int, person_ids) -> dict:
    ids = sorted({int(i) for i in person_ids})
    if not ids:
        return {"year": year, "entries_updated": 0, "summaries": 0}
    return ledger.recompute(year, person_ids=ids)


# ---- the catalogue ------------------------------------------------------------------------------------

ACTIVITY_TEXTS = {"title": ("名称", 200, True), "organizer": ("主办单位", 100, True)}
ACTIVITY_OPTIONAL = {"location": ("地点", 100), "note": ("说明", 300)}


def _activity_fields(data: dict) -> dict:
    out = {}
    for name, (label, length, required) in ACTIVITY_TEXTS.items():
        out[name] = check_text(data.get(name), name, label, length, required=required)
    for name, (label, length) in ACTIVITY_OPTIONAL.items():
        out[name] = check_text(data.get(name), name, label, length, required=False)
    out.update(check_inputs(data))
    out["start_date"] = check_day(data.get("start_date"), "start_date", "开始日期")
    out["end_date"] = check_day(data.get("end_date") or out["start_date"], "end_date", "结束日期")
    if out["end_date"] < out["start_date"]:
        raise ValidationError({"end_date": "结束日期不能早于开始日期。"})
    span = (out["end_date"] - out["start_date"]).days + 1
    if out["days"] > span:
        raise ValidationError({"days": f"天数不能超过起止日期之间的 {span} 天。"})
    org = data.get("org")
    if org is None or not getattr(org, "pk", None):
        raise ValidationError({"org": "请选择归属党组织。"})
    out["org"] = org
    check_countable(out, out["start_date"].year)
    return out


def _ensure_org(actor, org, action) -> None:
    ensure_org_in_scope(actor, action, org)
    if org.parent_id is None and not is_training_office(actor):
        raise PermissionDenied("全区性的培训项目只能由干部教育科录入。")


@transaction.atomic
def create_activity(*, actor, data: dict) -> Activity:
    """A training activity in the catalogue, owned by ``data['org']`` (in the actor's ADD scope)."""
    ensure_training_staff(actor, Action.ADD)
    fields = _activity_fields(data)
    _ensure_org(actor, fields["org"], Action.ADD)
    activity = Activity.objects.create(created_by=actor, **fields)
    ensure_in_scope(actor, Action.VIEW, activity)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=activity)
    return activity


def _live_attendance(activity):
    return CreditEntry.objects.filter(activity=activity, source=Source.ATTENDANCE, archived_at__isnull=True)


def _lock_activity(actor, activity, action) -> Activity:
    activity = Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)
    ensure_in_scope(actor, action, activity)
    if activity.is_archived:
        raise ValidationError("该培训项目已归档。")
    return activity


@transaction.atomic
def update_activity(*, actor, activity, data: dict) -> Activity:
    """Edit an activity (keys missing from ``data`` keep their values). The attendance entries already
    recorded follow the change (title, category, date, numbers) and their cadres are recomputed; refused
    when that would move them to another year or touch a closed year."""
    activity = _lock_activity(actor, activity, Action.CHANGE)
    current = {f: getattr(activity, f) for f in (*ACTIVITY_TEXTS, *ACTIVITY_OPTIONAL, *ENTRY_INPUTS)}
    current.update(start_date=activity.start_date, end_date=activity.end_date, org=activity.org)
    fields = _activity_fields({**current, **data})
    if fields["org"].pk != activity.org_id:
        _ensure_org(actor, fields["org"], Action.CHANGE)
    before = audit.snapshot(activity)
    copied = ("title", "category", "days", "hours", "minutes", "hours_taught", "level")
    entry_changes = {f: fields[f] for f in copied if fields[f] != getattr(activity, f)}
    if fields["start_date"] != activity.start_date:
        entry_changes["date"] = fields["start_date"]
    entries = list(_live_attendance(activity).select_for_update().select_related("person"))
    if entries and entry_changes:
        _ensure_entries_in_scope(actor, entries, Action.CHANGE)
        if fields["start_date"].year != activity.start_date.year:
            raise ValidationError({"start_date": "该培训项目已登记考勤，不能改到另一个年度。"})
        open_rule_set(activity.start_date.year, actor=actor)
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.save()
    ensure_in_scope(actor, Action.CHANGE, activity)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=activity, before=before)
    if entries and entry_changes:
        old = {e.pk: audit.snapshot(e) for e in entries}
        now = timezone.now()
        for e in entries:
            for name, value in entry_changes.items():
                setattr(e, name, value)
            e.updated_at = now
        CreditEntry.objects.bulk_update(entries, [*entry_changes, "updated_at"], batch_size=1000)
        audit.record_changes_bulk(
            actor=actor,
            kind=AuditEvent.Kind.UPDATE,
            objs=entries,
            before=old,
            detail={"activity": activity.pk},
        )
        recompute_people(activity.start_date.year, [e.person_id for e in entries])
    return activity


@transaction.atomic
def archive_activity(*, actor, activity, reason: str) -> Activity:
    """Archive an activity; the attendance recorded for it is archived too (the year must be open)."""
    activity = _lock_activity(actor, activity, Action.ARCHIVE)
    reason = check_text(reason, "reason", "归档原因", 200)
    entries = list(_live_attendance(activity).select_for_update().select_related("person"))
    if entries:
        _ensure_entries_in_scope(actor, entries, Action.ARCHIVE)
        open_rule_set(activity.start_date.year, actor=actor)
    now = timezone.now()
    before = audit.snapshot(activity)
    activity.archived_at, activity.archived_reason = now, reason
    activity.save(update_fields=["archived_at", "archived_reason", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.ARCHIVE, obj=activity, before=before)
    if entries:
        old = {e.pk: audit.snapshot(e) for e in entries}
        for e in entries:
            e.archived_at, e.archived_reason, e.updated_at = now, f"培训项目归档：{reason}"[:200], now
        CreditEntry.objects.bulk_update(entries, ["archived_at", "archived_reason", "updated_at"])
        audit.record_changes_bulk(
            actor=actor,
            kind=AuditEvent.Kind.ARCHIVE,
            objs=entries,
            before=old,
            detail={"activity": activity.pk},
        )
        recompute_people(activity.start_date.year, [e.person_id for e in entries])
    return activity


def _ensure_entries_in_scope(actor, entries, action) -> None:
    """The attendance of an activity may name cadres of other organizations (entered by an office above):
    an edit or an archive that reaches their entries needs the actor's scope over every one of them."""
    ids = [e.pk for e in entries]
    allowed = CreditEntry.objects.restrict(actor, action).filter(pk__in=ids).count()
    if allowed != len(ids):
        raise PermissionDenied(
            f"该培训项目的考勤中有 {len(ids) - allowed} 条不在您的授权范围内，请联系上级党组织或干部教育科办理。"
        )


# ---- attendance and manual entries ----------------------------------------------------------------------


def _entry_values(source, *, date: dt.date, title: str, inputs: dict) -> dict:
    return {
        "source": source,
        "year": date.year,
        "date": date,
        "title": title,
        "category": inputs["category"],
        "days": inputs["days"],
        "hours": inputs["hours"],
        "minutes": inputs["minutes"],
        "hours_taught": inputs["hours_taught"],
        "level": inputs["level"],
        "items": inputs.get("items", 1),
    }


def ensure_all_in_scope(actor, model, ids, action=Action.CHANGE) -> None:
    """Re-check after a set-based write that every new row lies in the actor's scope."""
    ids = set(ids)
    if ids and model.objects.restrict(actor, action).filter(pk__in=ids).count() != len(ids):
        raise PermissionDenied("写入的记录不在您的授权范围内。")


@transaction.atomic
def record_attendance(*, actor, activity, person_ids: list[int]) -> int:
    """班次考勤: one attendance entry per cadre of ``person_ids`` not already recorded for the activity,
    inserted in one statement, then one recompute of those cadres. Every id must be a district cadre in the
    actor's CHANGE scope, or nothing is written. Returns the number of entries added."""
    ensure_training_staff(actor, Action.CHANGE)
    activity = _lock_activity(actor, activity, Action.VIEW)
    try:
        ids = sorted({int(i) for i in person_ids or ()})
    except (TypeError, ValueError):
        raise ValidationError({"person_ids": "所选人员不正确。"})
    if not ids:
        raise ValidationError({"person_ids": "请选择参加培训的干部。"})
    if activity.start_date > timezone.localdate():
        raise ValidationError("培训尚未开始，不能登记考勤。")
    year = activity.start_date.year
    open_rule_set(year, actor=actor)
    people = {p.pk: p for p in district_cadres(actor, Action.CHANGE).filter(pk__in=ids).only("id", "name")}
    outside = len(ids) - len(people)
    if outside:
        raise PermissionDenied(f"所选人员中有 {outside} 人不是您授权范围内的区管干部，未登记任何考勤。")
    present = set(_live_attendance(activity).filter(person_id__in=ids).values_list("person_id", flat=True))
    added = [pid for pid in ids if pid not in present]
    if not added:
        return 0
    inputs = {f: getattr(activity, f) for f in ENTRY_INPUTS}
    values = _entry_values(Source.ATTENDANCE, date=activity.start_date, title=activity.title, inputs=inputs)
    entries = [
        CreditEntry(person=people[pid], activity=activity, created_by=actor, **values) for pid in added
    ]
    bulk.insert_objects(entries)
    ensure_all_in_scope(actor, CreditEntry, [e.pk for e in entries])
    audit.record_changes_bulk(
        actor=actor, kind=AuditEvent.Kind.CREATE, objs=entries, detail={"activity": activity.pk}
    )
    recompute_people(year, added)
    return len(added)


@transaction.atomic
def add_entry(*, actor, person, data: dict) -> CreditEntry:
    """补录: one entry for a district cadre in the actor's CHANGE scope, in an open year."""
    ensure_training_staff(actor, Action.CHANGE)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not district_cadres(actor, Action.CHANGE).filter(pk=person.pk).exists():
        raise PermissionDenied("该人员不是您授权范围内的区管干部。")
    inputs = check_inputs(data, items=True)
    title = check_text(data.get("title"), "title", "培训内容", 200)
    date = check_day(data.get("date"), "date", "日期", not_future=True)
    check_countable(inputs, date.year)
    open_rule_set(date.year, actor=actor)
    entry = CreditEntry.objects.create(
        person=person, created_by=actor, **_entry_values(Source.MANUAL, date=date, title=title, inputs=inputs)
    )
    ensure_in_scope(actor, Action.CHANGE, entry)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=entry)
    recompute_people(date.year, [person.pk])
    entry.refresh_from_db()
    return entry


@transaction.atomic
def archive_entry(*, actor, entry, reason: str) -> CreditEntry:
    """Withdraw an entry (kept, archived) in an open year and recompute the cadre. An entry written by an
    approved claim is withdrawn only by the 干部教育科."""
    ensure_training_staff(actor, Action.CHANGE)
    entry = CreditEntry.objects.select_for_update().select_related("person").get(pk=entry.pk)
    ensure_in_scope(actor, Action.CHANGE, entry)
    if entry.is_archived:
        raise ValidationError("该学分记录已撤销。")
    if entry.source == Source.CLAIM:
        ensure_training_office(actor)
    reason = check_text(reason, "reason", "撤销原因", 200)
    open_rule_set(entry.year, actor=actor)
    before = audit.snapshot(entry)
    entry.archived_at, entry.archived_reason = timezone.now(), reason
    entry.save(update_fields=["archived_at", "archived_reason", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.ARCHIVE, obj=entry, before=before)
    recompute_people(entry.year, [entry.person_id])
    entry.refresh_from_db()
    return entry


# Re-exported lazily (PEP 562), so that callers import every service from here and the two modules, which
# import their helpers from here, can also be imported first.
REEXPORTS = {
    "claim_evidence": "services_claims", "decide_claim": "services_claims", "sniff_evidence": "services_claims",
    "submit_claim": "services_claims", "withdraw_claim": "services_claims", "MAX_EVIDENCE_BYTES": "services_claims",
    "close_year": "services_reminders", "create_rule_set": "services_reminders",
    "recompute_year": "services_reminders", "send_reminders": "services_reminders",
    "update_rule_set": "services_reminders",
}  # fmt: skip


def __getattr__(name: str):
    module = REEXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


__all__ = [
    "add_entry", "archive_activity", "archive_entry", "create_activity", "district_cadres",
    "ensure_training_office", "ensure_training_staff", "is_training_office", "open_rule_set",
    "record_attendance", "update_activity", *REEXPORTS,
]  # fmt: skip
