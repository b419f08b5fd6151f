"""The 干部教育科's year: the credit rules of a year (create, edit → that year is recomputed), a recompute on
demand, the close of a finished year (its ledger is never rewritten again), and the reminders (催学) staff
send in Q3/Q4 to the cadres behind. Re-exported from ``services``."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action

from . import ledger
from . import rules as R
from .models import Category, CategoryRule, CreditRuleSet, CreditYear, Level, Mode, Reminder
from .selectors import shortfall_of
from .services import (
    FIRST_YEAR,
    check_choice,
    check_decimal,
    check_int,
    check_text,
    district_cadres,
    ensure_training_office,
    ensure_training_staff,
)

# CreditRuleSet fields the office edits: (label, maximum) for numbers.
DECIMAL_FIELDS = {
    "required_credits": ("必修学分目标", 10000),
    "total_credits": ("总学分目标", 10000),
    "excellent_credits": ("优秀学分线", 10000),
    "online_hours_target": ("网络学时目标", 10000),
    "township_hours": ("乡科级年度学时", 10000),
    "township_days": ("乡科级年度脱产天数", 366),
    "county_hours": ("县处级五年学时", 10000),
    "county_days": ("县处级五年脱产天数", 1830),
}
INT_FIELDS = {
    "cycle_years": ("周期年数", 1, 10),
    "promotion_months": ("提拔后完成期限（月）", 1, 60),
    "reminder_from_month": ("催学提醒起始月份", 1, 12),
}
RULE_SET_FIELDS = frozenset(
    {*DECIMAL_FIELDS, *INT_FIELDS, "name", "note", "hours_per_day", "online_tiers", "carry_over",
     "carry_over_cap", "cycle_start_year"}
)  # fmt: skip
CATEGORY_RULE_FIELDS = frozenset({"mode", "rate", "level_rates", "annual_cap", "required"})
TRUE, FALSE = {"1", "true", "on", "yes"}, {"0", "false", "off", "no", ""}


def check_bool(value, field: str, label: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise ValidationError({field: f"{label}应为“是”或“否”。"})


def _collect(errors: dict, check, *args, **kwargs):
    """Run one check; on a ValidationError keep its messages and go on (every problem is reported)."""
    try:
        return check(*args, **kwargs)
    except ValidationError as e:
        for field, messages in e.message_dict.items():
            errors.setdefault(field, []).extend(messages)
        return None


def _check_tiers(value) -> list:
    problems = R.check_tiers(value)
    if problems:
        raise ValidationError({"online_tiers": problems})
    tiers = []
    for bound, op, hours in value:
        bound = Decimal(str(bound))
        tiers.append([int(bound) if bound == bound.to_integral_value() else str(bound), op, str(hours)])
    return tiers


def _rule_set_values(rule_set: CreditRuleSet, data: dict, errors: dict) -> dict:
    unknown = sorted(set(data) - RULE_SET_FIELDS)
    if unknown:
        errors.setdefault("__all__", []).append(f"不能修改的项目：{'、'.join(unknown)}。")
    out = {}
    for name, value in data.items():
        if name in DECIMAL_FIELDS:
            label, maximum = DECIMAL_FIELDS[name]
            out[name] = _collect(errors, check_decimal, value, name, label, maximum=maximum)
        elif name in INT_FIELDS:
            label, low, high = INT_FIELDS[name]
            out[name] = _collect(errors, check_int, value, name, label, minimum=low, maximum=high)
        elif name == "name":
            out[name] = _collect(errors, check_text, value, name, "名称", 100)
        elif name == "note":
            out[name] = _collect(errors, check_text, value, name, "说明", 300, required=False)
        elif name == "hours_per_day":
            out[name] = _collect(
                errors, check_decimal, value, name, "每天折合学时", minimum=Decimal("0.01"), maximum=24
            )
        elif name == "online_tiers":
            out[name] = _collect(errors, _check_tiers, value)
        elif name == "carry_over":
            out[name] = _collect(errors, check_bool, value, name, "超出学分结转下一年度")
        elif name == "carry_over_cap":
            out[name] = _collect(errors, check_decimal, value, name, "结转上限", maximum=10000, null=True)
        elif name == "cycle_start_year":
            out[name] = _collect(
                errors, check_int, value, name, "五年周期起始年", minimum=FIRST_YEAR, maximum=rule_set.year
            )
    merged = {
        f: out.get(f, getattr(rule_set, f))
        for f in ("required_credits", "total_credits", "excellent_credits")
    }
    if not errors:
        if merged["required_credits"] > merged["total_credits"]:
            errors.setdefault("required_credits", []).append("必修学分目标不能高于总学分目标。")
        if merged["excellent_credits"] < merged["total_credits"]:
            errors.setdefault("excellent_credits", []).append("优秀学分线不能低于总学分目标。")
    return out


def _level_rates(value, label: str) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError({"category_rules": f"{label}：按级别学分格式不正确。"})
    out = {}
    for level, rate in value.items():
        if level not in Level.values or not level:
            raise ValidationError({"category_rules": f"{label}：级别“{level}”不正确。"})
        number = check_decimal(rate, "category_rules", f"{label}：{Level(level).label}学分", maximum=1000)
        out[level] = str(number.normalize()) if number == number.to_integral_value() else str(number)
    return out


def _category_values(existing: dict, category_rules: dict, errors: dict) -> dict:
    """category → the rule's new values (merged over the current row), checked."""
    out = {}
    for category, values in (category_rules or {}).items():
        if category not in Category.values:
            errors.setdefault("category_rules", []).append(f"类别“{category}”不正确。")
            continue
        label = Category(category).label
        if not isinstance(values, dict) or set(values) - CATEGORY_RULE_FIELDS:
            errors.setdefault("category_rules", []).append(f"{label}：学分标准的项目不正确。")
            continue
        row = existing.get(category)
        current = (
            {f: getattr(row, f) for f in CATEGORY_RULE_FIELDS}
            if row is not None
            else {"mode": None, "rate": 0, "level_rates": {}, "annual_cap": None, "required": False}
        )
        merged = {**current, **values}
        key = "category_rules"
        out[category] = {
            "mode": _collect(errors, check_choice, merged["mode"], Mode, key, f"{label}：计分方式"),
            "rate": _collect(errors, check_decimal, merged["rate"], key, f"{label}：学分标准", maximum=1000),
            "level_rates": _collect(errors, _level_rates, merged["level_rates"], label),
            "annual_cap": _collect(
                errors,
                check_decimal,
                merged["annual_cap"],
                key,
                f"{label}：年度上限",
                maximum=10000,
                null=True,
            ),
            "required": _collect(errors, check_bool, merged["required"], key, f"{label}：必修"),
        }
    return out


