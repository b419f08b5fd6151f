from django.conf import settings
from django.db import models
from django.utils import timezone

from zugong.core import crypto

PAYLOAD_CONTEXT = "imports.importjob.payload"


class ImportJob(models.Model):
    """One upload of a roster workbook: its checks, its preview (dry run) and its import. The uploaded
        file holds ID numbers in clear, so it is kept encrypted (SM4-GCM), as are its checked rows, and both are
    dropped once imported. A job is
        seen by the user who uploaded it, nobody else (the views filter on ``created_by``)."""

    class Status(models.TextChoices):
        VALIDATING = "validating", "校验中"
        INVALID = "invalid", "校验未通过"
        PREVIEWED = "previewed", "预览完成，待确认"
        IMPORTING = "importing", "导入中"
        DONE = "done", "已导入"
        FAILED = "failed", "导入失败"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", default=timezone.now, db_index=True)
    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("文件 SHA-256", max_length=64)
    size = models.PositiveIntegerField("文件大小（字节）", default=0)
    payload_enc = models.TextField("文件内容（密文）", blank=True, default="", editable=False)
    # The rows as checked at upload (``imports.plan``), sealed like the file, and the digest of what the
    # checks depended on: the import reuses them when that is unchanged.
    plan_enc = models.TextField("校验结果（密文）", blank=True, default="", editable=False)
    plan_basis = models.CharField("校验依据摘要", max_length=64, blank=True, default="", editable=False)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.VALIDATING)
    dry_run = models.BooleanField("仅预览", default=True)
    row_count = models.PositiveIntegerField("数据行数", default=0)
    new_count = models.PositiveIntegerField("新增人数", default=0)
    updated_count = models.PositiveIntegerField("更新人数", default=0)
    error_count = models.PositiveIntegerField("错误数", default=0)
    progress = models.PositiveIntegerField("已处理行数", default=0)
    issues = models.JSONField("问题清单", default=list, blank=True)
    error = models.CharField("失败原因", max_length=500, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_owner_recent")]

    def __str__(self):
        return f"{self.file_name}（{self.get_status_display()}）"

    # The file travels base64 inside the SM4-GCM token (the cipher helpers take text).
    def set_payload(self, data: bytes) -> None:
        import base64

        self.payload_enc = crypto.encrypt(base64.b64encode(data).decode(), context=PAYLOAD_CONTEXT)

    def payload(self) -> bytes:
        import base64

        return (
            base64.b64decode(crypto.decrypt(self.payload_enc, context=PAYLOAD_CONTEXT))
            if self.payload_enc
            else b""
        )

    @property
    def file_cleared(self) -> bool:
        """The uploaded file is gone (imported, or emptied by ``import_cleanup``): the job cannot run."""
        return not self.payload_enc

    @property
    def percent(self) -> int:
        return min(100, int(self.progress * 100 / self.row_count)) if self.row_count else 0
