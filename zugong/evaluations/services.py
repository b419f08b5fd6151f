"""Writes of 测评: set an evaluation up, issue and void one-time codes, go live, and cast a ballot.

Casting is the anonymous path: no login, no actor, and no audit row (an audit row per ballot would put a time
beside it). The code is claimed by one conditional UPDATE in the transaction that inserts the ballot, so a code
votes once even when the same form is submitted twice at the same instant."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from zugong.core import audit, bulk, crypto
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope
from zugong.orgs.models import LeadershipTeam, Organization
from zugong.people.models import Person

from . import combined as C
from . import spec as S
from .builtins import BUILTIN, Kind
from .models import Answer, Ballot, BallotCode, CodeBatch, Evaluation, FormTemplate, Subject, VoterClass

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off a slip without doubt
CODE_LENGTH = 10  # 31^10 ≈ 8 × 10^14 (about 49.6 bits)
CODE_CONTEXT = "evaluations.ballot_code"
MAX_CODES = 5000
MAX_TEXT = 2000


class BallotRefused(Exception):
    """Why a ballot was not taken (Chinese, for the voter): no such code, used, void, not open."""


def normalize_code(code: str) -> str:
    return "".join(str(code or "").split()).upper().replace("-", "")


def code_hash(code: str) -> str:
    return crypto.blind_index(normalize_code(code), context=CODE_CONTEXT)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# ---- setting an evaluation up ----------------------------------------------------------------------------


def _weight(value, where: str) -> Decimal:
    try:
        weight = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"voter_classes": f"{where}的权重应为数字。"})
    if not weight.is_finite() or not Decimal(0) < weight <= Decimal(100):
        raise ValidationError({"voter_classes": f"{where}的权重应大于 0 且不超过 100。"})
    return weight.quantize(Decimal("0.01"))


@transaction.atomic
def create_evaluation(
    *,
    actor,
    org,
    title: str,
    kind: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    subjects: list[dict],
    voter_classes: list[dict],
    spec: dict | None = None,
    note: str = "",
) -> Evaluation:
    """An evaluation in test mode: the form (the kind's built-in, or ``spec``), its subjects (``{"kind",
    "label", "person"/"team"/"org"}``) and voter classes (``{"name", "weight", "expected"}``)."""
    ensure_org_in_scope(actor, Action.ADD, org)
    title = " ".join(str(title or "").split())
    if not title or len(title) > 200:
        raise ValidationError({"title": "请填写测评名称（不超过 200 字）。"})
    if kind not in Kind.values:
        raise ValidationError({"kind": "测评类型不正确。"})
    if (
        not (isinstance(opens_at, dt.datetime) and isinstance(closes_at, dt.datetime))
        or closes_at <= opens_at
    ):
        raise ValidationError({"closes_at": "截止时间应晚于开始时间。"})
    form = S.check_spec(spec) if spec is not None else dict(BUILTIN[kind])
    if kind == Kind.REPORT:  # 述职评议: the parts of the combined score and their weights
        form["combined"] = C.check_config((spec or {}).get("combined") or C.DEFAULT)
    if not subjects:
        raise ValidationError({"subjects": "请至少添加一个测评对象。"})
    if not voter_classes:
        raise ValidationError({"voter_classes": "请至少设置一个参评人员类别。"})
    names = [" ".join(str(v.get("name", "")).split()) for v in voter_classes]
    if any(not n or len(n) > 50 for n in names) or len(set(names)) != len(names):
        raise ValidationError({"voter_classes": "参评人员类别的名称不能为空、不超过 50 字且不能重复。"})
    evaluation = Evaluation.objects.create(
        org=org, title=title, kind=kind, spec=form, opens_at=opens_at, closes_at=closes_at,
        note=str(note or "")[:500], created_by=actor,
    )  # fmt: skip
    for n, (name, v) in enumerate(zip(names, voter_classes, strict=True)):
        expected = v.get("expected", 0)
        if not isinstance(expected, int) or isinstance(expected, bool) or not 0 <= expected <= 100_000:
            raise ValidationError({"voter_classes": f"“{name}”的应参评人数应为 0–100000 的整数。"})
        VoterClass.objects.create(
            evaluation=evaluation, name=name, weight=_weight(v.get("weight", 1), f"“{name}”"),
            expected=expected, position=n,
        )  # fmt: skip
    for n, s in enumerate(subjects):
        kind_ = s.get("kind")
        label = " ".join(str(s.get("label", "")).split())
        if kind_ not in Subject.Kind.values or not label or len(label) > 200:
            raise ValidationError({"subjects": f"第 {n + 1} 个测评对象不正确（须有类型和名称）。"})
        links = {"person": s.get("person"), "team": s.get("team"), "org": s.get("org")}
        if not any(links.values()):
            links.update(_roster_link(actor, org, kind_, label))
        Subject.objects.create(evaluation=evaluation, kind=kind_, label=label, position=n, **links)
    ensure_in_scope(actor, Action.ADD, evaluation)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=evaluation)
    return evaluation


@transaction.atomic
def save_template(
    *, actor, name: str, kind: str, org, lines: str, template: FormTemplate | None = None
) -> FormTemplate:
    """A form of the department's own, typed one item a line; a new one, or ``template`` changed."""
    name = " ".join(str(name or "").split())
    if not name or len(name) > 100:
        raise ValidationError({"name": "请填写测评表名称（不超过 100 字）。"})
    if kind not in Kind.values:
        raise ValidationError({"kind": "适用类型不正确。"})
    form = S.parse_lines(lines)
    if template is None:
        ensure_org_in_scope(actor, Action.ADD, org)
        template = FormTemplate.objects.create(org=org, name=name, kind=kind, spec=form, created_by=actor)
        ensure_in_scope(actor, Action.ADD, template)
        audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=template)
        return template
    template = FormTemplate.objects.select_for_update().get(pk=template.pk)
    ensure_in_scope(actor, Action.CHANGE, template)
    before = audit.snapshot(template)
    template.name, template.kind, template.spec = name, kind, form
    template.save(update_fields=["name", "kind", "spec", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=template, before=before)
    return template


def _roster_link(actor, org, kind: str, label: str) -> dict:
    """A subject typed by name is tied to the roster when exactly one record of that name is in the
    organization's subtree and the actor's view: the cadre, the team or the organization."""
    if kind == Subject.Kind.PERSON:
        found = Person.objects.restrict(actor, Action.VIEW).filter(
            org_path__startswith=org.path, name=label, archived_at__isnull=True
        )
        field = "person"
    elif kind == Subject.Kind.TEAM:
        found = LeadershipTeam.objects.restrict(actor, Action.VIEW).filter(
            unit__organization__path__startswith=org.path, name=label
        )
        field = "team"
    elif kind == Subject.Kind.ORG:
        found = Organization.objects.restrict(actor, Action.VIEW).filter(
            path__startswith=org.path, name=label
        )
        field = "org"
    else:
        return {}
    matches = list(found[:2])
    return {field: matches[0]} if len(matches) == 1 else {}


def _lock(actor, evaluation, action=Action.CHANGE) -> Evaluation:
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    ensure_in_scope(actor, action, evaluation)
    if evaluation.is_archived:
        raise ValidationError("该测评已归档。")
    return evaluation


@transaction.atomic
def issue_codes(*, actor, evaluation, voter_class, count: int) -> tuple[CodeBatch, list[str]]:
    """A batch of ``count`` one-time codes for one voter class, in random order. The plain codes are returned
    once (for the slips) and never stored: the database keeps their keyed hashes."""
    evaluation = _lock(actor, evaluation)
    if voter_class.evaluation_id != evaluation.pk:
        raise ValidationError({"voter_class": "参评人员类别不属于该测评。"})
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_CODES:
        raise ValidationError({"count": f"每批测评码数量应为 1–{MAX_CODES}。"})
    codes: dict[str, str] = {}
    while len(codes) < count:
        code = new_code()
        codes[code_hash(code)] = code
    batch = CodeBatch.objects.create(
        evaluation=evaluation, voter_class=voter_class, count=count, shuffled=True, created_by=actor
    )
    bulk.insert_objects(
        [BallotCode(batch=batch, evaluation=evaluation, voter_class=voter_class, code_hash=h) for h in codes]
    )
    audit.record_event(
        actor=actor,
        event=audit.Events.EVALUATION_CODES_ISSUED,
        obj=batch,
        detail={"evaluation": evaluation.pk, "voter_class": voter_class.name, "count": count},
    )
    plain = list(codes.values())
    secrets.SystemRandom().shuffle(plain)
    return batch, plain


@transaction.atomic
def void_code(*, actor, evaluation, code: str) -> None:
    """作废: an unused code of this evaluation stops working (a lost slip)."""
    evaluation = _lock(actor, evaluation)
    changed = BallotCode.objects.filter(
        evaluation=evaluation, code_hash=code_hash(code), state=BallotCode.State.UNUSED
    ).update(state=BallotCode.State.VOID)
    if not changed:
        raise ValidationError({"code": "没有这个未使用的测评码（已使用的测评码不能作废）。"})
    audit.record_event(actor=actor, event=audit.Events.EVALUATION_CODE_VOIDED, obj=evaluation, detail={})


@transaction.atomic
def go_live(*, actor, evaluation) -> dict:
    """试用 → 正式: the test ballots are deleted and the codes issued in test mode are voided; from now on
    every ballot counts."""
    evaluation = _lock(actor, evaluation)
    if evaluation.mode == Evaluation.Mode.LIVE:
        raise ValidationError("该测评已是正式状态。")
    test = Ballot.objects.filter(evaluation=evaluation, is_test=True)
    Answer.objects.filter(ballot__in=test).delete()
    ballots, _ = test.delete()
    voided = (
        BallotCode.objects.filter(evaluation=evaluation)
        .exclude(state=BallotCode.State.VOID)
        .update(state=BallotCode.State.VOID)
    )
    before = audit.snapshot(evaluation)
    evaluation.mode = Evaluation.Mode.LIVE
    evaluation.save(update_fields=["mode", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=evaluation, before=before)
    return {"test_ballots_deleted": ballots, "codes_voided": voided}


@transaction.atomic
def archive_evaluation(*, actor, evaluation, reason: str) -> Evaluation:
    """归档: the codes stop working at once; the results stay readable."""
    evaluation = _lock(actor, evaluation, Action.ARCHIVE)
    reason = " ".join(str(reason or "").split())
    if not reason or len(reason) > 200:
        raise ValidationError({"reason": "请填写归档原因（不超过 200 字）。"})
    before = audit.snapshot(evaluation)
    evaluation.archived_at, evaluation.archived_reason = timezone.now(), reason
    evaluation.save(update_fields=["archived_at", "archived_reason", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.ARCHIVE, obj=evaluation, before=before)
    return evaluation


@transaction.atomic
def set_report_config(*, actor, evaluation, weights: dict, bands: dict) -> Evaluation:
    """述职评议: the weights of the parts (summing to 100) and the lowest score of 好, 较好 and 一般."""
    evaluation = _lock(actor, evaluation)
    if evaluation.kind != Kind.REPORT:
        raise ValidationError("只有述职评议有综合评分设置。")
    config = C.config_of(evaluation.spec)
    try:
        components = [
            {**c, "weight": Decimal(str(weights.get(c["key"], c["weight"])))} for c in config["components"]
        ]
        lows = [Decimal(str(bands[g])) for g in ("好", "较好", "一般")]
    except (KeyError, InvalidOperation, ValueError):
        raise ValidationError({"combined": "权重和分数线应为数字。"})
    if not (Decimal(100) >= lows[0] > lows[1] > lows[2] > 0):
        raise ValidationError({"combined": "分数线应为 100 以内、由高到低的三个正数（好 > 较好 > 一般）。"})
    grades = [[lows[0], "好"], [lows[1], "较好"], [lows[2], "一般"], [0, "差"]]
    checked = C.check_config({**config, "components": components, "grades": grades})
    before = audit.snapshot(evaluation)
    evaluation.spec = {**evaluation.spec, "combined": checked}
    evaluation.save(update_fields=["spec", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=evaluation, before=before)
    return evaluation


@transaction.atomic
def set_report_scores(*, actor, evaluation, subject, scores: dict) -> Subject:
    """述职评议: the department's scores (0–100) of the parts other than 民主评议 for one secretary."""
    evaluation = _lock(actor, evaluation)
    if evaluation.kind != Kind.REPORT:
        raise ValidationError("只有述职评议需要录入述职得分。")
    subject = Subject.objects.select_for_update().get(pk=subject.pk, evaluation=evaluation)
    config = C.config_of(evaluation.spec)
    parts = {c["key"]: c["label"] for c in config["components"] if c["key"] != C.DEMOCRATIC}
    values = {}
    for key, label in parts.items():
        raw = scores.get(key)
        if raw in (None, ""):
            continue
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            raise ValidationError({key: f"{label}得分应为数字。"})
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
            raise ValidationError({key: f"{label}得分应在 0–100 之间。"})
        values[key] = str(value.quantize(Decimal("0.01")))
    before = audit.snapshot(subject)
    subject.scores = values
    subject.save(update_fields=["scores", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=subject, before=before)
    return subject


# ---- casting a ballot (anonymous) ------------------------------------------------------------------------


def check_answers(evaluation: Evaluation, answers) -> list[tuple[int, str, str, int | None, str]]:
    """The answers as rows (subject, item, option, number, text), every required item answered for every
    subject; the first problem found is raised (Chinese)."""
    if not isinstance(answers, dict):
        raise ValidationError("选票内容不正确。")
    subjects = {s.pk: s.label for s in Subject.objects.filter(evaluation=evaluation)}
    items = S.items_of(evaluation.spec)
    rows = []
    unknown = {str(k) for k in answers} - {str(pk) for pk in subjects}
    if unknown:
        raise ValidationError("选票中有不属于本次测评的对象。")
    for pk, label in subjects.items():
        given = answers.get(str(pk), answers.get(pk)) or {}
        if not isinstance(given, dict):
            raise ValidationError(f"对“{label}”的评价格式不正确。")
        for item in items:
            value = given.get(item["key"])
            empty = value in (None, "", [])
            if empty:
                if item["required"]:
                    raise ValidationError(f"请完成对“{label}”的“{item['label']}”。")
                continue
            kind = item["kind"]
            if kind in S.CHOICE_KINDS:
                allowed = {o["value"] for o in S.options_of(item)}
                chosen = value if kind == "multiple" else [value]
                if not isinstance(chosen, list) or not all(
                    isinstance(c, str) and c in allowed for c in chosen
                ):
                    raise ValidationError(f"对“{label}”的“{item['label']}”的选择不正确。")
                if kind == "multiple" and len(set(chosen)) > item["max"]:
                    raise ValidationError(f"“{item['label']}”最多选 {item['max']} 项。")
                rows.extend((pk, item["key"], c, None, "") for c in sorted(set(chosen)))
            elif kind == "rating":
                if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= item["max"]:
                    raise ValidationError(f"“{item['label']}”的评分应为 1–{item['max']} 的整数。")
                rows.append((pk, item["key"], "", value, ""))
            else:
                text = str(value).strip()
                if len(text) > MAX_TEXT:
                    raise ValidationError(f"“{item['label']}”不能超过 {MAX_TEXT} 字。")
                if text:
                    rows.append((pk, item["key"], "", None, text))
    return rows


def evaluation_of_code(code: str) -> tuple[Evaluation, BallotCode]:
    """The evaluation a code opens, or ``BallotRefused`` with the reason the voter is told."""
    row = BallotCode.objects.select_related("evaluation").filter(code_hash=code_hash(code)).first()
    if row is None:
        raise BallotRefused("测评码无效，请核对后重新输入。")
    if row.state == BallotCode.State.USED:
        raise BallotRefused("该测评码已经使用过，每个测评码只能投票一次。")
    if row.state == BallotCode.State.VOID:
        raise BallotRefused("该测评码已作废，请向工作人员领取新的测评码。")
    evaluation = row.evaluation
    now = timezone.now()
    if evaluation.is_archived or now >= evaluation.closes_at:
        raise BallotRefused("本次测评已结束。")
    if now < evaluation.opens_at:
        raise BallotRefused(
            f"本次测评尚未开始，开始时间：{timezone.localtime(evaluation.opens_at):%Y-%m-%d %H:%M}。"
        )
    return evaluation, row


@transaction.atomic
def cast_ballot(*, code: str, answers: dict) -> None:
    """One anonymous ballot. The code is claimed by a conditional UPDATE (only one of two simultaneous
    submissions finds it unused); the ballot gets a random key and the day only. Returns nothing that
    could tie the ballot to the code."""
    evaluation, row = evaluation_of_code(code)
    rows = check_answers(evaluation, answers)
    claimed = BallotCode.objects.filter(pk=row.pk, state=BallotCode.State.UNUSED).update(
        state=BallotCode.State.USED
    )
    if not claimed:
        raise BallotRefused("该测评码已经使用过，每个测评码只能投票一次。")
    ballot = Ballot.objects.create(
        evaluation=evaluation,
        voter_class_id=row.voter_class_id,
        cast_on=timezone.localdate(),
        is_test=evaluation.mode == Evaluation.Mode.TEST,
    )
    Answer.objects.bulk_create(
        Answer(ballot=ballot, evaluation=evaluation, subject_id=s, item=i, option=o, number=n, text=t)
        for s, i, o, n, t in rows
    )