@transaction.atomic
def update_rule_set(*, actor, rule_set, data: dict, category_rules: dict[str, dict]) -> dict:
    """Edit an open year's rules (``data``: CreditRuleSet fields; ``category_rules[category]``: mode, rate,
    level_rates, annual_cap, required — missing keys keep their values). Every problem is reported at once
    and nothing is written; otherwise the rule set and each changed category rule are audited and the year
    is recomputed. Returns the recompute's counts."""
    ensure_training_office(actor)
    rule_set = CreditRuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if rule_set.closed:
        raise ValidationError(f"{rule_set.year}年度已关账，学分规则不能再修改。")
    errors: dict[str, list] = {}
    values = _rule_set_values(rule_set, data or {}, errors)
    existing = {r.category: r for r in rule_set.rules.select_for_update()}
    categories = _category_values(existing, category_rules, errors)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(rule_set)
    for name, value in values.items():
        setattr(rule_set, name, value)
    rule_set.save()
    after = audit.snapshot(rule_set)
    if after != before:
        audit.record_change(
            actor=actor, kind=AuditEvent.Kind.UPDATE, obj=rule_set, before=before, after=after
        )
    changed = 0
    for category, new in categories.items():
        row = existing.get(category)
        if row is None:
            row = CategoryRule.objects.create(rule_set=rule_set, category=category, **new)
            audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=row)
            changed += 1
            continue
        old = audit.snapshot(row)
        for name, value in new.items():
            setattr(row, name, value)
        if audit.snapshot(row) != old:
            row.save()
            audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=row, before=old)
            changed += 1
    result = ledger.recompute(rule_set.year)
    audit.record_event(
        actor=actor,
        event=audit.Events.TRAINING_RECOMPUTE,
        obj=rule_set,
        detail={**result, "reason": "rules_changed", "category_rules_changed": changed},
    )
    return result


