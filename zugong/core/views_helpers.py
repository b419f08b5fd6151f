"""Small helpers the pages share, so every module's lists, exports and forms behave the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse

from .forms import attach_service_error
from .roles import Action
from .scope import can


def htmx_partial(request) -> bool:
    """True when htmx asks for a fragment (and not for a whole page through hx-boost)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def require_model_access(user, model, action: str, message: str = "您没有访问该页面的权限。") -> None:
    """Lists, exports and "new" pages: 403 for a user with no grant that lets them ``action`` any record
    of ``model`` (a plain 党员, the 三员)."""
    if not can(user, action, model=model):
        raise PermissionDenied(message)


# ---- lists and exports ------------------------------------------------------------------------------


def paginate(request, queryset, per_page: int | None = None):
    """A page of ``queryset`` and the query string without ``page`` (for the pager's links)."""
    paginator = Paginator(queryset, per_page or settings.ZUGONG_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()


def two_way_sorts(**orders: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """A list's sort keys: each column ``key`` in its fields' order, and ``-key`` with every field
    reversed."""
    sorts = {}
    for key, fields in orders.items():
        sorts[key] = fields
        sorts[f"-{key}"] = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
    return sorts


def sort_of(request, sorts: dict, default: str) -> str:
    value = request.GET.get("sort", default)
    return value if value in sorts else default


def sort_links(request, sorts: dict) -> tuple[str, dict]:
    """The current sort and, per column, the query string that sorts by it (toggling the direction)."""
    current = request.GET.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    links = {}
    for key in sorts:
        if key.startswith("-"):
            continue
        params["sort"] = f"-{key}" if current == key else key
        links[key] = params.urlencode()
    return current, links


def sorted_result(request, filterset, sorts: dict, default: str):
    """The filtered queryset in the requested order, or None when the filter is invalid: such a list
    shows nothing and says why, rather than everything."""
    if not filterset.is_valid():
        return None
    return filterset.qs.order_by(*sorts[sort_of(request, sorts, default)])


def list_context(request, filterset, queryset, *, model, sorts: dict | None = None) -> dict:
    """What every filtered list page shows: the filter, a page of ``queryset`` (None: an empty page),
    the pager's query string, the sort links (with ``sorts``) and whether the user may export."""
    page, qs = paginate(request, queryset if queryset is not None else model.objects.none())
    context = {"filter": filterset, "page": page, "qs": qs}
    if sorts is not None:
        context["sort"], context["sort_links"] = sort_links(request, sorts)
    context["can_export"] = can(request.user, Action.EXPORT, model=model)
    return context


def invalid_filter_redirect(request, list_url_name: str):
    """An export asked with an invalid filter goes back to the list, filter kept, to be corrected."""
    messages.error(request, "筛选条件有误，请修改后再导出。")
    return redirect(f"{reverse(list_url_name)}?{request.GET.urlencode()}")


# ---- forms ------------------------------------------------------------------------------------------


def form_write(
    request,
    form,
    write: Callable[[dict], Any],
    *,
    message: str | Callable[[Any], str],
    success_url: str | Callable[[Any], str],
    refusals: tuple[type[Exception], ...] = (ValidationError,),
):
    """The write step of a form page. On a valid POST, ``write(data)`` calls the service with a copy of
    the cleaned data. When it succeeds: a success ``message`` and a redirect to ``success_url`` (either
    may be a function of what the service returned). When it refuses with one of ``refusals``: the
    refusal goes on the form (see ``attach_service_error``). Returns the redirect, or None when the page
    should show the form (again)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = write(dict(form.cleaned_data))
    except refusals as exc:
        attach_service_error(form, exc)
        return None
    messages.success(request, message(result) if callable(message) else message)
    return redirect(success_url(result) if callable(success_url) else success_url)
