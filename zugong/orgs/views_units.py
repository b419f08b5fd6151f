"""Unit and leadership-team pages: list, export, unit page with its teams and positions, and the forms
that create and edit units, teams and positions (all writes through ``services``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from zugong.core.exports import xlsx_response
from zugong.core.roles import Action
from zugong.core.scope import can, get_object_for_user
from zugong.core.views_helpers import paginate
from zugong.people.choices import Rank

from . import services
from .filters import UnitFilter
from .forms import PositionForm, TeamForm, UnitForm, attach_errors
from .models import LeadershipTeam, Organization, OrgStatus, TeamPosition, Unit
from .views import check_within, require_model_access, sort_links, sort_of

UNIT_SORTS = {
    "code": ("code",),
    "-code": ("-code",),
    "name": ("name", "code"),
    "-name": ("-name", "-code"),
    "kind": ("kind", "code"),
    "-kind": ("-kind", "-code"),
}
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
    sort = sort_of(request, UNIT_SORTS, "code")
    return fs, (fs.qs.order_by(*UNIT_SORTS[sort]) if fs.is_valid() else None)


@login_required
def unit_list(request):
    require_model_access(request.user, Unit, Action.VIEW)
    fs, result = _filtered_units(request, Action.VIEW)
    page, qs = paginate(request, result if result is not None else Unit.objects.none())
    current, links = sort_links(request, UNIT_SORTS)
    return render(
        request,
        "orgs/unit_list.html",
        {
            "filter": fs,
            "page": page,
            "qs": qs,
            "sort": current,
            "sort_links": links,
            "can_export": can(request.user, Action.EXPORT, model=Unit),
            "can_add": can(request.user, Action.ADD, model=Unit),
        },
    )


@login_required
def unit_export(request):
    require_model_access(request.user, Unit, Action.EXPORT)
    fs, result = _filtered_units(request, Action.EXPORT)
    if result is None:
        messages.error(request, "筛选条件有误，请修改后再导出。")
        return redirect(f"{reverse('orgs:unit_list')}?{request.GET.urlencode()}")
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
    if not can(user, Action.ADD, model=Unit):
        raise PermissionDenied("您没有新增单位的权限。")
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
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, f"已新增单位“{unit.name}”。")
            return redirect("orgs:unit_detail", pk=unit.pk)
    return render(
        request,
        "orgs/form.html",
        {"form": form, "title": "新增单位", "cancel_url": reverse("orgs:unit_list")},
    )


@login_required
def unit_edit(request, pk: int):
    user = request.user
    unit = get_object_for_user(user, Unit, Action.CHANGE, pk=pk)
    orgs = _active_orgs(user, Action.CHANGE) | Organization.objects.filter(pk=unit.organization_id)
    initial = {f: getattr(unit, f) for f in services.UNIT_FIELDS}
    form = UnitForm(request.POST or None, initial=initial, orgs=orgs, current=unit.organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("orgs:unit_detail", pk=unit.pk)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "title": f"修改单位：{unit.name}",
            "cancel_url": reverse("orgs:unit_detail", args=[unit.pk]),
        },
    )


@login_required
def team_create(request, unit_pk: int):
    user = request.user
    unit = get_object_for_user(user, Unit, Action.ADD, pk=unit_pk)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_create(actor=user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, "已新增领导班子。")
            return redirect("orgs:unit_detail", pk=unit.pk)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "title": f"新增领导班子：{unit.name}",
            "cancel_url": reverse("orgs:unit_detail", args=[unit.pk]),
        },
    )


@login_required
def team_edit(request, pk: int):
    user = request.user
    team = get_object_for_user(user, LeadershipTeam, Action.CHANGE, pk=pk)
    initial = {f: getattr(team, f) for f in services.TEAM_FIELDS}
    form = TeamForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(actor=user, team=team, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("orgs:unit_detail", pk=team.unit_id)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "title": f"修改领导班子：{team.name}",
            "cancel_url": reverse("orgs:unit_detail", args=[team.unit_id]),
        },
    )


def _position_data(form) -> dict:
    data = dict(form.cleaned_data)
    data["sort_order"] = data.get("sort_order") or 0
    return data


@login_required
def position_create(request, team_pk: int):
    user = request.user
    team = get_object_for_user(user, LeadershipTeam, Action.ADD, pk=team_pk)
    form = PositionForm(request.POST or None, user=user, unit=team.unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.position_create(actor=user, team=team, **_position_data(form))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, "已新增职位。")
            return redirect("orgs:unit_detail", pk=team.unit_id)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "title": f"新增职位：{team.name}",
            "cancel_url": reverse("orgs:unit_detail", args=[team.unit_id]),
        },
    )


@login_required
def position_edit(request, pk: int):
    user = request.user
    position = get_object_for_user(user, TeamPosition, Action.CHANGE, pk=pk)
    team = position.team
    initial = {f: getattr(position, f) for f in services.POSITION_FIELDS}
    form = PositionForm(
        request.POST or None, initial=initial, user=user, unit=team.unit, current=position.person
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.position_update(actor=user, position=position, **_position_data(form))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("orgs:unit_detail", pk=team.unit_id)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "title": f"修改职位：{team.name} {position.title}",
            "cancel_url": reverse("orgs:unit_detail", args=[team.unit_id]),
            "delete_url": reverse("orgs:position_delete", args=[position.pk]),
            "delete_confirm": f"确定要从班子中移除职位“{position.title}”吗？（记录将归档保留）",
        },
    )


@login_required
def position_delete(request, pk: int):
    user = request.user
    position = get_object_for_user(user, TeamPosition, Action.CHANGE, pk=pk)  # scope first, then the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    unit_id = position.team.unit_id
    try:
        services.position_delete(actor=user, position=position)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已移除职位“{position.title}”（已归档）。")
    return redirect("orgs:unit_detail", pk=unit_id)
