import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from zugong.core import audit
from zugong.core.netaddr import client_ip

from . import lockout, totp
from .forms import LoginForm, PasswordChange, TOTPCodeForm
from .models import LoginLock

# The password step's result, waiting for the second factor (seconds it stays valid).
PENDING_KEY = "zugong_login_pending"
PENDING_SECONDS = 300
SETUP_SECRET_KEY = "zugong_totp_setup_secret"


def _after_login_url(request, user, next_url: str = "") -> str:
    # An account set up with a temporary password goes straight to changing it.
    if user.must_change_password:
        return reverse("accounts:password_change")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("core:home")


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if totp.confirmed_device(user) is not None:
            # Password right; the session is not logged in until the code is given.
            self.request.session.cycle_key()
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_redirect_url(),
            }
            return HttpResponseRedirect(reverse("accounts:login_totp"))
        return super().form_valid(form)

    def get_success_url(self):
        return _after_login_url(self.request, self.request.user, self.get_redirect_url())


@never_cache
@require_http_methods(["GET", "POST"])
def login_totp(request):
    """The second login step for an administrator who turned on the dynamic code."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, "请重新输入用户名和密码。")
        return redirect("accounts:login")
    user = get_object_or_404(get_user_model(), pk=pending["user"], is_active=True)
    username, ip = user.get_username(), client_ip(request)
    form = TOTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = totp.confirmed_device(user)
        if lockout.is_locked(username=username, ip=ip):
            request.session.pop(PENDING_KEY, None)
            form.add_error(None, lockout.LOCKED_MESSAGE)
        elif device is not None and totp.totp_verify(device=device, code=form.cleaned_data["code"]):
            del request.session[PENDING_KEY]
            auth_login(request, user, backend=pending["backend"])
            return redirect(_after_login_url(request, user, pending.get("next", "")))
        else:
            audit.record_event(
                actor=None, event="login_failed", detail={"username": username, "step": "totp"}
            )
            if lockout.login_failure_record(username=username, ip=ip):
                request.session.pop(PENDING_KEY, None)
                form.add_error(None, lockout.LOCKED_MESSAGE)
            else:
                form.add_error("code", "动态口令不正确或已过期，请输入应用中当前显示的数字。")
    return render(request, "registration/login_totp.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    form_class = PasswordChange
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        # Saved together with the new password by form.save().
        form.user.must_change_password = False
        response = super().form_valid(form)
        audit.record_event(actor=self.request.user, event="password_change")
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


@login_required
@require_http_methods(["GET", "POST"])
def totp_setup(request):
    """Turn the dynamic code on (scan, then confirm with a code) or off (confirm with a code)."""
    user = request.user
    if not totp.may_use_totp(user):
        raise PermissionDenied("动态口令仅适用于管理员账号。")
    device = totp.confirmed_device(user)
    form = TOTPCodeForm(request.POST or None)
    if device is not None:
        if request.method == "POST" and form.is_valid():
            if totp.totp_disable(user=user, code=form.cleaned_data["code"]):
                messages.success(request, "已停用动态口令。")
                return redirect("accounts:totp_setup")
            form.add_error("code", "动态口令不正确或已过期。")
        return render(request, "accounts/totp_setup.html", {"form": form, "enabled": True})

    secret = request.session.get(SETUP_SECRET_KEY) or totp.new_secret()
    request.session[SETUP_SECRET_KEY] = secret
    if request.method == "POST" and form.is_valid():
        if totp.totp_enable(user=user, secret=secret, code=form.cleaned_data["code"]):
            del request.session[SETUP_SECRET_KEY]
            messages.success(request, "已启用动态口令，此后登录时需在密码之后输入动态口令。")
            return redirect("accounts:totp_setup")
        form.add_error("code", "动态口令不正确，请确认手机时间准确后重试。")
    uri = totp.provisioning_uri(user, secret)
    context = {"form": form, "enabled": False, "secret": secret, "qr": totp.qr_svg(uri)}
    return render(request, "accounts/totp_setup.html", context)


def _require_secadmin(request):
    if not lockout.may_lift_locks(request.user):
        raise PermissionDenied("只有安全管理员可以管理登录锁定。")


@login_required
def lock_list(request):
    _require_secadmin(request)
    locks = lockout.active_locks()[:500]
    rule = {"failures": settings.ZUGONG_LOCKOUT_FAILURES, "window": settings.ZUGONG_LOCKOUT_WINDOW_MINUTES}
    return render(request, "accounts/lock_list.html", {"locks": locks, "rule": rule})


@login_required
@require_http_methods(["GET", "POST"])
def lock_lift(request, pk):
    _require_secadmin(request)
    lock = get_object_or_404(LoginLock, pk=pk, lifted_at__isnull=True)
    if request.method == "POST":
        lockout.login_lock_lift(actor=request.user, lock=lock)
        messages.success(request, f"已解除对{lock.get_kind_display()} {lock.key} 的锁定。")
        return redirect("accounts:locks")
    return render(request, "accounts/lock_lift.html", {"lock": lock})


def admin_login(request):
    """The admin's own login form would skip the dynamic code: its login URL leads here instead."""
    if request.user.is_authenticated:
        raise PermissionDenied("您的账号无权进入系统管理后台。")
    query = request.META.get("QUERY_STRING", "")
    return HttpResponseRedirect(reverse("accounts:login") + (f"?{query}" if query else ""))
