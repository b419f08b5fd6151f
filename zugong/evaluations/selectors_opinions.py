"""Reads of 征求意见 and 整改: the filters of the opinion list and the 问题清单 (shared by the pages, the Excel
exports and the API, so that the same filter gives the same rows everywhere), their sort orders, the counts
above the 问题清单, and the columns of the two exports (问题清单, 整改清单). Every queryset here starts from
``restrict(user, action)``."""

from __future__ import annotations

import django_filters
from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone

from zugong.core.roles import Action
from zugong.orgs.models import Unit
from zugong.people.filters import StyledForm

from .models_opinions import VISIT_GROUPS, Issue, Opinion

# ---- opinions -------------------------------------------------------------------------------------------

CONVERTED = [("no", "未转为问题"), ("yes", "已转为问题")]


class OpinionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="意见内容/提出人", method="filter_q")
    source = django_filters.ChoiceFilter(label="来源", choices=Opinion.Source.choices, empty_label="全部")
    visit_group = django_filters.CharFilter(label="走访组", method="filter_group")
    evaluation = django_filters.NumberFilter(label="问卷（测评）", field_name="evaluation_id")
    converted = django_filters.ChoiceFilter(
        label="是否已转为问题", choices=CONVERTED, method="filter_converted", empty_label="全部"
    )

    class Meta:
        model = Opinion
        fields = ["q", "source", "visit_group", "evaluation", "converted"]
        form = StyledForm

    def filter_q(self, queryset, name, value):
        value = " ".join(value.split())[:50]
        if not value:
            return queryset
        return queryset.filter(Q(text__icontains=value) | Q(submitted_by__icontains=value))

    def filter_group(self, queryset, name, value):
        value = " ".join(value.split())[:50]
        return queryset.filter(visit_group=value) if value else queryset

    def filter_converted(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(issues__isnull=False).distinct()
        if value == "no":
            return queryset.filter(issues__isnull=True)
        return queryset


def opinions_for(user, action: str = Action.VIEW):
    """Current opinions the user may ``action``, newest first, with the number of issues made of each."""
    return (
        Opinion.objects.restrict(user, action)
        .filter(archived_at__isnull=True)
        .select_related("org", "evaluation")
        .annotate(issue_count=Count("issues", distinct=True))
        .order_by("-received_on", "-id")
    )


def visit_groups(user) -> list[str]:
    """The groups to offer in the filter: the three of the custom first, then any other typed in."""
    used = (
        Opinion.objects.restrict(user, Action.VIEW)
        .exclude(visit_group="")
        .values_list("visit_group", flat=True)
        .distinct()
        .order_by("visit_group")[:50]
    )
    return [*VISIT_GROUPS, *(g for g in used if g not in VISIT_GROUPS)]


# ---- issues ---------------------------------------------------------------------------------------------

ISSUE_SORTS = {
    "deadline": (F("deadline").asc(nulls_last=True), "id"),
    "-deadline": (F("deadline").desc(nulls_last=True), "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}
ISSUE_SORT_DEFAULT = "deadline"
OVERDUE = [("1", "仅逾期")]


def _visible_units(request):
    user = getattr(request, "user", None)
    units = Unit.objects.filter(archived_at__isnull=True).order_by("code")
    return units.restrict(user, Action.VIEW) if user is not None else units


class IssueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="问题", method="filter_q")
    status = django_filters.ChoiceFilter(label="状态", choices=Issue.Status.choices, empty_label="全部")
    category = django_filters.ChoiceFilter(label="类别", choices=Issue.Category.choices, empty_label="全部")
    owner_unit = django_filters.ModelChoiceFilter(
        label="责任单位", queryset=_visible_units, empty_label="全部"
    )
    overdue = django_filters.ChoiceFilter(
        label="逾期", choices=OVERDUE, method="filter_overdue", empty_label="全部"
    )

    class Meta:
        model = Issue
        fields = ["q", "status", "category", "owner_unit", "overdue"]
        form = StyledForm

    def filter_q(self, queryset, name, value):
        value = " ".join(value.split())[:50]
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(timezone.localdate()) if value == "1" else queryset


def issues_for(user, action: str = Action.VIEW):
    """Current issues the user may ``action``, with what a list row shows (owner, source opinions)."""
    return (
        Issue.objects.restrict(user, action)
        .filter(archived_at__isnull=True)
        .select_related("org", "owner_unit", "owner_org")
        .prefetch_related(Prefetch("opinions", queryset=Opinion.objects.order_by("id")))
    )


def issue_filter(request, action: str = Action.VIEW) -> IssueFilter:
    return IssueFilter(request.GET or None, queryset=issues_for(request.user, action), request=request)


def issue_counts(queryset, today=None) -> dict:
    """共 / 待整改 / 整改中 / 已整改 / 逾期 of a (restricted, filtered) queryset, in one query."""
    today = today or timezone.localdate()
    closed = Issue.Status.CLOSED
    return queryset.order_by().aggregate(
        total=Count("id"),
        pending=Count("id", filter=Q(status=Issue.Status.PENDING)),
        in_progress=Count("id", filter=Q(status=Issue.Status.IN_PROGRESS)),
        closed=Count("id", filter=Q(status=closed)),
        overdue=Count("id", filter=~Q(status=closed) & Q(deadline__lt=today)),
    )


def issue_sources(issue: Issue) -> str:
    """来源 of an issue: the distinct sources of its opinions (走访 with its group), in the order first seen."""
    labels = dict.fromkeys(o.source_label for o in sorted(issue.opinions.all(), key=lambda o: o.pk))
    return "、".join(labels) or "其他"


# ---- the two exports ------------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _completion(issue: Issue) -> str:
    label = issue.get_status_display()
    return f"{label}（已逾期）" if issue.is_overdue else label


def _evidence(issue: Issue) -> str:
    if not issue.is_closed:
        return ""
    if issue.evidence_name:
        return f"{issue.evidence_text}（附件：{issue.evidence_name}）"
    return issue.evidence_text


ISSUE_LIST_COLUMNS = [
    ("问题", lambda i: i.title),
    ("类别", lambda i: i.get_category_display()),
    ("来源", issue_sources),
    ("责任单位", lambda i: i.owner_label),
    ("整改时限", lambda i: i.deadline),
    ("状态", lambda i: i.get_status_display()),
    ("是否逾期", lambda i: _yes_no(i.is_overdue)),
]

RECTIFICATION_COLUMNS = [
    ("问题", lambda i: i.title),
    ("整改措施", lambda i: i.measures),
    ("责任单位", lambda i: i.owner_label),
    ("时限", lambda i: i.deadline),
    ("完成情况", _completion),
    ("完成日期", lambda i: i.closed_on),
    ("佐证", _evidence),
]