@transaction.atomic
def create_rule_set(*, actor, year: int) -> CreditRuleSet:
    """A new year's rules, copied from the latest earlier year's (or the defaults); the year's summaries are
    built at once, so that every cadre shows in its lists."""
    ensure_training_office(actor)
    year = check_int(year, "year", "年度", minimum=FIRST_YEAR, maximum=timezone.localdate().year + 1)
    if CreditRuleSet.objects.filter(year=year).exists():
        raise ValidationError({"year": f"{year}年度学分规则已存在。"})
    rule_set = ledger.ensure_rule_set(year)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=rule_set)
    audit.record_changes_bulk(actor=actor, kind=AuditEvent.Kind.CREATE, objs=list(rule_set.rules.all()))
    result = ledger.recompute(year)
    audit.record_event(
        actor=actor,
        event=audit.Events.TRAINING_RECOMPUTE,
        obj=rule_set,
        detail={**result, "reason": "created"},
    )
    return rule_set


@transaction.atomic
def recompute_year(*, actor, year: int) -> dict:
    """Recompute an open year for every cadre (after cadre records changed, say)."""
    ensure_training_office(actor)
    rule_set, _ = ledger.rules_for(year)
    result = ledger.recompute(year)
    audit.record_event(
        actor=actor,
        event=audit.Events.TRAINING_RECOMPUTE,
        obj=rule_set,
        detail={**result, "reason": "manual"},
    )
    return result


@transaction.atomic
def close_year(*, actor, rule_set) -> CreditRuleSet:
    """Close a finished year: a last recompute, then ``closed``; from then on its rules, entries and claims
    refuse every change. The next year, when set up and open, is recomputed too (its carry-over is final)."""
    ensure_training_office(actor)
    rule_set = CreditRuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if rule_set.closed:
        raise ValidationError(f"{rule_set.year}年度已关账。")
    if rule_set.year >= timezone.localdate().year:
        raise ValidationError(f"{rule_set.year}年度尚未结束，年度结束后才能关账。")
    result = ledger.recompute(rule_set.year)
    before = audit.snapshot(rule_set)
    rule_set.closed, rule_set.closed_at, rule_set.closed_by = True, timezone.now(), actor
    rule_set.save(update_fields=["closed", "closed_at", "closed_by", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=rule_set, before=before)
    detail = {"year": rule_set.year, "recompute": result}
    following = CreditRuleSet.objects.filter(year=rule_set.year + 1, closed=False).first()
    if following is not None:
        detail["next_year"] = ledger.recompute(following.year)
    audit.record_event(actor=actor, event=audit.Events.TRAINING_YEAR_CLOSED, obj=rule_set, detail=detail)
    return rule_set


@transaction.atomic
def send_reminders(*, actor, year: int, person_ids: list[int], channel: str, today=None) -> int:
    """催学提醒: in the year itself from ``reminder_from_month`` (July: Q3/Q4), one reminder to each of the
    chosen cadres in the actor's CHANGE scope who is behind the year's target, with what they lack. Cadres
    who met it are passed over. Returns the number sent."""
    ensure_training_staff(actor, Action.CHANGE)
    today = today or timezone.localdate()
    rule_set, rules = ledger.rules_for(year)
    if year != today.year or today.month < rule_set.reminder_from_month:
        raise ValidationError(f"催学提醒在第三、四季度发送（{rule_set.reminder_from_month}月起）。")
    channel = check_choice(channel or Reminder.Channel.SYSTEM, Reminder.Channel, "channel", "提醒方式")
    try:
        ids = sorted({int(i) for i in person_ids or ()})
    except (TypeError, ValueError):
        raise ValidationError({"person_ids": "所选人员不正确。"})
    if not ids:
        raise ValidationError({"person_ids": "请选择要提醒的干部。"})
    allowed = set(district_cadres(actor, Action.CHANGE).filter(pk__in=ids).values_list("pk", flat=True))
    if len(allowed) != len(ids):
        raise PermissionDenied(
            f"所选人员中有 {len(ids) - len(allowed)} 人不是您授权范围内的区管干部，未发送提醒。"
        )
    behind = list(
        CreditYear.objects.filter(year=year, person_id__in=ids, met_target=False)
        .select_related("person")
        .order_by("person_id")
    )
    reminders = []
    for summary in behind:
        lacking = {key: str(value) for key, value in shortfall_of(summary, rules).items()}
        reminders.append(
            Reminder(person=summary.person, year=year, shortfall=lacking, channel=channel, sent_by=actor)
        )
    if not reminders:
        return 0
    Reminder.objects.bulk_create(reminders)
    audit.record_changes_bulk(actor=actor, kind=AuditEvent.Kind.CREATE, objs=reminders, detail={"year": year})
    audit.record_event(
        actor=actor,
        event=audit.Events.TRAINING_REMINDER,
        detail={"year": year, "channel": channel, "sent": len(reminders), "chosen": len(ids)},
    )
    return len(reminders)
