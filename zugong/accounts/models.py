from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

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
