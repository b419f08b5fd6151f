"""测评 staff pages: the list, a new evaluation from a built-in form, one evaluation (subjects, voter classes,
code batches and their use), issuing codes (the slips are the answer to that POST: the plain codes exist only
then), voiding a code, going live, archiving, and the results with their Word report and the Excel of the raw
ballots. Thin: objects through ``get_object_for_user`` / ``restrict()`` (another branch's evaluation is a 404),
writes through ``services``."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zugong.core import audit
from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import can, get_object_for_user, grant_paths
from zugong.core.views_helpers import form_write, paginate
from zugong.orgs.models import Organization, OrgType

from . import documents, selectors, services
from . import spec as S
from .builtins import BUILTIN, Kind
from .combined import config_of as combined_config
from .forms import ArchiveForm, CodesForm, ConfirmForm, EvaluationForm, TemplateForm, VoidForm
from .models import BallotCode, CodeBatch, Evaluation, FormTemplate

SERVICE_ERRORS = (ValidationError, PermissionDenied)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def require_staff(user, action: str = Action.VIEW) -> None:
    """The staff pages: a grant over some subtree (not a plain 党员, not the 三员)."""
    if not grant_paths(user, action):
        raise PermissionDenied("您没有办理测评业务的权限。")


def _attachment(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _evaluation(request, pk: int, action: str = Action.VIEW) -> Evaluation:
    require_staff(request.user)
    return get_object_for_user(request.user, Evaluation, action, pk=pk)


@login_required
@require_safe
def evaluation_list(request):
    user = request.user
    require_staff(user)
    queryset = Evaluation.objects.restrict(user, Action.VIEW).select_related("org")
    q = " ".join(request.GET.get("q", "").split())[:50]
    kind = request.GET.get("kind", "")
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(org__name__icontains=q))
    if kind in Kind.values:
        queryset = queryset.filter(kind=kind)
    if request.GET.get("archived") != "1":
        queryset = queryset.filter(archived_at__isnull=True)
    page, qs = paginate(request, queryset.order_by("-opens_at", "-id"))
    context = {
        "page": page,
        "qs": qs,
        "q": q,
        "kind": kind,
        "kinds": Kind.choices,
        "archived": request.GET.get("archived") == "1",
        "can_create": bool(grant_paths(user, Action.ADD)),
        "now": timezone.now(),
    }
    return render(request, "evaluations/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_create(request):
    user = request.user
    require_staff(user, Action.ADD)
    orgs = (
        Organization.objects.restrict(user, Action.ADD)
        .filter(status="active", org_type__in=[OrgType.DISTRICT, OrgType.COMMITTEE, OrgType.GENERAL_BRANCH])
        .order_by("path")
    )
    now = timezone.localtime().replace(second=0, microsecond=0)
    initial = {"opens_at": now, "closes_at": now + dt.timedelta(days=3), "kind": request.GET.get("kind")}
    templates = FormTemplate.objects.restrict(user, Action.VIEW).filter(archived_at__isnull=True)
    form = EvaluationForm(request.POST or None, orgs=orgs, templates=templates, initial=initial)
    done = form_write(
        request,
        form,
        lambda _data: services.create_evaluation(actor=user, **form.service_kwargs()),
        message=lambda e: (
            f"已创建测评“{e.title}”（试用状态）。试用的选票不计入结果，确认无误后请“转为正式”。"
        ),
        success_url=lambda e: reverse("evaluations:detail", args=[e.pk]),
        refusals=SERVICE_ERRORS,
    )
    return done or render(request, "evaluations/form.html", {"form": form})


def _code_counts(evaluation) -> dict[int, dict[str, int]]:
    rows = (
        BallotCode.objects.filter(evaluation=evaluation)
        .values("batch", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[int, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["batch"], {})[r["state"]] = r["n"]
    return out


@login_required
@require_safe
def evaluation_detail(request, pk: int):
    evaluation = _evaluation(request, pk)
    user = request.user
    batches = list(
        CodeBatch.objects.filter(evaluation=evaluation).select_related("voter_class", "created_by")
    )
    counts = _code_counts(evaluation)
    for b in batches:
        b.states = counts.get(b.pk, {})
    can_change = can(user, Action.CHANGE, evaluation)
    context = {
        "evaluation": evaluation,
        "subjects": evaluation.subjects.all(),
        "voter_classes": evaluation.voter_classes.all(),
        "batches": batches,
        "results": selectors.results(evaluation),
        "can_change": can_change and not evaluation.is_archived,
        "codes_form": CodesForm(evaluation=evaluation),
        "void_form": VoidForm(),
        "vote_url": request.build_absolute_uri(reverse("vote:start")),
        "now": timezone.now(),
    }
    return render(request, "evaluations/detail.html", context)


@login_required
@require_POST
def codes_issue(request, pk: int):
    """The slips are this POST's answer: the plain codes are not kept anywhere."""
    evaluation = _evaluation(request, pk, Action.CHANGE)
    form = CodesForm(request.POST, evaluation=evaluation)
    back = reverse("evaluations:detail", args=[evaluation.pk])
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    voter_class, count = form.cleaned_data["voter_class"], form.cleaned_data["count"]
    try:
        batch, codes = services.issue_codes(
            actor=request.user, evaluation=evaluation, voter_class=voter_class, count=count
        )
    except SERVICE_ERRORS as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        return redirect(back)
    vote_url = request.build_absolute_uri(reverse("vote:start"))
    name = f"{evaluation.title}-{voter_class.name}-测评码{count}张-第{batch.pk}批"
    if form.cleaned_data["format"] == "pdf":
        content = documents.slips_pdf(evaluation, voter_class, codes, vote_url)
        return _attachment(content, f"{name}.pdf", "application/pdf")
    content = documents.slips_docx(evaluation, voter_class, codes, vote_url)
    return _attachment(content, f"{name}.docx", DOCX)


