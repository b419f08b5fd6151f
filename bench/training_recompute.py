"""累计学分制 benchmark: recompute one year's credit ledger for 100,000 区管干部 × 40 entries on PostgreSQL,
set-based, beside the obvious per-cadre ORM loop in the same run.

    createdb -h 127.0.0.1 -U postgres zg_bench_training
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zg_bench_training .venv/bin/python bench/training_recompute.py
    #   --cadres 2000 --entries 40      a quick check (the default is 100,000 × 40 = 4,000,000 entries)
    #   --loop-sample 5000              cadres the loop runs on (scaled linearly; the output says so)
    #   --explain                       EXPLAIN (ANALYZE, BUFFERS) of recompute's two statements (rolled back)
    #   --rebuild                       flush the database and build everything again

What it builds, once (a database that has the data is reused):
  - the demo district (``build_demo``: organization tree, units, teams, people with encrypted personal data;
    ``--members``, default 1.25 × the cadres), COPY on PostgreSQL;
  - district cadres until there are ``--cadres``: the demo's own 区管干部 plus people of the roll promoted
    to it (``CadreRecord`` rows written with COPY, ``core/bulk.py``; ~20 % 县处级, some of them promoted during
    the year so that the one-year-after-promotion deadline has cases);
  - the rule sets of the year before (closed, with a summary per cadre so the carry-over and the five-year
    cycle have something to carry) and of the year (``ledger.ensure_rule_set``);
  - ``--entries`` credit entries per cadre in the year, one INSERT … SELECT over generate_series, spread over
    the 8 categories as a year looks: 2 党校 classes (3–10 days), 2 外出 trainings (2–6 days, capped at 48),
    12 online courses from the academy (5–90 minutes), 4 网络专题班 (6–12 学时), 5 lectures, 8 中心组 sessions,
    5 self-study records (2–8 学时, capped at 20), a paper (none/city/province/national) and a teaching
    record (2–4 hours taught); dates over the whole year.

Then:
  1. ``ledger.recompute(year)`` under the default rules (untimed: the ledger as it stood), VACUUM (ANALYZE);
  2. the rules change so that every entry changes (党校 and 外出 6 → 7 a day, online 1 → 1.5 a 学时 with new
     tiers, lecture 2 → 2.5, 中心组 3 → 4, self-study 1 → 1.5, papers 12/24/48 → 15/30/60, teaching 5 → 6);
  3. (a) **timed**: ``ledger.recompute(year)`` — one UPDATE … FROM for the entries, one DELETE and one
     INSERT … SELECT for the summaries — for every cadre, in its transaction;
  4. the sample's entries and summaries are kept, the sample is put back to the old rules (a partial
     set-based recompute), and (b) **timed**: the per-cadre ORM loop over the sample under the new rules —
     for each cadre: the person and cadre record, their entries read with the ORM, ``rules.entry_output``,
     ``rules.apply_caps``, ``entry.save(update_fields=…)`` for each changed entry, last year's summary read,
     ``rules.year_result``, the year's ``CreditYear`` written — then scaled linearly to all cadres;
  5. the sample's entries and summaries after (b) are compared field by field with (a)'s: "identical: yes".
Targets: (a) ≤ 60 s and ≥ 20× the loop (scaled).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

from benchkit import machine

# The PostgreSQL settings the report names.
PG_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "max_wal_size",
    "synchronous_commit",
    "jit",
    "random_page_cost",
    "max_parallel_workers_per_gather",
)
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zugong.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from zugong.core import bulk, demo  # noqa: E402
from zugong.people.choices import Rank  # noqa: E402
from zugong.people.models import CadreRecord, Person  # noqa: E402
from zugong.training import ledger  # noqa: E402
from zugong.training import rules as R  # noqa: E402
from zugong.training.models import (  # noqa: E402
    Category,
    CategoryRule,
    CreditEntry,
    CreditRuleSet,
    CreditYear,
    Grade,
    RankGroup,
    default_online_tiers,
)

ENTRY_OUTPUTS = ("credited_hours", "online_hours", "full_time_days", "credits_raw", "credits", "required",
                 "rule_set_id")  # fmt: skip
SUMMARY_FIELDS = tuple(f.name for f in dataclasses.fields(R.YearResult))

# The year's rules after the change: every category's rate moves, so every entry's outputs change.
NEW_RULES = {
    Category.PARTY_SCHOOL: {"rate": Decimal(7)},
    Category.OFFSITE: {"rate": Decimal(7)},
    Category.ONLINE: {"rate": Decimal("1.5")},
    Category.LECTURE: {"rate": Decimal("2.5")},
    Category.CENTRAL_GROUP: {"rate": Decimal(4)},
    Category.SELF_STUDY: {"rate": Decimal("1.5")},
    Category.PAPER: {"rate": Decimal(15), "level_rates": {"city": "15", "province": "30", "national": "60"}},
    Category.TEACHING: {"rate": Decimal(6)},
}
NEW_TIERS = [[45, ">=", "1"], [20, ">", "0.5"], [0, ">", "0.25"]]

# Entry slots of a cadre's year (slot = n mod 40): category, source.
SLOTS = (
    [("party_school", "attendance")] * 2 + [("offsite", "manual")] * 2 + [("online", "import")] * 12
    + [("online", "manual")] * 4 + [("lecture", "attendance")] * 5 + [("central_group", "attendance")] * 8
    + [("self_study", "claim")] * 5 + [("paper", "claim")] + [("teaching", "manual")]
)  # fmt: skip
assert len(SLOTS) == 40


# ------------------------------------------------------------------ helpers


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall() if cursor.description else cursor.rowcount


def q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def vacuum(*models) -> None:
    for model in models:
        sql(("VACUUM (ANALYZE) " if connection.vendor == "postgresql" else "ANALYZE ") + q(model))


def cadre_ids() -> list[int]:
    return list(
        CadreRecord.objects.filter(is_district_managed=True, person__archived_at__isnull=True)
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )


# ------------------------------------------------------------------ building the data


def promote_cadres(target: int, year: int, log) -> int:
    """People of the roll made 区管干部 until there are ``target`` (COPY of their cadre records)."""
    have = len(cadre_ids())
    if have >= target:
        return 0
    need = target - have
    rows = sql(
        f"""SELECT p.id, COALESCE(u.short_name, '') FROM {q(Person)} p
            LEFT JOIN orgs_unit u ON u.id = p.unit_id
            WHERE p.archived_at IS NULL AND NOT EXISTS (SELECT 1 FROM {q(CadreRecord)} c WHERE c.person_id = p.id)
            ORDER BY p.id LIMIT %s""",  # noqa: S608
        [need],
    )
    if len(rows) < need:
        raise SystemExit(
            f"the district has only {have + len(rows):,} people for {target:,} cadres: raise --members"
        )
    now = timezone.now()
    columns = bulk.Columns(CadreRecord, ["created_at", "updated_at", "person_id", "is_district_managed", "rank",
                                         "post", "appointed_on", "rank_since"])  # fmt: skip
    ranks = [  # ~20 % 县处级 (1 % 厅局级副职), the rest 乡科级正副职
        (Rank.BUREAU_DEPUTY, "副区长"), (Rank.COUNTY_PRINCIPAL, "局长"), (Rank.COUNTY_PRINCIPAL, "主任"),
        (Rank.COUNTY_DEPUTY, "副局长"), (Rank.COUNTY_DEPUTY, "副主任"),
    ] + [(Rank.TOWNSHIP_PRINCIPAL, "科长")] * 8 + [(Rank.TOWNSHIP_DEPUTY, "副科长")] * 12  # fmt: skip
    ranks = [ranks[0]] + ranks[1:5] * 5 + ranks[5:] * 4  # 1 + 20 + 80 = 101 ≈ 1 % / 19.8 % / 79.2 %

    def made():
        for pid, unit in rows:
            rank, title = ranks[(pid * 7919) % len(ranks)]
            appointed = dt.date(2014, 1, 1) + dt.timedelta(days=(pid * 104729) % 3650)
            since = appointed
            if rank in (Rank.COUNTY_PRINCIPAL, Rank.COUNTY_DEPUTY) and pid % 25 == 3:
                since = dt.date(year, 1, 1) + dt.timedelta(days=(pid * 31) % 330)  # promoted during the year
            yield (now, now, pid, True, rank, (unit + title)[:100], appointed, since)

    with transaction.atomic():
        if bulk.uses_copy():
            bulk.copy_rows(columns, made())
        else:
            bulk.create_objects(columns, list(made()))
        sql(
            f"""UPDATE {q(Person)} p SET is_district_cadre = TRUE, rank = c.rank, post = LEFT(c.post, 60)
                FROM {q(CadreRecord)} c WHERE c.person_id = p.id AND c.is_district_managed
                  AND NOT p.is_district_cadre"""  # noqa: S608
        )
    log(f"  {need:,} people of the roll made 区管干部 (COPY of their cadre records)")
    return need


def set_rules(year: int, *, new: bool) -> CreditRuleSet:
    """The year's rules: the defaults, or NEW_RULES and NEW_TIERS."""
    rule_set = ledger.ensure_rule_set(year)
    rule_set.online_tiers = NEW_TIERS if new else default_online_tiers()
    rule_set.save(update_fields=["online_tiers", "updated_at"])
    for rule in CategoryRule.objects.filter(rule_set=rule_set):
        mode, rate, levels, cap, required = R.DEFAULT_CATEGORY_RULES[rule.category]
        changes = NEW_RULES[rule.category] if new else {"rate": Decimal(rate), "level_rates": levels}
        rule.rate = changes["rate"]
        rule.level_rates = changes.get("level_rates", levels)
        rule.save(update_fields=["rate", "level_rates"])
    return rule_set


