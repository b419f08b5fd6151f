"""Login, failed login and logout become business events in the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from zugong.core import audit


@receiver(user_logged_in, dispatch_uid="zugong_audit_login")
def on_login(sender, request, user, **kwargs):
    audit.record_event(actor=user, event="login")


@receiver(user_login_failed, dispatch_uid="zugong_audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password with asterisks; keep only the name that was tried.
    username = str(credentials.get("username", ""))[:150]
    audit.record_event(actor=None, event="login_failed", detail={"username": username})


@receiver(user_logged_out, dispatch_uid="zugong_audit_logout")
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record_event(actor=user, event="logout")
