"""征求意见 and 整改 pages, mounted at /evaluations/issues/ (namespace "opinions"): the opinions (list with
search and filters, 录入, 从问卷导入, one opinion, 转为问题), the 问题清单 (filters, overdue rows in red, sorting
by deadline, its Excel and the 整改清单's), one issue with its steps, and the forms to create, edit, start,
close and reopen an issue. Thin: staff with a grant only; records through ``get_object_for_user`` /
``restrict()`` (another branch's record is a 404); writes through ``services_opinions``."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zugong.core.exports import xlsx_response
from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import can, get_object_for_user, grant_paths
from zugong.core.views_helpers import form_write, invalid_filter_redirect, paginate, sort_links, sort_of

from . import selectors_opinions as selectors
from . import services_opinions as services
from .forms_opinions import (
    IssueCloseForm,
    IssueEditForm,
    IssueForm,
    OpinionForm,
    OpinionImportForm,
    ReopenForm,
)
from .models_opinions import Issue, IssueStep, Opinion

SERVICE_ERRORS = (ValidationError, PermissionDenied)


def require_staff(user, action: str = Action.VIEW) -> None:
    """The staff pages: a grant over some subtree (not a plain 党员, not the 三员)."""
    if not grant_paths(user, action):
        raise PermissionDenied("您没有办理征求意见和整改工作的权限。")


def _opinion(request, pk: int, action: str = Action.VIEW) -> Opinion:
    require_staff(request.user)
    return get_object_for_user(request.user, Opinion, action, pk=pk, archived_at__isnull=True)


def _issue(request, pk: int, action: str = Action.VIEW) -> Issue:
    require_staff(request.user)
    return get_object_for_user(request.user, Issue, action, pk=pk, archived_at__isnull=True)


def _errors(exc) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


# ---- opinions -------------------------------------------------------------------------------------------


@login_required
@require_safe
def opinion_list(request):
    user = request.user
    require_staff(user)
    filterset = selectors.OpinionFilter(
        request.GET or None, queryset=selectors.opinions_for(user), request=request
    )
    valid = filterset.is_valid() if filterset.is_bound else True
    page, qs = paginate(request, filterset.qs if valid else Opinion.objects.none())
    can_add = bool(grant_paths(user, Action.ADD))
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "qs": qs,
        "groups": selectors.visit_groups(user),
        "can_add": can_add,
        "import_form": OpinionImportForm(user=user) if can_add else None,
    }
    return render(request, "evaluations/opinion_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def opinion_create(request):
    user = request.user
    require_staff(user, Action.ADD)
    form = OpinionForm(request.POST or None, user=user, initial={"received_on": timezone.localdate()})
    if not form.is_bound:
        first = form.fields["org"].queryset.first()
        form.initial["org"] = first.pk if first else None
    done = form_write(
        request,
        form,
        lambda data: services.opinion_add(actor=user, **data),
        message="已录入意见。",
        success_url=lambda o: reverse("opinions:opinion_detail", args=[o.pk]),
        refusals=SERVICE_ERRORS,
    )
    return done or render(request, "evaluations/opinion_form.html", {"form": form})


@login_required
@require_POST
def opinion_import(request):
    user = request.user
    require_staff(user, Action.ADD)
    form = OpinionImportForm(request.POST, user=user)
    back = reverse("opinions:opinion_list")
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    evaluation = form.cleaned_data["evaluation"]
    try:
        added = services.opinions_import_from_evaluation(actor=user, evaluation=evaluation)
    except SERVICE_ERRORS as exc:
        messages.error(request, _errors(exc))
        return redirect(back)
    if added:
        messages.success(request, f"已从“{evaluation.title}”导入 {added} 条文字意见。")
    else:
        messages.info(request, f"“{evaluation.title}”没有新的文字意见可导入（已导入的不会重复导入）。")
    return redirect(f"{back}?{urlencode({'evaluation': evaluation.pk})}")


@login_required
@require_safe
def opinion_detail(request, pk: int):
    opinion = _opinion(request, pk)
    issues = Issue.objects.restrict(request.user, Action.VIEW).filter(
        opinions=opinion, archived_at__isnull=True
    )
    context = {
        "opinion": opinion,
        "issues": issues.select_related("owner_unit", "owner_org"),
        "can_convert": bool(grant_paths(request.user, Action.ADD)),
    }
    return render(request, "evaluations/opinion_detail.html", context)


# ---- the 问题清单 -----------------------------------------------------------------------------------------


@login_required
@require_safe
def issue_list(request):
    user = request.user
    require_staff(user)
    filterset = selectors.issue_filter(request)
    valid = filterset.is_valid() if filterset.is_bound else True
    sort = sort_of(request, selectors.ISSUE_SORTS, selectors.ISSUE_SORT_DEFAULT)
    queryset = filterset.qs.order_by(*selectors.ISSUE_SORTS[sort]) if valid else Issue.objects.none()
    page, qs = paginate(request, queryset)
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "qs": qs,
        "counts": selectors.issue_counts(queryset) if valid else None,
        "today": timezone.localdate(),
        "can_add": bool(grant_paths(user, Action.ADD)),
        "can_export": bool(grant_paths(user, Action.EXPORT)),
    }
    context["sort"], context["sort_links"] = sort_links(request, selectors.ISSUE_SORTS)
    return render(request, "evaluations/issue_list.html", context)


def _export(request, *, filename: str, columns, what: str):
    require_staff(request.user, Action.EXPORT)
    filterset = selectors.issue_filter(request, Action.EXPORT)
    if filterset.is_bound and not filterset.is_valid():
        return invalid_filter_redirect(request, "opinions:issue_list")
    sort = sort_of(request, selectors.ISSUE_SORTS, selectors.ISSUE_SORT_DEFAULT)
    return xlsx_response(
        request=request,
        queryset=filterset.qs.order_by(*selectors.ISSUE_SORTS[sort]),
        filename=filename,
        title=filename,
        columns=columns,
        what=what,
    )


@login_required
@require_safe
def issue_export(request):
    return _export(
        request, filename="问题清单", columns=selectors.ISSUE_LIST_COLUMNS, what="evaluations.issues"
    )


@login_required
@require_safe
def rectification_export(request):
    return _export(
        request,
        filename="整改清单",
        columns=selectors.RECTIFICATION_COLUMNS,
        what="evaluations.rectification",
    )


# ---- one issue ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def issue_create(request):
    """转为问题: the opinions ticked on the list arrive as ``?opinions=1&opinions=2``."""
    user = request.user
    require_staff(user, Action.ADD)
    initial = {"category": Issue.Category.WORK_STYLE}
    chosen = Opinion.objects.none()
    if request.method == "GET":
        ids = [v for v in request.GET.getlist("opinions") if v.isdigit()][: services.MAX_OPINIONS_PER_ISSUE]
        chosen = (
            Opinion.objects.restrict(user, Action.VIEW)
            .filter(pk__in=ids, archived_at__isnull=True)
            .select_related("org")
        )
        initial["opinions"] = list(chosen)
        if chosen:
            first = chosen[0]
            initial["org"] = first.org_id
            initial["title"] = str(first)
            initial["description"] = "\n".join(o.text for o in chosen)[: services.MAX_TEXT]
    form = IssueForm(request.POST or None, user=user, initial=initial)
    if form.is_bound:
        chosen = Opinion.objects.restrict(user, Action.VIEW).filter(
            pk__in=[v for v in request.POST.getlist("opinions") if v.isdigit()]
        )
    elif "org" not in initial:
        first = form.fields["org"].queryset.first()
        form.initial["org"] = first.pk if first else None
    done = form_write(
        request,
        form,
        lambda data: services.issue_create(actor=user, **data),
        message=lambda i: f"已将“{i.title}”列入问题清单。",
        success_url=lambda i: reverse("opinions:issue_detail", args=[i.pk]),
        refusals=SERVICE_ERRORS,
    )
    return done or render(
        request, "evaluations/issue_form.html", {"form": form, "chosen": chosen, "create": True}
    )


@login_required
@require_safe
def issue_detail(request, pk: int):
    issue = _issue(request, pk)
    user = request.user
    can_change = can(user, Action.CHANGE, issue)
    steps = IssueStep.objects.filter(issue=issue).select_related("actor")
    context = {
        "issue": issue,
        "opinions": issue.opinions.select_related("evaluation").order_by("id"),
        "steps": steps,
        "sources": selectors.issue_sources(issue),
        "can_change": can_change,
        "today": timezone.localdate(),
    }
    return render(request, "evaluations/issue_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def issue_edit(request, pk: int):
    issue = _issue(request, pk, Action.CHANGE)
    user = request.user
    if issue.is_closed:
        messages.error(request, "该问题已整改完成，不能修改；如需继续整改，请先“重新整改”。")
        return redirect("opinions:issue_detail", pk=issue.pk)
    initial = {name: getattr(issue, name) for name in services.EDITABLE}
    form = IssueEditForm(request.POST or None, user=user, initial=initial)
    done = form_write(
        request,
        form,
        lambda data: services.issue_update(actor=user, issue=issue, changes=data),
        message="已保存。",
        success_url=reverse("opinions:issue_detail", args=[issue.pk]),
        refusals=SERVICE_ERRORS,
    )
    return done or render(request, "evaluations/issue_form.html", {"form": form, "issue": issue})


@login_required
@require_POST
def issue_start(request, pk: int):
    issue = _issue(request, pk, Action.CHANGE)
    try:
        services.issue_start(actor=request.user, issue=issue)
    except SERVICE_ERRORS as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "已开始整改。")
    return redirect("opinions:issue_detail", pk=issue.pk)


@login_required
@require_http_methods(["GET", "POST"])
def issue_close(request, pk: int):
    issue = _issue(request, pk, Action.CHANGE)
    user = request.user
    form = IssueCloseForm(
        request.POST or None, request.FILES or None, initial={"closed_on": timezone.localdate()}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("evidence")
            try:
                services.issue_close(
                    actor=user,
                    issue=issue,
                    evidence_name=upload.name if upload else "",
                    evidence=upload.read() if upload else None,
                    **data,
                )
            except SERVICE_ERRORS as exc:
                attach_service_error(form, exc)
            else:
                messages.success(request, f"“{issue.title}”已整改完成（销号）。")
                return redirect("opinions:issue_detail", pk=issue.pk)
        status = 400
    context = {"issue": issue, "form": form, "reopen": False}
    return render(request, "evaluations/issue_confirm.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def issue_reopen(request, pk: int):
    issue = _issue(request, pk, Action.CHANGE)
    form = ReopenForm(request.POST or None)
    done = form_write(
        request,
        form,
        lambda data: services.issue_reopen(actor=request.user, issue=issue, reason=data["reason"]),
        message=f"“{issue.title}”已重新列为整改中。",
        success_url=reverse("opinions:issue_detail", args=[issue.pk]),
        refusals=SERVICE_ERRORS,
    )
    return done or render(
        request, "evaluations/issue_confirm.html", {"issue": issue, "form": form, "reopen": True}
    )


@login_required
@require_safe
def issue_evidence(request, pk: int):
    issue = _issue(request, pk)
    try:
        name, content_type, data = services.issue_evidence(actor=request.user, issue=issue)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("opinions:issue_detail", pk=issue.pk)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
