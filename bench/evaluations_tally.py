"""测评 tally benchmark: ``selectors.results`` (the results page's numbers) over 100,000 live ballots of a 30-item form
(3,000,000 answers) on PostgreSQL, beside the obvious Python loop over the answers in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zg_bench_tally .venv/bin/python bench/evaluations_tally.py
    #   (the database is created if it does not exist; the URL above is the default)
    #   --ballots 10000                a quick check (the default is 100,000)
    #   --repeat 5                     timed runs of results() after one warm-up
    #   --explain                      EXPLAIN (ANALYZE, BUFFERS) of the GROUP BY queries results() runs
    #   --rebuild                      flush the database and build again;  --drop   drop the database at the end

What it builds, once (a database that has the evaluation with its ballots is reused):
  - the organization and the org admin of ``core.testing.build_personas()``;
  - one live evaluation (``services.create_evaluation`` + ``go_live``): 5 cadres × 6 items — 德、能、勤、绩、廉
    (好/较好/一般/差) and 总体评价 (优秀/称职/基本称职/不称职), built with ``spec.check_spec`` = 30 answers a ballot;
    four voter classes with weights: 分管领导 ×4 (2 %), 班子成员 ×3 (8 %), 中层干部 ×2 (30 %), 干部职工代表 ×1 (60 %);
  - ``--ballots`` ballots with ``gen_random_uuid()`` keys, and 30 answers each, two INSERT … SELECT over
    generate_series; options drawn with random(), the last cadre worse (so that 诫勉 has a case), classes differing;
    then VACUUM (ANALYZE).

Then:
  (a) **timed**: ``selectors.results(evaluation)`` — voter classes, ballots by class, answers by subject/item/option/
      class (GROUP BY), ratings (GROUP BY), subjects, and the shares, weighted shares and flags in Python;
      one warm-up, then ``--repeat`` runs (median, min, max), and the time of each query of one run;
  (b) **timed**: the obvious alternative — every answer of the evaluation read with the ORM
      (``Answer.objects.filter(evaluation=…).select_related("ballot").iterator()``), test ballots skipped,
      counted in dicts by (subject, item, option) and class, and the ballots by class the same way;
  (c) the counts of (a) (by subject/item/option/class, the ballots by class) compared with (b)'s: "same: yes".
Target: (a) ≤ 2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from benchkit import ensure_database, machine

# The PostgreSQL settings the report names.
PG_SETTINGS = ("shared_buffers", "work_mem", "jit", "max_parallel_workers_per_gather", "random_page_cost")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zugong.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zg_bench_tally")


DB_NAME = ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from zugong.accounts.models import User  # noqa: E402
from zugong.core.testing import build_personas  # noqa: E402
from zugong.evaluations import selectors, services  # noqa: E402
from zugong.evaluations.models import Answer, Ballot, Evaluation, Subject, VoterClass  # noqa: E402
from zugong.evaluations.spec import check_spec  # noqa: E402
from zugong.orgs.models import Organization  # noqa: E402
from zugong.people.models import Person  # noqa: E402

TITLE = "2025年度干部民主测评 bench tally"
ITEMS = (("de", "德"), ("neng", "能"), ("qin", "勤"), ("ji", "绩"), ("lian", "廉"))
SPEC = check_spec({"sections": [
    {"title": "分项评价", "items": [{"key": k, "label": label, "kind": "grade", "scale": "team"} for k, label in ITEMS]},
    {"title": "总体评价", "items": [{"key": "overall", "label": "总体评价", "kind": "grade", "scale": "cadre"}]},
]})  # fmt: skip
# name, weight, share of the ballots (cumulative bound in %), how much worse this class grades (0…1)
CLASSES = (("分管领导", "4", 2, 0.0), ("班子成员", "3", 10, 0.05), ("中层干部", "2", 40, 0.1),
           ("干部职工代表", "1", 100, 0.15))  # fmt: skip


# ------------------------------------------------------------------ helpers


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall() if cursor.description else cursor.rowcount


def q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# ------------------------------------------------------------------ building the data


def the_evaluation(log) -> Evaluation:
    """The bench's live evaluation (made once, with the personas if the database has none)."""
    e = Evaluation.objects.filter(title=TITLE).first()
    if e is not None:
        return e
    if not User.objects.filter(username="org_admin").exists():
        build_personas()
    actor = User.objects.get(username="org_admin")
    people = list(Person.objects.filter(archived_at__isnull=True).order_by("id")[:5])
    now = timezone.now()
    e = services.create_evaluation(
        actor=actor, org=Organization.objects.get(code="T00"), title=TITLE, kind="cadre", spec=SPEC,
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=30),
        subjects=[{"kind": "person", "label": p.name, "person": p} for p in people],
        voter_classes=[{"name": n, "weight": w, "expected": 0} for n, w, _, _ in CLASSES],
    )  # fmt: skip
    services.go_live(actor=actor, evaluation=e)
    log(f"  evaluation “{TITLE}” made (live), {len(people)} subjects × {len(ITEMS) + 1} items")
    return e