def seed_year(year: int, per_cadre: int, log) -> int:
    """Last year's closed rule set and summaries, this year's rule set, and the entries, once."""
    entry_t, summary_t, cadre_t = q(CreditEntry), q(CreditYear), q(CadreRecord)
    if CreditEntry.objects.filter(year=year).exists():
        log(f"  entries of {year}: present ({CreditEntry.objects.filter(year=year).count():,})")
        return 0
    prev = ledger.ensure_rule_set(year - 1)
    ledger.ensure_rule_set(year)
    CreditRuleSet.objects.filter(pk=prev.pk).update(closed=True, closed_at=timezone.now())
    set_rules(year, new=False)
    now = timezone.now()
    county = sorted(R.COUNTY_RANKS)
    in_county = ", ".join(["%s"] * len(county))
    with transaction.atomic():
        # Last year: 50–130 credits, the cycle so far 0–400 学时 / 0–60 days; grade as the totals say.
        sql(
            f"""INSERT INTO {summary_t} (created_at, updated_at, person_id, year, rank_group, entries, hours,
                       online_hours, full_time_days, credits_required, credits_earned, carried_in, credits_total,
                       cycle_hours, cycle_days, promotion_due, met_hours, met_online, met_credits, met_target, grade)
                SELECT %s, %s, c.person_id, %s, CASE WHEN c.rank IN ({in_county}) THEN %s ELSE %s END, 40,
                       x.h, 50, x.d, x.total * 0.7, x.total, 0, x.total, x.h * 2, x.d * 2, NULL, TRUE, TRUE,
                       x.total >= 84, x.total >= 84,
                       CASE WHEN x.total >= 100 THEN %s WHEN x.total >= 84 THEN %s ELSE %s END
                FROM {cadre_t} c
                CROSS JOIN LATERAL (SELECT 50 + (c.person_id * 7919 %% 8000) / 100.0 AS total,
                                           (c.person_id * 104729 %% 20000) / 100.0 AS h,
                                           (c.person_id %% 31) AS d) x
                WHERE c.is_district_managed
                ON CONFLICT DO NOTHING""",  # noqa: S608
            [now, now, year - 1, *county, RankGroup.COUNTY, RankGroup.TOWNSHIP, Grade.EXCELLENT, Grade.PASS,
             Grade.FAIL],
        )  # fmt: skip
        slot_cat = "(ARRAY[" + ", ".join(f"'{c}'" for c, _ in SLOTS) + "])"
        slot_src = "(ARRAY[" + ", ".join(f"'{s}'" for _, s in SLOTS) + "])"
        h = "((c.person_id * 7919 + g.n * 104729) %% 1000003)"  # a spread per (cadre, entry)
        cat = f"{slot_cat}[g.n %% 40 + 1]"
        src = f"{slot_src}[g.n %% 40 + 1]"
        online_import = "(g.n %% 40 BETWEEN 4 AND 15)"
        started = time.perf_counter()
        added = sql(
            f"""INSERT INTO {entry_t} (created_at, updated_at, archived_reason, person_id, year, date, category,
                       source, title, source_key, days, hours, minutes, hours_taught, level, items,
                       credited_hours, online_hours, full_time_days, credits_raw, credits, required)
                SELECT %s, %s, '', c.person_id, %s, DATE '{year}-01-01' + ({h} %% 365)::int, {cat}, {src},
                       CASE {cat} WHEN 'party_school' THEN '区委党校主体班' WHEN 'offsite' THEN '外出专题培训'
                            WHEN 'online' THEN '网络学院课程' || (g.n %% 40) WHEN 'lecture' THEN '专题讲座'
                            WHEN 'central_group' THEN '中心组学习' WHEN 'self_study' THEN '在职自学'
                            WHEN 'paper' THEN '调研报告' ELSE '党校授课' END,
                       CASE WHEN {online_import} THEN 'bench:' || g.n ELSE '' END,
                       CASE {cat} WHEN 'party_school' THEN 3 + {h} %% 8 WHEN 'offsite' THEN 2 + {h} %% 5 ELSE 0 END,
                       CASE WHEN {cat} = 'online' AND NOT {online_import} THEN 6 + {h} %% 7
                            WHEN {cat} = 'self_study' THEN 2 + {h} %% 7 ELSE 0 END,
                       CASE WHEN {online_import} THEN 5 + {h} %% 86 END,
                       CASE {cat} WHEN 'teaching' THEN 2 + {h} %% 3 ELSE 0 END,
                       CASE {cat} WHEN 'paper' THEN (ARRAY['', 'city', 'province', 'national'])[{h} %% 4 + 1]
                            ELSE '' END,
                       1, 0, 0, 0, 0, 0, FALSE
                FROM {cadre_t} c JOIN {q(Person)} p ON p.id = c.person_id AND p.archived_at IS NULL
                CROSS JOIN generate_series(0, %s) AS g(n)
                WHERE c.is_district_managed""",  # noqa: S608
            [now, now, year, per_cadre - 1],
        )
    vacuum(CreditEntry, CreditYear)
    log(f"  {added:,} entries of {year} in {time.perf_counter() - started:.1f} s (one INSERT … SELECT), "
        f"{year - 1} rule set closed with a summary per cadre")  # fmt: skip
    return added


