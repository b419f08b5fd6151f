"""Writes to the organization tree. Each service runs in one transaction, checks scope, and audits."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope

from .models import ALLOWED_CHILDREN, Organization, OrgStatus, OrgType

EDITABLE_FIELDS = (
    "org_type",
    "category",
    "code",
    "name",
    "short_name",
    "founded_on",
    "secretary",
    "sort_order",
)


def _check_parent(org_type: str, parent: Organization | None) -> None:
    if parent is None:
        if org_type != OrgType.DISTRICT:
            raise ValidationError({"parent": "只有区委可以没有上级党组织。"})
        return
    if not parent.is_active:
        raise ValidationError({"parent": "上级党组织已撤销，不能在其下设立组织。"})
    if org_type not in ALLOWED_CHILDREN[OrgType(parent.org_type)]:
        raise ValidationError(
            {"org_type": f"{OrgType(parent.org_type).label}下不能直接设立{OrgType(org_type).label}。"}
        )


@transaction.atomic
def organization_create(
    *,
    actor,
    parent: Organization | None,
    org_type: str,
    code: str,
    name: str,
    short_name: str = "",
    category: str = "",
    founded_on: dt.date | None = None,
    sort_order: int = 0,
) -> Organization:
    _check_parent(org_type, parent)
    if parent is not None and actor is not None:
        ensure_org_in_scope(actor, Action.ADD, parent)
    if Organization.objects.filter(code=code).exists():
        raise ValidationError({"code": f"组织编码“{code}”已被使用。"})
    org = Organization.objects.create(
        parent=parent,
        org_type=org_type,
        code=code,
        name=name,
        short_name=short_name,
        category=category,
        founded_on=founded_on,
        sort_order=sort_order,
        depth=(parent.depth + 1) if parent else 1,
    )
    org.path = (parent.path if parent else "") + org.segment()
    org.save(update_fields=["path"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=org)
    return org


@transaction.atomic
def organization_update(*, actor, org: Organization, **changes) -> Organization:
    org = Organization.objects.select_for_update().get(pk=org.pk)
    ensure_in_scope(actor, Action.CHANGE, org)
    before = audit.snapshot(org)
    for field, value in changes.items():
        if field not in EDITABLE_FIELDS:
            raise ValueError(f"field {field} is not editable here")
        setattr(org, field, value)
    if "org_type" in changes:
        _check_parent(org.org_type, org.parent)
    if "code" in changes and Organization.objects.filter(code=org.code).exclude(pk=org.pk).exists():
        raise ValidationError({"code": f"组织编码“{org.code}”已被使用。"})
    org.full_clean(exclude=["parent", "secretary"])
    org.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=org, before=before)
    return org


@transaction.atomic
def organization_move(*, actor, org: Organization, new_parent: Organization) -> Organization:
    """Move a subtree under a new parent: one UPDATE rewrites every descendant's path (and the
    denormalized paths of the people and transfers inside it)."""
    from zugong.people.models import Person

    org = Organization.objects.select_for_update().get(pk=org.pk)
    new_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
    ensure_in_scope(actor, Action.MOVE, org)
    ensure_org_in_scope(actor, Action.MOVE, new_parent)
    if new_parent.path.startswith(org.path):
        raise ValidationError({"parent": "不能把组织移到它自己或它的下级组织之下。"})
    _check_parent(org.org_type, new_parent)
    old_path, new_path = org.path, new_parent.path + org.segment()
    if old_path == new_path:
        return org
    before = audit.snapshot(org)
    depth_delta = new_parent.depth + 1 - org.depth
    cut = Length(Value(old_path)) + 1
    Organization.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", cut)), depth=F("depth") + depth_delta
    )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    moved_people = Person.objects.filter(org_path__startswith=old_path).update(
        org_path=Concat(Value(new_path), Substr("org_path", cut))
    )
    org.refresh_from_db()
    audit.record_change(
        actor=actor,
        kind=AuditEvent.Kind.UPDATE,
        obj=org,
        before=before,
        detail={"moved_people": moved_people, "old_path": old_path, "new_path": new_path},
    )
    return org


@transaction.atomic
def organization_dissolve(*, actor, org: Organization, on: dt.date) -> Organization:
    from zugong.people.models import Person

    org = Organization.objects.select_for_update().get(pk=org.pk)
    ensure_in_scope(actor, Action.ARCHIVE, org)
    if org.children.filter(status=OrgStatus.ACTIVE).exists():
        raise ValidationError("该组织还有未撤销的下级组织，请先撤销或调整下级组织。")
    if Person.objects.filter(org=org, archived_at__isnull=True).exists():
        raise ValidationError("该组织还有在册人员，请先办理组织关系转接。")
    before = audit.snapshot(org)
    org.status, org.dissolved_on = OrgStatus.DISSOLVED, on
    org.save(update_fields=["status", "dissolved_on", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.ARCHIVE, obj=org, before=before)
    return org


@transaction.atomic
def organization_restore(*, actor, org: Organization) -> Organization:
    org = Organization.objects.select_for_update().get(pk=org.pk)
    ensure_in_scope(actor, Action.ARCHIVE, org)
    if org.parent and not org.parent.is_active:
        raise ValidationError("上级组织已撤销，不能恢复。")
    before = audit.snapshot(org)
    org.status, org.dissolved_on = OrgStatus.ACTIVE, None
    org.save(update_fields=["status", "dissolved_on", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.RESTORE, obj=org, before=before)
    return org
