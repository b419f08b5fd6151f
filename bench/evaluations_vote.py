"""测评投票 benchmark: 2,000 voters cast a 30-item ballot through the served app (gunicorn on loopback, PostgreSQL),
concurrent clients, some of them submitting the same code twice at once; beside the same 2,000 ballots cast
one after another in-process with ``services.cast_ballot`` (no HTTP) in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zg_bench_eval .venv/bin/python bench/evaluations_vote.py
    #   (the database is created if it does not exist; the URL above is the default)
    #   --voters 200 --window 12       a quick check (the default is 2,000 voters over 120 s)
    #   --concurrency 100              voters in flight at most (client threads)
    #   --workers 4 --threads 4        gunicorn gthread workers and threads each
    #   --double 0.05                  share of voters who submit the same code twice at the same instant
    #   --rebuild                      flush the database first;  --drop   drop the database at the end

The form: 5 cadres (subjects) × 6 items — 德、能、勤、绩、廉 (好/较好/一般/差) and 总体评价 (优秀/称职/基本称职/不称职),
all required, built with ``spec.check_spec`` = 30 answers a ballot. Three voter classes (班子成员 ×3, 中层干部 ×2,
干部职工代表 ×1; 150 + 450 + 1,400 codes). The organization and the org admin are ``core.testing.build_personas()``
(made once; a database that has them is reused). Each phase has its own new evaluation, live, with its codes.

A voter: GET /v/<code>/ (the form, the csrftoken cookie and the form's token, on its own keep-alive connection),
POST the 30 fields ``s<subject>__<item>`` with the token, follow the 302 to the thanks page. A ``--double`` share
of voters POST twice at the same instant on two connections (a barrier): one must be taken (302) and the other
refused (409/410). Phases:
  (a) paced: voters arrive evenly over ``--window`` seconds, at most ``--concurrency`` in flight;
  (b) burst: all voters at once, ``--concurrency`` in flight (the capacity);
  (c) the alternative: the same ballots one after another in-process, ``services.cast_ballot(code=, answers=)``
      — no HTTP, no page, no CSRF/session, one database connection: the cost of the write path alone.
After each: Ballot rows = used codes = voters (0 lost, 0 counted twice), answers = 30 × ballots, and the tally
(``selectors.results``, the page's numbers) equals the answers the clients sent, by subject/item/option/class.
Targets: (b) 2,000 ballots within 120 s; 0 lost and 0 counted twice in every phase.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import resource
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from benchkit import ensure_database, machine, ms

# The PostgreSQL settings the report names.
PG_SETTINGS = ("shared_buffers", "work_mem", "synchronous_commit", "max_connections")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zugong.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zg_bench_eval")


DB_NAME = ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from zugong.accounts.models import User  # noqa: E402
from zugong.core.testing import build_personas  # noqa: E402
from zugong.evaluations import selectors, services  # noqa: E402
from zugong.evaluations.models import Answer, Ballot, BallotCode, Evaluation  # noqa: E402
from zugong.evaluations.spec import check_spec  # noqa: E402
from zugong.evaluations.views_vote import DONE_MESSAGE  # noqa: E402
from zugong.orgs.models import Organization  # noqa: E402
from zugong.people.models import Person  # noqa: E402

TEAM = ("good", "fairly_good", "fair", "poor")
CADRE = ("excellent", "competent", "basic", "incompetent")
ITEMS = (("de", "德"), ("neng", "能"), ("qin", "勤"), ("ji", "绩"), ("lian", "廉"))
SPEC = check_spec({"sections": [
    {"title": "分项评价", "items": [{"key": k, "label": label, "kind": "grade", "scale": "team"} for k, label in ITEMS]},
    {"title": "总体评价", "items": [{"key": "overall", "label": "总体评价", "kind": "grade", "scale": "cadre"}]},
]})  # fmt: skip
CLASSES = (("班子成员", "3", 0.075), ("中层干部", "2", 0.225), ("干部职工代表", "1", 0.70))
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


# ------------------------------------------------------------------ machine


# ------------------------------------------------------------------ the evaluation


def setting_up():
    """The org admin, the district and 5 people to evaluate (``build_personas``, once)."""
    if not User.objects.filter(username="org_admin").exists():
        build_personas()
    actor = User.objects.get(username="org_admin")
    district = Organization.objects.get(code="T00")
    people = list(Person.objects.filter(archived_at__isnull=True).order_by("id")[:5])
    return actor, district, people


def new_evaluation(actor, district, people, voters: int, label: str):
    """A live evaluation with ``voters`` codes over the three classes; the codes with their class, shuffled."""
    now = timezone.now()
    counts = [round(voters * share) for _, _, share in CLASSES]
    counts[-1] = voters - sum(counts[:-1])
    e = services.create_evaluation(
        actor=actor, org=district, title=f"2025年度干部民主测评 bench {label} {now:%H%M%S}", kind="cadre",
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1), spec=SPEC,
        subjects=[{"kind": "person", "label": p.name, "person": p} for p in people],
        voter_classes=[{"name": n, "weight": w, "expected": c} for (n, w, _), c in zip(CLASSES, counts, strict=True)],
    )  # fmt: skip
    services.go_live(actor=actor, evaluation=e)
    codes = []
    for voter_class, count in zip(e.voter_classes.order_by("position"), counts, strict=True):
        _, plain = services.issue_codes(actor=actor, evaluation=e, voter_class=voter_class, count=count)
        codes += [(code, voter_class.pk) for code in plain]
    random.Random(7).shuffle(codes)
    return e, codes


def ballot_of(rng: random.Random, subjects: list[int]) -> dict:
    """One voter's answers: {subject: {item: option}}, skewed like a real count (the last cadre worse)."""
    out = {}
    for n, pk in enumerate(subjects):
        worse = 0.35 if n == len(subjects) - 1 else 0.0
        out[str(pk)] = {key: _grade(rng, TEAM, worse) for key, _ in ITEMS} | {
            "overall": _grade(rng, CADRE, worse)
        }
    return out


