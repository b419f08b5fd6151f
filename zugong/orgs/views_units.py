"""Unit and leadership-team pages: list, export, unit page with its teams and positions, and the forms
that create and edit units, teams and positions (all writes through ``services_units``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from zugong.core.exports import xlsx_response
from zugong.core.roles import Action
from zugong.core.scope import can, get_object_for_user
from zugong.core.views_helpers import (
    form_write,
    invalid_filter_redirect,
    list_context,
    require_model_access,
    sorted_result,
    two_way_sorts,
)
from zugong.people.choices import Rank

from . import services_units
from .filters import UnitFilter
from .forms import PositionForm, TeamForm, UnitForm
from .models import LeadershipTeam, Organization, OrgStatus, TeamPosition, Unit
from .views import check_within, form_page

UNIT_SORTS = two_way_sorts(code=("code",), name=("name", "code"), kind=("kind", "code"))
UNIT_COLUMNS = [
    ("单位编码", lambda u: u.code),
    ("单位名称", lambda u: u.name),
    ("简称", lambda u: u.short_name),
    ("单位类别", lambda u: u.get_kind_display()),
    ("所属党组织", lambda u: u.organization.name),
    ("所属党组织编码", lambda u: u.organization.code),
]
RANK_LABELS = dict(Rank.choices)


def _filtered_units(request, action: str):
    check_within(request, "org", action)
    qs = Unit.objects.restrict(request.user, action).select_related("organization")
    raw = request.GET.get("org", "")
    if raw.isdigit():
        org = Organization.objects.restrict(request.user, action).get(pk=int(raw))
        qs = qs.filter(organization__path__startswith=org.path)
    fs = UnitFilter(request.GET, queryset=qs)
    return fs, sorted_result(request, fs, UNIT_SORTS, "code")


@login_required
def unit_list(request):
    require_model_access(request.user, Unit, Action.VIEW)
    fs, result = _filtered_units(request, Action.VIEW)
    context = list_context(request, fs, result, model=Unit, sorts=UNIT_SORTS)
    context["can_add"] = can(request.user, Action.ADD, model=Unit)
    return render(request, "orgs/unit_list.html", context)


@login_required
def unit_export(request):
    require_model_access(request.user, Unit, Action.EXPORT)
    fs, result = _filtered_units(request, Action.EXPORT)
    if result is None:
        return invalid_filter_redirect(request, "orgs:unit_list")
    return xlsx_response(
        request=request, queryset=result, filename="单位", title="单位", columns=UNIT_COLUMNS, what="units"
    )


@login_required
def unit_detail(request, pk: int):
    user = request.user
    unit = get_object_for_user(user, Unit, Action.VIEW, pk=pk)
    positions = (
        TeamPosition.objects.filter(archived_at__isnull=True)
        .select_related("person")
        .order_by("sort_order", "id")
    )
    teams = list(
        LeadershipTeam.objects.restrict(user, Action.VIEW)
        .filter(unit=unit)
        .prefetch_related(Prefetch("positions", queryset=positions))
        .order_by("name")
    )
    for team in teams:
        for position in team.positions.all():
            position.rank_label = RANK_LABELS.get(position.rank, position.rank)
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "organization": unit.organization,
            "teams": teams,
            "can_change": can(user, Action.CHANGE, unit),
            "can_add": can(user, Action.ADD, unit),
        },
    )


def _active_orgs(user, action: str):
    return Organization.objects.restrict(user, action).filter(status=OrgStatus.ACTIVE)


@login_required
def unit_create(request):
    user = request.user
    require_model_access(user, Unit, Action.ADD, "您没有新增单位的权限。")
    initial = {}
    raw = request.GET.get("org", "")
    if raw.isdigit():
        initial["organization"] = get_object_for_user(user, Organization, Action.ADD, pk=int(raw))
    form = UnitForm(
        request.POST or None,
        initial=initial,
        orgs=_active_orgs(user, Action.ADD),
        current=initial.get("organization"),
    )
    done = form_write(
        request,
        form,
        lambda data: services_units.unit_create(actor=user, **data),
        message=lambda unit: f"已新增单位“{unit.name}”。",
        success_url=lambda unit: reverse("orgs:unit_detail", args=[unit.pk]),
    )
    if done is not None:
        return done
    return form_page(request, form, title="新增单位", cancel_url=reverse("orgs:unit_list"))


def _unit_page_form(request, form, write, *, unit_id: int, message: str, title: str, **extra):
    """The unit's own edit form and those of its teams and positions: saving or cancelling goes back to
    the unit's page."""
    unit_url = reverse("orgs:unit_detail", args=[unit_id])
    done = form_write(request, form, write, message=message, success_url=unit_url)
    if done is not None:
        return done
    return form_page(request, form, title=title, cancel_url=unit_url, **extra)


