"""Login, failed login and logout become business events in the audit log; failed logins also feed the
lockout count (accounts.lockout)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from zugong.core import audit
from zugong.core.netaddr import client_ip

from . import lockout
from .backends import mark_locked, was_locked


@receiver(user_logged_in, dispatch_uid="zugong_audit_login")
def on_login(sender, request, user, **kwargs):
    audit.record_event(actor=user, event="login")
    lockout.login_success_record(username=user.get_username())


@receiver(user_login_failed, dispatch_uid="zugong_audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password with asterisks; keep only the name that was tried.
    username = str(credentials.get("username", ""))[:150]
    if was_locked(request):
        # Refused by a lock in force: audited, but not counted again.
        audit.record_event(actor=None, event="login_failed", detail={"username": username, "locked": True})
        return
    audit.record_event(actor=None, event="login_failed", detail={"username": username})
    if lockout.login_failure_record(username=username, ip=client_ip(request)):
        mark_locked(request)


@receiver(user_logged_out, dispatch_uid="zugong_audit_logout")
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record_event(actor=user, event="logout")
