"""Writes to the roster: persons, party membership, cadre records, transfers, archiving."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zugong.core import audit, crypto, idnumber
from zugong.core.models import AuditEvent
from zugong.core.roles import Action
from zugong.core.scope import ensure_in_scope, ensure_org_in_scope, grant_paths
from zugong.orgs.models import MEMBER_HOLDING_TYPES, Organization

from .choices import MembershipStatus, TransferKind
from .models import HOME_ADDRESS_MAX, ID_NUMBER_CONTEXT, CadreRecord, Membership, Person, Transfer

PERSON_FIELDS = (
    "name", "sex", "ethnicity", "id_number", "phone", "home_address", "education", "unit", "post", "rank"
)  # fmt: skip
PHONE = re.compile(r"^[0-9+\-]{7,20}$")
PHONE_MESSAGE = "联系电话格式不正确：应为7–20位数字，可含“-”或“+”。"
# The encrypted columns are set by the model's setters, never by full_clean's field checks.
CLEAN_EXCLUDE = ["org", "name_stroke_key", "org_path", *Person.PERSONAL_DATA_COLUMNS]
REVEALABLE = {"id_number": "公民身份号码", "phone": "联系电话", "home_address": "家庭住址"}


def _check_org(org: Organization) -> None:
    if not org.is_active:
        raise ValidationError({"org": "所选党组织已撤销。"})
    if org.org_type not in MEMBER_HOLDING_TYPES:
        raise ValidationError({"org": "人员只能隶属于党(工)委、党总支或党支部。"})


def _ensure_not_archived(person: Person) -> None:
    if person.is_archived:
        raise ValidationError("该人员已归档，请先恢复再修改。")


def normalize_phone(raw: str) -> str:
    return idnumber.normalize(raw)


def _apply_id_number(person: Person, raw: str) -> None:
    number, birth, sex = idnumber.parse(raw)
    # Uniqueness through the blind index: the clear number is in no column to compare with.
    digest = crypto.blind_index(number, context=ID_NUMBER_CONTEXT)
    if Person.objects.filter(id_number_hash=digest).exclude(pk=person.pk).exists():
        raise ValidationError({"id_number": "该公民身份号码已登记在册，不能重复录入。"})
    person.set_id_number(number)
    person.birth_date, person.sex = birth, sex


def _apply_phone(person: Person, raw: str) -> None:
    phone = normalize_phone(raw)
    if phone and not PHONE.match(phone):
        raise ValidationError({"phone": PHONE_MESSAGE})
    person.set_phone(phone)


def _apply_home_address(person: Person, raw: str) -> None:
    text = " ".join((raw or "").split())
    if len(text) > HOME_ADDRESS_MAX:
        raise ValidationError({"home_address": f"家庭住址不能超过{HOME_ADDRESS_MAX}个字。"})
    person.set_home_address(text)


def _apply(person: Person, field: str, value) -> None:
    if field not in PERSON_FIELDS:
        raise ValueError(f"field {field} is not settable here")
    if field == "id_number":
        _apply_id_number(person, value)
    elif field == "phone":
        _apply_phone(person, value)
    elif field == "home_address":
        _apply_home_address(person, value)
    else:
        setattr(person, field, value)


@transaction.atomic
def person_create(*, actor, org: Organization, name: str, id_number: str, **fields) -> Person:
    _check_org(org)
    ensure_org_in_scope(actor, Action.ADD, org)
    person = Person(org=org, org_path=org.path, name=name.strip())
    if not person.name:
        raise ValidationError({"name": "请填写姓名。"})
    _apply_id_number(person, id_number)
    for field, value in fields.items():
        _apply(person, field, value)
    person.full_clean(exclude=CLEAN_EXCLUDE)
    person.save()
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=person)
    return person


@transaction.atomic
def person_update(*, actor, person: Person, **changes) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    ensure_in_scope(actor, Action.CHANGE, person)
    _ensure_not_archived(person)
    before = audit.snapshot(person)
    for field, value in changes.items():
        _apply(person, field, value)
    person.full_clean(exclude=CLEAN_EXCLUDE)
    person.save()
    ensure_in_scope(actor, Action.CHANGE, person)
    audit.record_change(actor=actor, kind=AuditEvent.Kind.UPDATE, obj=person, before=before)
    return person


@transaction.atomic
def person_reveal(*, actor, person: Person, field: str) -> str:
    """The clear value of one personal-data field, for a user who may change the person; audited."""
    if field not in REVEALABLE:
        raise ValidationError({"field": "只能查看公民身份号码、联系电话或家庭住址。"})
    person = Person.objects.get(pk=person.pk)
    ensure_in_scope(actor, Action.CHANGE, person)
    value = getattr(person, f"reveal_{field}")()
    audit.record_event(actor=actor, event="reveal", obj=person, detail={"field": field})
    return value


@transaction.atomic
def person_archive(*, actor, person: Person, reason: str) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    ensure_in_scope(actor, Action.ARCHIVE, person)
    if person.is_archived:
        raise ValidationError("该人员已归档。")
    if not reason.strip():
        raise ValidationError({"reason": "请填写归档原因。"})
    before = audit.snapshot(person)
    person.archived_at, person.archived_reason = timezone.now(), reason.strip()[:200]
    person.save(update_fields=["archived_at", "archived_reason", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.ARCHIVE, obj=person, before=before)
    return person


@transaction.atomic
def person_restore(*, actor, person: Person) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    ensure_in_scope(actor, Action.ARCHIVE, person)
    if not person.is_archived:
        raise ValidationError("该人员未归档。")
    before = audit.snapshot(person)
    person.archived_at, person.archived_reason = None, ""
    person.save(update_fields=["archived_at", "archived_reason", "updated_at"])
    audit.record_change(actor=actor, kind=AuditEvent.Kind.RESTORE, obj=person, before=before)
    return person


@transaction.atomic
def membership_set(
    *, actor, person: Person, status: str, join_date: dt.date, confirmation_date: dt.date | None = None
) -> Membership:
    """Record or correct a person's party membership (预备/正式, dates)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    ensure_in_scope(actor, Action.CHANGE, person)
    _ensure_not_archived(person)
    if join_date > timezone.localdate():
        raise ValidationError({"join_date": "入党日期不能晚于今天。"})
    if status == MembershipStatus.PROBATIONARY and confirmation_date:
        raise ValidationError({"confirmation_date": "预备党员尚未转正，不应填写转正日期。"})
    if status == MembershipStatus.FULL:
        if confirmation_date is None:
            raise ValidationError({"confirmation_date": "正式党员须填写转正日期。"})
        if confirmation_date < join_date:
            raise ValidationError({"confirmation_date": "转正日期不能早于入党日期。"})
    if person.birth_date and join_date < person.birth_date.replace(
        year=person.birth_date.year + 18
    ) - dt.timedelta(days=1):
        raise ValidationError({"join_date": "入党时应年满十八周岁。"})
    membership = Membership.objects.filter(person=person).first()
    before = audit.snapshot(membership) if membership else None
    if membership is None:
        membership = Membership(person=person)
    membership.status, membership.join_date, membership.confirmation_date = (
        status,
        join_date,
        confirmation_date,
    )
    membership.save()
    person.party_status = status
    person.save(update_fields=["party_status", "updated_at"])
    audit.record_change(
        actor=actor,
        kind=AuditEvent.Kind.UPDATE if before else AuditEvent.Kind.CREATE,
        obj=membership,
        before=before,
    )
    return membership


