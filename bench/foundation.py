"""Foundation benchmark: the scope check and the organization tree at scale, each hot path beside the naive way.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zugong_bench .venv/bin/python bench/foundation.py --members 1000000

Sets Django up, migrates, builds the demo district if the database has none (or ``--rebuild``), then prints
(i) the build time; (ii) median and p95 server time of
  (a) the person list's first page with its total, for the 组织部管理员 (whole district),
  (b) the same for a 党支部书记,
  (c) a 党工委's organization page with its subtree counts,
each as the selectors' queries and, once the pages exist, as the whole request (django.test.Client,
middleware + view + template), beside the same answer computed the naive way (descendants collected level by
level with one query per level, then ``org_id IN (…)``; per-child counts one child at a time). On PostgreSQL
it also prints EXPLAIN ANALYZE of the queries behind (a)–(c).
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zugong.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from zugong.accounts.models import RoleGrant, User  # noqa: E402
from zugong.core import demo  # noqa: E402
from zugong.orgs import selectors as org_selectors  # noqa: E402
from zugong.orgs.models import Organization, OrgStatus  # noqa: E402
from zugong.people.choices import MembershipStatus  # noqa: E402
from zugong.people.filters import PersonFilter  # noqa: E402
from zugong.people.models import Person  # noqa: E402

PAGE_SIZE = 50
ROW_RELATED = ("org", "unit", "membership", "cadre")  # what the list page reads per row


# ------------------------------------------------------------------ timing


def timed(fn, reps: int, warmup: int = 3) -> tuple[list[float], object]:
    result = None
    for _ in range(warmup):
        result = fn()
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, result


def median(samples):
    return statistics.median(samples)


def p95(samples):
    return statistics.quantiles(samples, n=20, method="inclusive")[18] if len(samples) > 1 else samples[0]


def fresh(user: User) -> User:
    """The user as a new request sees it: no cached grants."""
    user.__dict__.pop("_zugong_grants", None)
    return user


# ------------------------------------------------------------------ (a), (b): the person list


def list_request(user):
    request = RequestFactory().get("/people/")
    request.user = fresh(user)
    return request


def person_page_fast(user):
    """The list's first page and total, through restrict() and the list's filter set."""
    try:
        from zugong.people.selectors import person_filter

        qs = person_filter(list_request(user)).qs
    except ImportError:  # before the page's selectors exist
        qs = PersonFilter({}, queryset=Person.objects.restrict(fresh(user)).select_related(*ROW_RELATED)).qs
    page = Paginator(qs, PAGE_SIZE).get_page(1)
    return page.paginator.count, [p.pk for p in page.object_list]


def descendant_ids(org_ids: list[int]) -> list[int]:
    """Naive: the subtree collected level by level, one query per level."""
    found, frontier = list(org_ids), list(org_ids)
    while frontier:
        frontier = list(Organization.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        found += frontier
    return found


def person_page_naive(user):
    grants = RoleGrant.objects.filter(user=user, role__in=("org_admin", "secretary", "org_committee"))
    ids = descendant_ids(list(grants.values_list("organization_id", flat=True)))
    qs = (
        Person.objects.filter(org_id__in=ids, archived_at__isnull=True)
        .select_related(*ROW_RELATED)
        .order_by("name_stroke_key", "id")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(1)
    return page.paginator.count, [p.pk for p in page.object_list]


# ------------------------------------------------------------------ (c): the organization page


def org_page_fast(user, org):
    counts = org_selectors.subtree_counts(org)
    children = org_selectors.children_with_counts(fresh(user), org)
    return (
        counts["org_total"],
        counts["people"],
        [(c.pk, c.member_count) for c in children],
    )


def org_page_naive(user, org):
    ids = descendant_ids([org.pk])
    orgs = Organization.objects.filter(pk__in=ids, status=OrgStatus.ACTIVE).exclude(pk=org.pk)
    org_total = orgs.count()
    people = Person.objects.filter(org_id__in=ids, archived_at__isnull=True).aggregate(
        total=Count("id"),
        full=Count("id", filter=Q(membership__status=MembershipStatus.FULL)),
        probationary=Count("id", filter=Q(membership__status=MembershipStatus.PROBATIONARY)),
        cadres=Count("id", filter=Q(cadre__is_district_managed=True)),
    )
    children = []
    for child in Organization.objects.filter(parent=org).order_by("status", "sort_order", "code"):
        n = Person.objects.filter(org_id__in=descendant_ids([child.pk]), archived_at__isnull=True).count()
        children.append((child.pk, n))
    return org_total, people, children


# ------------------------------------------------------------------ pages


def page_url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def page_timer(user, url):
    client = Client()
    client.force_login(user)

    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} → {response.status_code}")
        return len(response.content)

    return get


# ------------------------------------------------------------------ report


def explain(label: str, fn) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT ``fn`` runs; prints the plan of the slowest ones."""
    if connection.vendor != "postgresql":
        return
    with CaptureQueriesContext(connection) as ctx:
        fn()
    print(f"\n--- EXPLAIN ANALYZE: {label} ({len(ctx.captured_queries)} queries)")
    plans = []
    with connection.cursor() as cursor:
        for q in ctx.captured_queries:
            sql = q["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            lines = [r[0] for r in cursor.fetchall()]
            ms = next(
                (float(x.split(":")[1].split()[0]) for x in lines if x.startswith("Execution Time")), 0.0
            )
            plans.append((ms, sql, lines))
    for ms, sql, lines in sorted(plans, key=lambda p: -p[0])[:3]:
        print(f"[{ms:.1f} ms] {sql[:300]}{'…' if len(sql) > 300 else ''}")
        for line in lines:
            print("    " + line)
    reset_queries()


def check_pattern_index(branch_path: str) -> None:
    if connection.vendor != "postgresql":
        return
    plan = Person.objects.filter(org_path__startswith=branch_path).explain()
    print("\n--- Person.objects.filter(org_path__startswith=<branch path>) on PostgreSQL:")
    print("    " + plan.replace("\n", "\n    "))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'people_person' AND indexdef LIKE %s",
            ["%pattern_ops%"],
        )
        for name, definition in cursor.fetchall():
            used = "USED" if name in plan else "not used"
            print(f"    {used}: {definition}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
    parser.add_argument("--rebuild", action="store_true", help="flush the database and build again")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--naive-reps", type=int, default=5)
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument(
        "--pg-set",
        default="",
        help="PostgreSQL settings for every connection of this run, e.g. 'jit=off,random_page_cost=1.1'",
    )
    args = parser.parse_args()
    if args.pg_set and connection.vendor == "postgresql":
        settings = [item.split("=", 1) for item in args.pg_set.split(",") if item.strip()]

        def apply_settings(sender, connection, **kwargs):
            with connection.cursor() as cursor:
                for name, value in settings:
                    cursor.execute("SELECT set_config(%s, %s, false)", [name.strip(), value.strip()])

        connection_created.connect(apply_settings)
        connection.close()  # the next query opens a connection with the settings

    print(f"Zugong foundation benchmark — {dt.datetime.now():%Y-%m-%d %H:%M}")
    print(f"machine: {machine(())}")
    print(
        "load average at start: {:.2f} {:.2f} {:.2f} (other work on the machine skews the figures)".format(
            *os.getloadavg()
        )
    )
    if args.pg_set:
        print(f"session settings: {args.pg_set}")
    call_command("migrate", verbosity=0)
    if args.rebuild or not demo.root_exists():
        if args.rebuild:
            call_command("flush", interactive=False, verbosity=0)
        counts = demo.build(
            members=args.members, seed=args.seed, log=lambda line: print("  " + line, flush=True)
        )
        print(
            f"(i) build: {counts['seconds']} s for {counts['people']:,} people, {counts['orgs']:,} organizations, "
            f"{counts['memberships']:,} memberships, {counts['cadres']:,} cadres "
            f"({'COPY' if connection.vendor == 'postgresql' else 'bulk_create'})"
        )
    else:
        print(f"(i) build: skipped, data present ({Person.objects.count():,} people); --rebuild to time it")

    users = {u.username: u for u in User.objects.filter(username__in=["zzb_admin", "zb_shuji", "dgw_shuji"])}
    admin, branch_secretary, committee_secretary = users["zzb_admin"], users["zb_shuji"], users["dgw_shuji"]
    committee = RoleGrant.objects.get(user=committee_secretary).organization
    branch = RoleGrant.objects.get(user=branch_secretary).organization
    print(
        f"subjects: {Organization.objects.count():,} organizations; 党工委 “{committee.name}” "
        f"(subtree {Organization.objects.filter(path__startswith=committee.path).count():,} organizations, "
        f"{Person.objects.filter(org_path__startswith=committee.path).count():,} people); "
        f"branch “{branch.name}” ({Person.objects.filter(org=branch).count()} people)"
    )

    cases = [
        ("(a) person list p.1 + count, 组织部管理员", lambda: person_page_fast(admin), lambda: person_page_naive(admin),
         "people:list", (), admin),
        ("(b) person list p.1 + count, 党支部书记", lambda: person_page_fast(branch_secretary),
         lambda: person_page_naive(branch_secretary), "people:list", (), branch_secretary),
        ("(c) 党工委 page: subtree counts + children", lambda: org_page_fast(committee_secretary, committee),
         lambda: org_page_naive(committee_secretary, committee), "orgs:detail", (committee.pk,),
         committee_secretary),
        ("(d) person list p.1 + count, 党工委书记 (extra)", lambda: person_page_fast(committee_secretary),
         lambda: person_page_naive(committee_secretary), "people:list", (), committee_secretary),
    ]  # fmt: skip
    rows = []
    for label, fast, naive, url_name, url_args, user in cases:
        fast_ms, fast_result = timed(fast, args.reps)
        naive_ms, naive_result = timed(naive, args.naive_reps, warmup=1)
        same = "same answer" if fast_result == naive_result else f"DIFFERENT: {fast_result} vs {naive_result}"
        url = page_url(url_name, *url_args)
        page = None
        if url:
            try:
                page, _ = timed(page_timer(user, url), args.reps)
            except Exception as exc:  # a page still being written must not stop the benchmark
                print(f"  page {url}: {type(exc).__name__}: {exc}")
        rows.append((label, fast_ms, naive_ms, page, url, same))
        print(
            f"{label}\n"
            f"    queries : median {median(fast_ms):7.1f} ms  p95 {p95(fast_ms):7.1f} ms\n"
            f"    naive   : median {median(naive_ms):7.1f} ms  p95 {p95(naive_ms):7.1f} ms"
            f"  → speed-up ×{median(naive_ms) / median(fast_ms):.1f} ({same})\n"
            + (
                f"    page    : median {median(page):7.1f} ms  p95 {p95(page):7.1f} ms  (GET {url}, whole request)"
                if page
                else f"    page    : not timed ({'no URL ' + url_name if not url else 'failed'})"
            ),
            flush=True,
        )

    print("\n| case | queries median / p95 (ms) | page median / p95 (ms) | naive median (ms) | speed-up |")
    print("|---|---|---|---|---|")
    for label, fast_ms, naive_ms, page, _url, _same in rows:
        page_text = f"{median(page):.1f} / {p95(page):.1f}" if page else "—"
        print(
            f"| {label} | {median(fast_ms):.1f} / {p95(fast_ms):.1f} | {page_text} | {median(naive_ms):.1f} "
            f"| ×{median(naive_ms) / median(fast_ms):.1f} |"
        )

    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if not args.no_explain:
        check_pattern_index(branch.path)
        explain(cases[0][0], cases[0][1])
        explain(cases[1][0], cases[1][1])
        explain(cases[2][0], cases[2][1])


if __name__ == "__main__":
    main()
