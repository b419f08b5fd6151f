"""Dues ledger benchmark: one month's 党费台账 for a whole district, set-based, beside a per-member ORM loop and
the bare statement that is its floor.

    createdb -h 127.0.0.1 -U postgres zugong_dues_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zugong_dues_bench .venv/bin/python bench/dues_ledger.py \\
        --members 1000000

Sets Django up, migrates, builds the demo district if the database has none (``build_demo --members N``, COPY
on PostgreSQL), then gives the members dues data once, set-based (INSERT … SELECT): an income base for
everyone in a base category, spread over and onto the bracket bounds (3,000 / 5,000 / 10,000 yuan ± 0.01),
a raise from January 2025 for 30 %, no base for 0.5 % of the employed (missing_base), dues profiles of the
other categories for 15 % (retired 8 %, farmer 3 %, student 2 %, unemployed, relief, hardship), and a transfer
dated inside the month for 0.5 % (so the transfer subqueries find rows). No reductions: the floor has no
reduction lookup, and the three figures must agree.

Then, for one month (default: last month), each on an empty month (the month's ledger rows deleted and the
table vacuumed before each run):
  (a) ``ledger.generate_month`` as the 组织部管理员 for the whole district: wall time, with the commit (where
      PostgreSQL runs the deferred foreign-key checks of every row written) shown apart;
  (b) a per-member ORM loop (for each member: its profile and its base read, ``rules.amount_fen``,
      ``LedgerEntry(...).save()``) over the first ``--loop-sample`` members (default 50,000) in one
      transaction, scaled linearly to the district (the output says so);
  (c) the floor: one bare ``INSERT … SELECT`` with the same amount expression (``rules.amount_sql``) and the
      latest base by ``DISTINCT ON``, but no transfer or reduction subqueries and no audit, into a scratch copy
      of the ledger table (``CREATE TEMP TABLE … (LIKE dues_ledgerentry INCLUDING ALL)``; a temporary table
      writes no WAL, which flatters the floor);
  (d) a diagnostic: (a)'s own statement into a regular, logged copy of the ledger table with its indexes but
      without its foreign keys (``--no-diagnostic`` skips it);
and checks that the three give the same total of amount_fen over the same members. Targets: (a) ≥ 50× the
loop, ≤ 30 s, within 3× of (c). ``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of (a)'s statement (rolled back).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

from benchkit import machine

# The PostgreSQL settings the report names.
PG_SETTINGS = ("shared_buffers", "work_mem", "max_wal_size", "synchronous_commit", "jit")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zugong.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from zugong.accounts.models import User  # noqa: E402
from zugong.core import demo  # noqa: E402
from zugong.dues import ledger, rules  # noqa: E402
from zugong.dues.models import Category, DuesProfile, IncomeBase, LedgerEntry  # noqa: E402
from zugong.people.models import Membership, Person, Transfer  # noqa: E402

ACTOR = "zzb_admin"
BENCH_MARK = "bench:dues"  # the note/reason of the rows this script adds, so it adds them once


# ------------------------------------------------------------------ machine


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall() if cursor.description else cursor.rowcount


def q(name: str) -> str:
    return connection.ops.quote_name(name)


# ------------------------------------------------------------------ the dues data, set-based


def seed_dues(log) -> None:
    """Income bases, profiles and a few transfers, once (marked ``BENCH_MARK``)."""
    base_t, profile_t = q(IncomeBase._meta.db_table), q(DuesProfile._meta.db_table)
    person_t, membership_t = q(Person._meta.db_table), q(Membership._meta.db_table)
    transfer_t = q(Transfer._meta.db_table)
    if IncomeBase.objects.filter(note=BENCH_MARK).exists():
        log("dues data: present (income bases, profiles, transfers from an earlier run)")
        return
    start = time.perf_counter()
    # Category by id: 0–7 retired, 8–10 farmer, 11–12 student, 13 unemployed, 14 relief, 15 hardship (mod 100).
    category = (
        "CASE WHEN p.id %% 100 < 8 THEN 'retired' WHEN p.id %% 100 < 11 THEN 'farmer' "
        "WHEN p.id %% 100 < 13 THEN 'student' WHEN p.id %% 100 = 13 THEN 'unemployed' "
        "WHEN p.id %% 100 = 14 THEN 'relief' WHEN p.id %% 100 = 15 THEN 'hardship' END"
    )
    with transaction.atomic():
        profiles = sql(
            f"""INSERT INTO {profile_t} (created_at, updated_at, person_id, category, note)
                SELECT now(), now(), p.id, {category}, %s
                FROM {person_t} p JOIN {membership_t} m ON m.person_id = p.id
                WHERE p.id %% 100 < 16
                ON CONFLICT (person_id) DO NOTHING""",  # noqa: S608
            [BENCH_MARK],
        )
        # Employed: 2,000–12,000 yuan spread, every 20th exactly on or just above a bracket bound.
        # Retired: 2,500–8,500 yuan, every 20th at 5,000.00 or 5,000.01. Missing for 0.5 % of the employed.
        bounds = "(ARRAY[300000, 300001, 500000, 500001, 1000000, 1000001])[(p.id / 20) %% 6 + 1]"
        base = f"""CASE
            WHEN p.id %% 100 < 8 THEN CASE WHEN p.id %% 20 = 0 THEN 500000 + (p.id / 20) %% 2
                                          ELSE 250000 + (p.id * 7919) %% 600000 END
            WHEN p.id %% 20 = 0 THEN {bounds}
            ELSE 200000 + (p.id * 7919) %% 1000000 END"""
        bases = sql(
            f"""INSERT INTO {base_t} (created_at, updated_at, person_id, effective_month, base_fen, note)
                SELECT now(), now(), p.id, DATE '2015-01-01', {base}, %s
                FROM {person_t} p JOIN {membership_t} m ON m.person_id = p.id
                WHERE (p.id %% 100 < 8 OR p.id %% 100 >= 16) AND p.id %% 200 <> 199
                ON CONFLICT DO NOTHING""",  # noqa: S608
            [BENCH_MARK],
        )
        raises = sql(
            f"""INSERT INTO {base_t} (created_at, updated_at, person_id, effective_month, base_fen, note)
                SELECT now(), now(), b.person_id, DATE '2025-01-01', b.base_fen + 50000, %s
                FROM {base_t} b WHERE b.person_id %% 10 < 3 AND b.person_id %% 20 <> 0
                ON CONFLICT DO NOTHING""",  # noqa: S608
            [BENCH_MARK],
        )
        # 0.5 %: moved into their branch on the 15th of last month from the branch of the next person.
        month = rules.add_months(rules.month_start(timezone.localdate()), -1)
        transfers = sql(
            f"""INSERT INTO {transfer_t} (created_at, updated_at, person_id, kind, from_org_id, to_org_id,
                                            from_path, to_path, transfer_date, reason)
                SELECT now(), now(), p.id, 'internal', n.org_id, p.org_id, n.org_path, p.org_path, %s, %s
                FROM {person_t} p JOIN {person_t} n ON n.id = p.id + 1
                WHERE p.id %% 200 = 7 AND n.org_id <> p.org_id""",  # noqa: S608
            [month.replace(day=15), BENCH_MARK],
        )
    sql(f"ANALYZE {base_t}")
    sql(f"ANALYZE {profile_t}")
    sql(f"ANALYZE {transfer_t}")
    log(
        f"dues data: {bases:,} income bases + {raises:,} raises, {profiles:,} profiles, {transfers:,} transfers "
        f"in {time.perf_counter() - start:.1f} s (set-based)"
    )


# ------------------------------------------------------------------ the three contenders


def empty_month(month: dt.date) -> None:
    sql(f"DELETE FROM {q(LedgerEntry._meta.db_table)} WHERE month = %s", [month])  # noqa: S608
    if connection.vendor == "postgresql":
        sql(f"VACUUM (ANALYZE) {q(LedgerEntry._meta.db_table)}")


def eligible(month: dt.date):
    return Person.objects.filter(
        archived_at__isnull=True, membership__join_date__lt=rules.add_months(month, 1)
    ).order_by("id")


def run_generate(actor, month: dt.date) -> tuple[float, float, int]:
    """generate_month in an outer transaction, so that its commit, where PostgreSQL runs the deferred
    foreign-key checks of every row written, is timed apart. Returns (total s, commit s, rows)."""
    start = time.perf_counter()
    with transaction.atomic():
        added = ledger.generate_month(actor=actor, month=month)
        statement_end = time.perf_counter()
    end = time.perf_counter()
    return end - start, end - statement_end, added


NO_FK = "dues_ledger_nofk"


def run_without_foreign_keys(month: dt.date) -> tuple[float, int]:
    """Diagnostic: generate_month's own statement (``ledger.ledger_sql``) into a regular, logged copy of the
    ledger table with all its indexes but without its foreign keys (what the table's constraints cost)."""
    ledger_t = q(LedgerEntry._meta.db_table)
    sql(f"DROP TABLE IF EXISTS {NO_FK}")
    sql(f"CREATE TABLE {NO_FK} (LIKE {ledger_t} INCLUDING ALL)")
    statement, params = ledger.ledger_sql(month=month, rule_set=ledger.rule_set_for(month), paths=[""])
    statement = statement.replace(f"INSERT INTO {ledger_t}", f"INSERT INTO {NO_FK}", 1)
    start = time.perf_counter()
    with transaction.atomic():
        added = sql(statement, params)
    elapsed = time.perf_counter() - start
    sql(f"DROP TABLE {NO_FK}")
    return elapsed, added


def run_loop(month: dt.date, sample: int) -> tuple[float, int, int, int]:
    """The naive way: one member at a time through the ORM. Returns seconds, rows, total, last person id."""
    rule_set = ledger.rule_set_for(month)
    numbers = rules.Rules.of(rule_set)
    start = time.perf_counter()
    rows = total = last_id = 0
    with transaction.atomic():
        for person in eligible(month)[:sample]:
            profile = DuesProfile.objects.filter(person=person).first()
            category = profile.category if profile else Category.EMPLOYED
            base = (
                IncomeBase.objects.filter(person=person, effective_month__lte=month)
                .order_by("-effective_month")
                .first()
            )
            base_fen = base.base_fen if base else None
            amount = rules.amount_fen(category=category, base_fen=base_fen, rules=numbers)
            LedgerEntry(
                person=person,
                org_id=person.org_id,
                org_path=person.org_path,
                month=month,
                category=category,
                base_fen=base_fen,
                amount_fen=amount,
                rule_set=rule_set,
                missing_base=rules.needs_base(category) and base_fen is None,
            ).save()
            rows += 1
            total += amount
            last_id = person.pk
    return time.perf_counter() - start, rows, total, last_id


FLOOR = "dues_ledger_floor"


def run_floor(month: dt.date) -> tuple[float, int]:
    """The bare statement: the same amount expression and base, nothing else, into a scratch copy table."""
    ledger_t = q(LedgerEntry._meta.db_table)
    sql(f"DROP TABLE IF EXISTS {FLOOR}")
    sql(f"CREATE TEMP TABLE {FLOOR} (LIKE {ledger_t} INCLUDING ALL)")
    rule_set = ledger.rule_set_for(month)
    amount, amount_params = rules.amount_sql(
        category="x.category", base="x.base_fen", reduction="NULL", rules=rules.Rules.of(rule_set)
    )
    now = timezone.now()
    statement = f"""
        INSERT INTO {FLOOR} (created_at, updated_at, person_id, org_id, org_path, month, category, base_fen,
                             amount_fen, paid_fen, rule_set_id, reduction_id, missing_base)
        SELECT %s, %s, x.person_id, x.org_id, x.org_path, %s, x.category, x.base_fen, {amount}, 0, %s, NULL,
               (x.category IN ('employed', 'retired') AND x.base_fen IS NULL)
        FROM (
            SELECT p.id AS person_id, p.org_id, p.org_path, COALESCE(pr.category, 'employed') AS category,
                   b.base_fen
            FROM {q(Person._meta.db_table)} p
            JOIN {q(Membership._meta.db_table)} m ON m.person_id = p.id
            LEFT JOIN {q(DuesProfile._meta.db_table)} pr ON pr.person_id = p.id
            LEFT JOIN (SELECT DISTINCT ON (person_id) person_id, base_fen FROM {q(IncomeBase._meta.db_table)}
                       WHERE effective_month <= %s ORDER BY person_id, effective_month DESC) b
                   ON b.person_id = p.id
            WHERE p.archived_at IS NULL AND m.join_date < %s
        ) x
    """  # noqa: S608
    params = [now, now, month, *amount_params, rule_set.pk, month, rules.add_months(month, 1)]
    start = time.perf_counter()
    with transaction.atomic():
        added = sql(statement, params)
    return time.perf_counter() - start, added


def totals(table: str, month: dt.date, last_id: int | None = None) -> tuple[int, int]:
    where, params = "month = %s", [month]
    if last_id is not None:
        where += " AND person_id <= %s"
        params.append(last_id)
    rows = sql(f"SELECT count(*), COALESCE(sum(amount_fen), 0) FROM {table} WHERE {where}", params)  # noqa: S608
    return int(rows[0][0]), int(rows[0][1])


def explain_generate(actor, month: dt.date) -> None:
    from zugong.core.roles import Action
    from zugong.core.scope import grant_paths

    statement, params = ledger.ledger_sql(
        month=month, rule_set=ledger.rule_set_for(month), paths=grant_paths(actor, Action.ADD)
    )
    print("\n--- EXPLAIN (ANALYZE, BUFFERS) of generate_month's statement (rolled back):")
    with transaction.atomic():
        for line in sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params):
            print("    " + line[0])
        transaction.set_rollback(True)


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
    parser.add_argument("--rebuild", action="store_true", help="flush the database and build again")
    parser.add_argument(
        "--month", type=dt.date.fromisoformat, default=None, help="YYYY-MM-01 (default: last month)"
    )
    parser.add_argument("--loop-sample", type=int, default=50_000)
    parser.add_argument("--reps", type=int, default=1, help="runs of (a) and (c); the median is reported")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--no-diagnostic", action="store_true", help="skip (d), the table without foreign keys"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("note: not PostgreSQL; the targets are for PostgreSQL (DATABASE_URL=postgres://…)")

    log = lambda line: print(line, flush=True)  # noqa: E731
    log(f"Zugong dues ledger benchmark — {dt.datetime.now():%Y-%m-%d %H:%M}")
    log(f"machine: {machine(PG_SETTINGS)}")
    log("load average at start: {:.2f} {:.2f} {:.2f} (other work on the machine skews the figures)".format(
        *os.getloadavg()))  # fmt: skip
    call_command("migrate", verbosity=0)
    if args.rebuild or not demo.root_exists():
        if args.rebuild:
            call_command("flush", interactive=False, verbosity=0)
        counts = demo.build(members=args.members, seed=args.seed, log=lambda line: log("  " + line))
        log(
            f"build: {counts['seconds']} s for {counts['people']:,} people, {counts['memberships']:,} memberships"
        )
    else:
        log(f"build: skipped, data present ({Person.objects.count():,} people); --rebuild to time it")
    seed_dues(log)

    month = rules.month_start(args.month or rules.add_months(rules.month_start(timezone.localdate()), -1))
    actor = User.objects.get(username=ACTOR)
    members = eligible(month).count()
    ledger_t = q(LedgerEntry._meta.db_table)
    log(f"month {month:%Y-%m}: {members:,} members charged (on the roll, admitted before the month's end)")

    # (c) the floor
    floor_runs = [run_floor(month) for _ in range(args.reps)]
    floor_s = statistics.median(s for s, _ in floor_runs)
    floor_rows, floor_total = totals(FLOOR, month)
    sql(f"DROP TABLE IF EXISTS {FLOOR}")
    log(f"(c) bare INSERT … SELECT (floor, temp table)  : {floor_s:7.2f} s  {floor_rows:,} rows, "
        f"total {floor_total / 100:,.2f} yuan")  # fmt: skip

    # (a) generate_month; its total over the loop's sample too
    sample_ids = list(eligible(month).values_list("id", flat=True)[: args.loop_sample])
    last_id = sample_ids[-1] if sample_ids else 0
    gen_runs = []
    for _ in range(args.reps):
        empty_month(month)
        gen_runs.append(run_generate(actor, month))
    gen_s = statistics.median(total for total, _, _ in gen_runs)
    commit_s = statistics.median(commit for _, commit, _ in gen_runs)
    gen_rows, gen_total = totals(ledger_t, month)
    gen_sample = totals(ledger_t, month, last_id)
    log(f"(a) ledger.generate_month, whole district       : {gen_s:7.2f} s  {gen_rows:,} rows, "
        f"total {gen_total / 100:,.2f} yuan  (of which the commit, i.e. the deferred foreign-key checks: "
        f"{commit_s:.2f} s; runs: {', '.join(f'{t:.2f}' for t, _, _ in gen_runs)} s)")  # fmt: skip
    if args.explain and connection.vendor == "postgresql":
        empty_month(month)
        explain_generate(actor, month)
    empty_month(month)

    # (d) diagnostic: the same statement without the foreign keys
    nofk_s = None
    if connection.vendor == "postgresql" and not args.no_diagnostic:
        nofk_s, nofk_rows = run_without_foreign_keys(month)
        log(f"(d) diagnostic: (a)'s statement, no foreign keys: {nofk_s:7.2f} s  {nofk_rows:,} rows "
            "(a logged copy of the ledger table with its 8 indexes, without its 4 foreign keys)")  # fmt: skip

    # (b) the per-member loop on a sample
    loop_s, loop_rows, loop_total, loop_last = run_loop(month, args.loop_sample)
    empty_month(month)
    scaled = loop_s * members / max(loop_rows, 1)
    log(f"(b) per-member ORM loop, {loop_rows:,} members           : {loop_s:7.2f} s  "
        f"total {loop_total / 100:,.2f} yuan; SCALED LINEARLY to {members:,} members: ~{scaled:,.0f} s "
        f"({loop_s / max(loop_rows, 1) * 1000:.2f} ms a member)")  # fmt: skip

    same_all = (gen_rows, gen_total) == (floor_rows, floor_total)
    same_sample = gen_sample == (loop_rows, loop_total) and loop_last == last_id
    log("")
    log(f"same members and total, (a) vs (c): {'yes' if same_all else 'NO'} "
        f"({gen_rows:,} / {floor_rows:,} rows, {gen_total:,} / {floor_total:,} fen)")  # fmt: skip
    log(f"same members and total, (a) vs (b) over the loop's {loop_rows:,} members: "
        f"{'yes' if same_sample else 'NO'} ({gen_sample[1]:,} / {loop_total:,} fen)")  # fmt: skip
    speed_up, vs_floor = scaled / gen_s, gen_s / floor_s
    log("")
    log("| case | wall (s) | rows | note |")
    log("|---|---|---|---|")
    log(f"| (a) ledger.generate_month | **{gen_s:.2f}** | {gen_rows:,} | whole district, one statement + audit; "
        f"commit (FK checks) {commit_s:.2f} s |")  # fmt: skip
    log(f"| (b) per-member ORM loop | {loop_s:.1f} | {loop_rows:,} | scaled linearly to {members:,}: "
        f"~{scaled:,.0f} s |")  # fmt: skip
    log(f"| (c) bare INSERT … SELECT (floor) | {floor_s:.2f} | {floor_rows:,} | no transfer/reduction lookups, "
        "no audit, temp table (no WAL, no foreign keys) |")  # fmt: skip
    if nofk_s is not None:
        log(f"| (d) (a)'s statement, table without foreign keys | {nofk_s:.2f} | {gen_rows:,} | diagnostic |")
    log("")
    log(
        f"targets: ≥ 50× the loop: {'yes' if speed_up >= 50 else 'NO'} (×{speed_up:,.0f}); "
        f"≤ 30 s: {'yes' if gen_s <= 30 else 'NO'} ({gen_s:.2f} s); "
        f"within 3× of the bare statement: {'yes' if vs_floor <= 3 else 'NO'} (×{vs_floor:.2f})"
    )
    log("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
