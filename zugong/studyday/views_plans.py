"""学习计划 pages: the plans (by organization and year, a search, pages), a new plan (its dates generated:
every Thursday by default, moved off holidays), one plan with a form per date (topic, materials, the date
itself), adding and removing a date, archiving the plan, and the link that creates a date's session."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import can, grant_paths
from zugong.core.views_helpers import form_write, paginate
from zugong.orgs.models import Organization, OrgStatus

from . import services
from .filters import PlanFilter
from .forms import PlanForm, PlanItemForm, ReasonForm
from .models import PlanItem, Session, StudyPlan
from .views import SERVICE_ERRORS, error_text, require_staff, staff_object


def plan_orgs(user):
    """The organizations the user may make a plan for."""
    return Organization.objects.restrict(user, Action.ADD).filter(status=OrgStatus.ACTIVE).order_by("path")


@login_required
@require_safe
def plan_list(request):
    user = request.user
    require_staff(user)
    queryset = (
        StudyPlan.objects.restrict(user, Action.VIEW)
        .select_related("org")
        .annotate(
            n_items=Count("items"), n_moved=Count("items", filter=~Q(items__date=F("items__scheduled")))
        )
    )
    filterset = PlanFilter(request.GET or None, queryset=queryset, request=request)
    valid = filterset.is_valid() if filterset.is_bound else True
    page, qs = paginate(request, filterset.qs if valid else StudyPlan.objects.none())
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "qs": qs,
        "can_create": bool(grant_paths(user, Action.ADD)),
    }
    return render(request, "studyday/plan_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    user = request.user
    require_staff(user, Action.ADD)
    orgs = plan_orgs(user)
    first = orgs.first()
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        orgs=orgs,
        initial={"year": timezone.localdate().year, "weekday": 4, "org": first.pk if first else None},
    )

    def message(plan):
        dates = plan.items.count()
        moved = plan.items.exclude(date=F("scheduled")).count()
        return f"已制定“{plan.title}”，共 {dates} 个学习日" + (
            f"，其中 {moved} 个因节假日顺延。" if moved else "。"
        )

    done = form_write(
        request,
        form,
        lambda data: services.create_plan(actor=user, **data),
        message=message,
        success_url=lambda plan: reverse("studyday:plan_detail", args=[plan.pk]),
        refusals=SERVICE_ERRORS,
    )
    return done or render(request, "studyday/plan_form.html", {"form": form})


@login_required
@require_safe
def plan_detail(request, pk: int):
    user = request.user
    plan = staff_object(request, StudyPlan, pk)
    live = Session.objects.filter(archived_at__isnull=True).order_by("starts_at")
    items = list(plan.items.prefetch_related(Prefetch("sessions", queryset=live, to_attr="live_sessions")))
    can_change = plan.archived_at is None and can(user, Action.CHANGE, plan)
    rows = [(item, PlanItemForm.for_item(item) if can_change else None) for item in items]
    context = {
        "plan": plan,
        "count": len(rows),
        "months": plan_months(rows, focus=request.GET.get("focus", ""), today=timezone.localdate()),
        "moved": sum(1 for item in items if item.moved),
        "can_change": can_change,
        "can_archive": plan.archived_at is None and can(user, Action.ARCHIVE, plan),
        "can_add_session": plan.archived_at is None and can(user, Action.ADD, plan),
        "add_form": PlanItemForm(auto_id="id_new_%s") if can_change else None,
    }
    return render(request, "studyday/plan_detail.html", context)


def plan_months(rows, *, focus: str, today) -> list[dict]:
    """The plan's dates by month. A year's plan is long on a phone: the months before this one start folded,
    except the month of the date just saved (``focus``, its id)."""
    months: list[dict] = []
    for item, form in rows:
        start = item.date.replace(day=1)
        if not months or months[-1]["start"] != start:
            months.append(
                {"start": start, "rows": [], "arranged": 0, "moved": 0, "open": start >= today.replace(day=1)}
            )
        month = months[-1]
        month["rows"].append((item, form))
        month["arranged"] += bool(item.live_sessions)
        month["moved"] += item.moved
        month["open"] = month["open"] or str(item.pk) == focus
    return months


def _live_plan(request, model, pk: int, action: str):
    """A plan (or one of its dates) the user may ``action``, while the plan is in use."""
    obj = staff_object(request, model, pk, action)
    plan = obj if isinstance(obj, StudyPlan) else obj.plan
    if plan.archived_at is not None:
        raise Http404("该学习计划已归档。")
    return obj, plan


def _back(plan: StudyPlan, item: PlanItem | None = None) -> str:
    url = reverse("studyday:plan_detail", args=[plan.pk])
    return f"{url}?focus={item.pk}#item-{item.pk}" if item is not None else url


@login_required
@require_http_methods(["GET", "POST"])
def plan_item_edit(request, pk: int):
    """One date's topic, materials and day (the plan's page posts each row here)."""
    user = request.user
    item, plan = _live_plan(request, PlanItem, pk, Action.CHANGE)
    form = PlanItemForm.for_item(item, request.POST if request.method == "POST" else None)
    done = form_write(
        request,
        form,
        lambda data: services.plan_item_set(actor=user, item=item, data=data),
        message=lambda i: f"已保存 {i.date:%Y-%m-%d} 的学习安排。",
        success_url=lambda i: _back(plan, i),
        refusals=SERVICE_ERRORS,
    )
    context = {"form": form, "plan": plan, "item": item}
    return done or render(request, "studyday/plan_item_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_item_add(request, pk: int):
    user = request.user
    plan, _ = _live_plan(request, StudyPlan, pk, Action.CHANGE)
    form = PlanItemForm(request.POST if request.method == "POST" else None, auto_id="id_new_%s")
    done = form_write(
        request,
        form,
        lambda data: services.plan_item_add(actor=user, plan=plan, data=data),
        message=lambda i: f"已增加学习日 {i.date:%Y-%m-%d}。",
        success_url=lambda i: _back(plan, i),
        refusals=SERVICE_ERRORS,
    )
    return done or render(request, "studyday/plan_item_form.html", {"form": form, "plan": plan, "item": None})


@login_required
@require_http_methods(["GET", "POST"])
def plan_item_remove(request, pk: int):
    user = request.user
    item, plan = _live_plan(request, PlanItem, pk, Action.CHANGE)
    error = ""
    if request.method == "POST":
        try:
            services.plan_item_remove(actor=user, item=item)
        except SERVICE_ERRORS as exc:
            error = error_text(exc)
        else:
            messages.success(request, f"已删除学习日 {item.date:%Y-%m-%d}。")
            return redirect(_back(plan))
    sessions = item.sessions.filter(archived_at__isnull=True)
    context = {"item": item, "plan": plan, "error": error, "sessions": sessions}
    return render(request, "studyday/plan_item_remove.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_archive(request, pk: int):
    user = request.user
    plan, _ = _live_plan(request, StudyPlan, pk, Action.ARCHIVE)
    form = ReasonForm(request.POST if request.method == "POST" else None, label="归档原因")
    if request.method == "POST" and form.is_valid():
        try:
            services.archive_plan(actor=user, plan=plan, reason=form.cleaned_data["reason"])
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            messages.success(request, f"已归档“{plan.title}”。")
            return redirect("studyday:plan_list")
    return render(request, "studyday/plan_archive.html", {"form": form, "plan": plan})
