"""学习日 sign-in benchmark: 1,000 members sign in to one session with the code on the room's screen, through the
served app (gunicorn on loopback, PostgreSQL), concurrent clients; beside the obvious alternatives in the same
run (the same write path without the row lock; the sign-ins one after another in-process).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zg_bench_signin .venv/bin/python bench/studyday_signin.py
    #   (the URL above is the default; the database is created, and dropped at the end unless --keep)
    #   --members 1000     members of the branch, each with an account and an API token
    #   --window 60        seconds over which run (2)'s members arrive
    #   --burst 1000       clients in flight at most in run (1) (1000: every member at the same instant)
    #   --concurrency 100  clients in flight at most in run (2)
    #   --double 100       members who send their sign-in twice at the same instant in run (3)
    #   --workers 4 --threads 4   gunicorn gthread workers and threads each
    #   --keep             keep the scratch database (a second run reuses the members)

What it builds, once, set-based (``bulk_create``): the personas of ``core.testing.build_personas()`` (the district
and its org_admin), a branch 签到测试党支部 with ``--members`` 正式党员, one account each (no usable password,
``person`` set, a 党员 role grant) and one DRF token each. Each run has its own new 学习日 session of the branch
(``services.create_session``: every member expected), started a minute ago, open for two hours.

A member's phone: one keep-alive connection, reads the code as the screen shows it (``signin.current_code``, the
same HMAC the server checks; it changes every 30 s), POSTs ``{"code": …}`` to the member API's sign-in action
``/api/studyday/my/sessions/<session>/signin/`` (``api-studyday-my-session-signin``) with ``Authorization: Token
…``, and reads ``signed`` (true: this call signed in; false: signed already). Runs:
  (1) burst: all members at once (``--burst`` in flight, every arrival due at t = 0);
  (2) paced: arrivals evenly over ``--window`` seconds, at most ``--concurrency`` in flight;
  (3) double: ``--double`` members each POST twice at the same instant on two connections (a barrier), all at
      once: one answer must be ``signed: true`` and the other ``signed: false``;
  alternatives, in-process (no HTTP; threads each with their own database connection):
  (4) the same double sign-ins through a naive get-then-save copy of ``sign_in`` without ``select_for_update``
      (what the row lock prevents), and through the real ``sign_in``;
  (5) all members one after another through ``services_attendance.sign_in`` (one connection: the write path's
      cost alone, and what a serial queue would give).
After each: lost = members who sent a sign-in but are not signed; counted twice = sign-in audit rows beyond one
per signed member, plus "signed: true" answers beyond one per member. Targets: (1) 1,000 sign-ins within 60 s;
0 lost and 0 counted twice in (1)–(3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchkit import ensure_database, machine, ms

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zugong.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zg_bench_signin")


DB_NAME = ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from zugong.accounts.models import RoleGrant, User  # noqa: E402
from zugong.core import audit, idnumber  # noqa: E402
from zugong.core.models import AuditEvent  # noqa: E402
from zugong.core.roles import Role  # noqa: E402
from zugong.core.strokes import name_key  # noqa: E402
from zugong.core.testing import build_personas  # noqa: E402
from zugong.orgs.models import Organization, OrgType  # noqa: E402
from zugong.people.models import Membership, Person  # noqa: E402
from zugong.studyday import services, signin  # noqa: E402
from zugong.studyday.models import Attendance, Session  # noqa: E402
from zugong.studyday.services_attendance import SignInRefused, sign_in, status_at  # noqa: E402

BRANCH_CODE = "TB900"
SIGNED = (Attendance.Status.PRESENT, Attendance.Status.LATE)


# ------------------------------------------------------------------ machine


# ------------------------------------------------------------------ the branch and its members


def build_members(count: int, log) -> tuple[User, Organization, list[tuple[int, str]]]:
    """The org admin, the branch and its members' (person id, token), built set-based once."""
    if not User.objects.filter(username="org_admin").exists():
        build_personas()
    actor = User.objects.get(username="org_admin")
    branch = Organization.objects.filter(code=BRANCH_CODE).first()
    if branch is None:
        start = time.perf_counter()
        district = Organization.objects.get(code="T00")
        branch = Organization.objects.create(
            parent=district, org_type=OrgType.BRANCH, code=BRANCH_CODE, name="签到测试党支部",
            short_name="签到测试", depth=district.depth + 1, founded_on=dt.date(2000, 7, 1),
        )  # fmt: skip
        branch.path = district.path + branch.segment()
        branch.save(update_fields=["path"])
        people = []
        for i in range(count):
            birth = dt.date(1960, 1, 1) + dt.timedelta(days=i)
            p = Person(name=f"党员{i:04d}", org=branch, org_path=branch.path, birth_date=birth, sex="M",
                       party_status="full")  # fmt: skip
            p.name_stroke_key = name_key(p.name)
            p.set_id_number(idnumber.make("110105", birth, 7))
            people.append(p)
        people = Person.objects.bulk_create(people, batch_size=1000)
        Membership.objects.bulk_create(
            Membership(person=p, status="full", join_date=dt.date(2005, 7, 1), confirmation_date=dt.date(2006, 7, 1))
            for p in people
        )  # fmt: skip
        users = User.objects.bulk_create(
            User(username=f"signin{i:04d}", password="!bench", display_name=p.name, person=p)
            for i, p in enumerate(people)
        )  # fmt: skip
        RoleGrant.objects.bulk_create(RoleGrant(user=u, role=Role.MEMBER, organization=branch) for u in users)
        Token.objects.bulk_create(Token(key=secrets.token_hex(20), user=u) for u in users)
        log(f"build: {count:,} members, accounts, grants and tokens in {time.perf_counter() - start:.1f} s")
    rows = list(
        Token.objects.filter(user__person__org=branch)
        .order_by("user__person_id")
        .values_list("user__person_id", "key")
    )
    return actor, branch, rows[:count]


