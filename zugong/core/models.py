from django.conf import settings
from django.db import models
from django.utils import timezone

from .scope import RestrictedQuerySet


class ScopedModel(models.Model):
    """Base of every domain record: a scoped default manager, time stamps, and archiving instead of
    deletion. Subclasses name ``scope_path`` (lookup to the owning organization's path; a tuple means
    any of them) and optionally ``scope_self`` (lookup to the person a 党员 may see as their own)."""

    scope_path: str | tuple[str, ...] = "path"
    scope_self: str | None = None

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True


class ArchivableModel(ScopedModel):
    archived_at = models.DateTimeField("归档时间", null=True, blank=True, db_index=True)
    archived_reason = models.CharField("归档原因", max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class AuditEvent(models.Model):
    """One row per write and per business event. Append-only: the application never updates or
    deletes a row (the hash chain and the 审计管理员's pages build on this table)."""

    class Kind(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        ARCHIVE = "archive", "归档"
        RESTORE = "restore", "恢复"
        EVENT = "event", "业务事件"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    ip = models.CharField("IP", max_length=64, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    event = models.CharField("事件", max_length=64, blank=True, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    detail = models.JSONField("详情", null=True, blank=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_kind_display()} {self.object_repr}"
