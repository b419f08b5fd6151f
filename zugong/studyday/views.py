"""学习日 and 三会一课 staff pages (namespace "studyday"): what they share — the staff gate, fetching a record
through the scope check, safe "next" links, files — and the landing page. Plans are in ``views_plans``,
sessions in ``views_sessions``, a session's attendance, its screen and leave in ``views_attendance``, notes
review in ``views_review``, statistics in ``views_stats``, the working-day calendar in ``views_calendar``.

Every page is for staff (a grant of 组织部管理员, 书记 or 组织委员 over some subtree): a plain 党员 and the
三员 get 403 on a list and 404 on a record; a record outside the user's subtree is a 404."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

from zugong.core.roles import Action
from zugong.core.scope import get_object_for_user, grant_paths

from . import selectors
from .selectors_compliance import active_requirements

SERVICE_ERRORS = (ValidationError, PermissionDenied)


def require_staff(user, action: str = Action.VIEW) -> None:
    """Lists and forms: 403 for a user with no grant that lets them ``action`` anything."""
    if not grant_paths(user, action):
        raise PermissionDenied("您没有办理学习日和三会一课的权限。")


def staff_object(request, model, pk: int, action: str = Action.VIEW, **lookup):
    """A record for the staff pages: 404 for a user who is not staff (a member's own notes are theirs to
    see on their own pages, not here) or when out of view, 403 when seen but not ``action``-able."""
    if not grant_paths(request.user, Action.VIEW):
        raise Http404("记录不存在或不在您的授权范围内。")
    return get_object_for_user(request.user, model, action, pk=pk, **lookup)


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def error_text(exc) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


def file_response(name: str, content_type: str, data: bytes, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def week_bounds(today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Monday 00:00 to next Monday 00:00, local time."""
    today = today or timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time()))
    return start, start + dt.timedelta(days=7)


@login_required
@require_safe
def home(request):
    user = request.user
    require_staff(user)
    start, end = week_bounds()
    week = selectors.with_figures(
        selectors.sessions_for(user).filter(archived_at__isnull=True, starts_at__gte=start, starts_at__lt=end)
    ).order_by("starts_at", "id")[:50]
    context = {
        "week": week,
        "week_start": timezone.localtime(start).date(),
        "week_end": timezone.localtime(end).date() - dt.timedelta(days=1),
        "to_review": selectors.review_queue(user).count(),
        "leave_waiting": selectors.leave_queue(user).count(),
        "can_add": bool(grant_paths(user, Action.ADD)),
        "requirements": active_requirements(),
    }
    return render(request, "studyday/home.html", context)