def build(e: Evaluation, ballots: int, log) -> None:
    """``ballots`` ballots and their 30 answers each, set-based (once)."""
    have = Ballot.objects.filter(evaluation=e).count()
    if have == ballots:
        log(f"  ballots: present ({have:,}, {Answer.objects.filter(evaluation=e).count():,} answers)")
        return
    if have:
        raise SystemExit(
            f"the database holds {have:,} ballots of the evaluation, not {ballots:,}: use --rebuild"
        )
    classes = list(VoterClass.objects.filter(evaluation=e).order_by("position").values_list("pk", flat=True))
    by_share = " ".join(f"WHEN g.n %% 100 < {bound} THEN {pk}" for pk, (_, _, bound, _) in zip(classes, CLASSES,
                                                                                                 strict=True))  # fmt: skip
    worse = " ".join(f"WHEN {pk} THEN {w}" for pk, (_, _, _, w) in zip(classes, CLASSES, strict=True))
    subjects = list(Subject.objects.filter(evaluation=e).order_by("position").values_list("pk", flat=True))
    bias = ", ".join(
        f"({pk}, {0.6 if n == len(subjects) - 1 else 0.05 * n})" for n, pk in enumerate(subjects)
    )
    items = ", ".join(f"('{k}', 'team')" for k, _ in ITEMS) + ", ('overall', 'cadre')"
    r = "LEAST(0.9999, t.r * (1 - t.worse) + t.worse)"
    option = ("CASE WHEN t.scale = 'team' THEN (ARRAY['good', 'fairly_good', 'fair', 'poor'])[x.k] "
              "ELSE (ARRAY['excellent', 'competent', 'basic', 'incompetent'])[x.k] END")  # fmt: skip
    start = time.perf_counter()
    with transaction.atomic():
        sql(f"""INSERT INTO {q(Ballot)} (id, evaluation_id, voter_class_id, cast_on, is_test)
                SELECT gen_random_uuid(), %s, CASE {by_share} END, CURRENT_DATE, FALSE
                FROM generate_series(0, %s - 1) g(n)""", [e.pk, ballots])  # noqa: S608  # fmt: skip
        written = sql(
            f"""INSERT INTO {q(Answer)} (id, ballot_id, evaluation_id, subject_id, item, option, number, text)
                SELECT gen_random_uuid(), t.ballot, %s, t.subject, t.item, {option}, NULL, ''
                FROM (SELECT b.id AS ballot, s.id AS subject, i.key AS item, i.scale,
                             s.bias + CASE b.voter_class_id {worse} END AS worse, random() AS r
                      FROM {q(Ballot)} b CROSS JOIN (VALUES {bias}) s(id, bias)
                      CROSS JOIN (VALUES {items}) i(key, scale)
                      WHERE b.evaluation_id = %s OFFSET 0) t
                CROSS JOIN LATERAL (SELECT CASE WHEN {r} < 0.5 THEN 1 WHEN {r} < 0.85 THEN 2
                                                WHEN {r} < 0.97 THEN 3 ELSE 4 END AS k) x""",  # noqa: S608
            [e.pk, e.pk],
        )
    built = time.perf_counter() - start
    for model in (Ballot, Answer):
        sql(f"VACUUM (ANALYZE) {q(model)}")
    log(f"  {ballots:,} ballots and {written:,} answers written in {built:.1f} s (INSERT … SELECT), "
        f"VACUUM (ANALYZE) {time.perf_counter() - start - built:.1f} s")  # fmt: skip


# ------------------------------------------------------------------ the two ways


def page_counts(data: dict) -> tuple[dict, dict]:
    """(subject, item, option) → {class: count} and class → ballots, as the page shows them."""
    counts = {}
    for row in data["subjects"]:
        for item in row["items"]:
            for option in item["options"]:
                by = {c: v["count"] for c, v in option["by_class"].items() if v["count"]}
                if by:
                    counts[(row["subject"].pk, item["key"], option["value"])] = by
    return counts, {t["voter_class"].pk: t["ballots"] for t in data["turnout"] if t["ballots"]}


def python_loop(e: Evaluation) -> tuple[dict, dict, int]:
    """The obvious way: every answer with its ballot through the ORM, counted in dicts."""
    counts: dict = defaultdict(lambda: defaultdict(int))
    ballots: dict = defaultdict(int)
    n = 0
    for a in Answer.objects.filter(evaluation=e).select_related("ballot").iterator(chunk_size=5000):
        n += 1
        if a.ballot.is_test or not a.option:
            continue
        counts[(a.subject_id, a.item, a.option)][a.ballot.voter_class_id] += 1
    for b in Ballot.objects.filter(evaluation=e, is_test=False).iterator(chunk_size=5000):
        ballots[b.voter_class_id] += 1
    return {k: dict(v) for k, v in counts.items()}, dict(ballots), n


