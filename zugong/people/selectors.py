"""Reads of the roster, shared by pages and exports. Every read starts from ``restrict(user, action)``."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from zugong.core import idnumber
from zugong.core.scope import grant_paths
from zugong.orgs.models import MEMBER_HOLDING_TYPES, PATH_SEGMENT, Organization, OrgStatus, TeamPosition, Unit

from .filters import PersonFilter, TransferFilter
from .models import CadreRecord, Person, Transfer

ORG_PICK_LIMIT = 20
# What the list and the export show per row, read by prefetching: one query per relation for a whole
# page (or export chunk), never one per row. Not select_related: with the joins in the query, SQLite
# plans "scan the organizations, then sort every person" (3.5 s at 1M people) instead of walking the
# (name_stroke_key, id) index for the 50 rows of a page (a few ms).
PERSON_ROW_RELATED = ("org", "unit", "membership", "cadre")


def person_filter(request, action: str = "view") -> PersonFilter:
    """The people ``request.user`` may ``action``, filtered by the request's query string."""
    queryset = Person.objects.restrict(request.user, action)
    queryset = queryset.prefetch_related(*PERSON_ROW_RELATED)
    return PersonFilter(request.GET, queryset=queryset, request=request)


def transfer_filter(request, action: str = "view") -> TransferFilter:
    queryset = Transfer.objects.restrict(request.user, action).select_related(
        "person", "from_org", "to_org", "actor"
    )
    return TransferFilter(request.GET, queryset=queryset, request=request)


def person_age(person: Person, today: dt.date | None = None) -> int | None:
    if not person.birth_date:
        return None
    return idnumber.age_on(person.birth_date, today or timezone.localdate())


def person_transfers(user, person: Person) -> QuerySet[Transfer]:
    """The person's transfer history, as far as the user may see it (either end in scope, or their own)."""
    return (
        Transfer.objects.restrict(user, "view")
        .filter(person=person)
        .select_related("from_org", "to_org", "actor")
        .order_by("-transfer_date", "-id")
    )


def person_team_positions(user, person: Person) -> QuerySet[TeamPosition]:
    return (
        TeamPosition.objects.restrict(user, "view")
        .filter(person=person)
        .select_related("team", "team__unit")
        .order_by("team__unit__code", "sort_order", "id")
    )


# --- organizations offered by pickers -----------------------------------------------------------


def member_orgs(user, action: str) -> QuerySet[Organization]:
    """Active organizations in the user's scope for ``action`` that may hold members."""
    return Organization.objects.restrict(user, action).filter(
        status=OrgStatus.ACTIVE, org_type__in=MEMBER_HOLDING_TYPES
    )


def transfer_target_orgs() -> QuerySet[Organization]:
    """Any active member-holding organization of the district: a 转出 may go to another committee's branch."""
    return Organization.objects.filter(status=OrgStatus.ACTIVE, org_type__in=MEMBER_HOLDING_TYPES)


def org_search(queryset: QuerySet[Organization], q: str, limit: int = ORG_PICK_LIMIT) -> list[Organization]:
    """Organizations matching a name fragment or a code prefix, shallow ones first."""
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(code__startswith=q))
    return list(queryset.select_related("parent").order_by("depth", "sort_order", "code")[:limit])


def scope_top_orgs(user, queryset: QuerySet[Organization], limit: int = 60) -> list[Organization]:
    """The first two levels of the user's scope (the granted organizations and their children), offered
    before anything is typed."""
    paths = grant_paths(user, "view")
    if not paths:
        return []
    if paths == [""]:
        top_depth = Organization.objects.order_by("depth").values_list("depth", flat=True).first() or 1
        shallow = Q(depth__lte=top_depth + 1)
    else:
        shallow = Q()
        for p in paths:
            levels = len(p) // (PATH_SEGMENT + 1)
            shallow |= Q(path__startswith=p, depth__lte=levels + 1)
    return list(
        queryset.filter(shallow).select_related("parent").order_by("depth", "sort_order", "code")[:limit]
    )


def unit_choices(user, action: str, current: Unit | None = None) -> QuerySet[Unit]:
    """Units a person in the user's scope may work in: units of organizations inside the scope, and of
    the organizations above it (a branch's members usually work in the unit its parent committee covers)."""
    paths = grant_paths(user, action)
    if paths == [""]:
        return Unit.objects.filter(archived_at__isnull=True).order_by("code")
    q = Q(pk__in=[current.pk]) if current else Q(pk__in=[])
    for p in paths:
        q |= Q(organization__path__startswith=p, archived_at__isnull=True)
        step = PATH_SEGMENT + 1
        prefixes = [p[:i] for i in range(step, len(p), step)]
        if prefixes:
            q |= Q(organization__path__in=prefixes, archived_at__isnull=True)
    return Unit.objects.filter(q).order_by("code")


# --- export columns: (header, getter) for core.exports.xlsx_response -------------------------------


def _membership(person: Person):
    return person.membership_or_none


def person_cadre(person: Person):
    try:
        return person.cadre
    except CadreRecord.DoesNotExist:
        return None


def _fmt_date(value):
    """Dates stay dates (Excel shows them as dates and sorts them); missing ones are empty."""
    return value or None


PERSON_EXPORT_COLUMNS = [
    ("姓名", lambda p: p.name),
    ("性别", lambda p: p.get_sex_display()),
    ("民族", lambda p: p.ethnicity),
    ("公民身份号码", lambda p: p.id_number_masked),
    ("出生日期", lambda p: _fmt_date(p.birth_date)),
    ("所在党组织", lambda p: p.org.name),
    ("党员类别", lambda p: _membership(p).get_status_display() if _membership(p) else "非党员"),
    ("入党日期", lambda p: _fmt_date(_membership(p).join_date) if _membership(p) else ""),
    ("转正日期", lambda p: _fmt_date(_membership(p).confirmation_date) if _membership(p) else ""),
    ("工作单位", lambda p: p.unit.name if p.unit_id else ""),
    ("职务", lambda p: p.post),
    ("职级", lambda p: p.get_rank_display()),
    ("区管干部", lambda p: "是" if (person_cadre(p) and person_cadre(p).is_district_managed) else "否"),
    ("联系电话", lambda p: p.phone_masked),
]

TRANSFER_EXPORT_COLUMNS = [
    ("姓名", lambda t: t.person.name),
    ("公民身份号码", lambda t: t.person.id_number_masked),
    ("转接类型", lambda t: t.get_kind_display()),
    ("转出组织", lambda t: t.from_org.name),
    ("转入组织", lambda t: t.to_org.name),
    ("转接日期", lambda t: _fmt_date(t.transfer_date)),
    ("转接原因", lambda t: t.reason),
    ("经办人", lambda t: (t.actor.display_name or t.actor.username) if t.actor_id else ""),
]
