"""累计学分制 demo data for the 示范区: the rule sets of last year (closed) and this year, a catalogue of
training (党校 classes, off-site training, 网络专题班, lectures, 中心组 sessions; this year's later ones still
to come), the cadres' attendance, their online academy courses (one import batch a year), a few claims
(submitted, approved, rejected) with a small generated PDF certificate, some 补录 teaching records, and the
ledger of both years recomputed set-based. Rows are made in Python from a seeded generator and written in
bulk (COPY on PostgreSQL, bulk_create elsewhere); nothing is written row by row.

Only for a demo-sized district (``MAX_CADRES``): a benchmark district is left without training data (the
benchmark makes its own). Also adds the login of one 区管干部 (``PERSONA``), so that “我的学分” has someone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from zugong.accounts.models import RoleGrant, User
from zugong.core import audit, bulk
from zugong.core import demo as core_demo
from zugong.core.demo.write import Writer
from zugong.core.roles import Role
from zugong.orgs.models import Organization
from zugong.people.choices import COUNTY_RANKS
from zugong.people.models import CadreRecord

from . import ledger
from .models import (
    Activity,
    Category,
    Claim,
    ClaimEvidence,
    CreditEntry,
    CreditRuleSet,
    ImportBatch,
    Level,
    Source,
)
from .services_import import source_key

MAX_CADRES = 3_000
SEED = 2026
PERSONA = ("ganbu", "区管干部")  # username, the role shown by demo_logins
OFFICE = "zzb_admin"  # the 组织部管理员 persona acts as the 干部教育科

# The catalogue: (year offset, month, day, title, category, organizer, days, 学时, location, who attends).
# ``who`` picks cadres by (index, 县处级?): "county" (县处级), "township", or "i%n=r" (index mod n is r),
# with "+county"/"+township" to narrow it.
ACTIVITIES = [
    (-1, 3, 9, "春季区管干部进修班", Category.PARTY_SCHOOL, "区委党校", 10, 0, "区委党校", "i%4=0"),
    (-1, 5, 11, "中青年干部培训班", Category.PARTY_SCHOOL, "区委党校", 15, 0, "区委党校", "i%4=1+township"),
    (-1, 9, 7, "秋季区管干部进修班", Category.PARTY_SCHOOL, "区委党校", 10, 0, "区委党校", "i%4=2"),
    (-1, 6, 16, "基层治理能力提升专题培训班", Category.OFFSITE, "区委组织部", 5, 0, "浙江·杭州", "i%2=0+county"),
    (-1, 4, 1, "网络学院专题网班：依法行政", Category.ONLINE, "区委组织部", 0, 12, "网络学院", "i%5<4"),
    (-1, 4, 22, "专题讲座：法治政府建设", Category.LECTURE, "区委组织部", 0, 3, "区委党校报告厅", "i%3<2"),
    (-1, 6, 20, "区委理论学习中心组学习会（扩大）", Category.CENTRAL_GROUP, "区委办公室", 0, 3, "区委常委会议室",
     "county"),
    (0, 3, 8, "春季区管干部进修班", Category.PARTY_SCHOOL, "区委党校", 10, 0, "区委党校", "i%4=1"),
    (0, 5, 10, "中青年干部培训班", Category.PARTY_SCHOOL, "区委党校", 15, 0, "区委党校", "i%4=2+township"),
    (0, 9, 6, "秋季区管干部进修班", Category.PARTY_SCHOOL, "区委党校", 10, 0, "区委党校", "i%4=3"),
    (0, 6, 15, "乡村振兴专题培训班", Category.OFFSITE, "区委组织部", 5, 0, "陕西·延安", "i%2=1+county"),
    (0, 3, 2, "网络学院专题网班：数字政府建设", Category.ONLINE, "区委组织部", 0, 12, "网络学院", "i%5>0"),
    (0, 4, 18, "专题讲座：优化营商环境", Category.LECTURE, "区委组织部", 0, 3, "区委党校报告厅", "i%3>0"),
    (0, 3, 24, "区委理论学习中心组学习会", Category.CENTRAL_GROUP, "区委办公室", 0, 3, "区委常委会议室", "county"),
    (0, 9, 23, "区委理论学习中心组学习会（扩大）", Category.CENTRAL_GROUP, "区委办公室", 0, 3, "区委常委会议室",
     "county"),
    (0, 12, 16, "冬季区管干部进修班", Category.PARTY_SCHOOL, "区委党校", 10, 0, "区委党校", "i%4=0"),
]  # fmt: skip
COURSES = (
    "党章党规党纪学习", "公文写作规范", "数字经济概论", "应急管理实务", "保密知识教育", "依法行政专题",
    "基层治理案例选讲", "生态文明建设", "统计法治教育", "信访工作条例解读", "安全生产专题", "心理健康与压力管理",
    "政府采购实务", "审计整改要点", "领导干部科学素养", "网络安全与数据保护",
)  # fmt: skip
MINUTES = (10, 20, 25, 30, 40, 45, 45, 60, 60, 90)  # an online course: mostly ≥ 30 minutes (1 学时)
REJECT_REASON = "证明材料不完整：请上传盖章的结业证书后重新申报。"


def _picks(who: str, index: int, county: bool) -> bool:
    rule, _, narrow = who.partition("+")
    if narrow and (narrow == "county") != county:
        return False
    if rule in ("county", "township"):
        return (rule == "county") == county
    n, op, value = int(rule[2]), rule[3], int(rule[4:])  # "i%4=0", "i%5<4", "i%3>0"
    rest = index % n
    return rest == value if op == "=" else (rest < value if op == "<" else rest > value)


def evidence_pdf(lines: list[str]) -> bytes:
    """A one-page PDF certificate in Chinese with the reader's built-in STSong-Light (no font file)."""
    text = "".join(
        f"BT /F1 {18 if i == 0 else 12} Tf 72 {760 - 32 * i} Td <{line.encode('utf-16-be').hex().upper()}> Tj ET\n"
        for i, line in enumerate(lines)
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        "/Contents 4 0 R >>",
        f"<< /Length {len(text.encode())} >>\nstream\n{text}endstream",
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) "
        "/Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R >>",
        "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 "
        "/Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _entry_writer() -> Writer:
    return Writer(
        CreditEntry,
        ["created_at", "updated_at", "person_id", "year", "date", "category", "source", "title", "activity_id",
         "claim_id", "batch_id", "source_key", "days", "hours", "minutes", "hours_taught", "level", "items",
         "created_by_id"],
        bulk.uses_copy(),
    )  # fmt: skip


