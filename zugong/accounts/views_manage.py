"""Pages of the 系统管理员 (accounts) and the 安全管理员 (role grants), 三员分立: each page admits its one
role and nobody else, and every write goes through accounts.services, which checks the role again and
audits. Neither page shows roster data: an account shows only whether it is linked to a person."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from zugong.core.roles import Role
from zugong.core.scope import user_roles
from zugong.core.views_helpers import form_write, paginate
from zugong.orgs.models import Organization, OrgStatus

from . import services
from .forms import GrantAddForm, PasswordResetForm, UserCreateForm, UserSearchForm
from .models import RoleGrant, User

REFUSALS = (ValidationError, PermissionDenied)
ORG_SEARCH_LIMIT = 20


def _role_required(role: str, message: str, methods=("GET", "POST")):
    def decorator(view):
        @login_required
        @require_http_methods(list(methods))
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if role not in user_roles(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def sysadmin_page(methods=("GET", "POST")):
    return _role_required(Role.SYSADMIN, "只有系统管理员可以管理账号。", methods)


def secadmin_page(methods=("GET", "POST")):
    return _role_required(Role.SECADMIN, "只有安全管理员可以管理角色授权。", methods)


def _searched_users(request):
    form = UserSearchForm(request.GET)
    users = User.objects.order_by("username")
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    return form, users


# ---- 系统管理员: accounts ---------------------------------------------------------------------------


@sysadmin_page(methods=("GET", "HEAD"))
def user_list(request):
    form, users = _searched_users(request)
    page, qs = paginate(request, users)
    return render(request, "accounts/user_list.html", {"form": form, "page": page, "qs": qs})


@sysadmin_page()
def user_create(request):
    form = UserCreateForm(request.POST or None)
    done = form_write(
        request,
        form,
        lambda d: services.user_create(
            actor=request.user,
            username=d["username"],
            display_name=d["display_name"],
            password=d["password"],
            person=d["id_number"],
        ),
        message=lambda u: f"已创建账号 {u.username}，首次登录须修改初始密码。角色请由安全管理员授予。",
        success_url=reverse("accounts:user_list"),
        refusals=REFUSALS,
    )
    return done or render(
        request,
        "accounts/form.html",
        {"form": form, "title": "新建账号", "cancel_url": reverse("accounts:user_list")},
    )


@sysadmin_page()
def user_password_reset(request, pk: int):
    account = get_object_or_404(User, pk=pk)
    form = PasswordResetForm(request.POST or None)
    done = form_write(
        request,
        form,
        lambda d: services.user_password_reset(actor=request.user, user=account, password=d["password"]),
        message=f"已重置 {account.username} 的密码，其下次登录时须修改。",
        success_url=reverse("accounts:user_list"),
        refusals=REFUSALS,
    )
    return done or render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "title": f"重置密码：{account.username}",
            "intro": "重置后该账号已登录的会话和接口令牌立即失效。",
            "cancel_url": reverse("accounts:user_list"),
        },
    )


def _set_active(request, pk: int, active: bool):
    account = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        try:
            services.user_set_active(actor=request.user, user=account, active=active)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已{'启用' if active else '停用'}账号 {account.username}。")
        return redirect("accounts:user_list")
    return render(request, "accounts/user_active.html", {"account": account, "active": active})


@sysadmin_page()
def user_deactivate(request, pk: int):
    return _set_active(request, pk, False)


@sysadmin_page()
def user_reactivate(request, pk: int):
    return _set_active(request, pk, True)


# ---- 安全管理员: role grants ------------------------------------------------------------------------


@secadmin_page(methods=("GET", "HEAD"))
def grant_list(request):
    form, users = _searched_users(request)
    # Role names only; where each grant lies is on the account's own page.
    users = users.prefetch_related(Prefetch("grants", queryset=RoleGrant.objects.only("user_id", "role")))
    page, qs = paginate(request, users)
    for account in page:
        account.role_labels = sorted({g.get_role_display() for g in account.grants.all()})
    return render(request, "accounts/grant_list.html", {"form": form, "page": page, "qs": qs})


@secadmin_page()
def grant_user(request, pk: int):
    """One account's grants, and the form that adds one (organization found by code or name)."""
    account = get_object_or_404(User, pk=pk)
    form = GrantAddForm(request.POST or None)
    done = form_write(
        request,
        form,
        lambda d: services.role_grant_add(
            actor=request.user, user=account, role=d["role"], organization=d["organization"]
        ),
        message=lambda g: f"已授予 {account.username}「{g.get_role_display()}」（{g.organization.name}）。",
        success_url=reverse("accounts:grant_user", args=[account.pk]),
        refusals=REFUSALS,
    )
    if done:
        return done
    org_q = request.GET.get("org_q", "").strip()[:60]
    orgs = []
    if org_q:
        orgs = (
            Organization.objects.filter(Q(code__startswith=org_q) | Q(name__contains=org_q))
            .filter(status=OrgStatus.ACTIVE)
            .order_by("path")[:ORG_SEARCH_LIMIT]
        )
    grants = account.grants.select_related("organization", "granted_by").order_by(
        "organization__path", "role"
    )
    context = {
        "account": account,
        "grants": grants,
        "form": form,
        "org_q": org_q,
        "orgs": orgs,
        "is_self": account.pk == request.user.pk,
    }
    return render(request, "accounts/grant_user.html", context)


@secadmin_page()
def grant_remove(request, pk: int):
    grant = get_object_or_404(RoleGrant.objects.select_related("user", "organization"), pk=pk)
    back = reverse("accounts:grant_user", args=[grant.user_id])
    if request.method == "POST":
        try:
            services.role_grant_remove(actor=request.user, grant=grant)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已撤销 {grant}。")
        return redirect(back)
    return render(request, "accounts/grant_remove.html", {"grant": grant, "cancel_url": back})
