"""Small helpers every list view uses, so every module's lists behave the same."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator


def htmx_partial(request) -> bool:
    """True when htmx asks for a fragment (and not for a whole page through hx-boost)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def paginate(request, queryset, per_page: int | None = None):
    """A page of ``queryset`` and the query string without ``page`` (for the pager's links)."""
    paginator = Paginator(queryset, per_page or settings.ZUGONG_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()
