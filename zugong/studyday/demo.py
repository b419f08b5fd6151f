"""Demo data of 学习日 and 三会一课 (``build_demo`` calls ``seed`` after the district): the year's holidays and
调休 (an example; the department enters the State Council's notice), the demo branch's study plan for the year,
the year's earlier study days (all but one) with attendance, its 三会一课 and study days of the last three
months with attendance, notes (some reviewed, one returned) and a
leave request, a study session open now (the demo member signs in with the code on its screen page) and
one next week. Written through the services, as a secretary would, so every row is audited."""

from __future__ import annotations

import datetime as dt
import io
import random

from django.utils import timezone

from zugong.accounts.models import RoleGrant, User
from zugong.core.roles import Role

from . import (
    services,
    services_attendance,
    services_checks,
    services_materials,
    services_notes,
)
from .choices import SessionKind
from .models import Attendance, Session, StudyPlan

SEED = 2026
MISSED_DATE = 3  # the fourth study day of the year was not held: 学习计划执行 has a date to show
OFFICE, SECRETARY, MEMBER = "zzb_admin", "zb_shuji", "dangyuan"
TOPICS = [
    "学习贯彻党的二十届四中全会精神",
    "《中国共产党支部工作条例（试行）》专题学习",
    "《中国共产党纪律处分条例》警示教育",
    "学习习近平总书记关于基层治理的重要论述",
    "党史学习：遵义会议",
    "优化营商环境政策解读",
    "学习《干部教育培训工作条例》",
    "基层党组织标准化规范化建设",
]
REFLECTIONS = [
    "通过本次学习，我深刻认识到要把学习成果转化为做好本职工作的实际行动，立足岗位、服务群众。",
    "这次学习让我对条例的要求有了更清楚的理解，今后要严格落实“三会一课”制度，按时参加组织生活。",
    "警示教育案例触目惊心，要时刻绷紧纪律这根弦，自觉接受监督，做到警钟长鸣。",
]


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def seed(*, today: dt.date | None = None) -> dict:
    """Returns what was written; nothing when the demo accounts are missing or sessions exist."""
    office = User.objects.filter(username=OFFICE).first()
    secretary = User.objects.filter(username=SECRETARY).first()
    member = User.objects.filter(username=MEMBER).first()
    if not (office and secretary and member and member.person_id) or Session.objects.exists():
        return {}
    grant = secretary.grants.select_related("organization").first()
    branch = grant.organization
    rng = random.Random(SEED)
    today = today or timezone.localdate()
    plan = StudyPlan.objects.filter(org=branch, year=today.year).first() or services.create_plan(
        actor=secretary, org=branch, year=today.year
    )
    items = list(plan.items.order_by("date"))
    for i, item in enumerate(items):
        items[i] = services.plan_item_set(
            actor=secretary, item=item,
            data={"date": item.date, "topic": TOPICS[i % len(TOPICS)], "materials": "学习材料见“学习资料”栏目"},
        )  # fmt: skip
    counts = {"sessions": 0, "attendance": 0, "notes": 0}

    def session(kind, title, day, hours=(14, 30, 16, 30), plan_item=None, needs_notes=True):
        start, end = _local(day, hours[0], hours[1]), _local(day, hours[2], hours[3])
        s = services.create_session(
            actor=secretary, org=branch, kind=kind, plan_item=plan_item,
            data={"title": title, "starts_at": start, "ends_at": end, "place": "党员活动室",
                  "organizer": "支部书记", "agenda": "一、集中学习\n二、交流研讨\n三、布置下阶段工作",
                  "needs_notes": needs_notes},
        )  # fmt: skip
        counts["sessions"] += 1
        return s

    # Earlier in the year: the plan's study days, attendance only, one date left out (学习计划执行 shows it).
    earlier = [it for it in items if it.date < today - dt.timedelta(days=90)]
    earlier = [
        session(SessionKind.STUDY_DAY, it.topic, it.date, plan_item=it, needs_notes=False)
        for i, it in enumerate(earlier)
        if i != MISSED_DATE
    ]
    # The last three months: study days on the plan's dates, 支委会 and 主题党日 monthly, a 党员大会 a quarter.
    past = [it for it in items if today - dt.timedelta(days=90) <= it.date < today]
    held = [session(SessionKind.STUDY_DAY, it.topic, it.date, plan_item=it) for it in past]
    first = month = today.replace(day=1)
    for _back in range(3):  # the three months before this one, on their 10th
        month = (month.replace(day=1) - dt.timedelta(days=1)).replace(day=10)
        held.append(
            session(
                SessionKind.COMMITTEE_MEETING,
                f"{month.month}月支委会",
                month,
                (9, 0, 10, 30),
                needs_notes=False,
            )
        )
        held.append(
            session(
                SessionKind.THEME_DAY,
                f"{month.month}月主题党日：志愿服务进社区",
                month + dt.timedelta(days=5),
            )
        )
    held.append(session(SessionKind.GENERAL_MEETING, "季度党员大会", first - dt.timedelta(days=20)))
    for s in earlier + held:
        marks = {}
        for row in Attendance.objects.filter(session=s):
            marks[row.person_id] = rng.choices(["present", "late", "leave", "absent"], weights=[80, 8, 7, 5])[
                0
            ]
        marks[member.person_id] = "present"
        counts["attendance"] += services_attendance.mark_attendance(actor=secretary, session=s, marks=marks)
        services_attendance.close_attendance(actor=secretary, session=s)
    for s in [s for s in held if s.needs_notes][-4:]:
        writers = Attendance.objects.filter(session=s, status__in=["present", "late"]).exclude(
            person_id__in=[member.person_id, secretary.person_id]
        )
        for row in list(writers.select_related("person"))[:12]:
            author = _member_account(row.person, branch)
            sub = services_notes.submit_notes(
                actor=author, session=s, notes=f"{s.title}学习要点：一、……二、……三、……",
                reflection=rng.choice(REFLECTIONS),
            )  # fmt: skip
            counts["notes"] += 1
            if rng.random() < 0.7:
                services_notes.review_submission(
                    actor=secretary, submission=sub, approve=True, comment="认真"
                )
    last = held[0] if held else None
    if last is not None:
        sub = services_notes.submit_notes(
            actor=member,
            session=last,
            notes="学习要点略",
            reflection="学习了，有收获，今后要在工作中认真贯彻落实。",
        )
        services_notes.review_submission(
            actor=secretary, submission=sub, approve=False, comment="心得过于简略，请结合本职工作再写一写。"
        )
        counts["notes"] += 1
    # Open now (sign in from the screen page) and next week (ask leave).
    now = timezone.localtime()
    session(SessionKind.STUDY_DAY, "星期四学习日：学习贯彻全会精神（进行中）", now.date(),
            (max(now.hour - 1, 0), 0, min(now.hour + 2, 23), 59))  # fmt: skip
    upcoming = session(SessionKind.PARTY_LECTURE, "书记讲党课：坚定理想信念", today + dt.timedelta(days=7))
    services_attendance.request_leave(actor=member, session=upcoming, reason="出差在外，会后补学")
    root = branch
    while root.parent_id:
        root = root.parent
    services_materials.material_upload(
        actor=office, org=root, title="“三会一课”制度学习材料", file_name="三会一课制度学习材料.pdf",
        data=_material_pdf(), description="区委组织部编印，仅供学习，禁止外传。",
    )  # fmt: skip
    counts["materials"] = 1
    committee = branch.parent or branch
    services_checks.draw_spot_check(
        actor=office, org=root, title=f"{today.year}年第{(today.month - 1) // 3 + 1}季度学习笔记抽查",
        date_from=today - dt.timedelta(days=90), date_to=today, organizations=[committee], size=5,
    )  # fmt: skip
    return counts


def _member_account(person, branch) -> User:
    """The member's own account (no usable password: the demo signs in as ``dangyuan`` only)."""
    user = User.objects.filter(person=person).first()
    if user is None:
        user = User.objects.create_user(username=f"dy{person.pk}", display_name=person.name, person=person)
        RoleGrant.objects.create(user=user, role=Role.MEMBER, organization=branch)
    return user


def _material_pdf() -> bytes:
    """A two-page PDF of study material (reportlab's built-in Chinese font, no file needed)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for page, lines in enumerate(MATERIAL_PAGES, start=1):
        pdf.setFont("STSong-Light", 18 if page == 1 else 12)
        y = 780
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 28
            pdf.setFont("STSong-Light", 12)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


MATERIAL_PAGES = [
    ["“三会一课”制度学习材料", "一、党员大会：党支部每季度召开一次。", "二、支部委员会：每月召开一次。",
     "三、党小组会：每月召开一次。", "四、党课：党支部书记每年至少讲一次党课。"],
    ["五、主题党日：党支部每月相对固定一天开展主题党日。", "六、组织生活会：一般每年召开一次。",
     "有考勤、有笔记、有体会、有心得。"],
]  # fmt: skip