@transaction.atomic
def cadre_record_set(
    *,
    actor,
    person: Person,
    rank: str,
    post: str,
    is_district_managed: bool = True,
    appointed_on: dt.date | None = None,
    rank_since: dt.date | None = None,
) -> CadreRecord:
    person = Person.objects.select_for_update().get(pk=person.pk)
    ensure_in_scope(actor, Action.CHANGE, person)
    _ensure_not_archived(person)
    record = CadreRecord.objects.filter(person=person).first()
    before = audit.snapshot(record) if record else None
    if record is None:
        record = CadreRecord(person=person)
    record.rank, record.post, record.is_district_managed = rank, post, is_district_managed
    record.appointed_on, record.rank_since = appointed_on, rank_since
    record.full_clean(exclude=["person"])
    record.save()
    person.rank, person.post, person.is_district_cadre = rank, post, is_district_managed
    person.save(update_fields=["rank", "post", "is_district_cadre", "updated_at"])
    audit.record_change(
        actor=actor,
        kind=AuditEvent.Kind.UPDATE if before else AuditEvent.Kind.CREATE,
        obj=record,
        before=before,
    )
    from zugong.training import ledger as training_ledger  # 学分: the cadre's open years follow the record

    training_ledger.refresh_cadre(person.pk)
    return record


@transaction.atomic
def person_transfer(
    *, actor, person: Person, to_org: Organization, transfer_date: dt.date, reason: str = ""
) -> Transfer:
    """组织关系转接: move a person to another organization, keeping a history row. Within the actor's
    scope it is an internal move; to an organization outside it, a 转出 that the receiving side sees."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    to_org = Organization.objects.get(pk=to_org.pk)
    ensure_in_scope(actor, Action.TRANSFER, person)
    if person.is_archived:
        raise ValidationError("该人员已归档，不能办理转接。")
    _check_org(to_org)
    if to_org.pk == person.org_id:
        raise ValidationError({"to_org": "转入组织与当前所在组织相同。"})
    if transfer_date > timezone.localdate():
        raise ValidationError({"transfer_date": "转接日期不能晚于今天。"})
    last = person.transfers.order_by("-transfer_date", "-id").first()
    if last and transfer_date < last.transfer_date:
        raise ValidationError({"transfer_date": "转接日期不能早于上一次转接日期。"})
    paths = grant_paths(actor, Action.TRANSFER)
    inside = paths == [""] or any(to_org.path.startswith(p) for p in paths)
    from_org = person.org
    before = audit.snapshot(person)
    transfer = Transfer.objects.create(
        person=person,
        kind=TransferKind.INTERNAL if inside else TransferKind.OUT,
        from_org=from_org,
        to_org=to_org,
        from_path=from_org.path,
        to_path=to_org.path,
        transfer_date=transfer_date,
        reason=reason.strip()[:200],
        actor=actor,
    )
    person.org, person.org_path = to_org, to_org.path
    person.save(update_fields=["org", "org_path", "updated_at"])
    if inside:
        ensure_in_scope(actor, Action.VIEW, person)
    elif not Transfer.objects.restrict(actor, Action.VIEW).filter(pk=transfer.pk).exists():
        raise PermissionDenied("转接记录不在您的授权范围内。")
    audit.record_change(actor=actor, kind=AuditEvent.Kind.CREATE, obj=transfer)
    audit.record_change(
        actor=actor,
        kind=AuditEvent.Kind.UPDATE,
        obj=person,
        before=before,
        detail={"transfer_id": transfer.pk},
    )
    return transfer
