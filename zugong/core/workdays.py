"""The working-day calendar: Monday to Friday, except the public holidays, plus the 调休 weekend days worked.

Two layers. Underneath, the State Council's yearly notices as the ``chinesecalendar`` package carries them
(2004 to the last year of the installed release: ``BUILTIN_YEARS``). On top, the department's own table
(``WorkdayOverride``, admin page 节假日与调休): a year the package does not know yet, entered from the notice
when it is published, or a correction; an entry there wins over the package. A year neither knows is plain
Monday to Friday. Used for every deadline measured in working days and to move a study day off a holiday."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

from .models import WorkdayOverride

MAX_SCAN = 400  # no run of days off is that long; a guard against an empty calendar loop
HOLIDAY, WORKDAY = WorkdayOverride.Kind.HOLIDAY, WorkdayOverride.Kind.WORKDAY
BUILTIN_YEARS = (min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year)


def _holiday_name(value: str) -> str:
    try:
        return chinese_calendar.Holiday(value).chinese
    except ValueError:
        return "法定节假日"


def builtin_kind(day: dt.date) -> str | None:
    """HOLIDAY or WORKDAY where the State Council's notice (as the package has it) changes ``day``."""
    if day in chinese_calendar.holidays:
        return HOLIDAY
    if day in chinese_calendar.workdays:
        return WORKDAY
    return None


def base_is_workday(day: dt.date) -> bool:
    """Whether ``day`` is worked by the notice alone, without the department's table."""
    kind = builtin_kind(day)
    return kind == WORKDAY or (kind is None and day.weekday() < 5)


@dataclass(frozen=True)
class Day:
    """One day of a year's list as the 节假日与调休 page shows it: the notice's, or the department's entry."""

    date: dt.date
    kind: str
    name: str
    entered: bool  # in the department's table (it can be removed there); else from the notice
    replaces: str = ""  # what the notice says of that day, where an entry changes it

    @property
    def kind_label(self) -> str:
        return WorkdayOverride.Kind(self.kind).label


def year_days(year: int) -> list[Day]:
    """The days of ``year`` that are not plain Monday-to-Friday, the notice's and the table's, by date."""
    days = {
        d: Day(d, HOLIDAY, f"{_holiday_name(v)}", entered=False)
        for d, v in chinese_calendar.holidays.items()
        if d.year == year
    }
    days |= {
        d: Day(d, WORKDAY, f"{_holiday_name(v)}调休", entered=False)
        for d, v in chinese_calendar.workdays.items()
        if d.year == year
    }
    for row in WorkdayOverride.objects.filter(date__year=year):
        builtin = days.get(row.date)
        replaces = ""
        if builtin is not None and builtin.kind != row.kind:
            replaces = f"国务院通知：{builtin.name}（{builtin.kind_label}）"
        days[row.date] = Day(row.date, row.kind, row.name, entered=True, replaces=replaces)
    return [days[d] for d in sorted(days)]


def overrides(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """{date: kind} of the department's entries between ``start`` and ``end`` (inclusive), one query."""
    return dict(WorkdayOverride.objects.filter(date__range=(start, end)).values_list("date", "kind"))


def _is_workday(day: dt.date, table: dict[dt.date, str]) -> bool:
    kind = table.get(day) or builtin_kind(day)
    if kind == HOLIDAY:
        return False
    if kind == WORKDAY:
        return True
    return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    return _is_workday(day, overrides(day, day))


class Calendar:
    """The calendar of a stretch of days, read once: ``Calendar(start, end).is_workday(d)``; days outside
    the stretch are read on demand."""

    def __init__(self, start: dt.date, end: dt.date):
        self.start, self.end = start, end
        self.table = overrides(start - dt.timedelta(days=MAX_SCAN), end + dt.timedelta(days=MAX_SCAN))

    def is_workday(self, day: dt.date) -> bool:
        return _is_workday(day, self.table)

    def next_workday(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the first working day after it."""
        for _ in range(MAX_SCAN):
            if self.is_workday(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("日历中找不到工作日，请检查节假日设置。")

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (``day`` itself not counted); n = 0 gives ``day``."""
        step = 1 if n >= 0 else -1
        left = abs(n)
        for _ in range(MAX_SCAN * max(1, left)):
            if left == 0:
                return day
            day += dt.timedelta(days=step)
            if self.is_workday(day):
                left -= 1
        raise ValueError("日历中找不到足够的工作日，请检查节假日设置。")

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_workday(day)
        return count


def next_workday(day: dt.date) -> dt.date:
    return Calendar(day, day).next_workday(day)


def add_workdays(day: dt.date, n: int) -> dt.date:
    return Calendar(day, day).add_workdays(day, n)