@login_required
@require_POST
def code_void(request, pk: int):
    evaluation = _evaluation(request, pk, Action.CHANGE)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.void_code(actor=request.user, evaluation=evaluation, code=form.cleaned_data["code"])
            messages.success(request, "测评码已作废。")
        except SERVICE_ERRORS as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.error(request, "请输入要作废的测评码。")
    return redirect("evaluations:detail", pk=evaluation.pk)


@login_required
@require_http_methods(["GET", "POST"])
def go_live(request, pk: int):
    evaluation = _evaluation(request, pk, Action.CHANGE)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.go_live(actor=request.user, evaluation=evaluation)
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            messages.success(
                request,
                f"已转为正式测评：删除试用选票 {result['test_ballots_deleted']} 张，"
                f"作废试用期间的测评码 {result['codes_voided']} 个。请重新生成正式测评码。",
            )
            return redirect("evaluations:detail", pk=evaluation.pk)
    return render(request, "evaluations/confirm.html", {"evaluation": evaluation, "form": form, "live": True})


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_archive(request, pk: int):
    evaluation = _evaluation(request, pk, Action.ARCHIVE)
    form = ArchiveForm(request.POST or None)
    done = form_write(
        request,
        form,
        lambda data: services.archive_evaluation(
            actor=request.user, evaluation=evaluation, reason=data["reason"]
        ),
        message="测评已归档，测评码不能再投票；结果仍可查看。",
        success_url=reverse("evaluations:list"),
        refusals=SERVICE_ERRORS,
    )
    return done or render(request, "evaluations/confirm.html", {"evaluation": evaluation, "form": form})


@login_required
@require_POST
def report_config(request, pk: int):
    """述职评议: the weights of the parts and the grade bands."""
    evaluation = _evaluation(request, pk, Action.CHANGE)
    config = combined_config(evaluation.spec)
    weights = {c["key"]: request.POST.get(f"w_{c['key']}", "").strip() for c in config["components"]}
    bands = {g: request.POST.get(f"band_{n}", "").strip() for n, g in enumerate(("好", "较好", "一般"))}
    try:
        services.set_report_config(actor=request.user, evaluation=evaluation, weights=weights, bands=bands)
        messages.success(request, "已保存综合评分设置，综合得分按新的权重和分数线计算。")
    except SERVICE_ERRORS as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    return redirect("evaluations:results", pk=evaluation.pk)


