"""Request-wide account rules: a user on a temporary password may do nothing but change it, and every
response carries a Permissions-Policy (the other security headers come from Django and django-csp)."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

MUST_CHANGE_MESSAGE = "您的账号使用的是初始密码，请先登录网页修改密码后再使用。"

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = (
                reverse("accounts:password_change"),
                reverse("accounts:password_change_done"),
                reverse("accounts:logout"),
            )
            path = request.path_info
            if path not in allowed and not path.startswith(settings.STATIC_URL):
                if path.startswith("/api/"):
                    return JsonResponse({"detail": MUST_CHANGE_MESSAGE}, status=403)
                return redirect("accounts:password_change")
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
