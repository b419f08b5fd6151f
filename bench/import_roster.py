"""Roster import benchmark: a 100,000-row roster xlsx imported by Zugong beside django-import-export, and the
people export streamed at 10,000 and 100,000 rows.

    createdb -h 127.0.0.1 -U postgres zugong_import_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zugong_import_bench \\
        .venv/bin/python bench/import_roster.py --rows 100000 --iex-rows 10000 [--write-docs]

Needs the ``bench`` extra (``pip install -e '.[bench]'``: django-import-export, tablib).

Sets Django up, migrates, builds a small demo district (``build_demo --members 2000``) if the database has
no organizations, and writes the roster in the template's format (``rules.HEADERS``, sheet 人员名册) with
openpyxl's write-only workbook: valid unique ID numbers, branches by code, units by code, membership dates.
Each contender then runs in its own child process (``subprocess``) against an emptied people roll (the
people app's tables emptied; links to a person from elsewhere set to NULL, or their rows deleted):

- **zugong**: ``roster_import_validate`` then ``roster_import_run(dry_run=False)`` as the 组织部管理员
  (``zzb_admin``, org_admin at the root); the job is created as the upload view would, outside the timing.
- **django-import-export**: ``tablib.Dataset().load(xlsx)`` and ``PersonResource().import_data(dataset,
  dry_run=False, use_transactions=True)``; the resource sets the same columns (org by code and its path,
  unit by code, the encrypted fields through ``set_id_number``/``set_phone``/``set_home_address``, the stroke
  key through ``Person.save``) and creates the membership in ``after_save_instance``. Run on ``--iex-rows``
  (default 10,000) and scaled linearly to ``--rows`` when that is smaller; the output says so.

Memory of an import is the child's **peak RSS** (``getrusage(RUSAGE_SELF).ru_maxrss`` read by the child at its
end, the same figure ``RUSAGE_CHILDREN`` gives the parent), shown with the RSS after ``django.setup()`` so the
import's own share is visible. Memory of an export is the **peak Python heap** (``tracemalloc``) of a
second, traced run; the time is from the untraced run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchkit import machine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zugong.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from zugong.orgs.models import MEMBER_HOLDING_TYPES, Organization, OrgStatus, Unit  # noqa: E402

ACTOR = "zzb_admin"
DATA_DIR = Path(os.environ.get("ZUGONG_BENCH_DIR", "/tmp/zugong_bench"))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文斌玉兰志红梅晓燕海燕俊峰建华宇浩然子轩欣怡思远佳琪雨涵"
EDUCATIONS = ["研究生", "大学本科", "大学本科", "大学专科", "中专", "高中"]
ETHNIC = ["汉族"] * 9 + ["回族"]
REGIONS = ["110101", "110102", "110105", "110106", "110107"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


# ------------------------------------------------------------------ the roster file


def write_roster(path: Path, rows: int, seed: int = 7) -> None:
    """The template's sheet, written row by row (openpyxl write-only)."""
    from openpyxl import Workbook

    from zugong.core import idnumber
    from zugong.imports import rules

    branches = list(
        Organization.objects.filter(org_type__in=MEMBER_HOLDING_TYPES, status=OrgStatus.ACTIVE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    units = list(
        Unit.objects.filter(archived_at__isnull=True).order_by("code").values_list("code", flat=True)
    )
    if not branches:
        raise SystemExit("no active branch in the database: run manage.py build_demo --members 2000")
    rnd = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(rules.SHEET_NAME)
    ws.append(rules.HEADERS)
    first_birth = dt.date(1950, 1, 1)
    days = 18_000  # births 1950-01-01 … 1999-04-14; (region, birth, seq) unique for i < 5 × 18,000 × 1,000
    for i in range(rows):
        birth = first_birth + dt.timedelta(days=i % days)
        region = REGIONS[(i // days) % len(REGIONS)]
        seq = i // (days * len(REGIONS))
        number = idnumber.make(region, birth, seq * 2 + (i % 2))  # parity of the 17th digit: the sex
        name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
        kind = rnd.random()
        status = "正式党员" if kind < 0.75 else ("预备党员" if kind < 0.8 else "")
        join = (
            birth.replace(year=birth.year + 22 + rnd.randrange(4), day=min(birth.day, 28)) if status else None
        )
        confirm = join.replace(year=join.year + 1) if status == "正式党员" else None
        ws.append(
            [
                name,
                number,
                rnd.choice(ETHNIC),
                rnd.choice(EDUCATIONS),
                f"1{rnd.choice('3456789')}{rnd.randrange(10**9):09d}",
                f"示范区幸福路 {rnd.randrange(1, 999)} 号",
                rnd.choice(units) if units and rnd.random() < 0.7 else None,
                "科员",
                "科员",
                branches[i % len(branches)],
                None,
                status or None,
                join,
                confirm,
            ]
        )
    wb.save(path)


def empty_people() -> None:
    """Empty the people app's tables. Links from elsewhere (a user's person, a secretary, a team position)
    are set to NULL when they may be, else their rows go; nothing outside is truncated by cascade."""
    people = list(apps.get_app_config("people").get_models())
    ours = {m._meta.db_table for m in people}
    person = apps.get_model("people", "Person")
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.db_table in ours:
                continue
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in people:
                    table, column = model._meta.db_table, f.column
                    if f.null:
                        cursor.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} IS NOT NULL")
                    else:
                        cursor.execute(f"DELETE FROM {table}")
        for model in [m for m in people if m is not person] + [person]:
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {person._meta.db_table}") if connection.get_autocommit() else None


# ------------------------------------------------------------------ contenders (each in a child process)


def child_zugong(path: Path) -> dict:
    import hashlib

    from zugong.accounts.models import User
    from zugong.imports.models import ImportJob
    from zugong.imports.services import roster_import_run, roster_import_validate
    from zugong.people.models import Membership, Person

    base = rss_mb()
    actor = User.objects.get(username=ACTOR)
    data = path.read_bytes()
    job = ImportJob(
        created_by=actor, file_name=path.name, sha256=hashlib.sha256(data).hexdigest(), size=len(data)
    )
    job.set_payload(data)
    job.save()  # as the upload view does; not timed
    del data
    start = time.perf_counter()
    roster_import_validate(actor=actor, job=job)
    validated = time.perf_counter()
    if job.error_count:
        return {"error": f"{job.error_count} issues, e.g. {job.issues[:3]}"}
    roster_import_run(actor=actor, job=job, dry_run=False)
    done = time.perf_counter()
    return {
        "validate_s": validated - start,
        "run_s": done - validated,
        "wall_s": done - start,
        "status": job.status,
        "people": Person.objects.count(),
        "memberships": Membership.objects.count(),
        "base_rss_mb": base,
        "peak_rss_mb": rss_mb(),
    }


def child_iex(path: Path) -> dict:
    import tablib
    from import_export import fields, resources

    from zugong.accounts.models import User
    from zugong.core import crypto, idnumber
    from zugong.imports import rules
    from zugong.people.models import ID_NUMBER_CONTEXT, Membership, Person

    base = rss_mb()
    orgs = {code: (pk, p) for pk, code, p in Organization.objects.values_list("pk", "code", "path")}
    units = dict(Unit.objects.values_list("code", "pk"))

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
        post = fields.Field(attribute="post", column_name="职务")
        id_number_hash = fields.Field(attribute="id_number_hash", column_name="id_number_hash")
        sex = fields.Field(attribute="sex", column_name="sex")
        birth_date = fields.Field(attribute="birth_date", column_name="birth_date")
        education = fields.Field(attribute="education", column_name="education")
        rank = fields.Field(attribute="rank", column_name="rank")
        org_id = fields.Field(attribute="org_id", column_name="org_id")
        org_path = fields.Field(attribute="org_path", column_name="org_path")
        unit_id = fields.Field(attribute="unit_id", column_name="unit_id")
        party_status = fields.Field(attribute="party_status", column_name="party_status")

        class Meta:
            model = Person
            import_id_fields = ("id_number_hash",)
            fields = (
                "name", "ethnicity", "post", "id_number_hash", "sex", "birth_date", "education", "rank",
                "org_id", "org_path", "unit_id", "party_status",
            )  # fmt: skip
            skip_unchanged = False
            report_skipped = False

        def before_import(self, dataset, **kwargs):
            for header in ("id_number_hash", "sex", "birth_date", "education", "rank", "org_id", "org_path",
                           "unit_id", "party_status"):  # fmt: skip
                dataset.append_col([None] * dataset.height, header=header)

        def before_import_row(self, row, **kwargs):
            number, birth, sex = idnumber.parse(str(row["公民身份号码"]))
            org_id, org_path = orgs[row["所在党组织编码"]]
            row["_id"] = number
            row["id_number_hash"] = crypto.blind_index(number, context=ID_NUMBER_CONTEXT)
            row["sex"], row["birth_date"] = sex, birth
            row["education"] = rules.EDUCATION.get(row["学历"] or "", "")
            row["rank"] = rules.RANK.get(row["职级"] or "", "")
            row["org_id"], row["org_path"] = org_id, org_path
            row["unit_id"] = units.get(row["工作单位"]) if row["工作单位"] else None
            row["party_status"] = rules.STATUS.get(row["党员类别"] or "", "")
            for header in ("入党日期", "转正日期"):  # tablib reads an empty cell as ""
                value = row[header]
                row[header] = value.date() if isinstance(value, dt.datetime) else (value or None)

        def import_instance(self, instance, row, **kwargs):
            super().import_instance(instance, row, **kwargs)
            instance.set_id_number(row["_id"])
            if row["联系电话"]:
                instance.set_phone(str(row["联系电话"]))
            if row["家庭住址"]:
                instance.set_home_address(row["家庭住址"])

        def after_save_instance(self, instance, row, **kwargs):
            if row["party_status"] and not kwargs.get("dry_run"):
                Membership.objects.update_or_create(
                    person=instance,
                    defaults={
                        "status": row["party_status"],
                        "join_date": row["入党日期"],
                        "confirmation_date": row["转正日期"],
                    },
                )

    User.objects.get(username=ACTOR)
    start = time.perf_counter()
    with path.open("rb") as fh:
        dataset = tablib.Dataset().load(fh, format="xlsx")
    loaded = time.perf_counter()
    result = PersonResource().import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
    done = time.perf_counter()
    return {
        "load_s": loaded - start,
        "wall_s": done - start,
        "errors": result.has_errors() or result.has_validation_errors(),
        "people": Person.objects.count(),
        "memberships": Membership.objects.count(),
        "base_rss_mb": base,
        "peak_rss_mb": rss_mb(),
    }


def child_export(rows: int, trace: bool) -> dict:
    import tracemalloc

    from django.test import RequestFactory

    from zugong.accounts.models import User
    from zugong.core.exports import xlsx_response
    from zugong.core.roles import Action
    from zugong.people import selectors

    user = User.objects.get(username=ACTOR)
    request = RequestFactory().get("/people/export/")
    request.user = user
    qs = selectors.person_filter(request, Action.EXPORT).qs[:rows]
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    response = xlsx_response(
        request=request,
        queryset=qs,
        filename="人员名单",
        title="人员名单",
        columns=selectors.PERSON_EXPORT_COLUMNS,
        what="people.person",
    )
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1048576 if trace else None
    if trace:
        tracemalloc.stop()
    size = response.file_to_stream.seek(0, 2)
    response.close()
    return {"wall_s": elapsed, "py_peak_mb": peak, "bytes": size, "peak_rss_mb": rss_mb()}


def run_child(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=os.environ.copy()
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-5:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--iex-rows", type=int, default=10_000, help="rows for django-import-export (0: skip)"
    )
    parser.add_argument("--export-small", type=int, default=10_000)
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--write-docs", action="store_true", help="append the figures to docs/benchmarks.md")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind, *rest = args.child
        if kind == "zugong":
            out = child_zugong(Path(rest[0]))
        elif kind == "iex":
            out = child_iex(Path(rest[0]))
        else:
            out = child_export(int(rest[0]), rest[1] == "trace")
        print(json.dumps(out, default=str))
        return

    started = dt.datetime.now(dt.UTC)
    lines = [f"Zugong roster import benchmark — {started:%Y-%m-%d %H:%M} UTC", f"machine: {machine(())}"]
    print("\n".join(lines), flush=True)
    call_command("migrate", verbosity=0)
    if not Organization.objects.exists():
        call_command("build_demo", members=2000, verbosity=0)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    files = {}
    for n in sorted({args.rows, args.iex_rows} - {0}):
        path = DATA_DIR / f"roster-{n}.xlsx"
        if not path.exists():
            t = time.perf_counter()
            write_roster(path, n)
            print(f"wrote {path} ({path.stat().st_size / 1048576:.1f} MB) in {time.perf_counter() - t:.1f} s")
        files[n] = path
    print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)

    results = {}
    empty_people()
    results["zugong"] = z = run_child("zugong", str(files[args.rows]))
    print("zugong", args.rows, z, flush=True)
    exports = {}
    if not args.no_export and "error" not in z:
        for n in sorted({args.export_small, args.rows}):
            plain, traced = run_child("export", str(n), "plain"), run_child("export", str(n), "trace")
            exports[n] = {**plain, "py_peak_mb": traced.get("py_peak_mb"), "traced_s": traced.get("wall_s")}
            print("export", n, exports[n], flush=True)
    if args.iex_rows:
        if args.iex_rows != args.rows:
            empty_people()
            results["zugong_small"] = zs = run_child("zugong", str(files[args.iex_rows]))
            print("zugong", args.iex_rows, zs, flush=True)
        empty_people()
        results["iex"] = x = run_child("iex", str(files[args.iex_rows]))
        print("django-import-export", args.iex_rows, x, flush=True)
    empty_people()

    # ---- the table
    table = ["", "| case | rows | wall (s) | peak RSS (MB) (after setup) | note |", "|---|---|---|---|---|"]
    if "error" not in z:
        table.append(
            f"| Zugong import (validate + run) | {args.rows:,} | **{z['wall_s']:.1f}** "
            f"(validate {z['validate_s']:.1f} + run {z['run_s']:.1f}) | **{z['peak_rss_mb']:.0f}** "
            f"({z['base_rss_mb']:.0f}) | {z['people']:,} people, {z['memberships']:,} memberships |"
        )
    zs = results.get("zugong_small")
    if zs and "error" not in zs:
        table.append(
            f"| Zugong import (validate + run) | {args.iex_rows:,} | {zs['wall_s']:.1f} "
            f"(validate {zs['validate_s']:.1f} + run {zs['run_s']:.1f}) | {zs['peak_rss_mb']:.0f} "
            f"({zs['base_rss_mb']:.0f}) | {zs['people']:,} people |"
        )
    x = results.get("iex")
    scaled = None
    if x and "error" not in x:
        scaled = x["wall_s"] * args.rows / args.iex_rows
        table.append(
            f"| django-import-export import_data | {args.iex_rows:,} | {x['wall_s']:.1f} "
            f"(tablib load {x['load_s']:.1f}) | {x['peak_rss_mb']:.0f} ({x['base_rss_mb']:.0f}) | "
            f"{x['people']:,} people, {x['memberships']:,} memberships |"
        )
        if args.iex_rows != args.rows:
            table.append(
                f"| django-import-export, scaled linearly | {args.rows:,} | ~{scaled:.0f} | — | "
                f"{args.iex_rows:,}-row run × {args.rows / args.iex_rows:g} |"
            )
    for n, e in exports.items():
        if "error" in e:
            table.append(f"| export | {n:,} | error | | {e['error']} |")
            continue
        table.append(
            f"| people export (xlsx_response) | {n:,} | {e['wall_s']:.1f} | {e['peak_rss_mb']:.0f} | "
            f"tracemalloc peak **{e['py_peak_mb']:.1f} MB** (traced run {e['traced_s']:.1f} s); "
            f"{e['bytes'] / 1048576:.1f} MB file |"
        )
    lines += table
    verdict = []
    if "error" not in z:
        verdict.append(f"≤ 30 s: {'yes' if z['wall_s'] <= 30 else 'NO'} ({z['wall_s']:.1f} s)")
        verdict.append(
            f"≤ 400 MB peak: {'yes' if z['peak_rss_mb'] <= 400 else 'NO'} ({z['peak_rss_mb']:.0f} MB RSS)"
        )
        if scaled:
            same = zs["wall_s"] if zs and "error" not in zs else z["wall_s"]
            speed_same = x["wall_s"] / same
            verdict.append(
                f"≥ 10× django-import-export: {'yes' if speed_same >= 10 else 'NO'} "
                f"(×{speed_same:.1f} at {args.iex_rows:,} rows; ×{scaled / z['wall_s']:.1f} against the scaled "
                f"{args.rows:,}-row estimate)"
            )
    lines += ["", "targets: " + "; ".join(verdict), f"load average at end: {os.getloadavg()[0]:.2f}"]
    for key, value in results.items():
        if "error" in value:
            lines.append(f"{key} failed: {value['error']}")
    print("\n".join(lines[2:]))
    if args.write_docs:
        command = (
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/zugong_import_bench .venv/bin/python "
            + " ".join(["bench/import_roster.py", *sys.argv[1:]])
        )
        with (ROOT / "docs" / "benchmarks.md").open("a") as fh:
            fh.write(
                f"\n## Roster import and export (`bench/import_roster.py`)\n\n```sh\n{command}\n```\n\n"
                + __doc__.split("\n\n", 2)[2].strip()
                + f"\n\nRun on {started:%Y-%m-%d %H:%M} UTC. {lines[1][0].upper() + lines[1][1:]}.\n"
                + "\n".join(lines[2:])
                + "\n"
            )


if __name__ == "__main__":
    main()
