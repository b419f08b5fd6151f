"""The working-day calendar's table: the district's holidays and 调休 working weekends beyond (or correcting) the
State Council's notices built in (``zugong.core.workdays``), entered one day at a time or as a year's notice
typed one day a line. Only the 组织部 (a grant at the district root) edits it."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from zugong.core import audit
from zugong.core.models import AuditEvent, WorkdayOverride
from zugong.core.workdays import base_is_workday

from .services import check_date, check_line, ensure_district_office

KIND_WORDS = {
    "休": WorkdayOverride.Kind.HOLIDAY,
    "假": WorkdayOverride.Kind.HOLIDAY,
    "班": WorkdayOverride.Kind.WORKDAY,
}
LINE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s+(休|假|班)\s*(.*)$")


@transaction.atomic
def workday_set(*, actor, date: dt.date, kind: str, name: str) -> WorkdayOverride:
    """Enter (or correct) one day of the official calendar: a holiday off, or a 调休 weekend day worked."""
    ensure_district_office(actor)
    date = check_date(date, "date", "日期")
    if kind not in WorkdayOverride.Kind.values:
        raise ValidationError({"kind": "类型应为“法定节假日（休）”或“调休上班”。"})
    name = check_line(name, "name", "名称", 50)
    if kind == WorkdayOverride.Kind.WORKDAY and date.weekday() < 5 and base_is_workday(date):
        raise ValidationError({"kind": f"{date:%Y-%m-%d} 本是工作日，无需设为调休上班。"})
    row = WorkdayOverride.objects.select_for_update().filter(date=date).first()
    if row is None:
        try:
            with transaction.atomic():  # entered by two people at the same moment: the second is told
                row = WorkdayOverride.objects.create(date=date, kind=kind, name=name)
        except IntegrityError:
            raise ValidationError({"date": f"{date:%Y-%m-%d} 刚刚已被录入，请刷新页面后再试。"}) from None
        audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=row)
        return row
    before = audit.snapshot(row)
    row.kind, row.name = kind, name
    row.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=row, before=before)
    return row


@transaction.atomic
def workday_remove(*, actor, date: dt.date) -> None:
    ensure_district_office(actor)
    row = WorkdayOverride.objects.select_for_update().filter(date=date).first()
    if row is None:
        raise ValidationError({"date": "该日期不在节假日与调休表中。"})
    before = audit.snapshot(row)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.DELETE, obj=row, before=before)
    row.delete()


@transaction.atomic
def workdays_import(*, actor, text: str) -> int:
    """A year's notice typed one day a line — ``2026-10-01 休 国庆节`` or ``2026-09-27 班 国庆节调休`` — every
    line checked first (bad lines named by number, nothing written), then entered."""
    ensure_district_office(actor)
    rows, errors = [], []
    for number, raw in enumerate(str(text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = LINE.match(line)
        if not match:
            errors.append(f"第 {number} 行格式不对（应为“2026-10-01 休 国庆节”或“2026-09-27 班 国庆节调休”）")
            continue
        year, month, day, word, name = match.groups()
        try:
            date = dt.date(int(year), int(month), int(day))
        except ValueError:
            errors.append(f"第 {number} 行日期不存在")
            continue
        if not 2000 <= date.year <= 2100:
            errors.append(f"第 {number} 行年份应在 2000 至 2100 之间")
            continue
        kind = KIND_WORDS[word]
        if kind == WorkdayOverride.Kind.WORKDAY and date.weekday() < 5 and base_is_workday(date):
            errors.append(f"第 {number} 行 {date:%Y-%m-%d} 本是工作日，无需设为调休上班")
            continue
        rows.append((date, kind, (name.strip() or ("调休上班" if word == "班" else "法定节假日"))[:50]))
    if errors:
        raise ValidationError({"text": "；".join(errors[:20]) + ("……" if len(errors) > 20 else "") + "。"})
    if not rows:
        raise ValidationError({"text": "请至少填写一行。"})
    if len({r[0] for r in rows}) != len(rows):
        raise ValidationError({"text": "同一日期填写了多次。"})
    for date, kind, name in rows:
        workday_set(actor=actor, date=date, kind=kind, name=name)
    return len(rows)