@login_required
def unit_edit(request, pk: int):
    user = request.user
    unit = get_object_for_user(user, Unit, Action.CHANGE, pk=pk)
    orgs = _active_orgs(user, Action.CHANGE) | Organization.objects.filter(pk=unit.organization_id)
    initial = {f: getattr(unit, f) for f in services_units.UNIT_FIELDS}
    return _unit_page_form(
        request,
        UnitForm(request.POST or None, initial=initial, orgs=orgs, current=unit.organization),
        lambda data: services_units.unit_update(actor=user, unit=unit, **data),
        unit_id=unit.pk,
        message="已保存。",
        title=f"修改单位：{unit.name}",
    )


@login_required
def team_create(request, unit_pk: int):
    user = request.user
    unit = get_object_for_user(user, Unit, Action.ADD, pk=unit_pk)
    return _unit_page_form(
        request,
        TeamForm(request.POST or None),
        lambda data: services_units.team_create(actor=user, unit=unit, **data),
        unit_id=unit.pk,
        message="已新增领导班子。",
        title=f"新增领导班子：{unit.name}",
    )


@login_required
def team_edit(request, pk: int):
    user = request.user
    team = get_object_for_user(user, LeadershipTeam, Action.CHANGE, pk=pk)
    initial = {f: getattr(team, f) for f in services_units.TEAM_FIELDS}
    return _unit_page_form(
        request,
        TeamForm(request.POST or None, initial=initial),
        lambda data: services_units.team_update(actor=user, team=team, **data),
        unit_id=team.unit_id,
        message="已保存。",
        title=f"修改领导班子：{team.name}",
    )


@login_required
def position_create(request, team_pk: int):
    user = request.user
    team = get_object_for_user(user, LeadershipTeam, Action.ADD, pk=team_pk)
    return _unit_page_form(
        request,
        PositionForm(request.POST or None, user=user, unit=team.unit),
        lambda data: services_units.position_create(actor=user, team=team, **data),
        unit_id=team.unit_id,
        message="已新增职位。",
        title=f"新增职位：{team.name}",
    )


@login_required
def position_edit(request, pk: int):
    user = request.user
    position = get_object_for_user(user, TeamPosition, Action.CHANGE, pk=pk)
    team = position.team
    initial = {f: getattr(position, f) for f in services_units.POSITION_FIELDS}
    return _unit_page_form(
        request,
        PositionForm(
            request.POST or None, initial=initial, user=user, unit=team.unit, current=position.person
        ),
        lambda data: services_units.position_update(actor=user, position=position, **data),
        unit_id=team.unit_id,
        message="已保存。",
        title=f"修改职位：{team.name} {position.title}",
        delete_url=reverse("orgs:position_delete", args=[position.pk]),
        delete_confirm=f"确定要从班子中移除职位“{position.title}”吗？（记录将归档保留）",
    )


@login_required
def position_delete(request, pk: int):
    user = request.user
    position = get_object_for_user(user, TeamPosition, Action.CHANGE, pk=pk)  # scope first, then the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    unit_id = position.team.unit_id
    try:
        services_units.position_delete(actor=user, position=position)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已移除职位“{position.title}”（已归档）。")
    return redirect("orgs:unit_detail", pk=unit_id)
