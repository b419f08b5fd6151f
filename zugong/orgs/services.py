"""Writes to the organization tree (units and leadership teams: ``services_units``). Each service runs in
one transaction, checks scope (and re-checks it after the write), and audits."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, QuerySet, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope, grant_paths

from .models import ALLOWED_CHILDREN, MEMBER_HOLDING_TYPES, Organization, OrgStatus, OrgType

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
PATH_MAX = Organization._meta.get_field("path").max_length


def _check_parent(org_type: str, parent: Organization | None) -> None:
    if org_type not in OrgType.values:
        raise ValidationError({"org_type": "请选择有效的组织类别。"})
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


def check_not_future(field: str, value: dt.date | None, label: str) -> None:
    if value and value > timezone.localdate():
        raise ValidationError({field: f"{label}不能晚于今天。"})


def check_person_visible(actor, person, field: str) -> None:
    """A person picked in a form (书记, 班子成员) must be on the actor's own roster and not archived."""
    from zugong.people.models import Person

    if person is None:
        return
    if (
        not Person.objects.restrict(actor, Action.VIEW)
        .filter(pk=person.pk, archived_at__isnull=True)
        .exists()
    ):
        raise ValidationError({field: "所选人员不存在、已归档或不在您的授权范围内。"})


# ---- organizations ----------------------------------------------------------------------------------


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
    """Set up an organization under ``parent``. ``actor`` None is the system itself (data loaders)."""
    if parent is not None:
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
    _check_parent(org_type, parent)
    if actor is not None:
        if parent is not None:
            ensure_org_in_scope(actor, Action.ADD, parent)
        elif grant_paths(actor, Action.ADD) != [""]:
            raise PermissionDenied("只有全区授权的管理员可以设立顶级组织。")
    if parent is None and Organization.objects.filter(parent__isnull=True).exists():
        raise ValidationError({"parent": "系统中已有区委，不能再设立顶级组织。"})
    code, name = (code or "").strip(), (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写组织名称。"})
    if not code:
        raise ValidationError({"code": "请填写组织编码。"})
    if Organization.objects.filter(code=code).exists():
        raise ValidationError({"code": f"组织编码“{code}”已被使用。"})
    check_not_future("founded_on", founded_on, "成立日期")
    org = Organization(
        parent=parent,
        org_type=org_type,
        code=code,
        name=name,
        short_name=(short_name or "").strip(),
        category=(category or "").strip(),
        founded_on=founded_on,
        sort_order=sort_order or 0,
        depth=(parent.depth + 1) if parent else 1,
    )
    org.full_clean(exclude=["parent", "secretary", "path", "code"])
    org.save()
    org.path = (parent.path if parent else "") + org.segment()
    if len(org.path) > PATH_MAX:
        raise ValidationError({"parent": "组织层级过深，不能再设立下级组织。"})
    org.save(update_fields=["path"])
    if actor is not None:
        ensure_in_scope(actor, Action.VIEW, org)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=org)
    return org


@transaction.atomic
def organization_update(*, actor, org: Organization, **changes) -> Organization:
    from zugong.people.models import Person

    org = Organization.objects.select_for_update().get(pk=org.pk)
    ensure_in_scope(actor, Action.CHANGE, org)
    if not org.is_active:
        raise ValidationError("该组织已撤销，请先恢复再修改。")
    before = audit.snapshot(org)
    for field, value in changes.items():
        if field not in EDITABLE_FIELDS:
            raise ValueError(f"field {field} is not editable here")
        if isinstance(value, str):
            value = value.strip()
        setattr(org, field, value)
    if not org.name:
        raise ValidationError({"name": "请填写组织名称。"})
    if not org.code:
        raise ValidationError({"code": "请填写组织编码。"})
    if "org_type" in changes and org.org_type != before["org_type"]:
        _check_parent(org.org_type, org.parent)
        allowed = ALLOWED_CHILDREN[OrgType(org.org_type)]
        bad = org.children.filter(status=OrgStatus.ACTIVE).exclude(org_type__in=allowed).first()
        if bad is not None:
            raise ValidationError(
                {
                    "org_type": f"下级组织“{bad.name}”（{bad.get_org_type_display()}）不能隶属于{org.get_org_type_display()}。"
                }
            )
        if (
            org.org_type not in MEMBER_HOLDING_TYPES
            and Person.objects.filter(org=org, archived_at__isnull=True).exists()
        ):
            raise ValidationError({"org_type": f"该组织有在册人员，不能改为{org.get_org_type_display()}。"})
    if "code" in changes and Organization.objects.filter(code=org.code).exclude(pk=org.pk).exists():
        raise ValidationError({"code": f"组织编码“{org.code}”已被使用。"})
    if "secretary" in changes and org.secretary_id != before["secretary_id"]:
        check_person_visible(actor, org.secretary, "secretary")
    check_not_future("founded_on", org.founded_on, "成立日期")
    org.full_clean(exclude=["parent", "secretary", "code"])
    org.save()
    ensure_in_scope(actor, Action.CHANGE, org)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=org, before=before)
    return org


def move_impact(org: Organization) -> dict:
    """What moving ``org`` carries with it: its whole subtree and everyone on its roster."""
    from zugong.people.models import Person

    return {
        "orgs": Organization.objects.filter(path__startswith=org.path).count(),
        "people": Person.objects.filter(org_path__startswith=org.path).count(),
    }