# ------------------------------------------------------------------ the contenders


def run_set_based(year: int) -> tuple[float, dict]:
    start = time.perf_counter()
    result = ledger.recompute(year)
    return time.perf_counter() - start, result


def run_loop(year: int, sample: list[int]) -> tuple[float, int]:
    """The obvious per-cadre code: read, compute with the pure rules, save what changed, write the year."""
    rule_set, rules = ledger.rules_for(year)
    prev_set = CreditRuleSet.objects.filter(year=year - 1).first()
    prev_rules = R.Rules.of(prev_set) if prev_set else None
    saved = 0
    start = time.perf_counter()
    with transaction.atomic():
        for pid in sample:
            person = Person.objects.select_related("cadre").get(pk=pid)
            entries = list(CreditEntry.objects.filter(person=person, year=year, archived_at__isnull=True))
            outputs = [
                R.entry_output(category=e.category, days=e.days, hours=e.hours, minutes=e.minutes,
                               hours_taught=e.hours_taught, level=e.level, items=e.items, rules=rules)
                for e in entries
            ]  # fmt: skip
            capped = R.apply_caps([(e.category, e.date, e.pk, o.credits_raw) for e, o in zip(entries, outputs, strict=False)],
                                  rules)  # fmt: skip
            rows = []
            for entry, out, credits in zip(entries, outputs, capped, strict=True):
                new = {"credited_hours": out.credited_hours, "online_hours": out.online_hours,
                       "full_time_days": out.full_time_days, "credits_raw": out.credits_raw, "credits": credits,
                       "required": out.required, "rule_set_id": rule_set.pk}  # fmt: skip
                changed = [k for k, v in new.items() if getattr(entry, k) != v]
                if changed:
                    for k in changed:
                        setattr(entry, k, new[k])
                    entry.save(update_fields=changed)
                    saved += 1
                rows.append({"date": entry.date, **new})
            prev = CreditYear.objects.filter(person=person, year=year - 1).first()
            result = R.year_result(rank=person.cadre.rank, rank_since=person.cadre.rank_since, entries=rows,
                                   rules=rules, prev=prev, prev_rules=prev_rules)  # fmt: skip
            CreditYear.objects.update_or_create(person=person, year=year, defaults=dataclasses.asdict(result))
    return time.perf_counter() - start, saved


