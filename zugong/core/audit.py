"""The one helper through which every write and business event is recorded, and the hash chain that
makes the log tamper-evident.

Each ``AuditEvent`` carries ``prev_hash`` (the hash of the row before it) and ``hash`` = HMAC-SM3 over a
canonical JSON of its content and ``prev_hash``. The key is derived from the blind-index key, which lives
outside the database (``zugong.core.crypto``): someone who can write the database but not read the key
file cannot recompute the chain after editing, removing or inserting a row. ``verify_chain`` walks it;
``prune_before`` removes old rows and leaves a sealed checkpoint from which the rest still verifies.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives import constant_time, hashes, hmac
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from . import bulk, crypto
from .context import actor_var, client_ip_var, request_id_var
from .idnumber import mask, mask_phone
from .models import AuditCheckpoint, AuditEvent


class Events(models.TextChoices):
    """Business event names. Plain strings still work (``event="login"``); a module adds its events here
    so that the 审计管理员's filter offers them with a Chinese label."""

    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出登录"
    LOCKOUT = "lockout", "账号锁定"
    LOCKOUT_LIFTED = "lockout_lifted", "解除锁定"
    TOTP_ENABLED = "totp_enabled", "启用动态口令"
    TOTP_DISABLED = "totp_disabled", "停用动态口令"
    PASSWORD_CHANGE = "password_change", "修改密码"
    PASSWORD_RESET = "password_reset", "重置密码"
    ROLE_GRANT_CHANGE = "role_grant_change", "角色变更"
    EXPORT = "export", "导出"
    REVEAL = "reveal", "查看个人敏感信息"
    IMPORT = "import", "导入"
    IMPORT_CLEANUP = "import_cleanup", "清理过期导入文件"
    DUES_LEDGER = "dues_ledger_generated", "生成党费台账"
    DUES_REMINDER = "dues_reminder", "党费催缴"
    DUES_LAPSE_FLAGGED = "dues_lapse_flagged", "连续未交党费预警"
    TRAINING_RECOMPUTE = "training_recompute", "重算年度学分"
    TRAINING_YEAR_CLOSED = "training_year_closed", "学分年度关账"
    TRAINING_REMINDER = "training_reminder", "催学提醒"
    EVALUATION_CODES_ISSUED = "evaluation_codes_issued", "生成测评码"
    EVALUATION_CODE_VOIDED = "evaluation_code_voided", "作废测评码"
    DEMO_BUILT = "demo_built", "生成演示数据"
    AUDIT_PRUNE = "audit_prune", "清理过期审计记录"


# Personal data never enters the log in clear. Encrypted columns and blind indexes are left out too: the
# log shows the ``*_masked`` copies.
MASKERS = {"id_number": mask, "phone": mask_phone, "home_address": lambda v: "***" if v else ""}
SKIP_FIELDS = {"created_at", "updated_at", "password", "name_stroke_key"}
SKIP_SUFFIXES = ("_enc", "_hash")


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


_SNAPSHOT_FIELDS: dict[str, tuple] = {}


def _snapshot_fields(meta) -> tuple[tuple[str, object], ...]:
    """(attname, masker or None) of the fields a snapshot holds, in field order; kept per model."""
    label = getattr(meta, "label", None)
    fields = _SNAPSHOT_FIELDS.get(label) if label else None
    if fields is None:
        fields = tuple(
            (f.attname, MASKERS.get(f.name))
            for f in meta.concrete_fields
            if f.name not in SKIP_FIELDS
            and not f.name.endswith(SKIP_SUFFIXES)
            and not isinstance(f, models.BinaryField)  # file bytes: the log keeps their size and hash
        )
        if label:
            _SNAPSHOT_FIELDS[label] = fields
    return fields


def snapshot(obj: models.Model) -> dict:
    """The concrete field values of ``obj`` with personal data masked."""
    data = {}
    for attname, masker in _snapshot_fields(obj._meta):
        value = getattr(obj, attname)
        data[attname] = _plain(masker(value or "") if masker else value)
    return data


def _actor_fields(actor):
    actor = actor if actor is not None else actor_var.get()
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor_id": actor.pk, "actor_name": actor.get_username()}
    return {"actor_id": None, "actor_name": ""}


