"""Login lockout: ZUGONG_LOCKOUT_FAILURES failed logins within ZUGONG_LOCKOUT_WINDOW_MINUTES lock the
account name, and as many from one client IP lock that IP (whatever names were tried). A lock holds
until the 安全管理员 lifts it. The state lives in the database so that every process sees it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from zugong.core import audit
from zugong.core.roles import Role
from zugong.core.scope import user_roles

from .models import LoginFailure, LoginLock

LOCKED_MESSAGE = "该账号或当前网络地址因多次登录失败已被锁定，请联系安全管理员解除锁定。"


def _threshold() -> int:
    return settings.ZUGONG_LOCKOUT_FAILURES


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.ZUGONG_LOCKOUT_WINDOW_MINUTES)


def _locks_q(username: str, ip: str) -> Q:
    q = Q(kind=LoginLock.Kind.ACCOUNT, key=username)
    if ip:
        q |= Q(kind=LoginLock.Kind.IP, key=ip)
    return q


def is_locked(*, username: str, ip: str) -> bool:
    return LoginLock.objects.filter(_locks_q(username, ip), lifted_at__isnull=True).exists()


@transaction.atomic
def login_failure_record(*, username: str, ip: str) -> list[LoginLock]:
    """Write one failure and lock the account name and/or IP whose failures in the window reach the
    threshold. Returns the locks created by this failure."""
    now = timezone.now()
    since = now - _window()
    LoginFailure.objects.filter(at__lt=since).delete()
    LoginFailure.objects.create(username=username, ip=ip, at=now)
    who = Q(username=username) | Q(ip=ip) if ip else Q(username=username)
    counts = LoginFailure.objects.filter(who, at__gte=since).aggregate(
        account=Count("pk", filter=Q(username=username)),
        ip=Count("pk", filter=Q(ip=ip)) if ip else Count("pk", filter=Q(pk__in=[])),
    )
    created = []
    for kind, key, failures in (
        (LoginLock.Kind.ACCOUNT, username, counts["account"]),
        (LoginLock.Kind.IP, ip, counts["ip"]),
    ):
        if not key or failures < _threshold():
            continue
        try:
            with transaction.atomic():
                lock, is_new = LoginLock.objects.get_or_create(
                    kind=kind, key=key, lifted_at=None, defaults={"since": now, "failures": failures}
                )
        except IntegrityError:  # another process locked it at the same moment
            continue
        if is_new:
            audit.record_event(
                actor=None,
                event="lockout",
                obj=lock,
                detail={"kind": kind, "key": key, "failures": failures},
            )
            created.append(lock)
    return created


def login_success_record(*, username: str) -> None:
    """A successful login starts the account's count afresh (the IP's count stands)."""
    LoginFailure.objects.filter(username=username).delete()


def may_lift_locks(user) -> bool:
    return Role.SECADMIN in user_roles(user)


def active_locks():
    return LoginLock.objects.filter(lifted_at__isnull=True).order_by("-since")


@transaction.atomic
def login_lock_lift(*, actor, lock: LoginLock) -> LoginLock:
    if not may_lift_locks(actor):
        raise PermissionDenied("只有安全管理员可以解除登录锁定。")
    lock = LoginLock.objects.select_for_update().get(pk=lock.pk)
    if lock.lifted_at is not None:
        return lock
    lock.lifted_at = timezone.now()
    lock.lifted_by = actor
    lock.save(update_fields=["lifted_at", "lifted_by"])
    # The failures that caused the lock are spent; the audit log keeps them.
    field = "username" if lock.kind == LoginLock.Kind.ACCOUNT else "ip"
    LoginFailure.objects.filter(**{field: lock.key}).delete()
    audit.record_event(
        actor=actor, event="lockout_lifted", obj=lock, detail={"kind": lock.kind, "key": lock.key}
    )
    return lock