def snapshot(year: int, sample: list[int]) -> tuple[dict, dict]:
    entries = {
        row[0]: tuple(Decimal(v) if isinstance(v, Decimal | float) else v for v in row[1:])
        for row in CreditEntry.objects.filter(year=year, person_id__in=sample).values_list(
            "id", *ENTRY_OUTPUTS
        )
    }
    summaries = {
        row[0]: row[1:]
        for row in CreditYear.objects.filter(year=year, person_id__in=sample).values_list(
            "person_id", *SUMMARY_FIELDS
        )
    }
    return entries, summaries


def differences(a: tuple[dict, dict], b: tuple[dict, dict]) -> list[str]:
    out = []
    for label, x, y in (("entry", a[0], b[0]), ("summary", a[1], b[1])):
        if x.keys() != y.keys():
            out.append(f"{label} rows differ: {len(x):,} vs {len(y):,}")
        for key in sorted(x.keys() & y.keys()):
            if x[key] != y[key]:
                out.append(f"{label} {key}: {x[key]} vs {y[key]}")
    return out


def explain(year: int) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of recompute's two statements, each rolled back."""
    rule_set, rules = ledger.rules_for(year)
    prev_set = CreditRuleSet.objects.filter(year=year - 1).first()
    prev_rules = R.Rules.of(prev_set) if prev_set else None
    for label, (statement, params) in (
        ("entries: UPDATE … FROM", ledger.entries_sql(year, rules, rule_set.pk)),
        ("summaries: INSERT … SELECT (after the year's DELETE)", ledger.summary_sql(year, rules, prev_rules)),
    ):
        print(f"\n--- EXPLAIN (ANALYZE, BUFFERS) {label} (rolled back):", flush=True)
        with transaction.atomic():
            if label.startswith("summaries"):
                sql(f"DELETE FROM {q(CreditYear)} WHERE year = %s", [year])  # noqa: S608
            for line in sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, ledger._params(params)):
                print("    " + line[0])
            transaction.set_rollback(True)


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=40, help="entries per cadre in the year")
    parser.add_argument(
        "--members", type=int, default=None, help="people in the district (default 1.25 × cadres)"
    )
    parser.add_argument("--year", type=int, default=None, help="default: last year")
    parser.add_argument("--loop-sample", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
    parser.add_argument("--rebuild", action="store_true", help="flush the database and build again")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    year = args.year or timezone.localdate().year - 1
    members = args.members or max(1000, round(args.cadres * 1.25))
    log = lambda line: print(line, flush=True)  # noqa: E731
    if connection.vendor != "postgresql":
        raise SystemExit(
            "PostgreSQL only: DATABASE_URL=postgres://postgres@127.0.0.1:5432/zg_bench_training …"
        )

    log(f"Zugong 累计学分制 recompute benchmark — {dt.datetime.now():%Y-%m-%d %H:%M}")
    log(f"machine: {machine(PG_SETTINGS)}")
    log("load average at start: {:.2f} {:.2f} {:.2f} (other work on the machine skews the figures)".format(
        *os.getloadavg()))  # fmt: skip
    call_command("migrate", verbosity=0)
    build_start = time.perf_counter()
    if args.rebuild:
        call_command("flush", interactive=False, verbosity=0)
    if not demo.root_exists():
        counts = demo.build(members=members, seed=args.seed, log=lambda line: log("  " + line))
        log(f"  district: {counts['people']:,} people, {counts['orgs']:,} organizations, {counts['units']:,} units, "
            f"{counts['cadres']:,} 区管干部 of the demo, in {counts['seconds']} s")  # fmt: skip
    promote_cadres(args.cadres, year, log)
    seed_year(year, args.entries, log)
    build_s = time.perf_counter() - build_start
    ids = cadre_ids()
    entries = CreditEntry.objects.filter(year=year, archived_at__isnull=True).count()
    county = CadreRecord.objects.filter(is_district_managed=True, rank__in=R.COUNTY_RANKS).count()
    log(f"build: {build_s:.1f} s — {len(ids):,} 区管干部 ({county / max(len(ids), 1):.1%} 县处级), "
        f"{entries:,} entries of {year} ({entries / max(len(ids), 1):.1f} a cadre)")  # fmt: skip

    # 1. The ledger as it stood, under the default rules.
    set_rules(year, new=False)
    start = time.perf_counter()
    base = ledger.recompute(year)
    vacuum(CreditEntry, CreditYear)
    log(f"ledger under the default rules (untimed setup): {base['entries_updated']:,} entries written, "
        f"{base['summaries']:,} summaries, {time.perf_counter() - start:.1f} s with VACUUM (ANALYZE)")  # fmt: skip

    # 2.–3. The rule change, then (a) the set-based recompute.
    set_rules(year, new=True)
    if args.explain and connection.vendor == "postgresql":
        explain(year)
    set_s, result = run_set_based(year)
    log(f"(a) ledger.recompute({year}), set-based            : {set_s:8.2f} s  "
        f"{result['entries_updated']:,} entries updated, {result['summaries']:,} summaries")  # fmt: skip
    step = max(1, len(ids) // max(args.loop_sample, 1))
    sample = ids[::step][: args.loop_sample]
    expected = snapshot(year, sample)

    # 4. The sample back to the old rules (a partial set-based run), then (b) the loop under the new ones.
    set_rules(year, new=False)
    ledger.recompute(year, person_ids=sample)
    set_rules(year, new=True)
    loop_s, saved = run_loop(year, sample)
    scaled = loop_s * len(ids) / max(len(sample), 1)
    log(f"(b) per-cadre ORM loop, {len(sample):,} cadres (every {step}th): {loop_s:8.2f} s  {saved:,} entries saved; "
        f"SCALED LINEARLY to {len(ids):,} cadres: ~{scaled:,.0f} s "
        f"({loop_s / max(len(sample), 1) * 1000:.1f} ms a cadre)")  # fmt: skip

    # 5. Equality.
    diff = differences(expected, snapshot(year, sample))
    log(f"identical: {'yes' if not diff else 'NO'} ({len(expected[0]):,} entries and {len(expected[1]):,} "
        f"summaries of the sample, (a) vs (b), field by field)")  # fmt: skip
    for line in diff[:20]:
        log("    " + line)

    ratio = scaled / set_s
    log("")
    log("| case | wall (s) | rows | note |")
    log("|---|---|---|---|")
    log(
        f"| (a) `ledger.recompute` (set-based) | **{set_s:.2f}** | {result['entries_updated']:,} entries, "
        f"{result['summaries']:,} summaries | every cadre, one UPDATE … FROM + DELETE + one INSERT … SELECT |"
    )
    log(
        f"| (b) per-cadre ORM loop | {loop_s:.1f} | {saved:,} entries, {len(sample):,} summaries | "
        f"{len(sample):,}-cadre sample, scaled linearly to {len(ids):,}: ~{scaled:,.0f} s |"
    )
    log("")
    log(
        f"targets: ≥ 20× the loop: {'yes' if ratio >= 20 else 'NO'} (×{ratio:,.1f}); "
        f"≤ 60 s: {'yes' if set_s <= 60 else 'NO'} ({set_s:.2f} s); identical: {'yes' if not diff else 'NO'}"
    )
    log("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
