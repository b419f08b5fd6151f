"""Writes of 征求意见 and 整改: add an opinion, import a questionnaire's free-text answers as opinions, make an
issue of one or more opinions, change its measures, owner and deadline, start, close (with evidence) and reopen
it. Each function is keyword-only, runs in one transaction, checks the actor's scope inside it (again after the
write) and writes its audit rows; a refusal is a ``ValidationError`` / ``PermissionDenied`` in Chinese and
changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope, path_prefix_q
from zugong.orgs.models import Organization, Unit
from zugong.training.services_claims import evidence_file_name, sniff_evidence

from .models import Answer, Evaluation
from .models_opinions import Issue, IssueEvidence, IssueStep, Opinion

MAX_TEXT = 5000
MAX_OPINIONS_PER_ISSUE = 200
EVENT_IMPORTED = "evaluation_opinions_imported"
EVENT_EVIDENCE = "export"


# ---- checks ---------------------------------------------------------------------------------------------


def _line(value, field: str, label: str, limit: int, *, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError({field: f"请填写{label}。"})
    if len(text) > limit:
        raise ValidationError({field: f"{label}不能超过 {limit} 字。"})
    return text


def _block(value, field: str, label: str, limit: int = MAX_TEXT, *, required: bool = True) -> str:
    text = "\n".join(line.rstrip() for line in str(value or "").strip().splitlines())
    if required and not text:
        raise ValidationError({field: f"请填写{label}。"})
    if len(text) > limit:
        raise ValidationError({field: f"{label}不能超过 {limit} 字。"})
    return text


def _day(value, field: str, label: str, *, required: bool = True, not_future: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: f"请填写{label}。"})
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({field: f"{label}应为日期。"})
    if not_future and value > timezone.localdate():
        raise ValidationError({field: f"{label}不能晚于今天。"})
    return value


def _choice(value, field: str, label: str, choices) -> str:
    if value not in choices.values:
        raise ValidationError({field: f"{label}不正确。"})
    return value


def _owner(actor, owner_unit, owner_org) -> tuple[Unit | None, Organization | None]:
    """The owner unit / organization, each one the actor may see (another branch's is "not found")."""
    if (
        owner_unit is not None
        and not Unit.objects.restrict(actor, Action.VIEW).filter(pk=owner_unit.pk).exists()
    ):
        raise ValidationError({"owner_unit": "责任单位不存在或不在您的授权范围内。"})
    if (
        owner_org is not None
        and not Organization.objects.restrict(actor, Action.VIEW).filter(pk=owner_org.pk).exists()
    ):
        raise ValidationError({"owner_org": "责任党组织不存在或不在您的授权范围内。"})
    return owner_unit, owner_org


def _step(issue: Issue, kind: str, actor, note: str = "", on: dt.date | None = None) -> IssueStep:
    return IssueStep.objects.create(
        issue=issue, kind=kind, on=on or timezone.localdate(), note=note[:500], actor=actor
    )


# ---- opinions -------------------------------------------------------------------------------------------


@transaction.atomic
def opinion_add(
    *,
    actor,
    org: Organization,
    source: str,
    text: str,
    received_on: dt.date,
    visit_group: str = "",
    submitted_by: str = "",
    evaluation: Evaluation | None = None,
) -> Opinion:
    """One opinion as staff type it in: from a 座谈会, a visit (by group), a questionnaire or elsewhere."""
    ensure_org_in_scope(actor, Action.ADD, org)
    source = _choice(source, "source", "意见来源", Opinion.Source)
    text = _block(text, "text", "意见内容")
    received_on = _day(received_on, "received_on", "收集日期", not_future=True)
    visit_group = _line(visit_group, "visit_group", "走访组", 50, required=source == Opinion.Source.VISIT)
    if source != Opinion.Source.VISIT:
        visit_group = ""
    submitted_by = _line(submitted_by, "submitted_by", "提出人", 100, required=False)
    if evaluation is not None:
        if source != Opinion.Source.SURVEY:
            raise ValidationError({"evaluation": "只有来源为“问卷”的意见可以关联测评。"})
        ensure_in_scope(actor, Action.VIEW, evaluation)
    opinion = Opinion.objects.create(
        org=org, source=source, visit_group=visit_group, evaluation=evaluation, text=text,
        received_on=received_on, submitted_by=submitted_by, created_by=actor,
    )  # fmt: skip
    ensure_in_scope(actor, Action.ADD, opinion)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=opinion)
    return opinion