def explain(e: Evaluation) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the GROUP BY queries of one results() run, as it sent them."""
    with CaptureQueriesContext(connection) as captured:
        selectors.results(e)
    for query in captured.captured_queries:
        if "GROUP BY" not in query["sql"]:
            continue
        print(f"\n--- EXPLAIN (ANALYZE, BUFFERS) {query['sql'][:160]}…", flush=True)
        for line in sql("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"]):
            print("    " + line[0])


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--rebuild", action="store_true", help="flush the database and build again")
    parser.add_argument("--drop", action="store_true", help="drop the scratch database at the end")
    args = parser.parse_args()
    log = lambda line: print(line, flush=True)  # noqa: E731

    log(f"Zugong 测评 tally benchmark — {dt.datetime.now():%Y-%m-%d %H:%M}")
    log(f"machine: {machine(PG_SETTINGS)}")
    log("load average at start: {:.2f} {:.2f} {:.2f} (other work on the machine skews the figures)".format(
        *os.getloadavg()))  # fmt: skip
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    if args.rebuild:
        call_command("flush", interactive=False, verbosity=0)
    e = the_evaluation(log)
    build(e, args.ballots, log)
    answers = Answer.objects.filter(evaluation=e).count()
    size = sql(f"SELECT pg_size_pretty(pg_total_relation_size('{q(Answer)}'))")[0][0]  # noqa: S608
    log(f"build: {time.perf_counter() - start:.1f} s — {args.ballots:,} ballots, {answers:,} answers "
        f"(answer table with its indexes: {size})")  # fmt: skip
    if args.explain:
        explain(e)

    # (a) selectors.results: one warm-up, then the timed runs; the queries of one run apart.
    data = selectors.results(e)
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        data = selectors.results(e)
        times.append(time.perf_counter() - t)
    with CaptureQueriesContext(connection) as captured:
        selectors.results(e)
    names = (
        "voter classes",
        "ballots by class",
        "answers by subject/item/option/class",
        "rating sums",
        "subjects",
    )
    parts = [f"{name} {float(x['time']) * 1000:.0f} ms" for name, x in zip(names, captured.captured_queries,
                                                                        strict=False)]  # fmt: skip
    median = statistics.median(times)
    log(f"(a) selectors.results(): median {median:.3f} s, min {min(times):.3f}, max {max(times):.3f} "
        f"({args.repeat} runs after a warm-up); {len(captured.captured_queries)} queries: {', '.join(parts)}")  # fmt: skip
    flagged = [row["subject"].label for row in data["subjects"] for i in row["items"] if i.get("admonish")]
    log(f"    {data['ballots']:,} ballots counted; 诫勉 flagged for: {', '.join(flagged) or 'nobody'}")

    # (b) the Python loop.
    t = time.perf_counter()
    loop_counts, loop_ballots, read = python_loop(e)
    loop_s = time.perf_counter() - t
    log(
        f"(b) Python loop over the answers (ORM, select_related, iterator): {loop_s:.1f} s, {read:,} answers read"
    )

    # (c) the same counts.
    counts, ballots = page_counts(data)
    same = counts == loop_counts and ballots == loop_ballots and sum(ballots.values()) == args.ballots
    log(f"same: {'yes' if same else 'NO'} ({len(counts)} subject/item/option cells × classes, "
        f"{sum(ballots.values()):,} ballots in {len(ballots)} classes, (a) vs (b))")  # fmt: skip

    log("")
    log("| case | wall (s) | rows | note |")
    log("|---|---|---|---|")
    log(f"| (a) `selectors.results` | **{median:.3f}** (min {min(times):.3f}, max {max(times):.3f}) | "
        f"{answers:,} answers, {args.ballots:,} ballots | median of {args.repeat} runs; {', '.join(parts)} |")  # fmt: skip
    log(f"| (b) Python loop, ORM `.iterator()` | {loop_s:.1f} | {read:,} answers, {args.ballots:,} ballots | "
        f"every answer with its ballot (select_related), counted in dicts |")  # fmt: skip
    log("")
    log(f"targets: ≤ 2 s: {'yes' if median <= 2 else 'NO'} ({median:.3f} s median, {max(times):.3f} s max); "
        f"×{loop_s / median:,.0f} the loop; same counts: {'yes' if same else 'NO'}")  # fmt: skip
    log("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if args.drop:
        connection.close()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)
        log(f"dropped the database {DB_NAME}")


if __name__ == "__main__":
    main()
