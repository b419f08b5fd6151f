"""学分申报 pages: the training office's review list, one claim (its evidence, 通过 / 不通过 with a reason, the
claimant's 撤回), and the cadre's own pages (我的学分, phone-first, and 申报学分 with an evidence file). Claims are
read through ``get_object_for_user`` (another cadre's claim is a 404 even by its number); every decision goes
through ``services`` (which checks again and audits)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import get_object_for_user
from zugong.core.views_helpers import paginate

from . import selectors, services
from .forms_claims import ClaimFilterForm, ClaimForm, DecisionForm
from .models import Claim, CreditEntry, Reminder
from .views_progress import is_staff, require_staff, year_context, year_of

# ---- who ------------------------------------------------------------------------------------------------


def cadre_person(user):
    """The user's own person when it is a district cadre (区管干部), else None."""
    if not user.person_id or not services.is_district_cadre(user.person_id):
        return None
    return user.person


def require_cadre(request):
    """The cadre's own pages: a staff user without a cadre record is sent to the overview, anyone else 403."""
    person = cadre_person(request.user)
    if person is None:
        if is_staff(request.user):
            messages.info(request, "您不是区管干部，没有本人学分记录。")
            return None, redirect("training:overview")
        raise PermissionDenied("只有区管干部可以查看和申报本人学分。")
    return person, None


def claim_for(user, pk: int) -> Claim:
    """A claim the user may see (the claimant, staff in scope): another's is a 404, the 三员 and plain
    members 403."""
    if not is_staff(user) and cadre_person(user) is None:
        raise PermissionDenied("您没有查看学分申报的权限。")
    return get_object_for_user(user, Claim, Action.VIEW, pk=pk)


# ---- the office's list ----------------------------------------------------------------------------------------


@login_required
@require_safe
def claims(request):
    user = request.user
    require_staff(user)
    params = request.GET.copy()
    params.setdefault("status", Claim.Status.SUBMITTED)
    form = ClaimFilterForm(params)
    queryset = Claim.objects.restrict(user, Action.VIEW).select_related(
        "person", "person__unit", "decided_by"
    )
    if form.is_valid():
        status, name = form.cleaned_data["status"], form.cleaned_data["q"].strip()
        if status:
            queryset = queryset.filter(status=status)
        if name:
            queryset = queryset.filter(person__name__contains=name)
        if status == Claim.Status.SUBMITTED:  # first come, first served
            queryset = queryset.order_by("created_at", "id")
    else:
        queryset = queryset.none()
    page, qs = paginate(request, queryset)
    pending = Claim.objects.restrict(user, Action.VIEW).filter(status=Claim.Status.SUBMITTED).count()
    context = {
        "filter": form,
        "page": page,
        "qs": qs,
        "pending": pending,
        "is_office": services.is_training_office(user),
        "statuses": Claim.Status.choices,
        "status": form.cleaned_data.get("status", "") if form.is_valid() else "",
    }
    return render(request, "training/claims.html", context)


# ---- one claim ----------------------------------------------------------------------------------------------


def claim_page(request, claim: Claim, form: DecisionForm | None = None, status: int = 200):
    user = request.user
    office = services.is_training_office(user)
    submitted = claim.status == Claim.Status.SUBMITTED
    context = {
        "claim": claim,
        "entry": CreditEntry.objects.filter(claim=claim).first(),
        "is_office": office,
        "is_staff": is_staff(user),
        "form": form or DecisionForm(),
        "can_decide": office and submitted,
        "can_withdraw": submitted and user.person_id == claim.person_id,
    }
    return render(request, "training/claim.html", context, status=status)


@login_required
@require_safe
def claim(request, pk: int):
    return claim_page(request, claim_for(request.user, pk))


@login_required
@require_POST
def claim_decide(request, pk: int):
    user = request.user
    services.ensure_training_office(user)
    obj = get_object_for_user(user, Claim, Action.VIEW, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["approve"]
        try:
            obj = services.decide_claim(
                actor=user, claim=obj, approve=approve, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            attach_service_error(form, exc)
        else:
            if approve:
                entry = CreditEntry.objects.filter(claim=obj).first()
                credits = f"，计入 {entry.credits.normalize():f} 学分" if entry is not None else ""
                messages.success(request, f"已通过 {obj.person.name} 的学分申报“{obj.title}”{credits}。")
            else:
                messages.success(request, f"已退回 {obj.person.name} 的学分申报“{obj.title}”。")
            return redirect("training:claims")
    return claim_page(request, obj, form, status=400)


@login_required
@require_POST
def claim_withdraw(request, pk: int):
    user = request.user
    obj = claim_for(user, pk)
    try:
        services.withdraw_claim(actor=user, claim=obj)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("training:claim", pk=obj.pk)
    messages.success(request, f"已撤回学分申报“{obj.title}”。")
    return redirect("training:mine")


@login_required
@require_safe
def claim_evidence(request, pk: int):
    user = request.user
    obj = claim_for(user, pk)
    name, content_type, data = services.claim_evidence(actor=user, claim=obj)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ---- the cadre's own pages ------------------------------------------------------------------------------------


@login_required
@require_safe
def mine(request):
    person, away = require_cadre(request)
    if away is not None:
        return away
    year = year_of(request)
    data = selectors.progress_of(person, year)
    context = year_context(request, year)
    context.update(
        {
            "person": person,
            "data": data,
            "entries": data["entries"].select_related("activity"),
            "claims": data["claims"],
            "reminders": Reminder.objects.filter(person=person, year=year).order_by("-created_at", "-id")[:5],
        }
    )
    return render(request, "training/mine.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def claim_submit(request):
    person, away = require_cadre(request)
    if away is not None:
        return away
    user = request.user
    form = ClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("evidence")
        try:
            obj = services.submit_claim(
                actor=user, data=data, evidence_name=upload.name, evidence=upload.read()
            )
        except (ValidationError, PermissionDenied) as exc:
            attach_service_error(form, exc)
        else:
            messages.success(request, f"已提交学分申报“{obj.title}”，请等待干部教育科审核。")
            return redirect(f"{reverse('training:mine')}?year={obj.date.year}")
    return render(request, "training/mine_claim.html", {"form": form, "person": person})
