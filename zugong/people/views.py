"""Roster pages. Thin: objects only through ``get_object_for_user`` or ``restrict()``, reads through
selectors, writes through services (which check scope again and audit)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zugong.core.exports import xlsx_response
from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import can, get_object_for_user
from zugong.core.views_helpers import form_write, htmx_partial, list_context, require_model_access
from zugong.orgs.models import Organization

from . import selectors, services
from .forms import ArchiveForm, CadreRecordForm, MembershipForm, PersonForm, TransferForm
from .models import Person, Transfer

SERVICE_ERRORS = (ValidationError, PermissionDenied)


def _list_response(request, full_template, partial_template, context):
    response = render(request, partial_template if htmx_partial(request) else full_template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _posted(request):
    return request.POST if request.method == "POST" else None


# --- lists and exports ---------------------------------------------------------------------------


@login_required
@require_safe
def person_list(request):
    user = request.user
    filterset = selectors.person_filter(request, Action.VIEW)
    context = list_context(request, filterset, filterset.qs, model=Person)
    filterset.form.is_valid()  # cleaned_data holds the valid values even when another one is bad
    org_id = filterset.form.cleaned_data.get("org")
    selected_org = (
        Organization.objects.restrict(user, Action.VIEW).filter(pk=int(org_id)).first() if org_id else None
    )
    context.update(
        form=filterset.form,
        selected_org=selected_org,
        can_add=can(user, Action.ADD, model=Person),
        oob=htmx_partial(request),
    )
    return _list_response(request, "people/list.html", "people/_table.html", context)


@login_required
@require_safe
def person_export(request):
    require_model_access(request.user, Person, Action.EXPORT, "您没有导出人员名单的权限。")
    filterset = selectors.person_filter(request, Action.EXPORT)
    return xlsx_response(
        request=request,
        queryset=filterset.qs,
        filename="人员名单",
        title="人员名单",
        columns=selectors.PERSON_EXPORT_COLUMNS,
        what="people.person",
    )


@login_required
@require_safe
def transfer_list(request):
    filterset = selectors.transfer_filter(request, Action.VIEW)
    context = list_context(request, filterset, filterset.qs, model=Transfer)
    context["form"] = filterset.form
    return _list_response(request, "people/transfers.html", "people/_transfers_table.html", context)


@login_required
@require_safe
def transfer_export(request):
    require_model_access(request.user, Transfer, Action.EXPORT, "您没有导出转接记录的权限。")
    filterset = selectors.transfer_filter(request, Action.EXPORT)
    return xlsx_response(
        request=request,
        queryset=filterset.qs,
        filename="组织关系转接记录",
        title="组织关系转接记录",
        columns=selectors.TRANSFER_EXPORT_COLUMNS,
        what="people.transfer",
    )


@login_required
@require_safe
def org_options(request):
    """htmx: organizations for a picker, as radio buttons named ``field``.
    purpose=view (list filter, the user's scope), add (new person, member-holding orgs the user may add to),
    transfer (any active member-holding organization of the district)."""
    user = request.user
    purpose = request.GET.get("purpose", "view")
    field = "to_org" if purpose == "transfer" else "org"
    q = request.GET.get("org_q", "").strip()[:50]
    if purpose == "add":
        queryset = selectors.member_orgs(user, Action.ADD)
    elif purpose == "transfer":
        if not can(user, Action.TRANSFER, model=Person):
            raise PermissionDenied("您没有办理组织关系转接的权限。")
        queryset = selectors.transfer_target_orgs()
        exclude = request.GET.get("exclude", "")
        if exclude.isdigit():
            queryset = queryset.exclude(pk=int(exclude))
    else:
        queryset = Organization.objects.restrict(user, Action.VIEW)
    if q:
        orgs = selectors.org_search(queryset, q)
    elif purpose == "transfer":
        orgs = []
    else:
        orgs = selectors.scope_top_orgs(user, queryset)
    context = {"orgs": orgs, "field": field, "q": q, "purpose": purpose, "limit": selectors.ORG_PICK_LIMIT}
    return render(request, "people/_org_options.html", context)


# --- one person ----------------------------------------------------------------------------------


@login_required
@require_safe
def person_detail(request, pk: int):
    user = request.user
    person = get_object_for_user(user, Person, Action.VIEW, pk=pk)
    context = {
        "person": person,
        "age": selectors.person_age(person),
        "membership": person.membership_or_none,
        "cadre": selectors.person_cadre(person),
        "positions": selectors.person_team_positions(user, person),
        "transfers": selectors.person_transfers(user, person),
        "can_change": can(user, Action.CHANGE, person),
        "can_transfer": can(user, Action.TRANSFER, person),
        "can_archive": can(user, Action.ARCHIVE, person),
    }
    return render(request, "people/detail.html", context)


@login_required
@require_POST
def person_reveal(request, pk: int):
    """htmx: the clear value of one personal-data field, for those who may change the person; audited
    by the service and never cached."""
    user = request.user
    person = get_object_for_user(user, Person, Action.CHANGE, pk=pk)
    field = request.POST.get("field", "")
    if field not in services.REVEALABLE:
        return HttpResponseBadRequest("只能查看公民身份号码、联系电话或家庭住址。")
    value = services.person_reveal(actor=user, person=person, field=field)
    response = render(request, "people/_revealed.html", {"value": value, "label": services.REVEALABLE[field]})
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    user = request.user
    require_model_access(user, Person, Action.ADD, "您没有新增人员的权限。")
    orgs = selectors.member_orgs(user, Action.ADD)
    initial = {}
    wanted = request.GET.get("org", "")
    chosen = orgs.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    if chosen is None:
        only = list(orgs[:2])
        chosen = only[0] if len(only) == 1 else None
    if chosen is not None:
        initial["org"] = chosen.pk
    form = PersonForm(_posted(request), user=user, initial=initial)
    done = form_write(
        request,
        form,
        lambda _: services.person_create(actor=user, **form.service_kwargs()),
        message=lambda person: f"已新增人员：{person.name}。",
        success_url=lambda person: reverse("people:detail", args=[person.pk]),
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    if form.is_bound:
        chosen = form.cleaned_data.get("org")
    context = {"form": form, "chosen_org": chosen, "title": "新增人员"}
    return render(request, "people/person_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    user = request.user
    person = get_object_for_user(user, Person, Action.CHANGE, pk=pk)
    form = PersonForm(_posted(request), user=user, person=person)
    done = form_write(
        request,
        form,
        lambda _: services.person_update(actor=user, person=person, **form.service_kwargs()),
        message=lambda saved: f"已保存 {saved.name} 的基本信息。",
        success_url=reverse("people:detail", args=[person.pk]),
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    context = {"form": form, "person": person, "title": f"修改基本信息：{person.name}"}
    return render(request, "people/person_form.html", context)


def _simple_edit(request, pk, form_class, write, title, done):
    """The membership and cadre pages: one form, one service call."""
    user = request.user
    person = get_object_for_user(user, Person, Action.CHANGE, pk=pk)
    form = form_class(_posted(request), person=person)
    response = form_write(
        request,
        form,
        lambda data: write(actor=user, person=person, **data),
        message=done.format(name=person.name),
        success_url=reverse("people:detail", args=[person.pk]),
        refusals=SERVICE_ERRORS,
    )
    if response is not None:
        return response
    return render(
        request,
        "people/simple_form.html",
        {"form": form, "person": person, "title": title.format(name=person.name)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_membership(request, pk: int):
    return _simple_edit(
        request, pk, MembershipForm, services.membership_set, "党籍信息：{name}", "已保存 {name} 的党籍信息。"
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_cadre(request, pk: int):
    return _simple_edit(
        request,
        pk,
        CadreRecordForm,
        services.cadre_record_set,
        "干部信息：{name}",
        "已保存 {name} 的干部信息。",
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_transfer(request, pk: int):
    """Two steps: the form, then a confirmation page; only the confirmed POST writes."""
    user = request.user
    person = get_object_for_user(user, Person, Action.TRANSFER, pk=pk)
    if person.is_archived:
        messages.error(request, f"{person.name} 已归档，不能办理组织关系转接。")
        return redirect("people:detail", pk=person.pk)
    form = TransferForm(_posted(request), person=person)
    if request.method == "POST" and form.is_valid() and "back" not in request.POST:
        if request.POST.get("confirm") != "1":
            return render(request, "people/transfer_confirm.html", {"form": form, "person": person})
        try:
            transfer = services.person_transfer(actor=user, person=person, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            messages.success(
                request,
                f"已将 {person.name} 的组织关系从 {transfer.from_org.name} 转至 {transfer.to_org.name}。",
            )
            if Person.objects.restrict(user, Action.VIEW).filter(pk=person.pk).exists():
                return redirect("people:detail", pk=person.pk)
            return redirect("people:transfers")
    chosen = form.cleaned_data.get("to_org") if form.is_bound else None
    return render(
        request, "people/transfer_form.html", {"form": form, "person": person, "chosen_org": chosen}
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_archive(request, pk: int):
    user = request.user
    person = get_object_for_user(user, Person, Action.ARCHIVE, pk=pk)
    if person.is_archived:
        messages.info(request, f"{person.name} 已归档。")
        return redirect("people:detail", pk=person.pk)
    form = ArchiveForm(_posted(request))
    done = form_write(
        request,
        form,
        lambda data: services.person_archive(actor=user, person=person, reason=data["reason"]),
        message=f"已将 {person.name} 归档。",
        success_url=reverse("people:detail", args=[person.pk]),
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    return render(request, "people/archive.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def person_restore(request, pk: int):
    user = request.user
    person = get_object_for_user(user, Person, Action.ARCHIVE, pk=pk)
    if not person.is_archived:
        messages.info(request, f"{person.name} 未归档，无需恢复。")
        return redirect("people:detail", pk=person.pk)
    error = ""
    if request.method == "POST":
        try:
            services.person_restore(actor=user, person=person)
        except SERVICE_ERRORS as exc:
            error = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        else:
            messages.success(request, f"已恢复 {person.name} 的在册状态。")
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/restore.html", {"person": person, "error": error})
