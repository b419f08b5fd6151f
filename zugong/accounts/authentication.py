from rest_framework import authentication, exceptions

from .middleware import MUST_CHANGE_MESSAGE


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, holding token callers to the rule pages follow: a temporary password
    must be changed first (403). Session callers are stopped by PasswordChangeRequiredMiddleware."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and getattr(result[0], "must_change_password", False):
            raise exceptions.PermissionDenied(MUST_CHANGE_MESSAGE)
        return result