def record_change(
    *,
    actor,
    kind: str,
    obj: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    if after is None and kind != AuditEvent.Kind.DELETE:
        after = snapshot(obj)
    if before is not None and after is not None and kind == AuditEvent.Kind.UPDATE:
        changed = {k for k in after if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in changed}
        after = {k: after[k] for k in changed}
    return append(
        AuditEvent(
            **_actor_fields(actor),
            ip=client_ip_var.get(),
            request_id=request_id_var.get(),
            kind=kind,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj),
            before=before,
            after=after,
            detail=detail,
        )
    )


def record_event(
    *, actor, event: str, obj: models.Model | None = None, detail: dict | None = None
) -> AuditEvent:
    """A business event: login, export, transfer, reveal, import … (see ``Events``)."""
    return append(
        AuditEvent(
            **_actor_fields(actor),
            ip=client_ip_var.get(),
            request_id=request_id_var.get(),
            kind=AuditEvent.Kind.EVENT,
            event=str(event),
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=str(obj) if obj is not None else "",
            detail=detail,
        )
    )


# ---- the chain --------------------------------------------------------------------------------------

# Every field but ``id`` and ``hash``, in a fixed order (the JSON is also written with sorted keys).
CHAIN_FIELDS = (
    "at",
    "actor_id",
    "actor_name",
    "ip",
    "request_id",
    "kind",
    "event",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "detail",
    "prev_hash",
)
# pg_advisory_xact_lock key serializing appends ("zgaudit" in ASCII).
CHAIN_LOCK = 0x7A67617564697400


def _mac(payload: bytes) -> str:
    mac = hmac.HMAC(crypto.keyring().audit_key, hashes.SM3())
    mac.update(payload)
    return mac.finalize().hex()


def _json_value(value):
    """The value as the JSON column will give it back, so the hash taken now matches the row read later."""
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def row_hash(row: AuditEvent) -> str:
    data = {name: getattr(row, name) for name in CHAIN_FIELDS}
    data["at"] = row.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return _mac(_canonical(data))


def checkpoint_seal(cp: AuditCheckpoint) -> str:
    return _mac(
        _canonical(
            {
                "at": cp.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                "last_id": cp.last_id,
                "last_hash": cp.last_hash,
                "count": cp.count,
                "cutoff": cp.cutoff.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                "by": cp.by,
            }
        )
    )


def _lock_chain() -> None:
    """Serialize appends. PostgreSQL: a transaction-level advisory lock, held to the caller's commit, so
    the last hash read below is the last committed one (READ COMMITTED reads after the lock). SQLite
    serializes writing transactions already (transaction_mode IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def _last_hash() -> str:
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    if last is not None:
        return last
    return AuditCheckpoint.objects.order_by("-id").values_list("last_hash", flat=True).first() or ""


def append(row: AuditEvent) -> AuditEvent:
    """Chain ``row`` to the last one and insert it, inside the caller's transaction."""
    for name in ("actor_name", "ip", "request_id", "event", "object_type", "object_id", "object_repr"):
        setattr(row, name, (getattr(row, name) or "")[: AuditEvent._meta.get_field(name).max_length])
    for name in ("before", "after", "detail"):
        setattr(row, name, _json_value(getattr(row, name)))
    with transaction.atomic():
        _lock_chain()
        row.prev_hash = _last_hash()
        row.hash = row_hash(row)
        row._chained = True
        row.save(force_insert=True)
    return row


@dataclass(frozen=True)
class Verdict:
    ok: bool
    count: int
    bad_id: int | None = None
    reason: str = ""

    @property
    def message(self) -> str:
        if self.ok:
            return f"审计链完整：{self.count} 条"
        where = f"第 {self.bad_id} 条记录" if self.bad_id is not None else "清理检查点"
        return f"审计链校验失败：{where}{self.reason}"


EDITED = "内容被修改（哈希与内容不符）"
REMOVED = "之前有记录被删除（其前序哈希与上一条记录的哈希不符）"
INSERTED = "是插入的伪造记录（哈希与前序哈希均不符）"


