"""三会一课 compliance benchmark: the compliance page of a district of 1,500 organizations with a year of sessions,
as the district's 组织部 sees it, beside the obvious per-organization ORM loop in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zg_bench_compliance .venv/bin/python bench/studyday_compliance.py
    #   (the URL above is the default; the database is created, and dropped at the end unless --keep)
    #   --orgs 1500        organizations in all (the personas' 8 included)
    #   --repeat 20        timed page loads after two warm-ups (median, min, max)
    #   --explain          EXPLAIN (ANALYZE, BUFFERS) of the sessions' aggregate query
    #   --keep             keep the scratch database (a second run then reuses the data)

What it builds, once, set-based (bulk_create / COPY through ``core.bulk``):
  - the personas of ``core.testing.build_personas()`` (the district 示范区委 and its org_admin);
  - ~30 党(工)委 under the district, each with ~31 党支部, and a 党小组 under ~57 % of the branches;
  - last year's sessions: each branch 12 支委会, 12 主题党日, 4 党员大会, 1 组织生活会, 1 党课 and a weekly
    学习日 (52); each group 12 党小组会. Some behind on purpose: every 10th branch skips the March and July
    支委会, every 12th has its April 支委会 cancelled (archived), every 15th skips the third quarter's 党员大会,
    every 20th has no 组织生活会, every 7th group skips November.

Then:
  (a) **timed**: GET /studyday/checks/compliance/?year=<last year> with django.test.Client as the district
      org_admin (middleware, view, ``selectors_compliance.compliance``, template): ``--repeat`` runs, median;
      and the selector alone (median);
  (b) **timed**: the obvious alternative — for each organization, for each requirement that applies, for each
      ended period, ``Session.objects.filter(org=…, kind=…, period…).count()``: one query per organization,
      kind and period;
  (c) the periods met / required of (a) and (b) compared, organization by organization: "same: yes".
Target: (a) ≤ 300 ms median.

And 学习计划执行 on the same data, each branch with a plan of that year (Thursdays moved off holidays, so the
weekly 学习日 above, always on a Thursday, miss the dates a holiday moved):
  (d) **timed**: GET /studyday/checks/adherence/?year=<last year> (``selectors_adherence.adherence``), median;
  (e) **timed**: the obvious alternative — for each organization its plan dates, and for each date an
      ``exists()`` query for a session that counts;
  (f) planned / held / missed dates of (d) and (e) compared, organization by organization.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

from benchkit import ensure_database, machine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zugong.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zg_bench_compliance")


DB_NAME = ensure_database(os.environ["DATABASE_URL"], sqlite_ok=True)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from zugong.accounts.models import User  # noqa: E402
from zugong.core import bulk  # noqa: E402
from zugong.core.testing import build_personas  # noqa: E402
from zugong.orgs.models import Organization, OrgStatus, OrgType  # noqa: E402
from zugong.studyday.models import PlanItem, Session, StudyPlan  # noqa: E402
from zugong.studyday.selectors_adherence import adherence  # noqa: E402
from zugong.studyday.selectors_compliance import (  # noqa: E402
    MONTHS,
    active_requirements,
    compliance,
    period_start,
)
from zugong.studyday.services import study_dates  # noqa: E402

TZ = timezone.get_default_timezone()
YEAR = timezone.localdate().year - 1  # a whole year: every period has ended
CODE_PREFIX = "BC"


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall() if cursor.description else cursor.rowcount


# ------------------------------------------------------------------ building the data


def new_ids(count: int) -> list[int]:
    if connection.vendor == "postgresql":
        return bulk.reserve_ids(Organization, count)
    start = (Organization.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    return list(range(start, start + count))


def build_orgs(district: Organization, total: int, log) -> None:
    """~30 committees under the district, ~31 branches each, a group under some of them, up to ``total``."""
    have = Organization.objects.count()
    if Organization.objects.filter(code__startswith=CODE_PREFIX).exists():
        log(f"  organizations: present ({have:,})")
        return
    wanted = total - have
    committees = 30
    branches_per = max(1, round((wanted - committees) / committees / 1.57))
    branches = committees * branches_per
    groups = wanted - committees - branches
    founded = dt.date(2000, 7, 1)

    def org(pk, parent, org_type, code, name):
        return Organization(
            pk=pk, parent_id=parent.pk, org_type=org_type, code=code, name=name, short_name=name[:8],
            depth=parent.depth + 1, path=f"{parent.path}{pk:08d}/", founded_on=founded,
        )  # fmt: skip

    ids = iter(new_ids(wanted))
    level1 = [org(next(ids), district, OrgType.COMMITTEE, f"{CODE_PREFIX}{c:02d}", f"第{c + 1}街道党工委")
              for c in range(committees)]  # fmt: skip
    level2, level3 = [], []
    for c, committee in enumerate(level1):
        for b in range(branches_per):
            j = c * branches_per + b
            branch = org(next(ids), committee, OrgType.BRANCH, f"{committee.code}{b:03d}",
                         f"{committee.name[:-3]}第{b + 1}党支部")  # fmt: skip
            level2.append(branch)
            if (j * groups) // branches != ((j + 1) * groups) // branches:
                level3.append(
                    org(next(ids), branch, OrgType.GROUP, f"{branch.code}G", f"{branch.name}第一党小组")
                )
    for objs in (level1, level2, level3):
        Organization.objects.bulk_create(objs, batch_size=2000)
    log(f"  organizations: {len(level1)} committees, {len(level2)} branches, {len(level3)} groups "
        f"({Organization.objects.count():,} in all)")  # fmt: skip


def thursdays(year: int) -> list[dt.date]:
    day = dt.date(year, 1, 1)
    day += dt.timedelta(days=(3 - day.weekday()) % 7)
    out = []
    while day.year == year:
        out.append(day)
        day += dt.timedelta(days=7)
    return out


def build_sessions(log) -> None:
    if Session.objects.filter(starts_at__year=YEAR).exists():
        log(f"  sessions: present ({Session.objects.count():,})")
        return
    start = time.perf_counter()
    now = timezone.now()
    rows: list[Session] = []

    def add(org, kind, day: dt.date, hour=15, cancelled=False):
        starts = dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)
        rows.append(Session(org_id=org.pk, org_path=org.path, kind=kind, title=f"{org.name} {kind} {day}",
                            starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
                            archived_at=now if cancelled else None))  # fmt: skip

    branches = list(
        Organization.objects.filter(org_type=OrgType.BRANCH, code__startswith=CODE_PREFIX).order_by("id")
    )
    groups = list(
        Organization.objects.filter(org_type=OrgType.GROUP, code__startswith=CODE_PREFIX).order_by("id")
    )
    weekly = thursdays(YEAR)
    for n, b in enumerate(branches):
        for month in range(1, 13):
            if not (n % 10 == 0 and month in (3, 7)):
                add(b, "committee_meeting", dt.date(YEAR, month, 10), cancelled=n % 12 == 0 and month == 4)
            add(b, "theme_day", dt.date(YEAR, month, 15))
        for month in (2, 5, 8, 11):
            if not (n % 15 == 0 and month == 8):
                add(b, "general_meeting", dt.date(YEAR, month, 20))
        if n % 20:
            add(b, "life_meeting", dt.date(YEAR, 12, 18))
        add(b, "party_lecture", dt.date(YEAR, 6, 25))
        for day in weekly:
            add(b, "study_day", day, hour=14)
    for n, g in enumerate(groups):
        for month in range(1, 13):
            if not (n % 7 == 0 and month == 11):
                add(g, "group_meeting", dt.date(YEAR, month, 12))
    made = time.perf_counter() - start
    for i in range(0, len(rows), 20000):
        bulk.insert_objects(rows[i : i + 20000])
    if connection.vendor == "postgresql":
        sql("VACUUM (ANALYZE) studyday_session")
        sql("VACUUM (ANALYZE) orgs_organization")
    log(f"  sessions: {len(rows):,} of {YEAR} ({len(branches)} branches, {len(groups)} groups), made in {made:.1f} s, "
        f"written in {time.perf_counter() - start - made:.1f} s")  # fmt: skip


def build_plans(log) -> None:
    """A plan of ``YEAR`` for every branch, its dates those ``create_plan`` generates (set-based here)."""
    if StudyPlan.objects.filter(year=YEAR).exists():
        log(f"  plans: present ({PlanItem.objects.count():,} dates)")
        return
    start = time.perf_counter()
    branches = list(Organization.objects.filter(org_type=OrgType.BRANCH, code__startswith=CODE_PREFIX))
    plans = [StudyPlan(org_id=b.pk, year=YEAR, title=f"{b.name}{YEAR}年学习计划") for b in branches]
    bulk.insert_objects(plans)
    dates = study_dates(YEAR, None, 4)
    items = [PlanItem(plan_id=p.pk, date=held, scheduled=day) for p in plans for held, day in dates]
    for i in range(0, len(items), 20000):
        bulk.insert_objects(items[i : i + 20000])
    if connection.vendor == "postgresql":
        sql("VACUUM (ANALYZE) studyday_planitem")
        sql("VACUUM (ANALYZE) studyday_studyplan")
    moved = sum(1 for held, day in dates if held != day)
    log(f"  plans: {len(plans):,}, {len(items):,} dates ({len(dates)} a branch, {moved} moved off a holiday), "
        f"{time.perf_counter() - start:.1f} s")  # fmt: skip


# ------------------------------------------------------------------ the two ways


def per_org_loop(user, year: int) -> tuple[dict[tuple[int, str], tuple[int, int]], int]:
    """The obvious way: each organization, each requirement that applies, each period a COUNT query.
    Returns the (met, required) of each organization and requirement, and the number of queries."""
    queries = 2
    requirements = active_requirements()
    types = {t for r in requirements for t in r.org_types}
    now = timezone.now()
    out = {}
    for org in Organization.objects.restrict(user, "view").filter(
        status=OrgStatus.ACTIVE, org_type__in=types
    ):
        for r in requirements:
            if org.org_type not in r.org_types:
                continue
            size = MONTHS[r.period]
            required = met = 0
            for i in range(12 // size):
                first = period_start(year, r.period, i)
                end_month = first.month + size
                last = dt.date(year + end_month // 13, (end_month - 1) % 12 + 1, 1)
                period_from = dt.datetime(first.year, first.month, 1, tzinfo=TZ)
                period_to = dt.datetime(last.year, last.month, 1, tzinfo=TZ)
                if period_to > now:
                    continue  # not ended
                if org.founded_on and org.founded_on > first:
                    continue
                required += 1
                queries += 1
                held = Session.objects.filter(
                    org=org, kind=r.kind, archived_at__isnull=True, starts_at__gte=period_from,
                    starts_at__lt=period_to, starts_at__lte=now,
                ).count()  # fmt: skip
                met += held >= r.times
            out[(org.pk, r.kind)] = (met, required)
    return out, queries


def adherence_loop(user, year: int) -> tuple[dict[int, tuple[int, int, tuple]], int]:
    """The obvious way for 学习计划执行: each organization with a plan, each of its dates that has passed an
    ``exists()`` query. Returns (planned, held, missed dates) of each organization, and the number of queries."""
    now = timezone.now()
    today = timezone.localdate()
    queries = 1
    out = {}
    plans = StudyPlan.objects.restrict(user, "view").filter(year=year, archived_at__isnull=True)
    for org_id in sorted(set(plans.values_list("org_id", flat=True))):
        queries += 1
        planned = held = 0
        missed = []
        for item in PlanItem.objects.filter(
            plan__org_id=org_id, plan__year=year, plan__archived_at__isnull=True
        ):
            if item.date >= today:
                continue
            planned += 1
            queries += 1
            found = (
                Session.objects.filter(archived_at__isnull=True, starts_at__lte=now)
                .filter(Q(plan_item=item) | Q(org_id=org_id, kind="study_day", starts_at__date=item.date))
                .exists()
            )
            held += found
            if not found:
                missed.append(item.date)
        out[org_id] = (planned, held, tuple(sorted(missed)))
    return out, queries


def counts_of(report) -> set:
    return {(row.org_id, kind) for row in report.rows for kind, c in row.cells.items() if c.held}


def selector_figures(report) -> dict[tuple[int, str], tuple[int, int]]:
    return {(row.org_id, kind): (c.met, c.required) for row in report.rows for kind, c in row.cells.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    log = lambda line: print(line, flush=True)  # noqa: E731

    log(f"Zugong 三会一课 compliance benchmark — {dt.datetime.now():%Y-%m-%d %H:%M}")
    log(f"machine: {machine(())}")
    log("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    if not User.objects.filter(username="org_admin").exists():
        build_personas()
    district = Organization.objects.get(code="T00")
    build_orgs(district, args.orgs, log)
    build_sessions(log)
    build_plans(log)
    log(f"build: {time.perf_counter() - start:.1f} s")
    user = User.objects.get(username="org_admin")

    # (a) the page, through the whole request.
    client = Client()
    client.force_login(user)
    url = f"{reverse('studychecks:compliance')}?year={YEAR}"
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    page_queries = len(captured.captured_queries)
    page_ms = statistics.median(times)
    report = compliance(User.objects.get(pk=user.pk), YEAR)
    log(f"(a) compliance page GET {url}: median {page_ms:.0f} ms, min {min(times):.0f}, max {max(times):.0f} "
        f"({args.repeat} runs after 2 warm-ups), {page_queries} queries; "
        f"{len(report.rows):,} organizations, {report.behind_count} behind")  # fmt: skip
    sel = []
    for _ in range(max(5, args.repeat // 2)):
        fresh = User.objects.get(pk=user.pk)
        t = time.perf_counter()
        compliance(fresh, YEAR)
        sel.append((time.perf_counter() - t) * 1000)
    sel_ms = statistics.median(sel)
    with CaptureQueriesContext(connection) as captured:
        compliance(User.objects.get(pk=user.pk), YEAR)
    agg = next(q for q in captured.captured_queries if "studyday_session" in q["sql"])
    log(f"    selector alone: median {sel_ms:.0f} ms ({len(captured.captured_queries)} queries; the sessions' "
        f"GROUP BY {float(agg['time']) * 1000:.0f} ms, {len(counts_of(report)):,} organization × kind rows)")  # fmt: skip
    if args.explain and connection.vendor == "postgresql":
        for line in sql("EXPLAIN (ANALYZE, BUFFERS) " + agg["sql"]):
            log("    " + line[0])

    # (b) the per-organization loop.
    t = time.perf_counter()
    loop, loop_queries = per_org_loop(User.objects.get(pk=user.pk), YEAR)
    loop_ms = (time.perf_counter() - t) * 1000
    log(f"(b) per-organization ORM loop (one COUNT per organization, kind and period): {loop_ms / 1000:.1f} s, "
        f"{loop_queries:,} queries")  # fmt: skip

    # (c) the same figures.
    mine = selector_figures(report)
    same = mine == loop
    log(f"same: {'yes' if same else 'NO'} ({len(mine):,} organization × requirement cells, (a) vs (b))")
    log("")
    log("| case | wall | queries | note |")
    log("|---|---|---|---|")
    log(f"| (a) compliance page (Client GET, org_admin) | **{page_ms:.0f} ms** median (min {min(times):.0f}, "
        f"max {max(times):.0f}) | {page_queries} | {len(report.rows):,} organizations; "
        f"selector alone {sel_ms:.0f} ms |")  # fmt: skip
    log(f"| (b) per-organization ORM loop | {loop_ms / 1000:.1f} s | {loop_queries:,} (a COUNT per org × kind × period) | "
        f"the numbers only, no page |")  # fmt: skip
    log("")
    log(f"target ≤ 300 ms: {'yes' if page_ms <= 300 else 'NO'} ({page_ms:.0f} ms); the loop ×{loop_ms / sel_ms:,.0f} "
        f"the selector; same figures: {'yes' if same else 'NO'}")  # fmt: skip
    adherence_part(client, user, args, log)
    log("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if DB_NAME and not args.keep:
        import psycopg

        connection.close()
        admin_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{DB_NAME}"')
        log(f"dropped the database {DB_NAME}")


def adherence_part(client, user, args, log) -> None:
    """(d)–(f): 学习计划执行 on the same data."""
    url = f"{reverse('studychecks:adherence')}?year={YEAR}"
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t) * 1000)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    page_ms = statistics.median(times)
    report = adherence(User.objects.get(pk=user.pk), YEAR)
    totals = report.totals
    log(f"(d) adherence page GET {url}: median {page_ms:.0f} ms, min {min(times):.0f}, max {max(times):.0f}, "
        f"{len(captured.captured_queries)} queries; {len(report.rows):,} organizations, {totals['planned']:,} "
        f"dates passed, {totals['held']:,} held, {totals['behind']:,} missed")  # fmt: skip
    t = time.perf_counter()
    loop, loop_queries = adherence_loop(User.objects.get(pk=user.pk), YEAR)
    loop_ms = (time.perf_counter() - t) * 1000
    log(
        f"(e) per-organization loop (an exists() per plan date): {loop_ms / 1000:.1f} s, {loop_queries:,} queries"
    )
    mine = {r.org_id: (r.planned, r.held, tuple(r.missed)) for r in report.rows if r.has_plan}
    same = mine == loop
    log(f"(f) same: {'yes' if same else 'NO'} ({len(mine):,} organizations with a plan, (d) vs (e))")
    log(f"| (d) adherence page (Client GET, org_admin) | **{page_ms:.0f} ms** median | "
        f"{len(captured.captured_queries)} | {len(report.rows):,} organizations |")  # fmt: skip
    log(
        f"| (e) per-organization loop | {loop_ms / 1000:.1f} s | {loop_queries:,} | an exists() per plan date |"
    )


if __name__ == "__main__":
    main()
