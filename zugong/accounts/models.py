from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from zugong.core import crypto
from zugong.core.roles import Role


class User(AbstractUser):
    """A login. ``person`` links a member's account to their own roster record (党员 see only that)."""

    person = models.OneToOneField(
        "people.Person",
        verbose_name="对应人员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    display_name = models.CharField("显示名称", max_length=60, blank=True)
    must_change_password = models.BooleanField("首次登录须修改密码", default=False)

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self):
        return self.display_name or self.username


class RoleGrant(models.Model):
    """(user, role, organization): the role covers the organization's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="授权组织", on_delete=models.PROTECT, related_name="grants"
    )
    granted_at = models.DateTimeField("授权时间", auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="授权人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role", "organization"], name="grant_unique")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class LoginFailure(models.Model):
    """One failed login attempt: the working set that the lockout rule counts (the audit log keeps the
    permanent record). Rows older than the lockout window are pruned when a new failure is written."""

    username = models.CharField("尝试的用户名", max_length=150)
    ip = models.CharField("IP", max_length=64)
    at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"
        indexes = [
            models.Index(fields=["username", "at"], name="login_failure_user_at"),
            models.Index(fields=["ip", "at"], name="login_failure_ip_at"),
        ]

    def __str__(self):
        return f"{self.username} @ {self.ip}"


class LoginLock(models.Model):
    """An account name or a client IP locked after too many failed logins; only the 安全管理员 lifts it."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", "账号"
        IP = "ip", "IP 地址"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    key = models.CharField("账号或 IP", max_length=150)
    since = models.DateTimeField("锁定时间")
    failures = models.PositiveIntegerField("失败次数")
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解除人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "登录锁定"
        verbose_name_plural = "登录锁定"
        constraints = [
            # At most one lock in force per account name or IP, even with concurrent processes.
            models.UniqueConstraint(
                fields=["kind", "key"], condition=models.Q(lifted_at__isnull=True), name="login_lock_active"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.key}"


class TOTPDevice(models.Model):
    """An administrator's authenticator app (RFC 6238). ``confirmed_at`` is set once a code from the app
    was accepted; only then does login ask for a code. ``last_step`` stops a code being used twice."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="totp"
    )
    # The shared secret is encrypted at rest like personal data (and re-encrypted by rotate_keys).
    secret_enc = models.CharField("密钥（密文）", max_length=200)
    confirmed_at = models.DateTimeField("启用时间", null=True, blank=True)
    last_step = models.BigIntegerField("最近使用的时间步", default=0)

    class Meta:
        verbose_name = "动态口令"
        verbose_name_plural = "动态口令"

    SECRET_CONTEXT = "accounts.totpdevice.secret"
    ENCRYPTED_COLUMNS = {"secret_enc": (SECRET_CONTEXT, None)}

    def __str__(self):
        return f"{self.user} 的动态口令"

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_enc, context=self.SECRET_CONTEXT)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_enc = crypto.encrypt(value, context=self.SECRET_CONTEXT)
