"""Writes to units (单位), their leadership teams (领导班子) and the teams' positions. Like the tree's
services: one transaction each, scope checked (and re-checked after the write), audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope

from .models import LeadershipTeam, Organization, TeamPosition, Unit, UnitKind
from .services import check_not_future, check_person_visible

UNIT_FIELDS = ("name", "short_name", "kind", "code", "organization")
TEAM_FIELDS = ("name", "is_district_managed")
POSITION_FIELDS = ("title", "person", "rank", "is_principal", "sort_order", "started_on")


# ---- units ------------------------------------------------------------------------------------------


def _check_unit_org(actor, action: str, organization: Organization) -> None:
    if organization is None:
        raise ValidationError({"organization": "请选择所属党组织。"})
    if not organization.is_active:
        raise ValidationError({"organization": "所选党组织已撤销。"})
    try:
        ensure_org_in_scope(actor, action, organization)
    except PermissionDenied:
        raise ValidationError({"organization": "所选党组织不在您的授权范围内。"})


def _clean_unit(unit: Unit) -> None:
    unit.name, unit.code, unit.short_name = unit.name.strip(), unit.code.strip(), unit.short_name.strip()
    if not unit.name:
        raise ValidationError({"name": "请填写单位名称。"})
    if not unit.code:
        raise ValidationError({"code": "请填写单位编码。"})
    if unit.kind not in UnitKind.values:
        raise ValidationError({"kind": "请选择有效的单位类别。"})
    if Unit.objects.filter(code=unit.code).exclude(pk=unit.pk).exists():
        raise ValidationError({"code": f"单位编码“{unit.code}”已被使用。"})
    unit.full_clean(exclude=["organization", "code"])


@transaction.atomic
def unit_create(
    *, actor, organization: Organization, name: str, kind: str, code: str, short_name: str = ""
) -> Unit:
    _check_unit_org(actor, Action.ADD, organization)
    unit = Unit(
        organization=organization, name=name or "", kind=kind, code=code or "", short_name=short_name or ""
    )
    _clean_unit(unit)
    unit.save()
    ensure_in_scope(actor, Action.VIEW, unit)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=unit)
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, **changes) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    ensure_in_scope(actor, Action.CHANGE, unit)
    before = audit.snapshot(unit)
    for field, value in changes.items():
        if field not in UNIT_FIELDS:
            raise ValueError(f"field {field} is not editable here")
        setattr(unit, field, "" if value is None and field != "organization" else value)
    if "organization" in changes and unit.organization_id != before["organization_id"]:
        _check_unit_org(actor, Action.CHANGE, unit.organization)
    _clean_unit(unit)
    unit.save()
    ensure_in_scope(actor, Action.CHANGE, unit)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=unit, before=before)
    return unit


# ---- leadership teams and their positions ----------------------------------------------------------


@transaction.atomic
def team_create(*, actor, unit: Unit, name: str, is_district_managed: bool = True) -> LeadershipTeam:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    ensure_in_scope(actor, Action.ADD, unit)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写班子名称。"})
    if unit.teams.filter(name=name, archived_at__isnull=True).exists():
        raise ValidationError({"name": f"该单位已有名为“{name}”的班子。"})
    team = LeadershipTeam(unit=unit, name=name, is_district_managed=bool(is_district_managed))
    team.full_clean(exclude=["unit"])
    team.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=team)
    return team


@transaction.atomic
def team_update(*, actor, team: LeadershipTeam, **changes) -> LeadershipTeam:
    team = LeadershipTeam.objects.select_for_update().get(pk=team.pk)
    ensure_in_scope(actor, Action.CHANGE, team)
    before = audit.snapshot(team)
    for field, value in changes.items():
        if field not in TEAM_FIELDS:
            raise ValueError(f"field {field} is not editable here")
        setattr(team, field, value.strip() if isinstance(value, str) else value)
    if not team.name:
        raise ValidationError({"name": "请填写班子名称。"})
    clash = team.unit.teams.filter(name=team.name, archived_at__isnull=True).exclude(pk=team.pk)
    if clash.exists():
        raise ValidationError({"name": f"该单位已有名为“{team.name}”的班子。"})
    team.full_clean(exclude=["unit"])
    team.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=team, before=before)
    return team


def _clean_position(actor, position: TeamPosition, person_changed: bool) -> None:
    from zugong.people.choices import Rank

    position.title = (position.title or "").strip()
    if not position.title:
        raise ValidationError({"title": "请填写职务名称。"})
    if position.rank and position.rank not in Rank.values:
        raise ValidationError({"rank": "请选择有效的职级。"})
    if person_changed:
        check_person_visible(actor, position.person, "person")
    check_not_future("started_on", position.started_on, "任职日期")
    if position.started_on and position.person is None:
        raise ValidationError({"started_on": "职位空缺时不应填写任职日期。"})
    position.full_clean(exclude=["team", "person"])


@transaction.atomic
def position_create(
    *,
    actor,
    team: LeadershipTeam,
    title: str,
    person=None,
    rank: str = "",
    is_principal: bool = False,
    sort_order: int = 0,
    started_on: dt.date | None = None,
) -> TeamPosition:
    team = LeadershipTeam.objects.select_for_update().get(pk=team.pk)
    ensure_in_scope(actor, Action.ADD, team)
    position = TeamPosition(
        team=team,
        title=title,
        person=person,
        rank=rank or "",
        is_principal=bool(is_principal),
        sort_order=sort_order or 0,
        started_on=started_on,
    )
    _clean_position(actor, position, person_changed=True)
    position.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=position)
    return position


@transaction.atomic
def position_update(*, actor, position: TeamPosition, **changes) -> TeamPosition:
    position = TeamPosition.objects.select_for_update().get(pk=position.pk)
    # The 党员 self clause lets a member *view* their own seat; changing it needs a subtree grant.
    ensure_in_scope(actor, Action.CHANGE, position)
    before = audit.snapshot(position)
    for field, value in changes.items():
        if field not in POSITION_FIELDS:
            raise ValueError(f"field {field} is not editable here")
        setattr(position, field, value)
    position.rank = position.rank or ""
    person_changed = "person" in changes and position.person_id != before["person_id"]
    _clean_position(actor, position, person_changed=person_changed)
    position.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=position, before=before)
    return position


@transaction.atomic
def position_delete(*, actor, position: TeamPosition) -> TeamPosition:
    """Remove a seat from a team: the row is archived (hidden from the team, kept for the record)."""
    position = TeamPosition.objects.select_for_update().get(pk=position.pk)
    ensure_in_scope(actor, Action.CHANGE, position)
    if position.is_archived:
        raise ValidationError("该职位已移除。")
    before = audit.snapshot(position)
    position.archived_at, position.archived_reason = timezone.now(), "从班子中移除"
    position.save(update_fields=["archived_at", "archived_reason", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.ARCHIVE, obj=position, before=before)
    return position