@login_required
@require_POST
def report_scores(request, pk: int):
    """述职评议: the department's scores of each secretary's written and on-site report."""
    evaluation = _evaluation(request, pk, Action.CHANGE)
    saved, errors = 0, []
    parts = [c for c in combined_config(evaluation.spec)["components"] if c["key"] != "democratic"]
    for subject in evaluation.subjects.all():
        scores = {c["key"]: request.POST.get(f"s{subject.pk}__{c['key']}", "").strip() for c in parts}
        try:
            services.set_report_scores(
                actor=request.user, evaluation=evaluation, subject=subject, scores=scores
            )
            saved += 1
        except SERVICE_ERRORS as exc:
            errors.append(f"{subject.label}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
    if errors:
        messages.error(request, "；".join(errors))
    if saved:
        messages.success(request, f"已保存 {saved} 名述职人的述职得分。")
    return redirect("evaluations:results", pk=evaluation.pk)


@login_required
@require_safe
def results(request, pk: int):
    evaluation = _evaluation(request, pk)
    data = selectors.results(evaluation)
    context = {
        "evaluation": evaluation,
        "data": data,
        "charts": selectors.chart_data(data),
        "can_change": can(request.user, Action.CHANGE, evaluation) and not evaluation.is_archived,
    }
    if evaluation.kind == Kind.REPORT:
        context["score_parts"] = [
            c for c in combined_config(evaluation.spec)["components"] if c["key"] != "democratic"
        ]
    return render(request, "evaluations/results.html", context)


@login_required
@require_safe
def results_report(request, pk: int):
    evaluation = _evaluation(request, pk, Action.EXPORT)
    content = documents.results_docx(selectors.results(evaluation))
    audit.record_event(
        actor=request.user, event="export", obj=evaluation, detail={"what": "evaluations.results_report"}
    )
    return _attachment(content, f"{evaluation.title}-测评结果报告.docx", DOCX)


@login_required
@require_safe
def ballots_export(request, pk: int):
    evaluation = _evaluation(request, pk, Action.EXPORT)
    user = request.user
    content = documents.ballots_xlsx(evaluation, user.display_name or user.username)
    audit.record_event(actor=user, event="export", obj=evaluation, detail={"what": "evaluations.ballots"})
    return _attachment(content, f"{evaluation.title}-原始选票.xlsx", XLSX)


# ---- the department's own forms (测评表) -----------------------------------------------------------------


def _template_orgs(user):
    return (
        Organization.objects.restrict(user, Action.ADD)
        .filter(status="active", org_type__in=[OrgType.DISTRICT, OrgType.COMMITTEE, OrgType.GENERAL_BRANCH])
        .order_by("path")
    )


@login_required
@require_safe
def templates(request):
    user = request.user
    require_staff(user)
    queryset = (
        FormTemplate.objects.restrict(user, Action.VIEW)
        .filter(archived_at__isnull=True)
        .select_related("org")
    )
    page, qs = paginate(request, queryset)
    return render(
        request,
        "evaluations/templates.html",
        {"page": page, "qs": qs, "kinds": Kind.choices, "can_create": bool(grant_paths(user, Action.ADD))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request):
    user = request.user
    require_staff(user, Action.ADD)
    kind = request.GET.get("kind") if request.GET.get("kind") in Kind.values else Kind.QUESTIONNAIRE
    initial = {"kind": kind, "lines": S.to_lines(BUILTIN[kind]), "name": f"{Kind(kind).label}（本单位）"}
    form = TemplateForm(request.POST or None, orgs=_template_orgs(user), initial=initial)
    done = form_write(
        request,
        form,
        lambda data: services.save_template(actor=user, **data),
        message=lambda t: f"已保存测评表“{t.name}”，新建测评时可以选用。",
        success_url=reverse("evaluations:templates"),
        refusals=SERVICE_ERRORS,
    )
    return done or render(request, "evaluations/template_form.html", {"form": form, "kinds": Kind.choices})


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, pk: int):
    user = request.user
    require_staff(user)
    template = get_object_for_user(user, FormTemplate, Action.CHANGE, pk=pk)
    initial = {
        "name": template.name,
        "kind": template.kind,
        "org": template.org,
        "lines": S.to_lines(template.spec),
    }
    form = TemplateForm(request.POST or None, orgs=_template_orgs(user) | Organization.objects.filter(pk=template.org_id),
                        initial=initial)  # fmt: skip
    form.fields["org"].disabled = True  # a form stays with its organization
    done = form_write(
        request,
        form,
        lambda data: services.save_template(
            actor=user,
            template=template,
            name=data["name"],
            kind=data["kind"],
            org=template.org,
            lines=data["lines"],
        ),
        message=lambda t: f"已保存测评表“{t.name}”（已建立的测评不受影响）。",
        success_url=reverse("evaluations:templates"),
        refusals=SERVICE_ERRORS,
    )
    return done or render(request, "evaluations/template_form.html", {"form": form, "template": template})
