"""The 审计管理员's pages: the audit list (filters, htmx, pager), one record's before/after side by side,
and the Excel export of the current filter (itself audited). Nobody else reads the log (三员分立): the
系统管理员, the 安全管理员 and the 组织部 admin get 403 like everyone else."""

from __future__ import annotations

import json
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from zugong.core.audit import Events, row_hash
from zugong.core.exports import xlsx_response
from zugong.core.models import AuditEvent
from zugong.core.roles import Role
from zugong.core.scope import user_roles
from zugong.core.views_helpers import htmx_partial, invalid_filter_redirect, paginate

from .filters import AuditEventFilter

EVENT_LABELS = dict(Events.choices)


def is_auditor(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and Role.AUDITOR in user_roles(user))


def auditor_required(view):
    @login_required
    @require_safe
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_auditor(request.user):
            raise PermissionDenied("只有审计管理员可以查看审计记录。")
        return view(request, *args, **kwargs)

    return wrapper


def _json_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def event_label(event: AuditEvent) -> str:
    if event.kind != AuditEvent.Kind.EVENT:
        return event.get_kind_display()
    return EVENT_LABELS.get(event.event, event.event)


EXPORT_COLUMNS = [
    ("编号", lambda e: e.pk),
    ("时间", lambda e: f"{timezone.localtime(e.at):%Y-%m-%d %H:%M:%S}"),
    ("操作人账号", lambda e: e.actor_name),
    ("IP", lambda e: e.ip),
    ("请求编号", lambda e: e.request_id),
    ("类型", lambda e: e.get_kind_display()),
    ("事件", lambda e: EVENT_LABELS.get(e.event, e.event)),
    ("对象类型", lambda e: e.object_type),
    ("对象编号", lambda e: e.object_id),
    ("对象", lambda e: e.object_repr),
    ("修改前", lambda e: _json_text(e.before)),
    ("修改后", lambda e: _json_text(e.after)),
    ("详情", lambda e: _json_text(e.detail)),
    ("哈希", lambda e: e.hash),
]


def _filtered(request):
    fs = AuditEventFilter(request.GET, queryset=AuditEvent.objects.all())
    return fs, (fs.qs.order_by("-id") if fs.is_valid() else None)


@auditor_required
def event_list(request):
    fs, result = _filtered(request)
    page, qs = paginate(request, result if result is not None else AuditEvent.objects.none())
    for e in page:
        e.label = event_label(e)
    context = {
        "filter": fs,
        "page": page,
        "qs": qs,
        "can_export": True,
        "event_choices": Events.choices,
    }
    partial = htmx_partial(request)
    response = render(request, "auditlog/_table.html" if partial else "auditlog/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@auditor_required
def event_export(request):
    fs, result = _filtered(request)
    if result is None:
        return invalid_filter_redirect(request, "auditlog:list")
    return xlsx_response(
        request=request,
        queryset=result,
        filename="审计记录",
        title="审计记录",
        columns=EXPORT_COLUMNS,
        what="audit_events",
    )


def _side_by_side(before: dict | None, after: dict | None) -> list[dict]:
    before, after = before or {}, after or {}
    keys = list(after) + [k for k in before if k not in after]
    return [
        {
            "field": k,
            "before": _json_text(before[k]) if k in before else "",
            "after": _json_text(after[k]) if k in after else "",
            "changed": k in before and k in after and before[k] != after[k],
        }
        for k in keys
    ]


@auditor_required
def event_detail(request, pk: int):
    event = get_object_or_404(AuditEvent, pk=pk)
    event.label = event_label(event)
    return render(
        request,
        "auditlog/detail.html",
        {
            "event": event,
            "rows": _side_by_side(event.before, event.after),
            "has_before": event.before is not None,
            "has_after": event.after is not None,
            "detail_text": json.dumps(event.detail, ensure_ascii=False, indent=2) if event.detail else "",
            "hash_ok": row_hash(event) == event.hash,
        },
    )