def _day_in(year: int, rng: random.Random, last: dt.date) -> dt.date:
    first = dt.date(year, 1, 1)
    return first + dt.timedelta(days=rng.randrange(max(1, (last - first).days + 1)))


def seed(*, today: dt.date | None = None) -> dict:
    """Returns what was written; nothing when the district has no cadres, more than ``MAX_CADRES``, or
    training data already."""
    today = today or timezone.localdate()
    cadres = list(
        CadreRecord.objects.filter(is_district_managed=True, person__archived_at__isnull=True)
        .order_by("person_id")
        .values_list("person_id", "rank", "person__org_id", "person__org_path", "person__name")
    )
    if not cadres or len(cadres) > MAX_CADRES or CreditRuleSet.objects.exists() or Activity.objects.exists():
        return {}
    rng = random.Random(SEED)
    now = timezone.now()
    this_year, last_year = today.year, today.year - 1
    root = Organization.objects.filter(parent__isnull=True).order_by("pk").first()
    office = User.objects.filter(username=OFFICE).first()
    office_id = office.pk if office else None
    counts = {"activities": 0, "entries": 0, "claims": 0}
    with transaction.atomic():
        ledger.ensure_rule_set(last_year)
        ledger.ensure_rule_set(this_year)
        entries = _entry_writer()

        # The catalogue, and who attended (classes that have not started yet have no attendance).
        activities = []
        for offset, month, day, title, category, organizer, days, hours, location, _who in ACTIVITIES:
            year = this_year + offset
            start = dt.date(year, month, day)
            length = max(1, int(days) + (days // 5) * 2)  # calendar days: weekends of a long class
            activities.append(Activity(
                title=f"{year}年{title}" if category == Category.PARTY_SCHOOL else title, category=category,
                organizer=organizer, org=root, start_date=start, end_date=start + dt.timedelta(days=length - 1),
                days=Decimal(days), hours=Decimal(hours), location=location, created_by_id=office_id,
                note="演示数据",
            ))  # fmt: skip
        bulk.insert_objects(activities)
        counts["activities"] = len(activities)
        for activity, spec in zip(activities, ACTIVITIES, strict=True):
            if activity.start_date > today:
                continue
            for index, (pid, rank, *_rest) in enumerate(cadres):
                if _picks(spec[-1], index, rank in COUNTY_RANKS):
                    entries.add((now, now, pid, activity.start_date.year, activity.start_date, activity.category,
                                 Source.ATTENDANCE, activity.title, activity.pk, None, None, "", activity.days,
                                 activity.hours, None, Decimal(0), "", 1, office_id))  # fmt: skip

        # The online academy: short courses, one import batch a year; some cadres keep up less than others.
        share = (today - dt.date(this_year, 1, 1)).days / 365
        for year, part, last_day in ((last_year, 1.0, dt.date(last_year, 12, 31)), (this_year, share, today)):
            keen = {pid: rng.uniform(0.5, 1.5) for pid, *_ in cadres}
            rows = []
            for pid, *_ in cadres:
                for _ in range(round(70 * keen[pid] * part)):  # about 35–105 courses: most reach 50 学时
                    course = f"{rng.choice(COURSES)}（第{rng.randint(1, 6)}讲）"
                    minutes = Decimal(rng.choice(MINUTES)).quantize(Decimal("0.01"))
                    rows.append((pid, course, _day_in(year, rng, last_day), minutes))
            if not rows:
                continue
            name = f"网络学院学时导出_{year}.xlsx"
            batch = ImportBatch.objects.create(
                org=root, file_name=name, sha256=hashlib.sha256(name.encode()).hexdigest(), rows=len(rows),
                added=len(rows), imported_by=office,
            )  # fmt: skip
            seen = set()
            for pid, course, date, minutes in rows:
                key = source_key(pid, course, date)
                if (pid, key) in seen:
                    continue
                seen.add((pid, key))
                entries.add((now, now, pid, year, date, Category.ONLINE, Source.IMPORT, course, None, None,
                             batch.pk, key, Decimal(0), Decimal(0), minutes, Decimal(0), "", 1, office_id))  # fmt: skip
            ImportBatch.objects.filter(pk=batch.pk).update(rows=len(seen), added=len(seen))

        # 补录: teaching at the 党校 by some 县处级 cadres.
        for index, (pid, rank, *_rest) in enumerate(cadres):
            if rank in COUNTY_RANKS and index % 3 == 0:
                for year, last_day in ((last_year, dt.date(last_year, 12, 31)), (this_year, today)):
                    entries.add((now, now, pid, year, _day_in(year, rng, last_day), Category.TEACHING,
                                 Source.MANUAL, "区委党校主体班专题授课", None, None, None, "", Decimal(0),
                                 Decimal(0), None, Decimal(rng.choice((2, 3, 3, 4))), "", 1, office_id))  # fmt: skip

        persona = _persona(cadres)
        claims = _claims(cadres, persona, rng, today, office_id, now)
        counts["claims"] = len(claims)
        for claim in claims:
            if claim.status == Claim.Status.APPROVED:
                entries.add((now, now, claim.person_id, claim.date.year, claim.date, claim.category, Source.CLAIM,
                             claim.title, None, claim.pk, None, "", claim.days, claim.hours, claim.minutes,
                             claim.hours_taught, claim.level, 1, office_id))  # fmt: skip
        entries.flush()
        counts["entries"] = entries.count

        # The ledger, set-based: last year (then closed), then this year (its carry-over reads last year's).
        counts["summaries"] = ledger.recompute(last_year)["summaries"]
        CreditRuleSet.objects.filter(year=last_year).update(closed=True, closed_at=now, closed_by=office)
        counts["summaries"] += ledger.recompute(this_year)["summaries"]
        counts["login"] = _persona_login(persona)
        audit.record_event(actor=None, event=audit.Events.DEMO_BUILT, detail={"module": "training", **counts})
    return counts


def _persona(cadres) -> tuple | None:
    """The 区管干部 with a login: a 乡科级 cadre (a yearly target) of the first 党工委, without an account."""
    taken = set(User.objects.exclude(person=None).values_list("person_id", flat=True))
    committee = Organization.objects.filter(parent__parent__isnull=True, parent__isnull=False)
    first = committee.order_by("sort_order", "pk").first()
    prefix = first.path if first else ""
    candidates = [c for c in cadres if c[0] not in taken and c[3].startswith(prefix)]
    township = [c for c in candidates if c[1] not in COUNTY_RANKS]
    return (township or candidates or [None])[0]


def _claims(cadres, persona, rng, today, office_id, now) -> list[Claim]:
    """About one cadre in 30 claims credit; the persona has one approved and one awaiting decision."""
    pdf = evidence_pdf(
        ["结业证书", "（演示材料）", "兹证明该同志参加培训并考核合格，特发此证。", "示范区委组织部"]
    )
    digest = hashlib.sha256(pdf).hexdigest()
    kinds = [  # category, title, organizer, days, hours, hours_taught, level
        (Category.SELF_STUDY, "在职自学：读书笔记与心得", "", 0, 12, 0, ""),
        (Category.PAPER, "调研报告：社区治理中的网格化管理", "市委政策研究室", 0, 0, 0, Level.CITY),
        (Category.OFFSITE, "市委党校专题培训班", "市委党校", 3, 0, 0, ""),
        (Category.TEACHING, "街道党校微党课授课", "街道党工委", 0, 0, 2, ""),
        (Category.PAPER, "理论文章发表于省级刊物", "省委讲师团", 0, 0, 0, Level.PROVINCE),
    ]
    statuses = [Claim.Status.APPROVED, Claim.Status.APPROVED, Claim.Status.SUBMITTED, Claim.Status.REJECTED]
    chosen = [(c, statuses[n % 4]) for n, c in enumerate(c for i, c in enumerate(cadres) if i % 30 == 7)]
    if persona is not None:
        chosen += [(persona, Claim.Status.APPROVED), (persona, Claim.Status.SUBMITTED)]
    claims = []
    for n, ((pid, *_rest), status) in enumerate(chosen):
        category, title, organizer, days, hours, taught, level = kinds[(n + pid) % len(kinds)]
        year = today.year if status == Claim.Status.SUBMITTED or n % 2 else today.year - 1
        last_day = today - dt.timedelta(days=1) if year == today.year else dt.date(year, 12, 31)
        decided = status != Claim.Status.SUBMITTED
        claims.append(Claim(
            person_id=pid, category=category, title=title, organizer=organizer,
            date=_day_in(year, rng, max(last_day, dt.date(year, 1, 1))), days=Decimal(days), hours=Decimal(hours),
            hours_taught=Decimal(taught), level=level, description="演示数据", status=status,
            evidence_name="结业证书.pdf", evidence_type="application/pdf", evidence_size=len(pdf),
            evidence_sha256=digest, decided_by_id=office_id if decided else None, decided_at=now if decided else None,
            reason=REJECT_REASON if status == Claim.Status.REJECTED else "",
        ))  # fmt: skip
    bulk.insert_objects(claims)
    bulk.insert_objects([ClaimEvidence(claim=c, data=pdf) for c in claims])
    return claims


def _persona_login(persona) -> str:
    if persona is None or User.objects.filter(username=PERSONA[0]).exists():
        return ""
    pid, _rank, org_id, _path, name = persona
    user = User.objects.create(
        username=PERSONA[0], password=make_password(core_demo.PASSWORD), display_name=name, person_id=pid,
        must_change_password=False,
    )  # fmt: skip
    RoleGrant.objects.create(user=user, role=Role.MEMBER, organization_id=org_id)
    return user.username


def persona_rows() -> list[tuple[str, str, str, str, str]]:
    """The 区管干部 login for ``demo_logins``: (username, password, role, organization, person)."""
    grant = (
        RoleGrant.objects.filter(user__username=PERSONA[0])
        .select_related("user__person", "organization")
        .first()
    )
    if grant is None:
        return []
    person = grant.user.person
    return [
        (PERSONA[0], core_demo.PASSWORD, PERSONA[1], grant.organization.name, person.name if person else "")
    ]
