"""密钥轮换: add a new SM4 data key, make it current and re-encrypt every encrypted column with it;
optionally replace the blind-index key and recompute every index; or drop the old data keys once no
ciphertext uses them.

    manage.py rotate_keys                      new data key, every ciphertext re-encrypted
    manage.py rotate_keys --rotate-index-key   … and a new blind-index key, every *_hash recomputed
    manage.py rotate_keys --drop-old           remove the old data keys (refused while one is in use)

A model takes part by declaring ``ENCRYPTED_COLUMNS = {column: (context, index column or None)}``.
The new key ring is saved first (key file) or printed (keys in the environment: set the printed values,
keeping the old keys, before restarting the application), so that every ciphertext written from then on
decrypts. Rows are rewritten in batches, each batch one transaction with its rows locked, by one
``bulk_update``; a row already under the current key is skipped, so an interrupted run can be rerun.
While the index key is being replaced, exact searches miss the rows not yet re-indexed: run that one
in a quiet hour.
"""

from __future__ import annotations

import secrets
import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from zugong.core import audit, crypto


def encrypted_models():
    """(model, ENCRYPTED_COLUMNS) of every model holding encrypted columns."""
    return [(m, m.ENCRYPTED_COLUMNS) for m in apps.get_models() if getattr(m, "ENCRYPTED_COLUMNS", None)]


def reencrypt(model, columns: dict, ring: crypto.KeyRing, *, rehash: bool, batch: int) -> int:
    """Re-encrypt (and with ``rehash`` re-index) every row of ``model`` under ``ring``; return rows written."""
    ciphers = {col: crypto.ColumnCipher(context, ring) for col, (context, _) in columns.items()}
    fields = list(columns) + ([h for _, h in columns.values() if h] if rehash else [])
    manager = model._default_manager
    last, written = 0, 0
    while True:
        with transaction.atomic():
            rows = list(
                manager.filter(pk__gt=last).order_by("pk").select_for_update().only("pk", *fields)[:batch]
            )
            if not rows:
                return written
            changed = []
            for obj in rows:
                dirty = False
                for col, (_, hash_col) in columns.items():
                    token = getattr(obj, col)
                    if not token or (crypto.key_id_of(token) == ring.current and not rehash):
                        continue
                    clear = ciphers[col].decrypt(token)
                    setattr(obj, col, ciphers[col].encrypt(clear))
                    if rehash and hash_col:
                        setattr(obj, hash_col, ciphers[col].blind_index(clear))
                    dirty = True
                if dirty:
                    changed.append(obj)
            if changed:
                manager.bulk_update(changed, fields)
            written += len(changed)
            last = rows[-1].pk


def old_key_usage(ring: crypto.KeyRing) -> dict[str, int]:
    """'model.column key id' -> number of ciphertexts still under a data key other than the current one."""
    usage = {}
    old = [kid for kid in ring.data_keys if kid != ring.current]
    for model, columns in encrypted_models():
        for col in columns:
            for kid in old:
                n = model._default_manager.filter(**{f"{col}__startswith": f"{crypto.PREFIX}:{kid}:"}).count()
                if n:
                    usage[f"{model._meta.label_lower}.{col} 密钥{kid}"] = n
    return usage


class Command(BaseCommand):
    help = "轮换个人信息加密密钥（SM4）并重新加密全部密文；可同时轮换盲索引密钥，或删除不再使用的旧密钥。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--rotate-index-key",
            action="store_true",
            help="同时更换盲索引（HMAC-SM3）密钥并重算全部索引列",
        )
        parser.add_argument(
            "--drop-old",
            action="store_true",
            help="不生成新密钥，只删除旧数据密钥；仍有密文使用旧密钥时拒绝",
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="每批重写的行数（默认 2000）")

    def handle(self, *args, drop_old=False, rotate_index_key=False, batch_size=2000, **options):
        if batch_size < 1:
            raise CommandError("--batch-size 应为正整数。")
        if drop_old:
            if rotate_index_key:
                raise CommandError("--drop-old 不能与 --rotate-index-key 同时使用。")
            self._drop_old()
        else:
            self._rotate(rotate_index_key, batch_size)

    def _save(self, ring: crypto.KeyRing) -> None:
        if crypto.keys_from_environment():
            self.stdout.write(
                "密钥来自环境变量。请将以下值写入部署配置并重启应用（旧密钥保留，直至 --drop-old）："
            )
            self.stdout.write(crypto.env_lines(ring))
        else:
            path = crypto.write_key_file(ring)
            self.stdout.write(f"已写入密钥文件 {path}")
        crypto.reset_keyring_cache()

    def _rotate(self, rotate_index_key: bool, batch: int) -> None:
        old = crypto.keyring()
        numeric = [int(k) for k in old.data_keys if k.isdigit()]
        kid = str(max(numeric, default=0) + 1)
        while kid in old.data_keys:
            kid = str(int(kid) + 1)
        ring = crypto.KeyRing(
            data_keys={**old.data_keys, kid: secrets.token_bytes(16)},
            current=kid,
            index_key=secrets.token_bytes(32) if rotate_index_key else old.index_key,
            audit_key=old.audit_key,  # the audit chain keeps its key
        )
        self._save(ring)
        started = time.monotonic()
        rows = {}
        for model, columns in encrypted_models():
            n = reencrypt(model, columns, ring, rehash=rotate_index_key, batch=batch)
            rows[model._meta.label_lower] = n
            self.stdout.write(f"{model._meta.verbose_name}：重新加密 {n:,} 行")
        seconds = round(time.monotonic() - started, 1)
        audit.record_event(
            actor=None,
            event="key_rotation",
            detail={"key_id": kid, "index_key_rotated": rotate_index_key, "rows": rows, "seconds": seconds},
        )
        self.stdout.write(self.style.SUCCESS(f"已启用新数据密钥 {kid}，用时 {seconds} 秒。"))

    def _drop_old(self) -> None:
        ring = crypto.keyring()
        old = sorted(kid for kid in ring.data_keys if kid != ring.current)
        if not old:
            self.stdout.write("没有旧密钥需要删除。")
            return
        usage = old_key_usage(ring)
        if usage:
            detail = "；".join(f"{where} {n:,} 条" for where, n in usage.items())
            raise CommandError(f"仍有密文使用旧密钥，拒绝删除（{detail}）。请先运行 rotate_keys 重新加密。")
        self._save(
            crypto.KeyRing(
                data_keys={ring.current: ring.data_keys[ring.current]},
                current=ring.current,
                index_key=ring.index_key,
                audit_key=ring.audit_key,
            )
        )
        audit.record_event(actor=None, event="key_rotation", detail={"dropped_keys": old})
        self.stdout.write(self.style.SUCCESS(f"已删除旧数据密钥：{'、'.join(old)}。"))
