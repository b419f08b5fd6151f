"""Reads of the materials library: who may read a material (``readable_materials``, the one rule that the
list, the detail page, every view and download and the API all use), the filters of the list and of the
register (领取登记), their sort orders and the register's Excel columns."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from zugong.core.roles import Action
from zugong.core.scope import grant_paths, scope_q, self_person_id
from zugong.core.views_helpers import two_way_sorts
from zugong.orgs.models import Organization
from zugong.people.filters import StyledForm
from zugong.people.models import Person

from .models_materials import Material, MaterialCopy


def ancestor_paths(path: str) -> list[str]:
    """The paths of an organization and of every organization above it ("1/", "1/7/", "1/7/9/")."""
    segments = [s for s in (path or "").split("/") if s]
    return ["".join(f"{s}/" for s in segments[: i + 1]) for i in range(len(segments))]


def is_library_staff(user) -> bool:
    """Staff of the library: a grant that lets the user view records of some subtree (not a plain 党员,
    not the 三员)."""
    return bool(grant_paths(user, Action.VIEW))


def readable_materials(user, *, archived: bool = False):
    """The materials ``user`` may read (and so be issued a copy of):
    - staff: those of the organizations their grants cover (``restrict(user, "view")``), and those of the
      organizations above their grants — a material published for a whole committee or the whole district
      is for the branches under it, their secretaries included;
    - a 党员 (``user.person``, not archived): those of their own organization and of every organization
      above it, so a district-wide material is readable by every member.
    Archived materials are not read (``archived=True``: the archived ones, which only staff see in scope,
    for the register)."""
    base = Material.objects.filter(archived_at__isnull=not archived)
    staff_q = scope_q(Material, user, Action.VIEW)
    if staff_q is None:
        return base
    above: set[str] = set()
    if not archived:
        for path in grant_paths(user, Action.VIEW):
            above.update(ancestor_paths(path))
        person_id = self_person_id(user, Action.VIEW)
        if person_id:
            person_path = (
                Person.objects.filter(pk=person_id, archived_at__isnull=True)
                .values_list("org_path", flat=True)
                .first()
            )
            above.update(ancestor_paths(person_path or ""))
    q = staff_q | Q(org_path__in=sorted(above)) if above else staff_q
    return base.filter(q)


def material_for_reader(user, pk) -> Material | None:
    return readable_materials(user).select_related("org", "session").filter(pk=pk).first()


# ---- the list -------------------------------------------------------------------------------------------

MATERIAL_SORTS = two_way_sorts(created=("created_at", "id"), title=("title", "id"), size=("size", "id"))
MATERIAL_SORT_DEFAULT = "-created"
MATERIAL_SORT_LABELS = {
    "-created": "上传时间（新→旧）",
    "created": "上传时间（旧→新）",
    "title": "标题",
    "-size": "文件大小（大→小）",
}
ARCHIVED = [("1", "已归档")]


def material_orgs(user):
    """The organizations the list may filter by: those that published a material the user may read."""
    org_ids = readable_materials(user).order_by().values("org_id").distinct()
    return Organization.objects.filter(pk__in=org_ids).order_by("path")


def _filter_orgs(request):
    user = getattr(request, "user", None)
    return material_orgs(user) if user is not None else Organization.objects.none()


class MaterialFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="标题/简介", method="filter_q")
    org = django_filters.ModelChoiceFilter(label="发布组织", queryset=_filter_orgs, empty_label="全部")
    kind = django_filters.ChoiceFilter(
        label="文件类型", field_name="file_kind", choices=Material.FileKind.choices, empty_label="全部"
    )
    sort = django_filters.ChoiceFilter(
        label="排序", choices=list(MATERIAL_SORT_LABELS.items()), method="filter_sort", empty_label=None
    )

    class Meta:
        model = Material
        fields = ["q", "org", "kind", "sort"]
        form = StyledForm

    def filter_q(self, queryset, name, value):
        value = " ".join(value.split())[:50]
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*MATERIAL_SORTS.get(value, MATERIAL_SORTS[MATERIAL_SORT_DEFAULT]))


def materials_for(user, *, archived: bool = False):
    """The list's rows: the readable materials (staff: or their archived ones), newest first."""
    if archived:
        queryset = readable_materials(user, archived=True)
    else:
        queryset = readable_materials(user)
    return queryset.select_related("org", "session").order_by(*MATERIAL_SORTS[MATERIAL_SORT_DEFAULT])


