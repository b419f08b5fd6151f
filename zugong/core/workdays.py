"""The working-day calendar: Monday to Friday, except the public holidays, plus the 调休 weekend days worked,
as the department enters them each year (``WorkdayOverride``, admin page 节假日与调休). Used for every
deadline measured in working days and to move a study day off a holiday."""

from __future__ import annotations

import datetime as dt

from .models import WorkdayOverride

MAX_SCAN = 400  # no run of days off is that long; a guard against an empty calendar loop


def overrides(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """{date: kind} of the exceptions between ``start`` and ``end`` (inclusive), one query."""
    return dict(WorkdayOverride.objects.filter(date__range=(start, end)).values_list("date", "kind"))


def _is_workday(day: dt.date, table: dict[dt.date, str]) -> bool:
    kind = table.get(day)
    if kind == WorkdayOverride.Kind.HOLIDAY:
        return False
    if kind == WorkdayOverride.Kind.WORKDAY:
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
