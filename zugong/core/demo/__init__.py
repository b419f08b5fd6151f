"""The fictional 示范区 for the demo, the tests and the benchmarks: a 区委 with ~30 党(工)委, their 党总支,
党支部 and 党小组, units with leadership teams, people with valid 公民身份号码 and party membership, 区管干部,
and one login per role (the personas of DESIGN.md).

``build(members=…, seed=…)`` gives the same data for the same seed (dates count back from ``today``).
The plan (``plan.py``) assigns every id first, so paths, secretaries and foreign keys are known before
anything is written; people are generated (``people.py``) and written (``write.py``) branch by branch in
batches, so memory stays bounded at a million members.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from zugong.core.roles import Role

from .plan import ROOT_CODE, ROOT_NAME

DEFAULT_MEMBERS = 6000
DEFAULT_SEED = 2026
PASSWORD = "Zugong#2026demo"  # the one demo password (as zugong.core.testing.PASSWORD)

__all__ = ["DEFAULT_MEMBERS", "DEFAULT_SEED", "PASSWORD", "PERSONAS", "ROOT_CODE", "ROOT_NAME", "build",
           "persona_rows", "root_exists"]  # fmt: skip


@dataclass(frozen=True)
class Persona:
    username: str
    role: str
    label: str
    org: str  # "root", "committee", "branch" or "other_branch"
    person: str | None = None  # whose roster record the account is linked to
    staff: bool = False  # may open the Django admin


PERSONAS = (
    Persona("zzb_admin", Role.ORG_ADMIN, "组织部管理员", "root"),
    Persona("dgw_shuji", Role.SECRETARY, "党工委书记", "committee", "committee_secretary"),
    Persona("zb_shuji", Role.SECRETARY, "党支部书记", "branch", "branch_secretary"),
    Persona("zb_zuzhi", Role.ORG_COMMITTEE, "党支部组织委员", "branch", "branch_org_committee"),
    Persona("dangyuan", Role.MEMBER, "党员", "branch", "member"),
    Persona("dangyuan2", Role.MEMBER, "党员（另一支部）", "other_branch", "other_member"),
    Persona("xitong", Role.SYSADMIN, "系统管理员", "root", staff=True),
    Persona("anquan", Role.SECADMIN, "安全管理员", "root"),
    Persona("shenji", Role.AUDITOR, "审计管理员", "root"),
)


def root_exists() -> bool:
    from zugong.orgs.models import Organization

    return Organization.objects.filter(parent__isnull=True).exists()


def build(
    *,
    members: int = DEFAULT_MEMBERS,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    use_copy: bool | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> dict:
    """Build the district into a database without one; return the row counts and the seconds taken.
    ``use_copy`` defaults to COPY on PostgreSQL and bulk_create elsewhere."""
    from zugong.accounts.models import User

    from . import write

    if members < 100:
        raise ValueError("人员数至少为 100。")
    taken = list(
        User.objects.filter(username__in=[p.username for p in PERSONAS]).values_list("username", flat=True)
    )
    if taken:
        raise ValueError(f"演示账号用户名已被占用：{'、'.join(taken)}")
    return write.build(
        members=members,
        seed=seed,
        today=today or timezone.localdate(),
        use_copy=connection.vendor == "postgresql" if use_copy is None else use_copy,
        personas=PERSONAS,
        password=PASSWORD,
        log=log,
    )


def persona_rows() -> list[tuple[str, str, str, str, str]]:
    """(username, password, role, organization, person) of each persona present in the database."""
    from zugong.accounts.models import RoleGrant

    grants = RoleGrant.objects.filter(user__username__in=[p.username for p in PERSONAS])
    by_user = {g.user.username: g for g in grants.select_related("user", "organization", "user__person")}
    rows = []
    for p in PERSONAS:
        if (grant := by_user.get(p.username)) is not None:
            person = grant.user.person
            rows.append(
                (p.username, PASSWORD, p.label, grant.organization.name, person.name if person else "")
            )
    return rows