@transaction.atomic
def opinions_import_from_evaluation(*, actor, evaluation: Evaluation) -> int:
    """The free-text answers of ``evaluation`` (live ballots only) as 问卷 opinions of its organization, in one
    set-based pass. Idempotent: each distinct text is added as many times as the ballots hold it minus the
    opinions of this evaluation that already have it, so a second call adds nothing and a later call adds only
    new ballots' texts. The opinions name the evaluation, never a ballot or an answer, carry the day of the
    import and are written in the order of their text (not of the ballots)."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    ensure_in_scope(actor, Action.ADD, evaluation)
    ensure_org_in_scope(actor, Action.ADD, evaluation.org)
    wanted = (
        Answer.objects.filter(evaluation=evaluation, ballot__is_test=False)
        .exclude(text="")
        .values_list("text")
        .annotate(n=Count("id"))
        .order_by("text")
    )
    have = dict(
        Opinion.objects.filter(evaluation=evaluation, source=Opinion.Source.SURVEY)
        .values_list("text")
        .annotate(n=Count("id"))
        .order_by()
    )
    today = timezone.localdate()
    new = [
        Opinion(
            org_id=evaluation.org_id,
            source=Opinion.Source.SURVEY,
            evaluation=evaluation,
            text=text,
            received_on=today,
            created_by=actor,
        )  # fmt: skip
        for text, n in wanted
        for _ in range(n - have.get(text, 0))
    ]
    if not new:
        return 0
    created = Opinion.objects.bulk_create(new, batch_size=500)
    audit.record_changes_bulk(
        actor=actor, kind=AuditEvent.Kind.CREATE, objs=created, detail={"evaluation": evaluation.pk}
    )
    audit.record_event(
        actor=actor,
        event=EVENT_IMPORTED,
        obj=evaluation,
        detail={"evaluation": evaluation.pk, "added": len(created)},
    )
    return len(created)


# ---- issues ---------------------------------------------------------------------------------------------


def _opinions_for(actor, org: Organization, opinions) -> list[Opinion]:
    """The opinions an issue is made of: current ones the actor may see, all within ``org``'s subtree."""
    ids = sorted({o.pk if isinstance(o, Opinion) else int(o) for o in opinions or ()})
    if len(ids) > MAX_OPINIONS_PER_ISSUE:
        raise ValidationError({"opinions": f"一个问题最多合并 {MAX_OPINIONS_PER_ISSUE} 条意见。"})
    found = list(
        Opinion.objects.restrict(actor, Action.VIEW)
        .filter(path_prefix_q("org__path", org.path), pk__in=ids, archived_at__isnull=True)
        .order_by("pk")
    )
    if len(found) != len(ids):
        raise ValidationError({"opinions": "所选意见不存在、已归档，或不属于该问题所在党组织。"})
    return found


def _lock(actor, issue: Issue, action: str = Action.CHANGE) -> Issue:
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    ensure_in_scope(actor, action, issue)
    if issue.is_archived:
        raise ValidationError("该问题已归档。")
    return issue


@transaction.atomic
def issue_create(
    *,
    actor,
    org: Organization,
    category: str,
    title: str,
    description: str = "",
    opinions=(),
    owner_unit: Unit | None = None,
    owner_org: Organization | None = None,
    deadline: dt.date | None = None,
    measures: str = "",
) -> Issue:
    """A line of the 问题清单, made of one or more opinions (or none: a problem found otherwise)."""
    ensure_org_in_scope(actor, Action.ADD, org)
    fields = {
        "category": _choice(category, "category", "问题类别", Issue.Category),
        "title": _line(title, "title", "问题", 200),
        "description": _block(description, "description", "问题描述", required=False),
        "deadline": _day(deadline, "deadline", "整改时限", required=False),
        "measures": _block(measures, "measures", "整改措施", required=False),
    }
    owner_unit, owner_org = _owner(actor, owner_unit, owner_org)
    found = _opinions_for(actor, org, opinions)
    issue = Issue.objects.create(
        org=org, owner_unit=owner_unit, owner_org=owner_org, created_by=actor, **fields
    )
    issue.opinions.set(found)
    _step(issue, IssueStep.Kind.CREATED, actor, f"由 {len(found)} 条意见形成" if found else "")
    ensure_in_scope(actor, Action.ADD, issue)
    audit.record_change(
        actor=actor, kind=AuditEvent.Kind.CREATE, obj=issue, detail={"opinions": [o.pk for o in found]}
    )
    return issue


EDITABLE = {
    "category": "类别",
    "title": "问题",
    "description": "问题描述",
    "owner_unit": "责任单位",
    "owner_org": "责任党组织",
    "deadline": "整改时限",
    "measures": "整改措施",
}


@transaction.atomic
def issue_update(*, actor, issue: Issue, changes: dict) -> Issue:
    """Change the measures, the owner, the deadline (and the wording) of an issue not yet closed."""
    issue = _lock(actor, issue)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"不能修改这些字段：{'、'.join(sorted(unknown))}。")
    if issue.is_closed:
        raise ValidationError("该问题已整改完成，不能修改；如需继续整改，请先“重新整改”。")
    before = audit.snapshot(issue)
    checks = {
        "category": lambda v: _choice(v, "category", "问题类别", Issue.Category),
        "title": lambda v: _line(v, "title", "问题", 200),
        "description": lambda v: _block(v, "description", "问题描述", required=False),
        "deadline": lambda v: _day(v, "deadline", "整改时限", required=False),
        "measures": lambda v: _block(v, "measures", "整改措施", required=False),
    }
    for name, value in changes.items():
        if name in checks:
            setattr(issue, name, checks[name](value))
    issue.owner_unit, issue.owner_org = _owner(
        actor, changes.get("owner_unit", issue.owner_unit), changes.get("owner_org", issue.owner_org)
    )
    issue.save()
    ensure_in_scope(actor, Action.CHANGE, issue)
    after = audit.snapshot(issue)
    keys = {name: f"{name}_id" if f"{name}_id" in after else name for name in EDITABLE}
    changed = [label for name, label in EDITABLE.items() if before.get(keys[name]) != after.get(keys[name])]
    if changed:
        _step(issue, IssueStep.Kind.UPDATED, actor, f"修改了{'、'.join(changed)}")
        audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=issue, before=before, after=after)
    return issue


