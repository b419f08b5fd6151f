"""学分申报: a district cadre claims credit for training the catalogue did not record, with evidence (a
certificate, a photo, a paper); the 干部教育科 approves it — an entry is written and the cadre's year is
recomputed — or rejects it with a reason. The cadre may withdraw a claim not yet decided. Evidence is
accepted by its content (magic bytes), not by its name. Re-exported from ``services``."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.people.models import Person

from .models import Claim, ClaimEvidence, CreditEntry, Source
from .services import (
    check_countable,
    check_day,
    check_inputs,
    check_text,
    ensure_training_office,
    is_district_cadre,
    open_rule_set,
    recompute_people,
)

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: (".pdf",), JPEG: (".jpg", ".jpeg"), PNG: (".png",), DOCX: (".docx",)}
ONLY = "证明材料只接受 PDF、JPG、PNG 或 Word（.docx）文件。"
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def _is_docx(data: bytes) -> bool:
    """A Word document: a zip holding word/document.xml, without macros (.docm renamed is refused)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                return False
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return False
            types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError):
        return False
    return b"macroEnabled" not in types


def sniff_evidence(data: bytes, name: str) -> str:
    """The evidence's content type by its first bytes (PDF, JPEG, PNG, or a Word .docx); the name's
    extension must agree with it. Anything else — an .exe renamed .pdf — is refused."""
    if not data:
        raise ValidationError({"evidence": "请上传证明材料（文件为空）。"})
    if len(data) > MAX_EVIDENCE_BYTES:
        raise ValidationError({"evidence": "证明材料不能超过 5 MB。"})
    if data.startswith(b"%PDF-"):
        kind = PDF
    elif data.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif data.startswith(b"PK\x03\x04") and _is_docx(data):
        kind = DOCX
    else:
        raise ValidationError({"evidence": ONLY})
    extension = os.path.splitext(str(name or ""))[1].lower()
    if extension not in EXTENSIONS[kind]:
        raise ValidationError(
            {"evidence": f"证明材料的扩展名与文件内容不符（内容为 {EXTENSIONS[kind][0]} 文件）。{ONLY}"}
        )
    return kind


def evidence_file_name(name: str) -> str:
    """The file's own name (no folders), without control or path characters, at most 200 characters."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = UNSAFE_NAME.sub("_", base).strip(" .")
    if len(base) > 200:
        stem, extension = os.path.splitext(base)
        base = stem[: 200 - len(extension)] + extension
    return base


def _claim_fields(data: dict) -> dict:
    inputs = check_inputs(data)
    out = {
        **inputs,
        "title": check_text(data.get("title"), "title", "培训内容", 200),
        "organizer": check_text(data.get("organizer"), "organizer", "主办单位", 100, required=False),
        "description": check_text(data.get("description"), "description", "说明", 500, required=False),
        "date": check_day(data.get("date"), "date", "培训日期", not_future=True),
    }
    check_countable(inputs, out["date"].year)
    return out


@transaction.atomic
def submit_claim(*, actor, data: dict, evidence_name: str, evidence: bytes) -> Claim:
    """The cadre's own claim with its evidence, for a date not in the future in an open year."""
    person_id = getattr(actor, "person_id", None)
    if not getattr(actor, "is_authenticated", False) or not is_district_cadre(person_id):
        raise PermissionDenied("只有区管干部可以申报学分。")
    person = Person.objects.select_for_update().get(pk=person_id)
    fields = _claim_fields(data or {})
    evidence = bytes(evidence or b"")
    content_type = sniff_evidence(evidence, evidence_name)
    name = evidence_file_name(evidence_name)
    open_rule_set(fields["date"].year, actor=actor)
    digest = hashlib.sha256(evidence).hexdigest()
    reused = Claim.objects.filter(
        person=person,
        evidence_sha256=digest,
        status__in=[Claim.Status.SUBMITTED, Claim.Status.APPROVED],
    ).first()
    if reused is not None:
        raise ValidationError(
            {
                "evidence": f"该证明材料已用于申报“{reused.title}”（{reused.get_status_display()}），不能重复申报。"
            }
        )
    claim = Claim.objects.create(
        person=person,
        evidence_name=name,
        evidence_type=content_type,
        evidence_size=len(evidence),
        evidence_sha256=digest,
        submitted_by=actor,
        **fields,
    )
    ClaimEvidence.objects.create(claim=claim, data=evidence)
    audit.record_change(
        actor=actor, kind=AuditEvent.Kind.CREATE, obj=claim, detail={"evidence_bytes": len(evidence)}
    )
    return claim


