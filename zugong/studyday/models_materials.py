"""学习资料 (materials library), marked 仅供学习 禁止外传: a material's file is kept as uploaded, and every view or
download is a copy stamped for its reader (``MaterialCopy``: a short copy code, the reader, the time, the
SHA-256 of the file issued). The register of copies and the trace tool read these rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zugong.core.models import ArchivableModel, ScopedModel


class Material(ArchivableModel):
    """A document for study: PDF, Word (docx) or an image, owned by an organization whose members (and the
    staff above it) may read it; optionally for one session."""

    scope_path = "org_path"

    class FileKind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word"
        IMAGE = "image", "图片"

    org = models.ForeignKey(
        "orgs.Organization", verbose_name="发布组织", on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField("组织路径", max_length=255, db_index=True, editable=False)
    session = models.ForeignKey(
        "studyday.Session", verbose_name="关联会议", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="materials",
    )  # fmt: skip
    title = models.CharField("标题", max_length=200)
    description = models.TextField("简介", blank=True)
    file_kind = models.CharField("文件类型", max_length=10, choices=FileKind.choices)
    file_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("MIME 类型", max_length=100)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "学习资料"
        verbose_name_plural = "学习资料"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class MaterialFile(models.Model):
    """The uploaded bytes (kept apart so lists never read them)."""

    material = models.OneToOneField(
        Material, verbose_name="学习资料", on_delete=models.CASCADE, related_name="file"
    )
    data = models.BinaryField("内容")

    class Meta:
        verbose_name = "学习资料文件"
        verbose_name_plural = "学习资料文件"

    def __str__(self):
        return f"{self.material_id}"


class MaterialCopy(ScopedModel):
    """One copy issued to one reader: the register of who received what. ``code`` is printed in the visible
    watermark and hidden inside the file; ``sha256`` is of the stamped file as issued. Scoped by the
    material's organization (``org_path`` copied at issue), so the register and the trace tool are the
    staff's over that organization."""

    scope_path = "org_path"

    class Purpose(models.TextChoices):
        VIEW = "view", "在线查看"
        DOWNLOAD = "download", "下载"

    material = models.ForeignKey(
        Material, verbose_name="学习资料", on_delete=models.PROTECT, related_name="copies"
    )
    org_path = models.CharField("组织路径", max_length=255, editable=False, db_index=True)
    code = models.CharField("副本编号", max_length=16, unique=True)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="领取人账号", null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    reader_name = models.CharField("领取人", max_length=150)
    person = models.ForeignKey(
        "people.Person", verbose_name="领取人（党员）", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    purpose = models.CharField("用途", max_length=10, choices=Purpose.choices)
    issued_at = models.DateTimeField("发放时间")
    ip = models.CharField("IP", max_length=64, blank=True)
    sha256 = models.CharField("副本 SHA-256", max_length=64, db_index=True)

    class Meta:
        verbose_name = "资料副本登记"
        verbose_name_plural = "资料副本登记"
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return f"{self.code} {self.reader_name}"