def verify_chain(*, chunk_size: int = 2000) -> Verdict:
    """Walk the chain in id order from the latest checkpoint; stop at the first bad row."""
    cp = AuditCheckpoint.objects.order_by("-id").first()
    expected, start = "", 0
    if cp is not None:
        if not constant_time.bytes_eq(cp.seal.encode(), checkpoint_seal(cp).encode()):
            return Verdict(False, 0, None, "被篡改（校验码不符）")
        expected, start = cp.last_hash, cp.last_id
        stray = AuditEvent.objects.filter(id__lte=start).order_by("id").values_list("id", flat=True).first()
        if stray is not None:
            return Verdict(False, 0, stray, f"编号不大于清理检查点 #{start}，是清理后插入的记录")
    count, prune_seen = 0, cp is None
    for row in AuditEvent.objects.filter(id__gt=start).order_by("id").iterator(chunk_size=chunk_size):
        genuine = constant_time.bytes_eq(row_hash(row).encode(), row.hash.encode())
        if row.prev_hash != expected:
            return Verdict(False, count, row.pk, REMOVED if genuine else INSERTED)
        if not genuine:
            return Verdict(False, count, row.pk, EDITED)
        if not prune_seen and row.event == Events.AUDIT_PRUNE:
            prune_seen = (row.detail or {}).get("checkpoint_seal") == cp.seal
        expected = row.hash
        count += 1
    if not prune_seen:
        return Verdict(False, count, None, "没有对应的清理审计记录")
    return Verdict(True, count)


def prune_before(*, cutoff: dt.datetime, by: str = "") -> AuditCheckpoint | None:
    """Remove the oldest rows, up to the first one at or after ``cutoff`` (a prefix of the chain, so
    nothing newer goes), and record a sealed checkpoint and an ``audit_prune`` event in the same
    transaction. The only place where audit rows are deleted."""
    with transaction.atomic():
        _lock_chain()
        first_kept = AuditEvent.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True)
        first_kept = first_kept.first()
        doomed = (
            AuditEvent.objects.all() if first_kept is None else AuditEvent.objects.filter(id__lt=first_kept)
        )
        last = doomed.order_by("-id").values("id", "hash").first()
        if last is None:
            return None
        count = doomed.count()
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(AuditEvent._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [last["id"]])  # noqa: S608 - fixed name
        cp = AuditCheckpoint(last_id=last["id"], last_hash=last["hash"], count=count, cutoff=cutoff, by=by)
        cp.seal = checkpoint_seal(cp)
        cp.save(force_insert=True)
        record_event(
            actor=None,
            event=Events.AUDIT_PRUNE,
            obj=cp,
            detail={
                "last_id": cp.last_id,
                "count": count,
                "cutoff": cutoff.isoformat(),
                "by": by,
                "checkpoint_seal": cp.seal,
            },
        )
    return cp