@transaction.atomic
def issue_start(*, actor, issue: Issue) -> Issue:
    """待整改 → 整改中: the measures are set and work begins."""
    issue = _lock(actor, issue)
    if issue.status != Issue.Status.PENDING:
        raise ValidationError(f"该问题当前为“{issue.get_status_display()}”，不能开始整改。")
    if not issue.measures:
        raise ValidationError({"measures": "请先填写整改措施，再开始整改。"})
    before = audit.snapshot(issue)
    issue.status, issue.started_on = Issue.Status.IN_PROGRESS, timezone.localdate()
    issue.save(update_fields=["status", "started_on", "updated_at"])
    _step(issue, IssueStep.Kind.STARTED, actor)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=issue, before=before)
    return issue


@transaction.atomic
def issue_close(
    *,
    actor,
    issue: Issue,
    evidence_text: str,
    closed_on: dt.date | None = None,
    evidence_name: str = "",
    evidence: bytes | None = None,
) -> Issue:
    """整改完成 (销号): the completion and its evidence are required in words; a file (PDF, JPG, PNG or Word,
    at most 5 MB, checked by its content) may back them. A file given again replaces the earlier one."""
    issue = _lock(actor, issue)
    if issue.is_closed:
        raise ValidationError("该问题已整改完成。")
    if not issue.measures:
        raise ValidationError({"measures": "请先填写整改措施，再办理整改完成。"})
    evidence_text = _block(evidence_text, "evidence_text", "整改完成情况及佐证", 2000)
    closed_on = _day(closed_on or timezone.localdate(), "closed_on", "完成日期", not_future=True)
    if closed_on < timezone.localtime(issue.created_at).date():
        raise ValidationError({"closed_on": "完成日期不能早于问题立项日期。"})
    before = audit.snapshot(issue)
    detail = {}
    if evidence:
        content_type = sniff_evidence(bytes(evidence), evidence_name)
        issue.evidence_name = evidence_file_name(evidence_name)
        issue.evidence_type, issue.evidence_size = content_type, len(evidence)
        issue.evidence_sha256 = hashlib.sha256(evidence).hexdigest()
        IssueEvidence.objects.update_or_create(issue=issue, defaults={"data": bytes(evidence)})
        detail = {"evidence_bytes": len(evidence)}
    issue.status, issue.closed_on, issue.evidence_text = Issue.Status.CLOSED, closed_on, evidence_text
    issue.started_on = issue.started_on or closed_on
    issue.save()
    _step(issue, IssueStep.Kind.CLOSED, actor, evidence_text, on=closed_on)
    audit.record_change(
        actor=actor, kind=AuditEvent.Kind.UPDATE, obj=issue, before=before, detail=detail or None
    )
    return issue


@transaction.atomic
def issue_reopen(*, actor, issue: Issue, reason: str) -> Issue:
    """已整改 → 整改中 (整改不到位, 群众不满意): the reason is required; the earlier evidence stays on record."""
    issue = _lock(actor, issue)
    if not issue.is_closed:
        raise ValidationError("只有已整改的问题可以重新整改。")
    reason = _line(reason, "reason", "重新整改的原因", 200)
    before = audit.snapshot(issue)
    issue.status, issue.closed_on = Issue.Status.IN_PROGRESS, None
    issue.save(update_fields=["status", "closed_on", "updated_at"])
    _step(issue, IssueStep.Kind.REOPENED, actor, reason)
    audit.record_change(
        actor=actor, kind=AuditEvent.Kind.UPDATE, obj=issue, before=before, detail={"reason": reason}
    )
    return issue


@transaction.atomic
def issue_evidence(*, actor, issue: Issue) -> tuple[str, str, bytes]:
    """(name, content type, bytes) of the closure's evidence file, for staff in scope; each download is logged."""
    ensure_in_scope(actor, Action.VIEW, issue)
    issue = Issue.objects.get(pk=issue.pk)
    data = IssueEvidence.objects.filter(issue_id=issue.pk).values_list("data", flat=True).first()
    if data is None:
        raise ValidationError("该问题没有佐证材料文件。")
    audit.record_event(
        actor=actor,
        event=EVENT_EVIDENCE,
        obj=issue,
        detail={
            "what": "evaluations.issue_evidence",
            "file": issue.evidence_name,
            "bytes": issue.evidence_size,
        },
    )
    return issue.evidence_name, issue.evidence_type, bytes(data)
