"""Writes on accounts and role grants, split by 三员分立: the 系统管理员 creates, deactivates and
reactivates accounts and resets passwords; the 安全管理员 grants and removes roles. Each function checks
its actor's role itself (a page or API call that forgot to would still be refused) and audits."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import SYSTEM_ROLES, Role
from zugong.core.scope import user_roles

from .models import RoleGrant, User

SELF_GRANT_MESSAGE = "不能变更自己的角色授权，请由另一位安全管理员办理。"


def _may_manage_grants(actor) -> bool:
    # 安全管理员 manages role grants (三员分立); the 组织部管理员 may not grant itself more.
    return actor is None or Role.SECADMIN in user_roles(actor)


def _may_manage_accounts(actor) -> bool:
    return actor is None or Role.SYSADMIN in user_roles(actor)


def _require_account_manager(actor) -> None:
    if not _may_manage_accounts(actor):
        raise PermissionDenied("只有系统管理员可以管理账号。")


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


# ---- accounts (系统管理员) ---------------------------------------------------------------------------


@transaction.atomic
def user_create(*, actor, username: str, display_name: str, password: str, person=None) -> User:
    """A new account on a temporary password, which its owner must change at first login. It has no
    role until the 安全管理员 grants one."""
    _require_account_manager(actor)
    username = username.strip()
    if not username:
        raise ValidationError({"username": "请填写用户名。"})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "该用户名已被使用。"})
    if person is not None and User.objects.filter(person=person).exists():
        raise ValidationError({"id_number": "该人员已关联其他账号。"})
    user = User(username=username, display_name=display_name.strip(), person=person)
    user.must_change_password = True
    _check_password(password, user)
    user.set_password(password)
    user.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=user)
    return user


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool) -> User:
    """Deactivate or reactivate an account. Accounts are never deleted: the audit log keeps naming them."""
    _require_account_manager(actor)
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied("不能停用或启用自己的账号。")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    before = audit.snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        # An API token outlives the session; a deactivated account's token goes with it.
        Token.objects.filter(user=user).delete()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=user, before=before)
    return user


@transaction.atomic
def user_password_reset(*, actor, user: User, password: str) -> User:
    """Set a temporary password that the owner must change at next login; the owner's sessions end
    (Django ties a session to the password hash) and their API token is withdrawn."""
    _require_account_manager(actor)
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied("请通过“修改密码”更改自己的密码。")
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_password(password, user)
    before = audit.snapshot(user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    Token.objects.filter(user=user).delete()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=user, before=before)
    audit.record_event(actor=actor, event=audit.Events.PASSWORD_RESET, obj=user)
    return user


# ---- role grants (安全管理员) ------------------------------------------------------------------------


def _check_role_mix(user: User, role: str) -> None:
    """A 三员 account holds that one role and nothing else: a 系统管理员 who was also an 组织部管理员 could
    read the roster, one who was also the 审计管理员 could read his own trail."""
    held = set(RoleGrant.objects.filter(user=user).exclude(role=role).values_list("role", flat=True))
    if not held:
        return
    if role in SYSTEM_ROLES or held & set(SYSTEM_ROLES):
        raise ValidationError(
            {"role": "三员（系统管理员、安全管理员、审计管理员）账号不能兼任其他角色，请为其另设账号。"}
        )


@transaction.atomic
def role_grant_add(*, actor, user: User, role: str, organization) -> RoleGrant:
    if not _may_manage_grants(actor):
        raise PermissionDenied("只有安全管理员可以分配角色。")
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied(SELF_GRANT_MESSAGE)
    if role not in Role.values:
        raise ValidationError({"role": "未知的角色。"})
    if not user.is_active:
        raise ValidationError({"user": "该账号已停用，不能分配角色。"})
    _check_role_mix(user, role)
    grant, created = RoleGrant.objects.get_or_create(
        user=user, role=role, organization=organization, defaults={"granted_by": actor}
    )
    if created:
        audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=grant)
        audit.record_event(
            actor=actor,
            event=audit.Events.ROLE_GRANT_CHANGE,
            obj=user,
            detail={"added": {"role": role, "organization": organization.pk}},
        )
    return grant


@transaction.atomic
def role_grant_remove(*, actor, grant: RoleGrant) -> None:
    if not _may_manage_grants(actor):
        raise PermissionDenied("只有安全管理员可以撤销角色。")
    if actor is not None and actor.pk == grant.user_id:
        raise PermissionDenied(SELF_GRANT_MESSAGE)
    before = audit.snapshot(grant)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.DELETE, obj=grant, before=before)
    audit.record_event(
        actor=actor,
        event=audit.Events.ROLE_GRANT_CHANGE,
        obj=grant.user,
        detail={"removed": {"role": grant.role, "organization": grant.organization_id}},
    )
    grant.delete()
