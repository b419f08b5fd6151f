"""Helpers of the 抽查 and compliance tests: sessions, attendance, submissions and members written directly
with the ORM (independent of the sessions services)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from zugong.core import idnumber
from zugong.core.testing import create_person

from ..models import Attendance, Session, Submission

TZ = timezone.get_default_timezone()
_seq = itertools.count()


def at(year, month, day, hour=19, minute=0) -> dt.datetime:
    """A local (Asia/Shanghai) time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def session(org, kind, starts_at, *, cancelled=False, title="") -> Session:
    return Session.objects.create(
        org=org,
        org_path=org.path,
        kind=kind,
        title=title or f"{org.name}{kind}",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        archived_at=timezone.now() if cancelled else None,
        archived_reason="取消" if cancelled else "",
    )


def attend(s: Session, *people, status="present") -> None:
    Attendance.objects.bulk_create(
        Attendance(session=s, person=p, org_path=s.org_path, status=status) for p in people
    )


def submit(s: Session, person, notes="学习笔记", reflection="心得体会") -> Submission:
    return Submission.objects.create(
        session=s, person=person, org_path=s.org_path, notes=notes, reflection=reflection
    )


def members(org, n: int, prefix="党员") -> list:
    out = []
    for i in range(n):
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=next(_seq))  # a number no other test person has
        number = idnumber.make("320102", birth, 1)
        out.append(
            create_person(id_number=number, name=f"{prefix}{i:02d}", org=org, sex="M", birth_date=birth)
        )
    return out
