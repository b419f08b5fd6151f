"""Roles and what each may do. A role grant is (user, role, organization) and covers that
organization's subtree; the 党员 role covers only the user's own person record."""

from django.db import models


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", "组织部管理员"
    SECRETARY = "secretary", "党组织书记"
    ORG_COMMITTEE = "org_committee", "组织委员"
    MEMBER = "member", "党员"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全管理员"
    AUDITOR = "auditor", "审计管理员"


class Action(models.TextChoices):
    VIEW = "view", "查看"
    ADD = "add", "新增"
    CHANGE = "change", "修改"
    ARCHIVE = "archive", "归档"
    EXPORT = "export", "导出"
    TRANSFER = "transfer", "组织关系转接"
    MOVE = "move", "调整组织隶属"


# Which actions each role may take on the records inside its subtree.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ORG_ADMIN: frozenset(Action.values),
    Role.SECRETARY: frozenset(
        {Action.VIEW, Action.ADD, Action.CHANGE, Action.ARCHIVE, Action.EXPORT, Action.TRANSFER}
    ),
    Role.ORG_COMMITTEE: frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.EXPORT, Action.TRANSFER}),
    # 党员: own records only, read-only; handled by the self clause of restrict().
    Role.MEMBER: frozenset(),
    # 三员 run the system; none of them reads the party's records (三员分立).
    Role.SYSADMIN: frozenset(),
    Role.SECADMIN: frozenset(),
    Role.AUDITOR: frozenset(),
}

SELF_ACTIONS = frozenset({Action.VIEW})

SUBTREE_ROLES = (Role.ORG_ADMIN, Role.SECRETARY, Role.ORG_COMMITTEE)
SYSTEM_ROLES = (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR)
