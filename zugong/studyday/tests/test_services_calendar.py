"""The working-day calendar and the study dates of a plan, on the real 2026 calendar (built in through the
chinesecalendar package, and entered by the district as rows: both give the same days).

The 2026 rows are those of 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04): 元旦 1月1日–3日 off, 1月4日
(Sunday) worked; 春节 2月15日–23日 off, 2月14日 and 2月28日 (Saturdays) worked; 清明 4月4日–6日; 劳动节 5月1日–5日
off, 5月9日 (Saturday) worked; 端午 6月19日–21日; 中秋 9月25日–27日; 国庆 10月1日–7日 off, 9月20日 (Sunday) and
10月10日 (Saturday) worked. Only the days that change "Monday to Friday" are entered (a holiday on a
weekend changes nothing, but entering it is harmless, as the department does)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase

from zugong.core.models import AuditEvent, WorkdayOverride
from zugong.core.testing import PersonaTestCase
from zugong.core.workdays import BUILTIN_YEARS, Calendar, builtin_kind

from .. import services_calendar
from ..services import period_bounds, study_dates

D = dt.date
OFF, ON = WorkdayOverride.Kind.HOLIDAY, WorkdayOverride.Kind.WORKDAY


def days(first: dt.date, last: dt.date):
    while first <= last:
        yield first
        first += dt.timedelta(days=1)


CALENDAR_2026 = [
    *((d, OFF, "元旦") for d in days(D(2026, 1, 1), D(2026, 1, 3))),
    (D(2026, 1, 4), ON, "元旦调休"),
    *((d, OFF, "春节") for d in days(D(2026, 2, 15), D(2026, 2, 23))),
    (D(2026, 2, 14), ON, "春节调休"),
    (D(2026, 2, 28), ON, "春节调休"),
    *((d, OFF, "清明节") for d in days(D(2026, 4, 4), D(2026, 4, 6))),
    *((d, OFF, "劳动节") for d in days(D(2026, 5, 1), D(2026, 5, 5))),
    (D(2026, 5, 9), ON, "劳动节调休"),
    *((d, OFF, "端午节") for d in days(D(2026, 6, 19), D(2026, 6, 21))),
    *((d, OFF, "中秋节") for d in days(D(2026, 9, 25), D(2026, 9, 27))),
    *((d, OFF, "国庆节") for d in days(D(2026, 10, 1), D(2026, 10, 7))),
    (D(2026, 9, 20), ON, "国庆节调休"),
    (D(2026, 10, 10), ON, "国庆节调休"),
]


def enter_2026() -> None:
    WorkdayOverride.objects.bulk_create(WorkdayOverride(date=d, kind=k, name=n) for d, k, n in CALENDAR_2026)


def thursdays(year: int) -> list[dt.date]:
    return [d for d in days(D(year, 1, 1), D(year, 12, 31)) if d.weekday() == 3]


class StudyDatesTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        enter_2026()

    def test_quarter_bounds(self):
        self.assertEqual(period_bounds(2026, 1), (D(2026, 1, 1), D(2026, 3, 31)))
        self.assertEqual(period_bounds(2026, 2), (D(2026, 4, 1), D(2026, 6, 30)))
        self.assertEqual(period_bounds(2026, 3), (D(2026, 7, 1), D(2026, 9, 30)))
        self.assertEqual(period_bounds(2026, 4), (D(2026, 10, 1), D(2026, 12, 31)))
        self.assertEqual(period_bounds(2026, None), (D(2026, 1, 1), D(2026, 12, 31)))
        self.assertEqual(
            period_bounds(2028, 1), (D(2028, 1, 1), D(2028, 3, 31))
        )  # a leap year: 2月29日 inside

    def test_2026_has_53_thursdays(self):
        """2026-01-01 and 2026-12-31 are both Thursdays: 365 days = 52 weeks and one day, that day a Thursday."""
        self.assertEqual(D(2026, 1, 1).weekday(), 3)
        self.assertEqual(len(thursdays(2026)), 53)
        self.assertEqual(len(thursdays(2025)), 52)

    def test_q4_2026_national_day_merges_into_the_next_thursday(self):
        """10-01 (Thursday) is 国庆; the next working day is 10-08, itself the next Thursday: that week has no
        study day of its own, so Q4 has 13 dates for its 14 Thursdays, none of them moved."""
        dates = study_dates(2026, 4, 4)
        self.assertEqual(len([d for d in thursdays(2026) if d >= D(2026, 10, 1)]), 14)
        self.assertEqual(len(dates), 13)
        self.assertEqual(dates[0], (D(2026, 10, 8), D(2026, 10, 8)))
        self.assertEqual(dates[-1], (D(2026, 12, 31), D(2026, 12, 31)))
        self.assertTrue(all(held == scheduled for held, scheduled in dates))
        self.assertNotIn(D(2026, 10, 1), [held for held, _ in dates])

    def test_the_whole_year_2026(self):
        """53 Thursdays; 10-01 merges (52 dates); 1-01 (元旦) moves to 1-04, the 调休 Sunday worked; 2-19 (春节)
        moves to 2-24, the Tuesday after the holiday."""
        dates = study_dates(2026, None, 4)
        self.assertEqual(len(dates), 52)
        moved = [(held, scheduled) for held, scheduled in dates if held != scheduled]
        self.assertEqual(moved, [(D(2026, 1, 4), D(2026, 1, 1)), (D(2026, 2, 24), D(2026, 2, 19))])
        self.assertEqual(len(study_dates(2026, 1, 4)), 13)
        self.assertEqual(len(study_dates(2026, 2, 4)) + len(study_dates(2026, 3, 4)), 26)

    def test_a_thursday_holiday_moves_to_the_friday(self):
        """A made-up holiday on Thursday 2026-11-12: the study is held on Friday 11-13 (scheduled 11-12)."""
        WorkdayOverride.objects.create(date=D(2026, 11, 12), kind=OFF, name="测试假日")
        dates = dict((scheduled, held) for held, scheduled in study_dates(2026, 4, 4))
        self.assertEqual(dates[D(2026, 11, 12)], D(2026, 11, 13))
        self.assertEqual(len(dates), 13)

    def test_a_holiday_on_the_last_thursday_moved_out_of_the_period_is_dropped(self):
        WorkdayOverride.objects.create(date=D(2026, 12, 31), kind=OFF, name="测试假日")
        dates = study_dates(2026, 4, 4)
        self.assertEqual(len(dates), 12)
        self.assertEqual(dates[-1][0], D(2026, 12, 24))

    def test_another_weekday(self):
        """Mondays of Q2 2026: 4-06 is 清明 (a Monday) and moves to Tuesday 4-07; 5-04 (劳动节) to 5-06."""
        dates = study_dates(2026, 2, 1)
        moved = [(held, scheduled) for held, scheduled in dates if held != scheduled]
        self.assertEqual(moved, [(D(2026, 4, 7), D(2026, 4, 6)), (D(2026, 5, 6), D(2026, 5, 4))])
        self.assertEqual(len(dates), 13)


class CalendarTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        enter_2026()

    def test_add_workdays_across_a_weekend_a_holiday_and_a_tiaoxiu_saturday(self):
        cal = Calendar(D(2026, 9, 1), D(2026, 10, 31))
        self.assertEqual(cal.add_workdays(D(2026, 11, 13), 1), D(2026, 11, 16))  # Friday → Monday
        self.assertEqual(cal.add_workdays(D(2026, 9, 30), 1), D(2026, 10, 8))  # over 国庆
        self.assertEqual(cal.add_workdays(D(2026, 10, 8), 2), D(2026, 10, 10))  # 10-09 Fri, 10-10 Sat worked
        self.assertEqual(cal.add_workdays(D(2026, 10, 8), 3), D(2026, 10, 12))
        self.assertEqual(cal.add_workdays(D(2026, 9, 18), 1), D(2026, 9, 20))  # the Sunday worked
        self.assertEqual(cal.add_workdays(D(2026, 9, 24), 1), D(2026, 9, 28))  # 中秋 Friday off
        self.assertEqual(cal.add_workdays(D(2026, 10, 8), -1), D(2026, 9, 30))
        self.assertEqual(cal.add_workdays(D(2026, 10, 3), 0), D(2026, 10, 3))
        self.assertEqual(cal.workdays_between(D(2026, 9, 30), D(2026, 10, 12)), 4)  # 10-08, 09, 10, 12
        self.assertFalse(cal.is_workday(D(2026, 10, 5)))
        self.assertTrue(cal.is_workday(D(2026, 10, 10)))
        self.assertEqual(cal.next_workday(D(2026, 10, 1)), D(2026, 10, 8))


class BuiltInCalendarTest(TestCase):
    """Nothing entered: the State Council's notices built in (chinesecalendar) give the same 2026 as the rows
    above; a year the package does not know is Monday to Friday until the district enters it; an entry wins."""

    def test_2026_without_any_entry_is_the_notice(self):
        self.assertFalse(WorkdayOverride.objects.exists())
        for day, kind, _name in CALENDAR_2026:
            with self.subTest(day=day):
                self.assertEqual(builtin_kind(day), kind)
        dates = study_dates(2026, None, 4)
        self.assertEqual(len(dates), 52)
        moved = [(held, scheduled) for held, scheduled in dates if held != scheduled]
        self.assertEqual(moved, [(D(2026, 1, 4), D(2026, 1, 1)), (D(2026, 2, 24), D(2026, 2, 19))])
        self.assertEqual(
            Calendar(D(2026, 9, 1), D(2026, 10, 31)).add_workdays(D(2026, 9, 30), 1), D(2026, 10, 8)
        )

    def test_a_year_not_built_in_is_monday_to_friday_until_entered(self):
        self.assertLess(BUILTIN_YEARS[1], 2027)
        self.assertEqual(builtin_kind(D(2027, 10, 1)), None)
        self.assertEqual(len(study_dates(2027, 4, 4)), 13)  # 13 Thursdays in Q4 2027, none moved
        self.assertTrue(all(held == scheduled for held, scheduled in study_dates(2027, 4, 4)))
        WorkdayOverride.objects.create(date=D(2027, 10, 7), kind=OFF, name="国庆节")
        self.assertIn((D(2027, 10, 8), D(2027, 10, 7)), study_dates(2027, 4, 4))  # Thursday off → Friday

    def test_an_entry_wins_over_the_notice(self):
        WorkdayOverride.objects.create(date=D(2026, 10, 2), kind=ON, name="本区照常上班")
        WorkdayOverride.objects.create(date=D(2026, 11, 12), kind=OFF, name="区庆")
        cal = Calendar(D(2026, 10, 1), D(2026, 12, 31))
        self.assertTrue(cal.is_workday(D(2026, 10, 2)))
        self.assertFalse(cal.is_workday(D(2026, 11, 12)))
        self.assertEqual(cal.next_workday(D(2026, 10, 1)), D(2026, 10, 2))


class WorkdayServiceTest(PersonaTestCase):
    def test_a_built_in_holiday_may_be_entered_as_a_working_day(self):
        """A correction: 10-02 is 国庆 in the notice, a Friday; entering it as worked is allowed, a plain Friday
        (10-09) is refused."""
        services_calendar.workday_set(
            actor=self.p.org_admin, date=D(2026, 10, 2), kind=ON, name="本区照常上班"
        )
        self.assertTrue(Calendar(D(2026, 10, 2), D(2026, 10, 2)).is_workday(D(2026, 10, 2)))
        with self.assertRaisesMessage(ValidationError, "2026-10-09 本是工作日"):
            services_calendar.workday_set(actor=self.p.org_admin, date=D(2026, 10, 9), kind=ON, name="调休")

    def test_only_the_district_office_writes(self):
        for user in (self.p.committee_secretary, self.p.branch_secretary, self.p.sysadmin, self.p.member):
            with (
                self.subTest(user=user.username),
                self.assertRaisesMessage(PermissionDenied, "只有区委组织部"),
            ):
                services_calendar.workday_set(actor=user, date=D(2026, 10, 1), kind=OFF, name="国庆节")
            with self.assertRaises(PermissionDenied):
                services_calendar.workdays_import(actor=user, text="2026-10-01 休 国庆节")
        self.assertFalse(WorkdayOverride.objects.exists())

    def test_set_corrects_and_remove_deletes_with_audit(self):
        row = services_calendar.workday_set(
            actor=self.p.org_admin, date=D(2026, 10, 10), kind=ON, name="调休"
        )
        again = services_calendar.workday_set(
            actor=self.p.org_admin, date=D(2026, 10, 10), kind=ON, name="国庆节调休"
        )
        self.assertEqual((again.pk, WorkdayOverride.objects.get().name), (row.pk, "国庆节调休"))
        kinds = list(
            AuditEvent.objects.filter(object_type="core.workdayoverride").values_list("kind", flat=True)
        )
        self.assertEqual(sorted(kinds), ["create", "update"])
        with self.assertRaisesMessage(ValidationError, "本是工作日"):
            services_calendar.workday_set(actor=self.p.org_admin, date=D(2026, 10, 9), kind=ON, name="调休")
        services_calendar.workday_remove(actor=self.p.org_admin, date=D(2026, 10, 10))
        self.assertFalse(WorkdayOverride.objects.exists())
        with self.assertRaisesMessage(ValidationError, "不在节假日与调休表中"):
            services_calendar.workday_remove(actor=self.p.org_admin, date=D(2026, 10, 10))

    def test_import_names_the_bad_lines_and_saves_nothing(self):
        text = "\n".join([
            "2026-10-01 休 国庆节",
            "2026/10/02 休",
            "国庆节 10月3日",
            "2026-09-28 班 调休",
            "2026-02-30 休 春节",
            "2026年9月20日 班 国庆节调休",
        ])  # fmt: skip
        with self.assertRaises(ValidationError) as caught:
            services_calendar.workdays_import(actor=self.p.org_admin, text=text)
        message = caught.exception.message_dict["text"][0]
        for part in ("第 3 行格式不对", "第 4 行 2026-09-28 本是工作日", "第 5 行日期不存在"):
            self.assertIn(part, message)
        for good in ("第 1 行", "第 2 行", "第 6 行"):
            self.assertNotIn(good, message)
        self.assertFalse(WorkdayOverride.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(object_type="core.workdayoverride").exists())
        with self.assertRaisesMessage(ValidationError, "同一日期填写了多次"):
            services_calendar.workdays_import(
                actor=self.p.org_admin, text="2026-10-01 休\n2026-10-01 假 国庆节"
            )
        with self.assertRaisesMessage(ValidationError, "请至少填写一行"):
            services_calendar.workdays_import(actor=self.p.org_admin, text="\n  \n")
        lines = [f"{d:%Y-%m-%d} {'休' if k == OFF else '班'} {n}" for d, k, n in CALENDAR_2026]
        self.assertEqual(
            services_calendar.workdays_import(actor=self.p.org_admin, text="\n".join(lines)),
            len(CALENDAR_2026),
        )
        self.assertEqual(WorkdayOverride.objects.get(date=D(2026, 9, 20)).get_kind_display(), "调休上班")
        self.assertEqual(len(study_dates(2026, 4, 4)), 13)