def new_session(actor, branch, label: str) -> Session:
    now = timezone.now()
    return services.create_session(
        actor=actor, org=branch, kind="study_day",
        data={"title": f"学习日签到压测 {label} {now:%H%M%S}", "starts_at": now - dt.timedelta(minutes=1),
              "ends_at": now + dt.timedelta(hours=2), "late_after": 30, "signin_before": 30},
    )  # fmt: skip


def check(session: Session, persons: list[int], trues: int) -> dict:
    """Lost (sent but not signed), counted twice (audit rows or "signed: true" answers beyond one a member)."""
    rows = dict(Attendance.objects.filter(session=session, person_id__in=persons).values_list("pk", "status"))
    signed = sum(1 for status in rows.values() if status in SIGNED)
    audits = Counter(
        AuditEvent.objects.filter(
            object_type="studyday.attendance", kind="update", object_id__in=[str(pk) for pk in rows]
        ).values_list("object_id", flat=True)
    )
    twice = sum(n - 1 for n in audits.values() if n > 1)
    return {"signed": signed, "lost": len(persons) - signed, "audit": sum(audits.values()),
            "twice": max(twice, trues - len(persons)), "trues": trues,
            "no_audit": signed - len(audits)}  # fmt: skip


# ------------------------------------------------------------------ the server and the clients


