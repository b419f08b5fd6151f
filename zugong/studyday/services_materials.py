"""Writes of the materials library (学习资料, 仅供学习 禁止外传): upload, archive, issuing a stamped copy to a reader,
and the trace of a leaked file (泄露追查). Each checks scope, works in a transaction and writes its audit row.

A file is accepted by its content (magic bytes, then actually opened and stamped once), never by its name.
Every view or download is a copy made for its reader (``watermark.stamp``) with a fresh short code, recorded
as a ``MaterialCopy`` with the SHA-256 of the bytes issued, so that a leaked copy — the file itself, the mark
hidden in it, or the code read off a photo of a page — leads back to the reader."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from typing import NoReturn

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from zugong.core import audit
from zugong.core.context import client_ip_var
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope
from zugong.orgs.models import OrgStatus
from zugong.training.services_claims import evidence_file_name

from . import watermark
from .models_materials import Material, MaterialCopy, MaterialFile
from .selectors_materials import is_library_staff, readable_materials

MB = 1024 * 1024
MAX_BYTES = getattr(settings, "ZUGONG_MATERIAL_MAX_BYTES", 20 * MB)
TRACE_MAX_BYTES = MAX_BYTES * 2  # a stamped copy, saved again, may be larger than the original
MAX_IMAGE_PIXELS = 60_000_000
ONLY = "学习资料只接受 PDF、Word（.docx）、JPG 或 PNG 文件。"
EXTENSIONS = {
    watermark.PDF_TYPE: (".pdf",),
    watermark.DOCX_TYPE: (".docx",),
    watermark.JPEG_TYPE: (".jpg", ".jpeg"),
    watermark.PNG_TYPE: (".png",),
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .ppt of Office 97–2003
PROBE_CODE = "PRBE2345"  # any valid code: the probe copy is thrown away
NOTICE = "仅供学习 禁止外传"
CODE_HELP = "副本编号为 8 位，由数字 2–9 和大写字母组成（不含 I、L、O）。"
EVENT_COPY = "material_copy_issued"
EVENT_TRACE = "material_trace"


def _text(value, field: str, label: str, max_length: int, *, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError({field: f"请填写{label}。"})
    if len(text) > max_length:
        raise ValidationError({field: f"{label}不能超过{max_length}个字。"})
    return text


def size_label(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


# ---- the file -----------------------------------------------------------------------------------------


def _refuse(field: str, message: str) -> NoReturn:
    raise ValidationError({field: message})


def sniff_material(data: bytes, *, field: str = "file", max_bytes: int | None = None) -> tuple[str, str]:
    """(kind, content type) of an acceptable file, by its bytes; a clear refusal otherwise."""
    max_bytes = max_bytes or MAX_BYTES
    if not data:
        _refuse(field, "文件是空的，请重新选择。")
    if len(data) > max_bytes:
        _refuse(field, f"文件不能超过 {max_bytes // MB} MB（所选文件 {size_label(len(data))}）。")
    found = watermark.sniff(data)
    if found is None:
        if data.startswith(OLE_MAGIC):
            _refuse(field, f"不支持旧版 Office 文件（.doc 等），请用 Word 或 WPS 另存为 .docx 后上传。{ONLY}")
        if data.startswith(b"PK\x03\x04"):
            _refuse(field, f"该文件不是 Word（.docx）文档，或是启用宏的文档（.docm），不能上传。{ONLY}")
        _refuse(field, f"无法识别的文件类型。{ONLY}")
    return found


def material_file_name(name: str, content_type: str) -> str:
    """The uploaded name without folders or unsafe characters, its extension made to match the content."""
    base = evidence_file_name(name)
    stem, extension = os.path.splitext(base)
    allowed = EXTENSIONS[content_type]
    if extension.lower() not in allowed:
        stem = base or "学习资料"
        extension = allowed[0]
    return f"{stem[: 200 - len(extension)]}{extension}"


def check_material_file(data: bytes, name: str, *, field: str = "file") -> tuple[str, str, str]:
    """(kind, content type, file name) of an uploaded material, after opening and stamping it once, so that
    a damaged or password-protected file is refused now and not at a reader's first view."""
    kind, content_type = sniff_material(data, field=field)
    if kind == watermark.IMAGE:
        from PIL import Image

        try:
            width, height = Image.open(io.BytesIO(data)).size
        except Exception:  # noqa: BLE001 - a damaged image header
            _refuse(field, "图片文件已损坏，无法打开，请检查后重新上传。")
        if width * height > MAX_IMAGE_PIXELS:
            _refuse(field, f"图片尺寸过大（{width}×{height}），请缩小到 6000 万像素以内后上传。")
    try:
        watermark.stamp(kind, data, lines=[NOTICE], code=PROBE_CODE)
    except watermark.StampError:
        _refuse(field, "文件无法打开（可能已损坏，或设有打开密码），请检查后重新上传。")
    return kind, content_type, material_file_name(name, content_type)


