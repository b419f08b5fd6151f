"""The login backend: Django's, with the lockout check first, so that every door (login page, second
step, admin, API token) refuses a locked account name or IP even with the right password."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from zugong.core.netaddr import client_ip

from .lockout import is_locked


def mark_locked(request) -> None:
    if request is not None:
        getattr(request, "_request", request).zugong_locked = True


def was_locked(request) -> bool:
    return request is not None and getattr(getattr(request, "_request", request), "zugong_locked", False)


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is not None and is_locked(username=str(username), ip=client_ip(request)):
            mark_locked(request)
            # Stops authenticate() trying further backends; it then sends user_login_failed.
            raise PermissionDenied
        return super().authenticate(request, username=username, password=password, **kwargs)
