"""Organization pages: tree, list, export, detail and the writes on one organization. Thin: objects come
through the scope check, writes go through ``services``, and a service's ValidationError lands on the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from zugong.core.exports import xlsx_response
from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import can, get_object_for_user
from zugong.core.views_helpers import (
    form_write,
    htmx_partial,
    invalid_filter_redirect,
    list_context,
    require_model_access,
    sorted_result,
    two_way_sorts,
)
from zugong.people.models import Person

from . import selectors, services
from .filters import OrganizationFilter
from .forms import CHOICE_LIMIT, DissolveForm, MoveForm, OrganizationForm
from .models import ALLOWED_CHILDREN, Organization, OrgType, Unit

ORG_SORTS = two_way_sorts(code=("code",), name=("name", "code"), type=("org_type", "code"))
ORG_COLUMNS = [
    ("组织编码", lambda o: o.code),
    ("组织名称", lambda o: o.name),
    ("简称", lambda o: o.short_name),
    ("组织类别", lambda o: o.get_org_type_display()),
    ("细分类别", lambda o: o.category),
    ("上级党组织", lambda o: o.parent.name if o.parent_id else ""),
    ("成立日期", lambda o: o.founded_on),
    ("状态", lambda o: o.get_status_display()),
    ("撤销日期", lambda o: o.dissolved_on),
]
MEMBERS_SHOWN = 20


def check_within(request, param: str, action: str) -> None:
    """A list filtered by a subtree (``?within=pk``) must name an organization the user may ``action``:
    asking for another branch's subtree is a 404, as it is on that branch's own page."""
    raw = request.GET.get(param, "")
    if raw.isdigit():
        get_object_for_user(request.user, Organization, action, pk=int(raw))


def _filtered_orgs(request, action: str):
    check_within(request, "within", action)
    qs = Organization.objects.restrict(request.user, action).select_related("parent")
    fs = OrganizationFilter(request.GET, queryset=qs)
    return fs, sorted_result(request, fs, ORG_SORTS, "code")


# ---- reading ----------------------------------------------------------------------------------------


@login_required
def tree(request):
    require_model_access(request.user, Organization, Action.VIEW)
    roots = selectors.tree_roots(request.user)
    if len(roots) <= 5:
        # Open the first level straight away; deeper levels load on demand.
        for root in roots:
            root.kids = selectors.children_with_counts(request.user, root)
    return render(request, "orgs/tree.html", {"nodes": roots})


@login_required
def tree_children(request, pk: int):
    org = get_object_for_user(request.user, Organization, Action.VIEW, pk=pk)
    if not htmx_partial(request):
        return redirect("orgs:detail", pk=org.pk)
    nodes = selectors.children_with_counts(request.user, org)
    return render(request, "orgs/htmx/tree_nodes.html", {"nodes": nodes, "parent": org})


@login_required
def org_list(request):
    require_model_access(request.user, Organization, Action.VIEW)
    fs, result = _filtered_orgs(request, Action.VIEW)
    context = list_context(request, fs, result, model=Organization, sorts=ORG_SORTS)
    context["can_add"] = can(request.user, Action.ADD, model=Organization)
    return render(request, "orgs/list.html", context)


@login_required
def org_export(request):
    require_model_access(request.user, Organization, Action.EXPORT)
    fs, result = _filtered_orgs(request, Action.EXPORT)
    if result is None:
        return invalid_filter_redirect(request, "orgs:list")
    return xlsx_response(
        request=request,
        queryset=result,
        filename="党组织",
        title="党组织",
        columns=ORG_COLUMNS,
        what="organizations",
    )


@login_required
def detail(request, pk: int):
    user = request.user
    org = get_object_for_user(user, Organization, Action.VIEW, pk=pk)
    members = (
        Person.objects.restrict(user, Action.VIEW)
        .filter(org=org, archived_at__isnull=True)
        .select_related("membership", "cadre")
        .order_by("name_stroke_key", "id")
    )
    may_hold_children = bool(ALLOWED_CHILDREN[OrgType(org.org_type)])
    active, has_parent = org.is_active, org.parent_id is not None
    actions = {
        "change": active and can(user, Action.CHANGE, org),
        "add": active and may_hold_children and can(user, Action.ADD, org),
        "add_unit": active and can(user, Action.ADD, org),
        "move": active and has_parent and can(user, Action.MOVE, org),
        "dissolve": active and has_parent and can(user, Action.ARCHIVE, org.parent),
        "restore": not active and can(user, Action.ARCHIVE, org),
        "export": can(user, Action.EXPORT, org),
    }
    return render(
        request,
        "orgs/detail.html",
        {
            "org": org,
            "ancestors": selectors.visible_ancestors(user, org),
            "children": selectors.children_with_counts(user, org),
            "counts": selectors.subtree_counts(org),
            "members": members[:MEMBERS_SHOWN],
            "member_total": members.count(),
            "members_shown": MEMBERS_SHOWN,
            "units": Unit.objects.restrict(user, Action.VIEW).filter(organization=org).order_by("code"),
            "actions": actions,
            "any_action": any(actions.values()),
        },
    )


# ---- writing ----------------------------------------------------------------------------------------


def form_page(request, form, *, title: str, cancel_url: str, **extra):
    """The plain form page of the organization and unit writes."""
    return render(
        request, "orgs/form.html", {"form": form, "title": title, "cancel_url": cancel_url, **extra}
    )


@login_required
def create(request):
    """New organization: under the parent named in ``?parent=`` (the button on its page), or under one
    chosen in the form (the button on the list)."""
    user = request.user
    raw = request.GET.get("parent", "")
    parent = None
    if raw.isdigit():
        parent = get_object_for_user(user, Organization, Action.ADD, pk=int(raw))
        if not parent.is_active or not ALLOWED_CHILDREN[OrgType(parent.org_type)]:
            messages.error(request, f"{parent.name}下不能设立下级组织。")
            return redirect("orgs:detail", pk=parent.pk)
    elif raw:
        raise Http404("上级党组织不存在。")
    else:
        require_model_access(user, Organization, Action.ADD)
    form = OrganizationForm(request.POST or None, user=user, parent=parent, choose_parent=parent is None)
    done = form_write(
        request,
        form,
        lambda data: services.organization_create(actor=user, parent=data.pop("parent", parent), **data),
        message=lambda org: f"已设立“{org.name}”。",
        success_url=lambda org: reverse("orgs:detail", args=[org.pk]),
    )
    if done is not None:
        return done
    return form_page(
        request,
        form,
        title=f"新增下级组织：{parent.name}" if parent else "新增党组织",
        cancel_url=reverse("orgs:detail", args=[parent.pk]) if parent else reverse("orgs:list"),
    )


@login_required
def edit(request, pk: int):
    user = request.user
    org = get_object_for_user(user, Organization, Action.CHANGE, pk=pk)
    if not org.is_active:
        messages.error(request, "该组织已撤销，请先恢复再修改。")
        return redirect("orgs:detail", pk=org.pk)
    initial = {f: getattr(org, f) for f in services.EDITABLE_FIELDS}
    form = OrganizationForm(request.POST or None, initial=initial, user=user, parent=org.parent, org=org)
    done = form_write(
        request,
        form,
        lambda data: services.organization_update(actor=user, org=org, **data),
        message="已保存。",
        success_url=reverse("orgs:detail", args=[org.pk]),
    )
    if done is not None:
        return done
    return form_page(
        request, form, title=f"修改：{org.name}", cancel_url=reverse("orgs:detail", args=[org.pk])
    )


@login_required
def move(request, pk: int):
    """Two steps: choose the new parent, then confirm after seeing how much moves with the organization."""
    user = request.user
    org = get_object_for_user(user, Organization, Action.MOVE, pk=pk)
    q = request.GET.get("q", "")
    shown = selectors.move_targets(user, org, q)
    form = MoveForm(request.POST or None, targets=selectors.move_targets(user, org), shown=shown)
    context = {"org": org, "form": form, "q": q, "shown_count": shown.count(), "limit": CHOICE_LIMIT}
    if request.method == "POST" and form.is_valid():
        new_parent = form.cleaned_data["new_parent"]
        if request.POST.get("confirm") != "1":
            context.update(new_parent=new_parent, impact=services.move_impact(org))
            return render(request, "orgs/move_confirm.html", context)
        try:
            services.organization_move(actor=user, org=org, new_parent=new_parent)
        except ValidationError as exc:
            attach_service_error(form, exc, aliases={"parent": "new_parent", "org_type": "new_parent"})
        else:
            messages.success(request, f"已将“{org.name}”及其下级组织调整到“{new_parent.name}”之下。")
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/move.html", context)


@login_required
def dissolve(request, pk: int):
    user = request.user
    org = get_object_for_user(user, Organization, Action.ARCHIVE, pk=pk)
    if org.parent_id is None or not can(user, Action.ARCHIVE, org.parent):
        raise PermissionDenied("撤销党组织须由上级党组织办理。")
    if not org.is_active:
        messages.info(request, "该组织已撤销。")
        return redirect("orgs:detail", pk=org.pk)
    form = DissolveForm(request.POST or None)
    done = form_write(
        request,
        form,
        lambda data: services.organization_dissolve(actor=user, org=org, on=data["on"]),
        message=f"已撤销“{org.name}”。",
        success_url=reverse("orgs:detail", args=[org.pk]),
    )
    if done is not None:
        return done
    return render(request, "orgs/dissolve.html", {"org": org, "form": form})


@login_required
def restore(request, pk: int):
    user = request.user
    org = get_object_for_user(user, Organization, Action.ARCHIVE, pk=pk)  # scope first, then the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.organization_restore(actor=user, org=org)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已恢复“{org.name}”。")
    return redirect("orgs:detail", pk=org.pk)
