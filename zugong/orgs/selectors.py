"""Reads of the organization tree, shared by pages, exports and the API."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Substr

from zugong.core.roles import Action
from zugong.core.scope import grant_paths, path_prefix_q
from zugong.people.choices import MembershipStatus
from zugong.people.models import Person

from .models import ALLOWED_CHILDREN, Organization, OrgStatus, OrgType

PEOPLE_COUNTS = {
    "total": Count("id"),
    "full": Count("id", filter=Q(party_status=MembershipStatus.FULL)),
    "probationary": Count("id", filter=Q(party_status=MembershipStatus.PROBATIONARY)),
    "cadres": Count("id", filter=Q(is_district_cadre=True)),
}


def _orgs_by_type(queryset) -> tuple[list[tuple[str, int]], int]:
    rows = queryset.order_by().values("org_type").annotate(n=Count("id"))
    by_type = {row["org_type"]: row["n"] for row in rows}
    return [(OrgType(t).label, by_type[t]) for t in OrgType.values if t in by_type], sum(by_type.values())


def subtree_counts(org: Organization) -> dict:
    """Counts of the subtree: organizations by type and people by membership status, two queries."""
    orgs_by_type, org_total = _orgs_by_type(
        Organization.objects.filter(path_prefix_q("path", org.path), status=OrgStatus.ACTIVE).exclude(
            pk=org.pk
        )
    )
    people = Person.objects.filter(path_prefix_q("org_path", org.path), archived_at__isnull=True).aggregate(
        **PEOPLE_COUNTS
    )
    return {"orgs_by_type": orgs_by_type, "org_total": org_total, "people": people}


def scope_counts(user) -> dict:
    """The home page's figures: what ``user`` may view, counted through the one scope check."""
    orgs_by_type, org_total = _orgs_by_type(
        Organization.objects.restrict(user, Action.VIEW).filter(status=OrgStatus.ACTIVE)
    )
    people = (
        Person.objects.restrict(user, Action.VIEW).filter(archived_at__isnull=True).aggregate(**PEOPLE_COUNTS)
    )
    return {"orgs_by_type": orgs_by_type, "org_total": org_total, "people": people}


def _has_children():
    return Exists(Organization.objects.filter(parent=OuterRef("pk")))


def tree_roots(user) -> list[Organization]:
    """The tops of the user's view grants (the district for a whole-district grant; a branch secretary's
    own branch), each with its subtree's head count: two queries however many roots."""
    paths = grant_paths(user, Action.VIEW)
    if not paths:
        return []
    roots = Organization.objects.restrict(user, Action.VIEW).annotate(has_children=_has_children())
    roots = list(roots.filter(parent__isnull=True) if paths == [""] else roots.filter(path__in=paths))
    if roots:
        counts = Person.objects.filter(archived_at__isnull=True).aggregate(
            **{f"r{org.pk}": Count("id", filter=path_prefix_q("org_path", org.path)) for org in roots}
        )
        for org in roots:
            org.member_count = counts[f"r{org.pk}"]
    return sorted(roots, key=lambda o: (o.sort_order, o.code))


def children_with_counts(user, org: Organization):
    """Direct children visible to the user, each with its subtree's head count (one grouped query) and
    whether it has children of its own (to show the expander)."""
    children = list(
        Organization.objects.restrict(user, Action.VIEW)
        .filter(parent=org)
        .annotate(has_children=_has_children())
        .order_by("status", "sort_order", "code")
    )
    if not children:
        return []
    # One query: count people per child subtree by the child-level path prefix.
    seg_len = len(org.path) + len(children[0].segment())
    rows = (
        Person.objects.filter(path_prefix_q("org_path", org.path), archived_at__isnull=True)
        .exclude(org_path=org.path)
        .annotate(prefix=Substr("org_path", 1, seg_len))
        .values("prefix")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {row["prefix"]: row["n"] for row in rows}
    for child in children:
        child.member_count = counts.get(child.path, 0)
    return children


def visible_ancestors(user, org: Organization) -> list[tuple[Organization, bool]]:
    """The ancestors of ``org`` from the top, each with whether the user may open it (no extra query for
    the scope: it is a prefix test against the user's grant paths)."""
    paths = grant_paths(user, Action.VIEW)
    ancestors = list(org.ancestors().only("id", "name", "short_name", "path", "depth"))
    return [(a, paths == [""] or any(a.path.startswith(p) for p in paths)) for a in ancestors]


def move_targets(user, org: Organization, q: str = ""):
    """Organizations that may take ``org`` as a child: active, inside the user's move scope, of a type
    that may hold ``org``'s type, and not inside ``org``'s own subtree nor its current parent."""
    parent_types = [t for t, kids in ALLOWED_CHILDREN.items() if org.org_type in kids]
    qs = (
        Organization.objects.restrict(user, Action.MOVE)
        .filter(status=OrgStatus.ACTIVE, org_type__in=parent_types)
        .exclude(path_prefix_q("path", org.path))
        .order_by("path")
    )
    if org.parent_id:
        qs = qs.exclude(pk=org.parent_id)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(code__startswith=q))
    return qs