def start_server(workers: int, threads: int) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {"ZUGONG_DEBUG": "0", "DATABASE_URL": os.environ["DATABASE_URL"]}
    log = open("/tmp/zg_bench_signin_gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "zugong.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread",
         "-w", str(workers), "--threads", str(threads), "--backlog", "2048", "--timeout", "120",
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/")
            if conn.getresponse().status in (200, 401, 403):
                return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not answer; see /tmp/zg_bench_signin_gunicorn.log")


def server_cpu(master: int) -> float:
    """CPU seconds (user + system) of gunicorn's master and workers so far."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(master) or fields[1] == str(master):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Phone:
    """One member's phone: the token, whether it sends twice at once, and what it measured."""

    def __init__(self, port: int, session_pk: int, person_pk: int, token: str, double: bool = False):
        self.port, self.session_pk, self.person_pk, self.token, self.double = (
            port,
            session_pk,
            person_pk,
            token,
            double,
        )
        self.url = reverse("api-studyday-my-session-signin", args=[session_pk])
        self.times, self.statuses, self.signed = [], [], []

    def _post(self, conn, barrier=None):
        code = signin.current_code(self.session_pk)[0]  # read off the screen
        body = json.dumps({"code": code})
        headers = {"Content-Type": "application/json", "Authorization": f"Token {self.token}"}
        if barrier is not None:
            barrier.wait()
        start = time.perf_counter()
        try:
            conn.request("POST", self.url, body, headers)
            r = conn.getresponse()
            data = r.read()
            self.times.append(time.perf_counter() - start)
            self.statuses.append(r.status)
            if r.status == 200:
                self.signed.append(json.loads(data)["signed"])
        except (OSError, http.client.HTTPException) as error:
            self.statuses.append(type(error).__name__)

    def run(self) -> Phone:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            if self.double:  # the same sign-in sent twice at the same instant, on two connections
                barrier, other = (
                    threading.Barrier(2),
                    http.client.HTTPConnection("127.0.0.1", self.port, timeout=120),
                )
                twin = threading.Thread(target=self._post, args=(other, barrier))
                twin.start()
                self._post(conn, barrier)
                twin.join()
                other.close()
            else:
                self._post(conn)
        finally:
            conn.close()
        return self


def warm_up(port: int, tokens: list[str], requests: int) -> float:
    """Load every worker's code and connections before timing (GET the member's own sessions, in parallel)."""
    url = reverse("api-studyday-my-session-list")

    def get(token: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request("GET", url, headers={"Authorization": f"Token {token}"})
            conn.getresponse().read()
        finally:
            conn.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(get, [tokens[i % len(tokens)] for i in range(requests)]))
    return time.perf_counter() - start


def run_http(master: int, phones: list[Phone], window: float, concurrency: int) -> dict:
    """Phones arrive evenly over ``window`` seconds (0: all at once), at most ``concurrency`` in flight."""
    cpu0, server0, lags = resource.getrusage(resource.RUSAGE_SELF), server_cpu(master), []
    start = time.perf_counter()

    def arrive(phone: Phone, due: float) -> Phone:
        lags.append(time.perf_counter() - due)
        return phone.run()

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = []
        for n, phone in enumerate(phones):
            due = start + window * n / len(phones)
            time.sleep(max(0.0, due - time.perf_counter()))
            futures.append(pool.submit(arrive, phone, due))
        done = [f.result() for f in futures]
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    return {"wall": wall, "phones": done, "lag": max(lags), "server_cpu": server_cpu(master) - server0,
            "client_cpu": cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime}  # fmt: skip


# ------------------------------------------------------------------ the in-process alternatives


def naive_sign_in(*, actor, session_id: int, code, at: dt.datetime) -> tuple[Attendance, bool]:
    """``sign_in`` as one might first write it: read the row, check it, save it — no ``select_for_update``."""
    with transaction.atomic():
        session = Session.objects.get(pk=session_id)
        row = Attendance.objects.get(session_id=session_id, person_id=actor.person_id)
        if row.status in SIGNED:
            return row, False
        if not signin.code_matches(session.pk, code, at=at.timestamp()):
            raise SignInRefused("签到码不正确或已过期。")
        before = {"status": row.status, "signed_at": None, "method": row.method}
        row.status, row.signed_at, row.method = status_at(session, at), at, Attendance.Method.CODE
        row.save(update_fields=["status", "signed_at", "method", "updated_at"])
        audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=row, before=before,
                            after={"status": row.status, "signed_at": at.isoformat(), "method": row.method})  # fmt: skip
        return row, True