def material_filter(request) -> MaterialFilter:
    archived = request.GET.get("archived") == "1" and is_library_staff(request.user)
    queryset = materials_for(request.user, archived=archived)
    return MaterialFilter(request.GET or None, queryset=queryset, request=request)


# ---- the register (领取登记) -------------------------------------------------------------------------------

COPY_SORTS = two_way_sorts(issued=("issued_at", "id"), reader=("reader_name", "id"))
COPY_SORT_DEFAULT = "-issued"


def copies_for(user, action: str = Action.VIEW):
    """The copies on the register of the materials in the user's scope (staff only: a member has none)."""
    return (
        MaterialCopy.objects.restrict(user, action)
        .select_related("material", "material__org", "reader", "person")
        .order_by(*COPY_SORTS[COPY_SORT_DEFAULT])
    )


class CopyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="领取人/副本编号/资料标题", method="filter_q")
    material = django_filters.NumberFilter(
        label="学习资料", field_name="material_id", widget=forms.HiddenInput
    )
    purpose = django_filters.ChoiceFilter(
        label="用途", choices=MaterialCopy.Purpose.choices, empty_label="全部"
    )
    date_from = django_filters.DateFilter(
        label="发放日期起", method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label="发放日期止", method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = MaterialCopy
        fields = ["q", "material", "purpose", "date_from", "date_to"]
        form = StyledForm

    def filter_q(self, queryset, name, value):
        value = " ".join(value.split())[:50]
        if not value:
            return queryset
        code = value.replace("-", "").replace(" ", "").upper()
        return queryset.filter(
            Q(reader_name__icontains=value)
            | Q(reader__username__iexact=value)
            | Q(code=code)
            | Q(material__title__icontains=value)
        )

    # A date typed at the ends of the calendar (0001-01-01, 9999-12-31) would overflow once made a local time.
    FIRST, LAST = dt.date(1900, 1, 1), dt.date(9000, 1, 1)

    def _day_start(self, value):
        return timezone.make_aware(dt.datetime.combine(value, dt.time.min))

    def filter_from(self, queryset, name, value):
        return queryset if value <= self.FIRST else queryset.filter(issued_at__gte=self._day_start(value))

    def filter_to(self, queryset, name, value):
        if value >= self.LAST:
            return queryset
        return queryset.filter(issued_at__lt=self._day_start(value + dt.timedelta(days=1)))


def copy_filter(request, action: str = Action.VIEW) -> CopyFilter:
    return CopyFilter(request.GET or None, queryset=copies_for(request.user, action), request=request)


def register_excerpt(material: Material, limit: int = 10):
    return (
        MaterialCopy.objects.filter(material=material)
        .select_related("reader")
        .order_by(*COPY_SORTS[COPY_SORT_DEFAULT])[:limit]
    )


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


REGISTER_COLUMNS = [
    ("副本编号", lambda c: c.code),
    ("资料标题", lambda c: c.material.title),
    ("发布组织", lambda c: c.material.org.name),
    ("领取人", lambda c: c.reader_name),
    ("账号", lambda c: c.reader.username if c.reader_id else ""),
    ("用途", lambda c: c.get_purpose_display()),
    ("发放时间", lambda c: _local(c.issued_at)),
    ("IP", lambda c: c.ip),
    ("副本 SHA-256", lambda c: c.sha256),
]