@transaction.atomic
def denormalized_paths() -> list[tuple[type, str]]:
    """(model, field) of every copy of an organization's path kept on a record for its scope: the
    ``scope_path`` lookups that are a field of the model itself (``Person.org_path``, ``Transfer.from_path`` and
    ``to_path``, the dues ledger's and payments' ``org_path`` …)."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if model is Organization or not hasattr(model, "scope_path"):
            continue
        lookups = model.scope_path if isinstance(model.scope_path, tuple) else (model.scope_path,)
        for lookup in lookups:
            if "__" not in lookup and any(f.name == lookup for f in model._meta.concrete_fields):
                found.append((model, lookup))
    return found


def organization_move(*, actor, org: Organization, new_parent: Organization) -> Organization:
    """Move a subtree under a new parent: one UPDATE per table rewrites every descendant's path and every
    denormalized copy of those paths (``denormalized_paths``)."""
    from zugong.people.models import Person

    org = Organization.objects.select_for_update().get(pk=org.pk)
    new_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
    ensure_in_scope(actor, Action.MOVE, org)
    ensure_org_in_scope(actor, Action.MOVE, new_parent)
    if org.parent_id is None:
        raise ValidationError({"parent": "区委是最高一级组织，不能调整隶属关系。"})
    if not org.is_active:
        raise ValidationError("已撤销的组织不能调整隶属关系，请先恢复。")
    if new_parent.path.startswith(org.path):
        raise ValidationError({"parent": "不能把组织移到它自己或它的下级组织之下。"})
    _check_parent(org.org_type, new_parent)
    old_path, new_path = org.path, new_parent.path + org.segment()
    if old_path == new_path:
        raise ValidationError({"parent": "新的上级党组织与当前上级相同。"})
    deepest = Organization.objects.filter(path__startswith=old_path).aggregate(n=Max(Length("path")))["n"]
    if deepest - len(old_path) + len(new_path) > PATH_MAX:
        raise ValidationError({"parent": "移动后组织层级过深。"})
    before = audit.snapshot(org)
    depth_delta = new_parent.depth + 1 - org.depth
    cut = len(old_path) + 1

    def rewrite(field: str):
        return Concat(Value(new_path), Substr(field, cut))

    moved_orgs = Organization.objects.filter(path__startswith=old_path).update(
        path=rewrite("path"), depth=F("depth") + depth_delta
    )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent, updated_at=timezone.now())
    moved_people = 0
    for model, field in denormalized_paths():
        # The base QuerySet: a scoped manager's restrictions do not apply to this structural rewrite.
        moved = QuerySet(model).filter(**{f"{field}__startswith": old_path}).update(**{field: rewrite(field)})
        if model is Person:
            moved_people = moved
    org.refresh_from_db()
    ensure_in_scope(actor, Action.MOVE, org)
    audit.record_change(
        actor=actor,
        kind=AuditEvent.Kind.UPDATE,
        obj=org,
        before=before,
        detail={
            "moved_orgs": moved_orgs,
            "moved_people": moved_people,
            "old_path": old_path,
            "new_path": new_path,
        },
    )
    return org


@transaction.atomic
def organization_dissolve(*, actor, org: Organization, on: dt.date) -> Organization:
    from zugong.people.models import Person

    org = Organization.objects.select_for_update().get(pk=org.pk)
    ensure_in_scope(actor, Action.ARCHIVE, org)
    if not org.is_active:
        raise ValidationError("该组织已撤销。")
    if org.parent_id is None:
        raise ValidationError("区委不能撤销。")
    # 撤销 is decided by the superior organization: a grant on the organization itself is not enough.
    try:
        ensure_org_in_scope(actor, Action.ARCHIVE, org.parent)
    except PermissionDenied:
        raise PermissionDenied("撤销党组织须由上级党组织办理。")
    if on is None:
        raise ValidationError({"on": "请填写撤销日期。"})
    if on > timezone.localdate():
        raise ValidationError({"on": "撤销日期不能晚于今天。"})
    if org.founded_on and on < org.founded_on:
        raise ValidationError({"on": "撤销日期不能早于成立日期。"})
    if org.children.filter(status=OrgStatus.ACTIVE).exists():
        raise ValidationError("该组织还有未撤销的下级组织，请先撤销或调整下级组织。")
    if Person.objects.filter(org=org, archived_at__isnull=True).exists():
        raise ValidationError("该组织还有在册人员，请先办理组织关系转接。")
    if org.units.filter(archived_at__isnull=True).exists():
        raise ValidationError("该组织还覆盖着单位，请先调整这些单位的所属党组织。")
    before = audit.snapshot(org)
    org.status, org.dissolved_on = OrgStatus.DISSOLVED, on
    org.save(update_fields=["status", "dissolved_on", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.ARCHIVE, obj=org, before=before)
    return org


@transaction.atomic
def organization_restore(*, actor, org: Organization) -> Organization:
    org = Organization.objects.select_for_update().get(pk=org.pk)
    ensure_in_scope(actor, Action.ARCHIVE, org)
    if org.is_active:
        raise ValidationError("该组织未撤销。")
    if org.parent and not org.parent.is_active:
        raise ValidationError("上级组织已撤销，不能恢复。")
    before = audit.snapshot(org)
    org.status, org.dissolved_on = OrgStatus.ACTIVE, None
    org.save(update_fields=["status", "dissolved_on", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.RESTORE, obj=org, before=before)
    return org
