"""累计学分制 staff pages of the catalogue (培训项目: list, export, create, edit, archive), the attendance of a
class (班次考勤), and a cadre's manual entries (补录, 撤销). Thin: objects through ``get_object_for_user`` /
``restrict()`` (another branch's cadre or entry is a 404), writes through ``services`` (which check scope
again inside their transaction, audit and recompute)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe

from zugong.core.exports import xlsx_response
from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import can, get_object_for_user, grant_paths
from zugong.core.views_helpers import form_write, htmx_partial, paginate, sort_links
from zugong.orgs.models import Organization
from zugong.people.models import Person

from . import services
from .filters import ACTIVITY_SORTS, ActivityFilter
from .forms import ActivityForm, ArchiveForm, EntryForm, activity_initial
from .models import Activity, Category, CreditEntry, CreditRuleSet, Source

SERVICE_ERRORS = (ValidationError, PermissionDenied)
ATTENDANCE_LIMIT = 200  # cadres listed on the attendance page; a search narrows them


def require_staff(user, action: str = Action.VIEW) -> list[str]:
    """The staff pages: a grant over some subtree (not a plain 党员 or cadre, not the 三员)."""
    return services.ensure_training_staff(user, action)


def year_closed(year: int) -> bool:
    return CreditRuleSet.objects.filter(year=year, closed=True).exists()


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


# --- the catalogue -----------------------------------------------------------------------------------


def _activity_filter(request, action: str) -> ActivityFilter:
    queryset = Activity.objects.restrict(request.user, action).select_related("org")
    return ActivityFilter(request.GET or None, queryset=queryset, request=request)


@login_required
@require_safe
def activities(request):
    user = request.user
    require_staff(user)
    filterset = _activity_filter(request, Action.VIEW)
    valid = filterset.is_valid() if filterset.is_bound else True
    queryset = filterset.qs if valid else Activity.objects.none()
    page, qs = paginate(request, queryset)
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "qs": qs,
        "years": sorted(
            {*CreditRuleSet.objects.values_list("year", flat=True), timezone.localdate().year}, reverse=True
        ),
        "can_create": bool(grant_paths(user, Action.ADD)),
        "can_export": bool(grant_paths(user, Action.EXPORT)),
        "is_office": services.is_training_office(user),
    }
    context["sort"], context["sort_links"] = sort_links(request, ACTIVITY_SORTS)
    template = "training/catalogue_table.html" if htmx_partial(request) else "training/catalogue_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


ACTIVITY_EXPORT_COLUMNS = [
    ("名称", lambda a: a.title),
    ("类别", lambda a: a.get_category_display()),
    ("主办单位", lambda a: a.organizer),
    ("归属党组织", lambda a: a.org.name),
    ("开始日期", lambda a: a.start_date),
    ("结束日期", lambda a: a.end_date),
    ("天数", lambda a: a.days),
    ("学时", lambda a: a.hours),
    ("课程时长（分钟）", lambda a: a.minutes),
    ("授课学时", lambda a: a.hours_taught),
    ("级别", lambda a: a.get_level_display() if a.level else ""),
    ("地点", lambda a: a.location),
    ("状态", lambda a: "已归档" if a.archived_at else "在用"),
]


@login_required
@require_safe
def activities_export(request):
    require_staff(request.user, Action.EXPORT)
    filterset = _activity_filter(request, Action.EXPORT)
    if filterset.is_bound and not filterset.is_valid():
        messages.error(request, "筛选条件有误，请修改后再导出。")
        return redirect(f"{reverse('training:activities')}?{request.GET.urlencode()}")
    return xlsx_response(
        request=request,
        queryset=filterset.qs,
        filename="培训项目",
        title="培训项目",
        columns=ACTIVITY_EXPORT_COLUMNS,
        what="training.activities",
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request):
    user = request.user
    require_staff(user, Action.ADD)
    today = timezone.localdate()
    form = ActivityForm(
        request.POST if request.method == "POST" else None,
        user=user,
        initial={"start_date": today, "end_date": today, "category": Category.PARTY_SCHOOL},
    )
    if not form.is_bound:
        first = form.fields["org"].queryset.first()
        form.initial["org"] = first.pk if first else None
    done = form_write(
        request,
        form,
        lambda data: services.create_activity(actor=user, data=data),
        message=lambda a: f"已新增培训项目“{a.title}”。",
        success_url=lambda a: reverse("training:activity", args=[a.pk]),
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    return render(request, "training/activity_form.html", {"form": form, "title": "新增培训项目"})


@login_required
@require_safe
def activity(request, pk: int):
    user = request.user
    require_staff(user)
    obj = get_object_for_user(user, Activity, Action.VIEW, pk=pk)
    entries = (
        CreditEntry.objects.restrict(user, Action.VIEW)
        .filter(activity=obj, source=Source.ATTENDANCE, archived_at__isnull=True)
        .select_related("person", "person__unit")
        .order_by("person__name_stroke_key", "person_id")
    )
    page, qs = paginate(request, entries)
    closed = year_closed(obj.start_date.year)
    live = not obj.is_archived and not closed
    context = {
        "activity": obj,
        "page": page,
        "qs": qs,
        "closed": closed,
        "can_change": live and can(user, Action.CHANGE, obj),
        "can_archive": not obj.is_archived and can(user, Action.ARCHIVE, obj),
        "can_record": live
        and bool(grant_paths(user, Action.CHANGE))
        and obj.start_date <= timezone.localdate(),
        "can_withdraw": not closed and bool(grant_paths(user, Action.CHANGE)),
    }
    return render(request, "training/activity_detail.html", context)


def _changeable_activity(request, pk: int, action: str) -> Activity:
    require_staff(request.user, action)
    obj = get_object_for_user(request.user, Activity, action, pk=pk)
    if obj.is_archived:
        raise Http404("该培训项目已归档。")
    return obj


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int):
    user = request.user
    obj = _changeable_activity(request, pk, Action.CHANGE)
    form = ActivityForm(
        request.POST if request.method == "POST" else None, user=user, initial=activity_initial(obj)
    )
    offered = form.fields["org"].queryset
    if not offered.filter(pk=obj.org_id).exists():
        # The owner may lie below the organizations offered (a deep branch): keep it selectable.
        form.fields["org"].queryset = (offered | Organization.objects.filter(pk=obj.org_id)).order_by("path")
    done = form_write(
        request,
        form,
        lambda data: services.update_activity(actor=user, activity=obj, data=data),
        message=lambda a: f"已保存培训项目“{a.title}”。",
        success_url=reverse("training:activity", args=[obj.pk]),
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    return render(
        request, "training/activity_form.html", {"form": form, "activity": obj, "title": "修改培训项目"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_archive(request, pk: int):
    user = request.user
    obj = _changeable_activity(request, pk, Action.ARCHIVE)
    form = ArchiveForm(request.POST if request.method == "POST" else None)
    attended = CreditEntry.objects.filter(
        activity=obj, source=Source.ATTENDANCE, archived_at__isnull=True
    ).count()
    done = form_write(
        request,
        form,
        lambda data: services.archive_activity(actor=user, activity=obj, reason=data["reason"]),
        message=lambda a: (
            f"已归档培训项目“{a.title}”" + (f"，撤销其 {attended} 条考勤学分。" if attended else "。")
        ),
        success_url=reverse("training:activities"),
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    return render(
        request, "training/activity_archive.html", {"form": form, "activity": obj, "attended": attended}
    )


# --- attendance ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def activity_attendance(request, pk: int):
    """班次考勤: tick the district cadres (in the user's CHANGE scope) who attended, submit; the cadres
    already recorded are shown ticked and are skipped."""
    user = request.user
    require_staff(user, Action.CHANGE)
    obj = get_object_for_user(user, Activity, Action.VIEW, pk=pk)
    if obj.is_archived:
        raise Http404("该培训项目已归档。")
    errors: list[str] = []
    if request.method == "POST":
        ids = [i for i in map(services.parse_id, request.POST.getlist("person")) if i is not None]
        if not ids:
            errors.append("请勾选参加培训的干部。")
        else:
            try:
                added = services.record_attendance(actor=user, activity=obj, person_ids=ids)
            except SERVICE_ERRORS as exc:
                errors.extend(exc.messages if isinstance(exc, ValidationError) else [str(exc)])
            else:
                skipped = len(set(ids)) - added
                text = f"已登记 {added} 名干部参加“{obj.title}”。"
                if skipped:
                    text += f"另有 {skipped} 人此前已登记，未重复计入。"
                messages.success(request, text)
                return redirect("training:activity", obj.pk)
    q = (request.GET.get("q") or "").strip()[:40]
    cadres = services.district_cadres(user, Action.CHANGE).select_related("unit", "org")
    if q:
        cadres = cadres.filter(name__contains=q)
    total = cadres.count()
    shown = list(cadres.order_by("name_stroke_key", "id")[:ATTENDANCE_LIMIT])
    present = set(
        CreditEntry.objects.filter(
            activity=obj,
            source=Source.ATTENDANCE,
            archived_at__isnull=True,
            person_id__in=[c.pk for c in shown],
        ).values_list("person_id", flat=True)
    )
    context = {
        "activity": obj,
        "cadres": shown,
        "present": present,
        "total": total,
        "limited": total > len(shown),
        "limit": ATTENDANCE_LIMIT,
        "q": q,
        "errors": errors,
        "closed": year_closed(obj.start_date.year),
        "not_started": obj.start_date > timezone.localdate(),
    }
    return render(request, "training/activity_attendance.html", context)


# --- a cadre's manual entries ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def entry_add(request, pk: int):
    """补录: a credit record the catalogue does not hold, for a district cadre in the user's CHANGE scope."""
    user = request.user
    require_staff(user, Action.CHANGE)
    person = get_object_for_user(user, Person, Action.CHANGE, pk=pk, is_district_cadre=True)
    form = EntryForm(
        request.POST if request.method == "POST" else None, initial={"date": timezone.localdate()}
    )
    done = form_write(
        request,
        form,
        lambda data: services.add_entry(actor=user, person=person, data=data),
        message=lambda e: f"已为{person.name}补录“{e.title}”，计入 {e.credits} 学分。",
        success_url=reverse("training:cadre", args=[person.pk]),
        refusals=SERVICE_ERRORS,
    )
    if done is not None:
        return done
    return render(request, "training/entry_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def entry_archive(request, pk: int):
    """撤销 a credit record (kept, archived; the cadre's year is recomputed)."""
    user = request.user
    require_staff(user, Action.CHANGE)
    entry = get_object_for_user(user, CreditEntry, Action.CHANGE, pk=pk)
    if entry.is_archived:
        raise Http404("该学分记录已撤销。")
    form = ArchiveForm(request.POST if request.method == "POST" else None, label="撤销原因")
    back = safe_next(request, reverse("training:cadre", args=[entry.person_id]))
    if request.method == "POST" and form.is_valid():
        try:
            services.archive_entry(actor=user, entry=entry, reason=form.cleaned_data["reason"])
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            messages.success(request, f"已撤销{entry.person.name}的学分记录“{entry.title}”。")
            return redirect(back)
    context = {"form": form, "entry": entry, "back": back, "closed": year_closed(entry.year)}
    return render(request, "training/entry_archive.html", context)