BULK_COLUMNS = [
    "at", "actor_id", "actor_name", "ip", "request_id", "kind", "event", "object_type", "object_id",
    "object_repr", "before", "after", "detail", "prev_hash", "hash",
]  # fmt: skip
_dumps = functools.partial(json.dumps, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def record_changes_bulk(
    *,
    actor,
    kind: str,
    objs: list[models.Model],
    before: dict | None = None,
    detail: dict | None = None,
) -> int:
    """One change row per object, for bulk writes (an import of 100,000 people). ``before`` maps
    pk -> snapshot for updates."""
    entries = []
    for obj in objs:
        # ``snapshot`` gives JSON values already (``_plain``): no round trip through json per row.
        after = snapshot(obj) if kind != AuditEvent.Kind.DELETE else None
        old = (before or {}).get(obj.pk)
        if old is not None and after is not None and kind == AuditEvent.Kind.UPDATE:
            changed = {k for k in after if old.get(k) != after.get(k)}
            old, after = {k: old.get(k) for k in changed}, {k: after[k] for k in changed}
        entries.append((obj._meta.label_lower, str(obj.pk), str(obj), old, after))
    return _append_bulk(actor=actor, kind=kind, entries=entries, detail=detail)


def record_rows_bulk(
    *,
    actor,
    model: type[models.Model],
    attnames: list[str],
    rows: list[tuple],
    ids: list[int],
    reprs: list[str],
    detail: dict | None = None,
) -> int:
    """One ``create`` row per row inserted set-based by ``core.bulk`` (no model instances): the ``after``
    snapshot is what ``snapshot`` gives for the object those values make (other fields at their
    defaults), built from the tuples."""
    where = {name: i for i, name in enumerate(attnames)}
    pk_name = model._meta.pk.attname
    defaults = {f.attname: f.get_default() for f in model._meta.concrete_fields if f.attname not in where}
    getters = []
    for attname, masker in _snapshot_fields(model._meta):
        if attname == pk_name:
            getters.append((attname, masker, -1, None))
        elif attname in where:
            getters.append((attname, masker, where[attname], None))
        else:
            getters.append((attname, masker, None, defaults[attname]))
    label = model._meta.label_lower
    entries = []
    for pk, row, text in zip(ids, rows, reprs, strict=True):
        after = {}
        for attname, masker, i, default in getters:
            value = pk if i == -1 else (row[i] if i is not None else default)
            after[attname] = _plain(masker(value or "") if masker else value)
        entries.append((label, str(pk), text, None, after))
    return _append_bulk(actor=actor, kind=AuditEvent.Kind.CREATE, entries=entries, detail=detail)


def _append_bulk(*, actor, kind: str, entries: list[tuple], detail: dict | None) -> int:
    """Chain and insert the rows for ``entries`` = (object type, id, repr, before, after): chained in
    Python under the same lock as ``append``, one keyed MAC copied per row, the canonical JSON assembled
    around each row's own values (the same bytes as ``_canonical``), and written set-based
    (``core.bulk``: COPY on PostgreSQL, where the JSON columns take that text as it is). With ``append``
    the only path into the chain."""
    if not entries:
        return 0
    actor_fields = _actor_fields(actor)
    actor_id, actor_name = actor_fields["actor_id"], actor_fields["actor_name"][:150]
    ip, request_id = (client_ip_var.get() or "")[:64], (request_id_var.get() or "")[:64]
    now = timezone.now()
    detail = _json_value(detail)
    detail_text = _dumps(detail)
    head = f'{{"actor_id":{_dumps(actor_id)},"actor_name":{_dumps(actor_name)},"after":'
    at_part = f',"at":{_dumps(now.astimezone(dt.UTC).isoformat(timespec="microseconds"))},"before":'
    middle = f',"detail":{detail_text},"event":"","ip":{_dumps(ip)},"kind":{_dumps(kind)},"object_id":'
    tail = f',"request_id":{_dumps(request_id)}}}'
    as_text = bulk.uses_copy()
    with transaction.atomic():
        _lock_chain()
        head_hash = _last_hash()
        template = hmac.HMAC(crypto.keyring().audit_key, hashes.SM3())

        def chained():
            """The rows, each hashed as it is written (COPY streams while the next ones are made)."""
            prev = head_hash
            for object_type, object_id, object_repr, old, after in entries:
                object_type, object_id, object_repr = object_type[:64], object_id[:64], object_repr[:200]
                old_text, after_text = _dumps(old), _dumps(after)
                mac = template.copy()
                mac.update(
                    (
                        f"{head}{after_text}{at_part}{old_text}{middle}{_dumps(object_id)},"
                        f'"object_repr":{_dumps(object_repr)},"object_type":{_dumps(object_type)},'
                        f'"prev_hash":{_dumps(prev)}{tail}'
                    ).encode()
                )
                digest = mac.finalize().hex()
                if as_text:  # JSON text for COPY; SQL NULL for None, as the JSONField writes it
                    old = old_text if old is not None else None
                    after = after_text if after is not None else None
                    row_detail = detail_text if detail is not None else None
                else:
                    row_detail = detail
                yield (now, actor_id, actor_name, ip, request_id, kind, "", object_type, object_id,
                       object_repr, old, after, row_detail, prev, digest)  # fmt: skip
                prev = digest

        columns = bulk.Columns(AuditEvent, BULK_COLUMNS)
        if as_text:
            bulk.copy_rows(columns, chained(), prepared=True)
        else:
            bulk.create_objects(columns, list(chained()), batch_size=500)
    return len(entries)
