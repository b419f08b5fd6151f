from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from zugong.core.roles import SYSTEM_ROLES, Action, Role
from zugong.core.scope import grant_paths, user_roles
from zugong.orgs.selectors import scope_counts
from zugong.people.models import Person

SYSTEM_ROLE_NOTES = {
    Role.SYSADMIN: "负责系统运行维护、账号管理，可进入系统管理后台。",
    Role.SECADMIN: "负责角色授权和安全策略。",
    Role.AUDITOR: "负责查阅审计日志。",
}


@login_required
def home(request):
    """What the user may work on: roster figures for a subtree grant, their own record for a 党员, and
    only a note of the role for the 三员 (who do not read the party's records)."""
    user = request.user
    roles = user_roles(user)
    context = {
        "grants": user.grants.select_related("organization").order_by("organization__path"),
        "system_roles": [(Role(r).label, SYSTEM_ROLE_NOTES[r]) for r in SYSTEM_ROLES if r in roles],
    }
    if grant_paths(user, Action.VIEW):
        context["counts"] = scope_counts(user)
    elif user.person_id and Role.MEMBER in roles:
        context["own"] = (
            Person.objects.restrict(user, Action.VIEW)
            .select_related("org", "membership")
            .filter(pk=user.person_id)
            .first()
        )
    return render(request, "core/home.html", context)
