"""Reads of the organization tree, shared by pages, exports and the API."""

from __future__ import annotations

from django.db.models import Count, Q

from zugong.people.choices import MembershipStatus
from zugong.people.models import Person

from .models import Organization, OrgStatus, OrgType


def subtree_counts(org: Organization) -> dict:
    """Counts of the subtree: organizations by type and people by membership status, two queries."""
    orgs = (
        Organization.objects.filter(path__startswith=org.path, status=OrgStatus.ACTIVE)
        .exclude(pk=org.pk)
        .values("org_type")
        .annotate(n=Count("id"))
    )
    by_type = {row["org_type"]: row["n"] for row in orgs}
    people = Person.objects.filter(org_path__startswith=org.path, archived_at__isnull=True).aggregate(
        total=Count("id"),
        full=Count("id", filter=Q(membership__status=MembershipStatus.FULL)),
        probationary=Count("id", filter=Q(membership__status=MembershipStatus.PROBATIONARY)),
        cadres=Count("id", filter=Q(cadre__is_district_managed=True)),
    )
    return {
        "orgs_by_type": [(OrgType(t).label, by_type.get(t, 0)) for t in OrgType.values if t in by_type],
        "org_total": sum(by_type.values()),
        "people": people,
    }


def children_with_counts(user, org: Organization):
    """Direct children visible to the user, each with its subtree's member count (one grouped query)."""
    children = list(
        Organization.objects.restrict(user, "view").filter(parent=org).order_by("sort_order", "code")
    )
    if not children:
        return []
    # One query: count people per child subtree by the child-level path prefix.
    seg_len = len(org.path) + len(children[0].segment())
    from django.db.models.functions import Substr

    rows = (
        Person.objects.filter(org_path__startswith=org.path, archived_at__isnull=True)
        .annotate(prefix=Substr("org_path", 1, seg_len))
        .values("prefix")
        .annotate(n=Count("id"))
    )
    counts = {row["prefix"]: row["n"] for row in rows}
    for child in children:
        child.member_count = counts.get(child.path, 0)
    return children
