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


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit row through the ORM."""


class AppendOnlyQuerySet(models.QuerySet):
    """The audit tables only grow, one row at a time through ``zugong.core.audit`` (which chains each
    row's hash). Pruning old rows goes through ``audit.prune_before``, nowhere else."""

    def update(self, **kwargs):
        raise AppendOnlyError("审计记录只能追加，不能修改。")

    def delete(self):
        raise AppendOnlyError("审计记录只能追加，不能删除。")

    def bulk_create(self, objs, *args, **kwargs):
        raise AppendOnlyError("审计记录须逐条写入（哈希链），不能批量写入。")

    def bulk_update(self, objs, fields, *args, **kwargs):
        raise AppendOnlyError("审计记录只能追加，不能修改。")

    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("审计记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计记录只能追加，不能删除。")


class AuditEvent(AppendOnlyModel):
    """One row per write and per business event. Append-only and hash-chained: ``hash`` is HMAC-SM3
    (audit key, kept outside the database) over the row's content and ``prev_hash``, the hash of the row
    before it, so an edited, removed or inserted row shows in ``manage.py audit_verify``. Rows are written
    only through ``zugong.core.audit``; only the 审计管理员 reads them."""

    class Kind(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        ARCHIVE = "archive", "归档"
        RESTORE = "restore", "恢复"
        EVENT = "event", "业务事件"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    # DO_NOTHING (no constraint either): deleting a user must not rewrite the rows that name them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    ip = models.CharField("IP", max_length=64, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    event = models.CharField("事件", max_length=64, blank=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    detail = models.JSONField("详情", null=True, blank=True)
    prev_hash = models.CharField("前序哈希", max_length=64, blank=True)
    hash = models.CharField("哈希", max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-id"]
        # Plain b-tree indexes for the 审计管理员's exact filters. (``db_index=True`` on a CharField would add
        # a second, LIKE-pattern index on PostgreSQL, which no filter uses and every write maintains.)
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor_name"], name="audit_actor_name"),
            models.Index(fields=["request_id"], name="audit_request_id"),
            models.Index(fields=["event"], name="audit_event"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_kind_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self._state.adding and not getattr(self, "_chained", False):
            # Every new row joins the chain, whoever creates it (``AuditEvent.objects.create`` too).
            from .audit import append

            append(self)
            return
        super().save(*args, **kwargs)


class AuditCheckpoint(AppendOnlyModel):
    """Written by ``manage.py audit_prune`` in the transaction that removes the rows up to ``last_id``:
    the chain then verifies from ``last_hash``. ``seal`` is HMAC-SM3 (audit key) over the other fields, so
    a checkpoint cannot be forged by someone who can only write the database."""

    at = models.DateTimeField("时间", default=timezone.now)
    last_id = models.BigIntegerField("最后删除的记录编号")
    last_hash = models.CharField("最后删除记录的哈希", max_length=64)
    count = models.PositiveBigIntegerField("删除条数")
    cutoff = models.DateTimeField("删除此时间之前的记录")
    by = models.CharField("执行人", max_length=150, blank=True)
    seal = models.CharField("校验码", max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "审计清理检查点"
        verbose_name_plural = "审计清理检查点"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} 清理至 #{self.last_id}（{self.count} 条）"


class WorkdayOverride(models.Model):
    """The official calendar's exceptions to "Monday to Friday": a year's public holidays (a weekday off) and
    调休 make-up days (a weekend day worked), entered by the department from the State Council's notice.
    ``zugong.core.workdays`` reads them; every deadline counted in working days goes through it."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日（休）"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=50, help_text="如：国庆节、春节调休")

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"
