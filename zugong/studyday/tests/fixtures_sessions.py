"""Helpers of the sessions' service and API tests: sessions made through ``services.create_session`` (so their
expected attendees are the roster's), local times, audit rows of an object."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zugong.core.models import AuditEvent

from .. import services
from ..models import Session

TZ = timezone.get_default_timezone()


def at(year, month, day, hour=19, minute=0) -> dt.datetime:
    """A local (Asia/Shanghai) time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def make_session(
    actor, org, *, starts_at=None, hours=2, kind="study_day", person_ids=None, **data
) -> Session:
    """A session of ``org`` (by default started 30 minutes ago, ending in 90 minutes), its expected attendees
    the organization's members, or ``person_ids`` when given."""
    starts_at = starts_at or timezone.now() - dt.timedelta(minutes=30)
    fields = {"title": "学习党的二十届四中全会精神", "starts_at": starts_at,
              "ends_at": starts_at + dt.timedelta(hours=hours), **data}  # fmt: skip
    if person_ids is not None:
        fields["expected_mode"] = Session.Expected.CHOSEN
    return services.create_session(actor=actor, org=org, kind=kind, data=fields, person_ids=person_ids)


def ended_session(actor, org, days_ago=7, **kw) -> Session:
    return make_session(actor, org, starts_at=timezone.now() - dt.timedelta(days=days_ago), **kw)


def audit_rows(obj, **filters):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), **filters)


def audit_count() -> int:
    return AuditEvent.objects.count()