def run_double_inprocess(fn, session: Session, users: list[User], pairs_in_flight: int = 20) -> dict:
    """Each user's sign-in twice at the same instant (two threads, two connections, a barrier)."""
    answers, errors, times = [], [], []
    lock = threading.Lock()

    def one(user, barrier):
        try:
            code = signin.current_code(session.pk)[0]
            barrier.wait()
            start = time.perf_counter()
            _, new = fn(actor=user, session_id=session.pk, code=code, at=timezone.now())
            with lock:
                answers.append(new)
                times.append(time.perf_counter() - start)
        except Exception as error:  # noqa: BLE001 — counted and shown
            with lock:
                errors.append(type(error).__name__)
        finally:
            connections.close_all()

    def pair(user):
        barrier = threading.Barrier(2)
        twins = [threading.Thread(target=one, args=(user, barrier)) for _ in range(2)]
        for t in twins:
            t.start()
        for t in twins:
            t.join()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=pairs_in_flight) as pool:
        list(pool.map(pair, users))
    return {"wall": time.perf_counter() - start, "trues": sum(answers), "falses": answers.count(False),
            "errors": Counter(errors), "times": times}  # fmt: skip


def run_serial(session: Session, users: list[User]) -> dict:
    times, refused = [], 0
    start = time.perf_counter()
    for user in users:
        t = time.perf_counter()
        try:
            sign_in(actor=user, session_id=session.pk, code=signin.current_code(session.pk)[0])
        except SignInRefused:
            refused += 1
        times.append(time.perf_counter() - t)
    return {"wall": time.perf_counter() - start, "times": times, "refused": refused}


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--double", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    log = lambda line: print(line, flush=True)  # noqa: E731

    log(f"Zugong 学习日签到 benchmark — {dt.datetime.now():%Y-%m-%d %H:%M}")
    log(f"machine: {machine()}")
    log("load average at start: {:.2f} {:.2f} {:.2f} (other work on the machine skews the figures)".format(
        *os.getloadavg()))  # fmt: skip
    try:
        call_command("migrate", verbosity=0)
        actor, branch, members = build_members(args.members, log)
        server, port = start_server(args.workers, args.threads)
        log(f"server: gunicorn zugong.wsgi -k gthread -w {args.workers} --threads {args.threads} on 127.0.0.1:{port}; "
            f"clients: http.client threads, one connection a phone (two for a double), same machine")  # fmt: skip
        rows = []
        try:
            spent = warm_up(port, [token for _, token in members], 8 * args.workers * args.threads)
            log(
                f"warm-up: {8 * args.workers * args.threads} GETs of the member's sessions in {spent:.1f} s (not timed)"
            )
            plan = (("(1) burst", 0.0, args.burst, len(members), False),
                    ("(2) paced", args.window, args.concurrency, len(members), False),
                    ("(3) double", 0.0, args.double, args.double, True))  # fmt: skip
            for phase, window, in_flight, count, double in plan:
                session = new_session(actor, branch, phase[1])
                chosen = members[:count]
                phones = [Phone(port, session.pk, pk, token, double) for pk, token in chosen]
                how = f"over {window:.0f} s" if window else "all at once"
                log(f"{phase}: {count:,} members{' × 2 simultaneous POSTs' if double else ''}, {how}, "
                    f"≤ {in_flight} in flight…")  # fmt: skip
                result = run_http(server.pid, phones, window, in_flight)
                statuses = Counter(s for p in result["phones"] for s in p.statuses)
                times = [t for p in result["phones"] for t in p.times]
                trues = sum(1 for p in result["phones"] for s in p.signed if s)
                answers = Counter(tuple(sorted(p.signed)) for p in result["phones"]) if double else None
                c = check(session, [pk for pk, _ in chosen], trues)
                log(f"  done in {result['wall']:.1f} s; statuses {dict(statuses)}; latest start "
                    f"{result['lag'] * 1000:.0f} ms after its time; CPU: server {result['server_cpu']:.0f} s, "
                    f"client {result['client_cpu']:.0f} s")  # fmt: skip
                if answers is not None:
                    log(f"  answers per member (signed: false/true): {dict(answers)}")
                log(f"  POST p50/p95/p99/max {ms(times)} ms; signed rows {c['signed']:,}, sign-in audit rows "
                    f"{c['audit']:,}, 'signed: true' answers {c['trues']:,}; lost {c['lost']}, counted twice {c['twice']}")  # fmt: skip
                rows.append((phase, how, in_flight, count, len(times), result["wall"], ms(times), c))
        finally:
            server.terminate()
            server.wait(30)

        users = {u.person_id: u for u in User.objects.filter(person__org=branch)}
        alt = []
        for label, fn in (("(4a) naive get-then-save, no row lock", naive_sign_in),
                          ("(4b) services.sign_in (row locked)", sign_in)):  # fmt: skip
            session = new_session(actor, branch, "4")
            chosen = [users[pk] for pk, _ in members[: args.double]]
            log(f"{label}: {len(chosen)} members × 2 simultaneous calls in-process, 20 pairs in flight…")
            r = run_double_inprocess(fn, session, chosen)
            c = check(session, [u.person_id for u in chosen], r["trues"])
            log(f"  done in {r['wall']:.1f} s; answers true {r['trues']}, false {r['falses']}, errors {dict(r['errors'])}; "
                f"signed rows {c['signed']}, sign-in audit rows {c['audit']}; lost {c['lost']}, counted twice {c['twice']}")  # fmt: skip
            alt.append((label, len(chosen), r, c))

        session = new_session(actor, branch, "5")
        log(f"(5) serial in-process: {len(members):,} × services_attendance.sign_in, one connection…")
        seq = run_serial(session, [users[pk] for pk, _ in members])
        cs = check(session, [pk for pk, _ in members], len(members) - seq["refused"])
        log(
            f"  done in {seq['wall']:.1f} s, refused {seq['refused']}; lost {cs['lost']}, counted twice {cs['twice']}"
        )

        log("")
        log(
            "| run | members | POSTs | wall (s) | latency p50 / p95 / p99 / max (ms) | sign-ins/s | lost | counted twice |"
        )
        log("|---|---|---|---|---|---|---|---|")
        for phase, how, in_flight, count, posts, wall, lat, c in rows:
            log(f"| {phase}: HTTP, {how}, ≤ {in_flight} in flight | {count:,} | {posts:,} | **{wall:.1f}** | {lat} | "
                f"{c['signed'] / wall:.1f} | {c['lost']} | {c['twice']} |")  # fmt: skip
        for label, count, r, c in alt:
            log(f"| {label}, in-process, doubles | {count:,} | {2 * count:,} | {r['wall']:.1f} | {ms(r['times'])} | "
                f"{c['signed'] / r['wall']:.1f} | {c['lost']} | **{c['twice']}** |")  # fmt: skip
        log(f"| (5) serial in-process `sign_in`, no HTTP | {len(members):,} | — | {seq['wall']:.1f} | {ms(seq['times'])} "
            f"(per call) | {cs['signed'] / seq['wall']:.1f} | {cs['lost']} | {cs['twice']} |")  # fmt: skip
        log("")
        burst = rows[0][5]
        clean = all(c["lost"] == 0 and c["twice"] == 0 and c["no_audit"] == 0 for *_, c in rows)
        log(f"targets: {len(members):,} sign-ins within 60 s (burst): {'yes' if burst <= 60 else 'NO'} ({burst:.1f} s); "
            f"0 lost and 0 counted twice in (1)–(3): {'yes' if clean else 'NO'}")  # fmt: skip
        log("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    finally:
        if not args.keep:
            connections.close_all()
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", DB_NAME], check=True
            )
            log(f"dropped the database {DB_NAME}")


if __name__ == "__main__":
    main()