# ---- upload and archive -------------------------------------------------------------------------------


def material_upload(
    *, actor, org, title: str, file_name: str, data: bytes, description: str = "", session=None
) -> Material:
    """A new material of ``org`` (inside the uploader's scope), optionally for one session of that org."""
    ensure_org_in_scope(actor, Action.ADD, org)
    if org.status != OrgStatus.ACTIVE:
        raise ValidationError({"org": "该组织已撤销，不能发布学习资料。"})
    title = _text(title, "title", "标题", 200)
    description = _text(description, "description", "简介", 2000, required=False)
    if session is not None and (session.org_id != org.pk or session.archived_at is not None):
        raise ValidationError({"session": "关联会议须是该组织未取消的会议。"})
    data = bytes(data or b"")
    kind, content_type, name = check_material_file(data, file_name)
    with transaction.atomic():
        material = Material.objects.create(
            org=org,
            org_path=org.path,
            session=session,
            title=title,
            description=description,
            file_kind=kind,
            file_name=name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=actor,
        )
        MaterialFile.objects.create(material=material, data=data)
        ensure_in_scope(actor, Action.ADD, material)
        audit.record_change(
            actor=actor, kind=AuditEvent.Kind.CREATE, obj=material, detail={"bytes": len(data)}
        )
    return material


def material_archive(*, actor, material, reason: str) -> Material:
    """归档 (never a deletion): the material is no longer read or issued; its register stays."""
    with transaction.atomic():
        material = Material.objects.select_for_update().get(pk=material.pk)
        ensure_in_scope(actor, Action.ARCHIVE, material)
        if material.archived_at is not None:
            raise ValidationError("该资料已归档。")
        reason = _text(reason, "reason", "归档原因", 200)
        before = audit.snapshot(material)
        material.archived_at, material.archived_reason = timezone.now(), reason
        material.save(update_fields=["archived_at", "archived_reason", "updated_at"])
        audit.record_change(actor=actor, kind=AuditEvent.Kind.ARCHIVE, obj=material, before=before)
    return material


# ---- issuing a copy -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCopy:
    copy: MaterialCopy
    data: bytes
    file_name: str
    content_type: str


def new_code() -> str:
    return "".join(secrets.choice(watermark.CODE_ALPHABET) for _ in range(watermark.CODE_LENGTH))


def reader_label(user) -> str:
    name = (getattr(user, "display_name", "") or "").strip()
    username = user.get_username()
    return f"{name}（{username}）" if name and name != username else username


def copy_lines(user, code: str, when) -> list[str]:
    """The visible watermark: the notice, the reader, the copy code and the time."""
    return [NOTICE, reader_label(user), f"副本 {code}  {timezone.localtime(when):%Y-%m-%d %H:%M}"]


def copy_file_name(material: Material, code: str) -> str:
    stem, extension = os.path.splitext(material.file_name)
    return f"{stem}（副本{code}）{extension}"


def _readable(actor, material) -> bool:
    return readable_materials(actor).filter(pk=material.pk).exists()


def copy_issue(*, actor, material, purpose: str, ip: str | None = None) -> IssuedCopy:
    """A copy of ``material`` stamped for ``actor``: recorded on the register and audited before it is
    handed over. Only a reader of the material (``readable_materials``) gets one; an archived material is
    not issued."""
    if purpose not in MaterialCopy.Purpose.values:
        raise ValidationError({"purpose": "用途不正确，可选：在线查看、下载。"})
    if not getattr(actor, "is_authenticated", False) or not _readable(actor, material):
        raise PermissionDenied("该资料不在您的阅读范围内，或已归档。")
    if purpose == MaterialCopy.Purpose.VIEW and material.file_kind == Material.FileKind.DOCX:
        raise ValidationError({"purpose": "Word 文件不能在线查看，请下载。"})
    source = MaterialFile.objects.filter(material_id=material.pk).values_list("data", flat=True).first()
    if source is None:
        raise ValidationError("该资料没有文件。")
    source = bytes(source)
    person_id = getattr(actor, "person_id", None)
    for _ in range(5):
        code = new_code()
        if MaterialCopy.objects.filter(code=code).exists():
            continue
        now = timezone.now()
        try:
            # Stamped outside the transaction: it is the slow part, and holds no lock.
            data = watermark.stamp(material.file_kind, source, lines=copy_lines(actor, code, now), code=code)
        except watermark.StampError:
            raise ValidationError("该资料的文件无法生成副本，请联系上传人重新上传。") from None
        digest = hashlib.sha256(data).hexdigest()
        try:
            with transaction.atomic():
                # Taken in turn with material_archive: a copy is never issued after the archive.
                Material.objects.select_for_update().filter(pk=material.pk).first()
                if not _readable(actor, material):
                    raise PermissionDenied("该资料不在您的阅读范围内，或已归档。")
                copy = MaterialCopy.objects.create(
                    material=material,
                    org_path=material.org_path,
                    code=code,
                    reader=actor,
                    reader_name=(getattr(actor, "display_name", "") or actor.get_username())[:150],
                    person_id=person_id,
                    purpose=purpose,
                    issued_at=now,
                    ip=(ip if ip is not None else client_ip_var.get())[:64],
                    sha256=digest,
                )
                audit.record_event(
                    actor=actor,
                    event=EVENT_COPY,
                    obj=material,
                    detail={
                        "copy": copy.pk,
                        "code": code,
                        "purpose": purpose,
                        "sha256": digest,
                        "bytes": len(data),
                    },
                )
        except IntegrityError:  # the same code issued at the same moment: draw again
            continue
        return IssuedCopy(copy, data, copy_file_name(material, code), material.content_type)
    raise RuntimeError("could not draw a free copy code")