def _grade(rng: random.Random, scale: tuple, worse: float) -> str:
    r = rng.random() * (1 - worse) + worse
    return scale[0 if r < 0.5 else 1 if r < 0.85 else 2 if r < 0.97 else 3]


def expected_tally(ballots: list[tuple[int, dict]]) -> Counter:
    return Counter(
        (int(s), i, o, c) for c, answers in ballots for s, items in answers.items() for i, o in items.items()
    )


def check(e: Evaluation, voters: int, sent: Counter) -> dict:
    """0 lost, 0 counted twice, and the page's numbers equal to what was sent."""
    ballots = Ballot.objects.filter(evaluation=e).count()
    used = BallotCode.objects.filter(evaluation=e, state=BallotCode.State.USED).count()
    answers = Answer.objects.filter(evaluation=e).count()
    start = time.perf_counter()
    data = selectors.results(e)
    tally_s = time.perf_counter() - start
    got = Counter({(row["subject"].pk, item["key"], option["value"], class_pk): by["count"]
                   for row in data["subjects"] for item in row["items"] for option in item["options"]
                   for class_pk, by in option["by_class"].items() if by["count"]})  # fmt: skip
    return {"ballots": ballots, "used": used, "answers": answers, "tally": data["ballots"], "tally_s": tally_s,
            "lost": voters - ballots, "twice": ballots - used, "same": got == sent and answers == 30 * ballots}  # fmt: skip


# ------------------------------------------------------------------ the server and the clients


def start_server(workers: int, threads: int) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {"ZUGONG_DEBUG": "0", "DATABASE_URL": os.environ["DATABASE_URL"]}
    log = open("/tmp/zg_bench_eval_gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "zugong.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread",
         "-w", str(workers), "--threads", str(threads), "--backlog", "2048", "--timeout", "120",
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/v/")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not answer; see /tmp/zg_bench_eval_gunicorn.log")


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


def take_cookies(jar: dict, response) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        key, value = header.split(";", 1)[0].split("=", 1)
        jar[key] = value


