from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Role
from zugong.core.scope import user_roles

from .models import RoleGrant, User


def _may_manage_grants(actor) -> bool:
    # 安全管理员 manages role grants (三员分立); the 组织部管理员 may not grant itself more.
    return actor is None or Role.SECADMIN in user_roles(actor)


@transaction.atomic
def role_grant_add(*, actor, user: User, role: str, organization) -> RoleGrant:
    if not _may_manage_grants(actor):
        raise PermissionDenied("只有安全管理员可以分配角色。")
    if role not in Role.values:
        raise ValidationError({"role": "未知的角色。"})
    grant, created = RoleGrant.objects.get_or_create(
        user=user, role=role, organization=organization, defaults={"granted_by": actor}
    )
    if created:
        audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=grant)
        audit.record_event(
            actor=actor,
            event="role_grant_change",
            obj=user,
            detail={"added": {"role": role, "organization": organization.pk}},
        )
    return grant


@transaction.atomic
def role_grant_remove(*, actor, grant: RoleGrant) -> None:
    if not _may_manage_grants(actor):
        raise PermissionDenied("只有安全管理员可以撤销角色。")
    before = audit.snapshot(grant)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.DELETE, obj=grant, before=before)
    audit.record_event(
        actor=actor,
        event="role_grant_change",
        obj=grant.user,
        detail={"removed": {"role": grant.role, "organization": grant.organization_id}},
    )
    grant.delete()