# ---- 泄露追查 -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceResult:
    """What a trace found: the copy (in the tracer's scope), or the original file of a material, or
    nothing; ``method`` says how (sha256 / mark / code / original / none)."""

    method: str
    message: str
    copy: MaterialCopy | None = None
    material: Material | None = None
    code: str = ""

    @property
    def found(self) -> bool:
        return self.copy is not None or self.material is not None


def normalize_code(value: str) -> str:
    return "".join(ch for ch in str(value or "").upper() if ch not in " -_\t\r\n")


def _copy_in_scope(actor, **lookup) -> MaterialCopy | None:
    return (
        MaterialCopy.objects.restrict(actor, Action.VIEW)
        .select_related("material", "material__org", "reader")
        .filter(**lookup)
        .first()
    )


def _found(copy: MaterialCopy, how: str) -> str:
    when = timezone.localtime(copy.issued_at)
    return (
        f"{how}：资料“{copy.material.title}”的副本 {copy.code}，于 {when:%Y-%m-%d %H:%M} "
        f"以“{copy.get_purpose_display()}”发给 {copy.reader_name}。"
    )


def _trace_file(actor, data: bytes) -> TraceResult:
    digest = hashlib.sha256(data).hexdigest()
    copy = _copy_in_scope(actor, sha256=digest)
    if copy is not None:
        return TraceResult("sha256", _found(copy, "文件与发放的副本完全一致（SHA-256 相同）"), copy=copy)
    code = watermark.read_mark(data)
    if code:
        copy = _copy_in_scope(actor, code=code)
        if copy is not None:
            return TraceResult("mark", _found(copy, f"从文件中读出隐藏标记 {code}"), copy=copy, code=code)
        return TraceResult(
            "none", f"未找到：文件中的副本编号 {code} 没有对应的领取记录（或不在您的授权范围内）。", code=code
        )
    original = (
        Material.objects.restrict(actor, Action.VIEW)
        .select_related("uploaded_by")
        .filter(sha256=digest)
        .first()
    )
    if original is not None:
        return TraceResult(
            "original",
            f"该文件是学习资料“{original.title}”的原始上传文件（没有读者水印），不是发给某位读者的副本。",
            material=original,
        )
    return TraceResult(
        "none",
        "未找到：文件中没有可识别的副本标记，也与已发放的副本不一致。可输入页面或照片上可见的副本编号再查。",
    )


def material_trace(*, actor, data: bytes | None = None, file_name: str = "", code: str = "") -> TraceResult:
    """泄露追查 by a leaked file (its exact bytes, else the mark hidden in it) or by a copy code read off a
    page. Staff only; a copy outside the tracer's scope is "未找到" like one that does not exist. Every
    trace is audited."""
    if not is_library_staff(actor):
        raise PermissionDenied("只有组织部门和党组织的工作人员可以追查泄露的资料。")
    data = bytes(data or b"")
    code = normalize_code(code)
    if not data and not code:
        raise ValidationError("请上传泄露的文件，或输入副本编号。")
    if code and not watermark.is_code(code):
        raise ValidationError({"code": CODE_HELP})
    if data:
        sniff_material(data, field="file", max_bytes=TRACE_MAX_BYTES)
    result = _trace_file(actor, data) if data else None
    if code and (result is None or not result.found):
        copy = _copy_in_scope(actor, code=code)
        if copy is not None:
            result = TraceResult("code", _found(copy, f"副本编号 {code}"), copy=copy, code=code)
        elif result is None:
            result = TraceResult(
                "none", f"未找到：副本编号 {code} 没有对应的领取记录（或不在您的授权范围内）。", code=code
            )
    with transaction.atomic():
        audit.record_event(
            actor=actor,
            event=EVENT_TRACE,
            obj=result.copy,
            detail={
                "method": result.method,
                "found": result.found,
                "code": code or result.code,
                "file": evidence_file_name(file_name) if data else "",
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest() if data else "",
                "copy": result.copy.pk if result.copy else None,
                "material": (
                    result.copy.material_id if result.copy else getattr(result.material, "pk", None)
                ),
            },
        )
    return result
