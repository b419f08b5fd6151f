"""The one helper through which every write and business event is recorded."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.db import models

from .context import actor_var, client_ip_var, request_id_var
from .idnumber import mask, mask_phone
from .models import AuditEvent

# Personal data never enters the log in clear.
MASKERS = {"id_number": mask, "phone": mask_phone, "home_address": lambda v: "***" if v else ""}
SKIP_FIELDS = {"created_at", "updated_at", "password", "name_stroke_key"}


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict:
    """The concrete field values of ``obj`` with personal data masked."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in SKIP_FIELDS:
            continue
        value = getattr(obj, field.attname)
        if field.name in MASKERS:
            value = MASKERS[field.name](value or "")
        data[field.attname] = _plain(value)
    return data


def _actor_fields(actor):
    actor = actor if actor is not None else actor_var.get()
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor_id": actor.pk, "actor_name": actor.get_username()}
    return {"actor_id": None, "actor_name": ""}


def record_change(
    *,
    actor,
    kind: str,
    obj: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    if after is None and kind != AuditEvent.Kind.DELETE:
        after = snapshot(obj)
    if before is not None and after is not None and kind == AuditEvent.Kind.UPDATE:
        changed = {k for k in after if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in changed}
        after = {k: after[k] for k in changed}
    return AuditEvent.objects.create(
        **_actor_fields(actor),
        ip=client_ip_var.get(),
        request_id=request_id_var.get(),
        kind=kind,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        detail=detail,
    )


def record_event(
    *, actor, event: str, obj: models.Model | None = None, detail: dict | None = None
) -> AuditEvent:
    """A business event: login, export, transfer, reveal, import …"""
    return AuditEvent.objects.create(
        **_actor_fields(actor),
        ip=client_ip_var.get(),
        request_id=request_id_var.get(),
        kind=AuditEvent.Kind.EVENT,
        event=event,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        detail=detail,
    )
