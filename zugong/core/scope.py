"""The one scope check. Every page, export and API call reads records through
``Model.objects.restrict(user, action)``; every write re-checks with ``ensure_in_scope`` inside its
transaction. A role grant covers its organization's subtree, found by a prefix match on the
organization's materialized path (one indexed query, never a walk up the tree in Python)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.http import Http404

from .roles import ROLE_ACTIONS, SELF_ACTIONS, Role


@dataclass(frozen=True)
class Grant:
    role: str
    org_id: int
    path: str
    is_root: bool


def user_grants(user) -> list[Grant]:
    """The user's role grants, read once per user object (i.e. once per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_zugong_grants", None)
    if cached is None:
        RoleGrant = apps.get_model("accounts", "RoleGrant")
        rows = RoleGrant.objects.filter(user_id=user.pk, organization__status="active").values_list(
            "role", "organization_id", "organization__path", "organization__parent_id"
        )
        cached = [Grant(role, org_id, path, parent_id is None) for role, org_id, path, parent_id in rows]
        user._zugong_grants = cached
    return cached


def user_roles(user) -> set[str]:
    return {g.role for g in user_grants(user)}


def grant_paths(user, action: str) -> list[str]:
    """Path prefixes of the subtrees in which ``user`` may take ``action``; [''] means everything."""
    paths = sorted({g.path for g in user_grants(user) if action in ROLE_ACTIONS.get(g.role, ())})
    if any(g.is_root and action in ROLE_ACTIONS.get(g.role, ()) for g in user_grants(user)):
        return [""]
    # Drop paths already covered by a shorter one.
    kept: list[str] = []
    for p in paths:
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


def self_person_id(user, action: str) -> int | None:
    if action not in SELF_ACTIONS or not getattr(user, "is_authenticated", False):
        return None
    if Role.MEMBER not in user_roles(user) and not grant_paths(user, action):
        return None
    return getattr(user, "person_id", None)


def path_prefix_q(field: str, path: str) -> models.Q:
    """Rows whose ``field`` starts with the materialized ``path`` (which ends in "/").

    PostgreSQL serves LIKE 'prefix%' from the varchar_pattern_ops index that db_index gives the path
    columns. SQLite cannot use an index for LIKE on a binary-collated column, so there the same set is
    written as the range [path, path with its final "/" replaced by "0"), exact under binary ordering
    (a range would be wrong on PostgreSQL under a locale collation that ignores "/")."""
    if connection.vendor == "sqlite" and path.endswith("/"):
        return models.Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})
    return models.Q(**{f"{field}__startswith": path})


def scope_q(model, user, action: str) -> models.Q | None:
    """A Q selecting the rows of ``model`` that ``user`` may ``action``; None means no filter."""
    paths = grant_paths(user, action)
    if paths == [""]:
        return None
    lookups = model.scope_path if isinstance(model.scope_path, tuple) else (model.scope_path,)
    clauses = [path_prefix_q(lookup, p) for p in paths for lookup in lookups]
    person_id = self_person_id(user, action)
    self_lookup = getattr(model, "scope_self", None)
    if person_id and self_lookup:
        clauses.append(models.Q(**{self_lookup: person_id}))
    if not clauses:
        return models.Q(pk__in=[])
    return reduce(or_, clauses)


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        q = scope_q(self.model, user, action)
        if q is None:
            return self.all()
        if not q.children and q.connector == models.Q.AND:
            return self.none()
        return self.filter(q)


def can(user, action: str, obj=None, model=None) -> bool:
    """Whether ``user`` may ``action`` on ``obj`` (or on some record of ``model`` when obj is None)."""
    if obj is None:
        return bool(grant_paths(user, action)) or (
            model is not None
            and self_person_id(user, action) is not None
            and getattr(model, "scope_self", None) is not None
        )
    return type(obj)._default_manager.restrict(user, action).filter(pk=obj.pk).exists()


def ensure_in_scope(user, action: str, obj) -> None:
    """Re-check inside a write's transaction that ``obj`` is (still) within the user's scope."""
    if not type(obj)._default_manager.restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied("该记录不在您的授权范围内。")


def ensure_org_in_scope(user, action: str, org) -> None:
    paths = grant_paths(user, action)
    if paths == [""]:
        return
    if not any(org.path.startswith(p) for p in paths):
        raise PermissionDenied("目标组织不在您的授权范围内。")


def get_object_for_user(user, model, action: str = "view", **lookup):
    """Fetch one record through the scope check: 404 if it does not exist or is out of the user's view,
    403 if the user may see it but not take ``action`` on it."""
    obj = model._default_manager.restrict(user, "view").filter(**lookup).first()
    if obj is None:
        raise Http404("记录不存在或不在您的授权范围内。")
    if action != "view" and not model._default_manager.restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied("您没有对该记录执行此操作的权限。")
    return obj
