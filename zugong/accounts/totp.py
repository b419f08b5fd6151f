"""Optional second factor for administrators: a time-based one-time password (RFC 6238, 30-second
steps, 6 digits) from an authenticator app. A code is accepted one step either side of now, once."""

from __future__ import annotations

import hmac

import pyotp
import segno
from django.db import transaction
from django.utils import timezone

from zugong.core import audit
from zugong.core.roles import Role
from zugong.core.scope import user_roles

from .models import TOTPDevice

ISSUER = "组工平台"
ADMIN_ROLES = frozenset({Role.ORG_ADMIN, Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})


def may_use_totp(user) -> bool:
    return bool(ADMIN_ROLES & user_roles(user))


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG markup (no style attribute, nothing fetched)."""
    return segno.make(uri, error="m").svg_inline(scale=4, title="动态口令二维码")


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def _matching_step(secret: str, code: str, after_step: int) -> int | None:
    code = (code or "").strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(timezone.now())
    for step in (now_step - 1, now_step, now_step + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


@transaction.atomic
def totp_verify(*, device: TOTPDevice, code: str) -> bool:
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    step = _matching_step(device.secret, code, device.last_step)
    if step is None:
        return False
    device.last_step = step
    device.save(update_fields=["last_step"])
    return True


@transaction.atomic
def totp_enable(*, user, secret: str, code: str) -> TOTPDevice | None:
    """Turn the second factor on once ``code`` shows the app holds ``secret``; None if it does not."""
    step = _matching_step(secret, code, 0)
    if step is None:
        return None
    device, _ = TOTPDevice.objects.update_or_create(
        user=user, defaults={"secret": secret, "confirmed_at": timezone.now(), "last_step": step}
    )
    audit.record_event(actor=user, event="totp_enabled", obj=user)
    return device


@transaction.atomic
def totp_disable(*, user, code: str) -> bool:
    device = confirmed_device(user)
    if device is None or not totp_verify(device=device, code=code):
        return False
    device.delete()
    audit.record_event(actor=user, event="totp_disabled", obj=user)
    return True