def _lock_claim(claim) -> Claim:
    return Claim.objects.select_for_update().select_related("person").get(pk=claim.pk)


@transaction.atomic
def decide_claim(*, actor, claim, approve: bool, reason: str = "") -> Claim:
    """The 干部教育科 approves (the entry is written, the cadre's year recomputed) or rejects with a reason.
    Nobody decides their own claim; a decided claim is not decided again."""
    ensure_training_office(actor)
    claim = _lock_claim(claim)
    if not Claim.objects.restrict(actor, Action.VIEW).filter(pk=claim.pk).exists():
        raise PermissionDenied("该申报不在您的授权范围内。")
    if getattr(actor, "person_id", None) == claim.person_id:
        raise PermissionDenied("不能审核本人的申报。")
    if claim.status != Claim.Status.SUBMITTED:
        raise ValidationError("该申报已处理。")
    if not isinstance(approve, bool):
        raise ValidationError({"approve": "请选择通过或不通过。"})
    reason = check_text(
        reason, "reason", "不通过的理由" if not approve else "审核意见", 300, required=not approve
    )
    year = claim.date.year
    if approve:
        open_rule_set(year, actor=actor)
    before = audit.snapshot(claim)
    claim.status = Claim.Status.APPROVED if approve else Claim.Status.REJECTED
    claim.decided_by, claim.decided_at, claim.reason = actor, timezone.now(), reason
    claim.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=claim, before=before)
    if approve:
        entry = CreditEntry.objects.create(
            person=claim.person,
            year=year,
            date=claim.date,
            category=claim.category,
            source=Source.CLAIM,
            title=claim.title,
            claim=claim,
            days=claim.days,
            hours=claim.hours,
            minutes=claim.minutes,
            hours_taught=claim.hours_taught,
            level=claim.level,
            items=1,
            created_by=actor,
        )
        audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=entry, detail={"claim": claim.pk})
        recompute_people(year, [claim.person_id])
    return claim


@transaction.atomic
def withdraw_claim(*, actor, claim) -> Claim:
    """The claimant withdraws their claim while it waits."""
    claim = _lock_claim(claim)
    if getattr(actor, "person_id", None) != claim.person_id:
        raise PermissionDenied("只能撤回本人的申报。")
    if claim.status != Claim.Status.SUBMITTED:
        raise ValidationError("该申报已处理，不能撤回。")
    before = audit.snapshot(claim)
    claim.status = Claim.Status.WITHDRAWN
    claim.save(update_fields=["status", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=claim, before=before)
    return claim


@transaction.atomic
def claim_evidence(*, actor, claim) -> tuple[str, str, bytes]:
    """(name, content type, bytes) of the evidence, for the claimant and staff in scope; every download is
    logged."""
    if not Claim.objects.restrict(actor, Action.VIEW).filter(pk=claim.pk).exists():
        raise PermissionDenied("该申报不在您的授权范围内。")
    claim = Claim.objects.get(pk=claim.pk)
    data = ClaimEvidence.objects.filter(claim_id=claim.pk).values_list("data", flat=True).first()
    if data is None:
        raise ValidationError("该申报没有证明材料。")
    audit.record_event(
        actor=actor,
        event=audit.Events.EXPORT,
        obj=claim,
        detail={"claim": claim.pk, "file": claim.evidence_name, "bytes": claim.evidence_size},
    )
    return claim.evidence_name, claim.evidence_type, bytes(data)