def cookie_header(jar: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


class Voter:
    """One phone: its code, its answers, whether it sends the form twice at once, and what it measured."""

    def __init__(self, port: int, code: str, answers: dict, double: bool):
        self.port, self.code, self.answers, self.double = port, code, answers, double
        self.get_s, self.post_s, self.thanks_s, self.statuses, self.accepted = None, [], None, [], 0

    def _conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def _post(self, conn, body: str, cookies: str, barrier=None):
        if barrier is not None:
            barrier.wait()
        start = time.perf_counter()
        try:
            conn.request("POST", f"/v/{self.code}/", body,
                         {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies})  # fmt: skip
            r = conn.getresponse()
            r.read()
            self.statuses.append(("POST", r.status))
            self.post_s.append(time.perf_counter() - start)
            return r
        except OSError as error:
            self.statuses.append(("POST", type(error).__name__))
            return None

    def run(self) -> Voter:
        conn = self._conn()
        try:
            start = time.perf_counter()
            conn.request("GET", f"/v/{self.code}/")
            r = conn.getresponse()
            page = r.read()
            self.get_s = time.perf_counter() - start
            self.statuses.append(("GET", r.status))
            jar: dict[str, str] = {}
            take_cookies(jar, r)
            token = TOKEN.search(page)
            if r.status != 200 or token is None or "csrftoken" not in jar:
                return self
            fields = [("csrfmiddlewaretoken", token.group(1).decode())]
            fields += [(f"s{s}__{k}", v) for s, items in self.answers.items() for k, v in items.items()]
            body, cookies = urlencode(fields), cookie_header(jar)
            if self.double:  # the same form sent twice at the same instant, on two connections
                barrier, other = threading.Barrier(2), self._conn()
                twin = threading.Thread(target=self._post, args=(other, body, cookies, barrier))
                twin.start()
                responses = [self._post(conn, body, cookies, barrier)]
                twin.join()
                other.close()
            else:
                responses = [self._post(conn, body, cookies)]
            self.accepted = sum(1 for s in self.statuses if s == ("POST", 302))
            for response in filter(None, responses):
                take_cookies(jar, response)  # the messages cookie of the thanks
            if self.accepted and not self.double:
                start = time.perf_counter()
                conn.request("GET", f"/v/{self.code}/", headers={"Cookie": cookie_header(jar)})
                r = conn.getresponse()
                thanks = DONE_MESSAGE.encode() in r.read()
                self.thanks_s = time.perf_counter() - start
                self.statuses.append(("thanks", r.status if thanks else "no-thanks"))
        except OSError as error:
            self.statuses.append(("GET", type(error).__name__))
        finally:
            conn.close()
        return self


def run_http(port, master, voters: list[Voter], window: float, concurrency: int) -> dict:
    """Voters arrive evenly over ``window`` seconds (0: all at once), at most ``concurrency`` in flight."""
    cpu0, server0, lags = resource.getrusage(resource.RUSAGE_SELF), server_cpu(master), []
    start = time.perf_counter()

    def arrive(voter: Voter, due: float) -> Voter:
        lags.append(time.perf_counter() - due)
        return voter.run()

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = []
        for n, voter in enumerate(voters):
            due = start + window * n / len(voters)
            time.sleep(max(0.0, due - time.perf_counter()))
            futures.append(pool.submit(arrive, voter, due))
        done = [f.result() for f in futures]
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    return {"wall": wall, "voters": done, "lag": max(lags), "server_cpu": server_cpu(master) - server0,
            "client_cpu": cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime}  # fmt: skip


def run_inprocess(codes, ballots) -> dict:
    times, refused = [], 0
    start = time.perf_counter()
    for (code, _), (_, answers) in zip(codes, ballots, strict=True):
        t = time.perf_counter()
        try:
            services.cast_ballot(code=code, answers=answers)
        except services.BallotRefused:
            refused += 1
        times.append(time.perf_counter() - t)
    return {"wall": time.perf_counter() - start, "times": times, "refused": refused}


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--window", type=float, default=120.0, help="seconds over which (a)'s voters arrive")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--double", type=float, default=0.05)
    parser.add_argument("--rebuild", action="store_true", help="flush the database first")
    parser.add_argument("--drop", action="store_true", help="drop the scratch database at the end")
    args = parser.parse_args()
    log = lambda line: print(line, flush=True)  # noqa: E731

    log(f"Zugong 测评投票 benchmark — {dt.datetime.now():%Y-%m-%d %H:%M}")
    log(f"machine: {machine(PG_SETTINGS)}")
    log("load average at start: {:.2f} {:.2f} {:.2f} (other work on the machine skews the figures)".format(
        *os.getloadavg()))  # fmt: skip
    call_command("migrate", verbosity=0)
    if args.rebuild:
        call_command("flush", interactive=False, verbosity=0)
    actor, district, people = setting_up()
    server, port = start_server(args.workers, args.threads)
    log(f"server: gunicorn zugong.wsgi -k gthread -w {args.workers} --threads {args.threads} on 127.0.0.1:{port}; "
        f"clients: {args.concurrency} threads (http.client, one keep-alive connection a voter), same machine")  # fmt: skip
    rows, checks = [], {}
    try:
        for phase, window in (("(a) paced", args.window), ("(b) burst", 0.0)):
            e, codes = new_evaluation(actor, district, people, args.voters, phase[1])
            subjects = list(e.subjects.order_by("position").values_list("pk", flat=True))
            rng = random.Random(phase)
            ballots = [(class_pk, ballot_of(rng, subjects)) for _, class_pk in codes]
            twice = set(rng.sample(range(len(codes)), round(len(codes) * args.double)))
            voters = [Voter(port, code, answers, n in twice)
                      for n, ((code, _), (_, answers)) in enumerate(zip(codes, ballots, strict=True))]  # fmt: skip
            log(f"{phase}: {args.voters:,} voters ({len(twice)} of them POST twice at once), "
                f"{'over ' + format(window, '.0f') + ' s' if window else 'all at once'}…")  # fmt: skip
            result = run_http(port, server.pid, voters, window, args.concurrency)
            accepted = [v for v in result["voters"] if v.accepted]
            sent = expected_tally([(cls, v.answers) for v, (_, cls) in zip(result["voters"], codes, strict=True)
                                   if v.accepted])  # fmt: skip
            checks[phase] = c = check(e, args.voters, sent)
            statuses = Counter(s for v in result["voters"] for s in v.statuses)
            doubles = Counter(tuple(sorted(str(s) for k, s in v.statuses if k == "POST"))
                              for v in result["voters"] if v.double)  # fmt: skip
            posts = [t for v in result["voters"] for t in v.post_s]
            gets = [v.get_s for v in result["voters"] if v.get_s is not None]
            thanks = [v.thanks_s for v in result["voters"] if v.thanks_s is not None]
            log(f"  done in {result['wall']:.1f} s; {len(accepted):,} voters taken; statuses {dict(statuses)}; "
                f"double POSTs → {dict(doubles)}; latest start {result['lag'] * 1000:.0f} ms after its time; "
                f"CPU: server {result['server_cpu']:.0f} s, client {result['client_cpu']:.0f} s")  # fmt: skip
            log(f"  GET form p50/p95/p99/max {ms(gets)} ms; thanks page {ms(thanks)} ms")
            log(f"  ballots {c['ballots']:,}, used codes {c['used']:,}, answers {c['answers']:,}, tally total "
                f"{c['tally']:,} ({c['tally_s'] * 1000:.0f} ms); tally = answers sent: {'yes' if c['same'] else 'NO'}")  # fmt: skip
            rows.append(
                (phase, window, result["wall"], len(posts), ms(posts), len(accepted) / result["wall"], c)
            )
    finally:
        server.terminate()
        server.wait(30)

    # (c) the alternative: the same ballots in-process, one after another.
    e, codes = new_evaluation(actor, district, people, args.voters, "c")
    subjects = list(e.subjects.order_by("position").values_list("pk", flat=True))
    rng = random.Random("(c) in-process")
    ballots = [(class_pk, ballot_of(rng, subjects)) for _, class_pk in codes]
    log(f"(c) in-process: {args.voters:,} × services.cast_ballot, sequential…")
    seq = run_inprocess(codes, ballots)
    checks["(c)"] = c = check(e, args.voters, expected_tally(ballots))
    log(f"  done in {seq['wall']:.1f} s, refused {seq['refused']}; ballots {c['ballots']:,}, used codes {c['used']:,}, "
        f"answers {c['answers']:,}; tally = answers sent: {'yes' if c['same'] else 'NO'}")  # fmt: skip

    log("")
    log("| case | voters | wall (s) | POSTs | POST latency p50 / p95 / p99 / max (ms) | ballots/s | lost | counted twice | tally = sent |")  # fmt: skip
    log("|---|---|---|---|---|---|---|---|---|")
    for phase, window, wall, n, lat, rate, c in rows:
        how = f"arrivals over {window:.0f} s" if window else "all at once"
        log(f"| {phase}: HTTP, {how}, ≤ {args.concurrency} in flight | {args.voters:,} | **{wall:.1f}** | {n:,} | "
            f"{lat} | {rate:.1f} | {c['lost']} | {c['twice']} | {'yes' if c['same'] else 'NO'} |")  # fmt: skip
    log(f"| (c) in-process `cast_ballot`, sequential, no HTTP | {args.voters:,} | {seq['wall']:.1f} | — | "
        f"{ms(seq['times'])} (per call) | {args.voters / seq['wall']:.1f} | {checks['(c)']['lost']} | "
        f"{checks['(c)']['twice']} | {'yes' if checks['(c)']['same'] else 'NO'} |")  # fmt: skip
    log("")
    burst = rows[1][2]
    clean = all(c["lost"] == 0 and c["twice"] == 0 and c["same"] for c in checks.values())
    log(f"targets: {args.voters:,} ballots within 120 s (burst): {'yes' if burst <= 120 else 'NO'} ({burst:.1f} s); "
        f"0 lost and 0 counted twice in every phase: {'yes' if clean else 'NO'}")  # fmt: skip
    log("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if args.drop:
        connection.close()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)
        log(f"dropped the database {DB_NAME}")


if __name__ == "__main__":
    main()
