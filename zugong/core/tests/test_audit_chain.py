"""The audit log is append-only and hash-chained: ``audit_verify`` passes after real writes and names the
first row that was edited, removed or inserted behind the application's back."""

import datetime as dt
import io
import json
import threading
import unittest
from types import SimpleNamespace

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import TransactionTestCase

from zugong.core import audit
from zugong.core.models import AppendOnlyError, AuditCheckpoint, AuditEvent
from zugong.core.testing import PersonaTestCase
from zugong.orgs import services
from zugong.orgs.models import OrgType

TABLE = AuditEvent._meta.db_table


def verify() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class ChainTestCase(PersonaTestCase):
    def write_some(self):
        """A few real writes through the services, and business events."""
        actor = self.p.org_admin
        org = services.organization_create(
            actor=actor,
            parent=self.p.committee,
            org_type=OrgType.BRANCH,
            code="T0109",
            name="东城街道第九党支部",
            founded_on=dt.date(2020, 7, 1),
        )
        services.organization_update(actor=actor, org=org, name="东城街道第九党支部（改）")
        audit.record_event(actor=actor, event=audit.Events.LOGIN)
        audit.record_event(actor=None, event="login_failed", detail={"username": "nobody"})
        services.organization_dissolve(actor=actor, org=org, on=dt.date(2024, 1, 1))
        return list(AuditEvent.objects.order_by("id"))


class VerifyTest(ChainTestCase):
    def test_it_verifies_the_chain_after_real_writes(self):
        rows = self.write_some()
        self.assertGreaterEqual(len(rows), 5)
        self.assertEqual(rows[0].prev_hash, "")
        for before, row in zip(rows, rows[1:], strict=False):
            self.assertEqual(row.prev_hash, before.hash)
            self.assertEqual(len(row.hash), 64)
        self.assertIn(f"审计链完整：{len(rows)} 条", verify())

    def test_it_verifies_an_empty_log(self):
        self.assertIn("审计链完整：0 条", verify())

    def test_it_chains_rows_made_with_objects_create(self):
        self.write_some()
        AuditEvent.objects.create(kind=AuditEvent.Kind.EVENT, event="import", detail={"rows": 3})
        self.assertTrue(audit.verify_chain().ok)

    def test_it_keeps_json_values_that_round_trip(self):
        audit.record_event(
            actor=None,
            event="import",
            detail={
                "when": dt.date(2024, 5, 1),
                "n": 2,
                "名称": "中文",
                "nested": {"b": 1, "a": [1.5, None]},
            },
        )
        self.assertIn("审计链完整：1 条", verify())

    def test_it_names_a_row_edited_with_raw_sql(self):
        rows = self.write_some()
        victim = rows[2]
        raw(f"UPDATE {TABLE} SET actor_name = %s WHERE id = %s", ["someone_else", victim.pk])
        with self.assertRaisesMessage(CommandError, f"第 {victim.pk} 条记录内容被修改"):
            verify()

    def test_it_names_a_row_whose_json_was_edited(self):
        rows = self.write_some()
        victim = next(r for r in rows if r.after)
        after = dict(victim.after, name="伪造")
        raw(f"UPDATE {TABLE} SET after = %s WHERE id = %s", [json.dumps(after), victim.pk])
        with self.assertRaisesMessage(CommandError, f"第 {victim.pk} 条记录内容被修改"):
            verify()

    def test_it_names_the_row_after_a_removed_one(self):
        rows = self.write_some()
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [rows[1].pk])
        with self.assertRaisesMessage(CommandError, f"第 {rows[2].pk} 条记录之前有记录被删除"):
            verify()

    def test_it_names_a_forged_row_inserted_with_raw_sql(self):
        rows = self.write_some()
        raw(
            f"INSERT INTO {TABLE} (at, actor_name, ip, request_id, kind, event, object_type, object_id,"
            " object_repr, prev_hash, hash) VALUES (%s, 'ghost', '', '', 'event', 'login', '', '', '', %s, %s)",
            [rows[-1].at, "0" * 64, "f" * 64],
        )
        forged = AuditEvent.objects.order_by("-id").first()
        with self.assertRaisesMessage(CommandError, f"第 {forged.pk} 条记录是插入的伪造记录"):
            verify()

    def test_it_catches_a_forged_row_that_copies_the_previous_hash(self):
        """Knowing the last hash is not enough: the row's own hash needs the key, kept outside the DB."""
        rows = self.write_some()
        raw(
            f"INSERT INTO {TABLE} (at, actor_name, ip, request_id, kind, event, object_type, object_id,"
            " object_repr, prev_hash, hash) VALUES (%s, 'ghost', '', '', 'event', 'login', '', '', '', %s, %s)",
            [rows[-1].at, rows[-1].hash, rows[-1].hash],
        )
        forged = AuditEvent.objects.order_by("-id").first()
        with self.assertRaisesMessage(CommandError, f"第 {forged.pk} 条记录"):
            verify()

    def test_it_catches_a_forged_row_slipped_between_two_rows(self):
        rows = self.write_some()
        raw(f"UPDATE {TABLE} SET id = id + 1000 WHERE id >= %s", [rows[3].pk])
        raw(
            f"INSERT INTO {TABLE} (id, at, actor_name, ip, request_id, kind, event, object_type, object_id,"
            " object_repr, prev_hash, hash) VALUES (%s, %s, 'ghost', '', '', 'event', 'login', '', '', '', %s, %s)",
            [rows[3].pk, rows[2].at, rows[2].hash, "a" * 64],
        )
        with self.assertRaisesMessage(CommandError, f"第 {rows[3].pk} 条记录"):
            verify()


class AppendOnlyTest(ChainTestCase):
    def test_it_refuses_to_save_an_existing_row(self):
        row = self.write_some()[0]
        row.actor_name = "someone_else"
        with self.assertRaises(AppendOnlyError):
            row.save()
        self.assertTrue(audit.verify_chain().ok)

    def test_it_refuses_to_delete_a_row(self):
        row = self.write_some()[0]
        with self.assertRaises(AppendOnlyError):
            row.delete()
        self.assertTrue(AuditEvent.objects.filter(pk=row.pk).exists())

    def test_it_refuses_queryset_update_and_delete(self):
        self.write_some()
        with self.assertRaises(AppendOnlyError):
            AuditEvent.objects.filter(kind="create").update(actor_name="x")
        with self.assertRaises(AppendOnlyError):
            AuditEvent.objects.all().delete()
        with self.assertRaises(AppendOnlyError):
            AuditEvent.objects.bulk_create([AuditEvent(kind="event", event="login")])
        self.assertTrue(audit.verify_chain().ok)

    def test_it_refuses_to_change_a_checkpoint(self):
        with self.assertRaises(AppendOnlyError):
            AuditCheckpoint.objects.all().update(count=0)
        with self.assertRaises(AppendOnlyError):
            AuditCheckpoint.objects.all().delete()

    def test_it_keeps_rows_of_a_deleted_user(self):
        self.write_some()
        self.p.org_admin.delete()
        self.assertTrue(AuditEvent.objects.filter(actor_name="org_admin").exists())
        self.assertTrue(audit.verify_chain().ok)


class PersonalDataTest(ChainTestCase):
    def test_it_leaves_encrypted_columns_and_blind_indexes_out_of_snapshots(self):
        fields = ["name", "id_number_enc", "id_number_hash", "id_number_masked", "phone_enc", "phone"]
        fake = SimpleNamespace(
            _meta=SimpleNamespace(concrete_fields=[SimpleNamespace(name=f, attname=f) for f in fields]),
            name="王小红",
            id_number_enc="sm4gcm:1:AAAA",
            id_number_hash="ab" * 32,
            id_number_masked="110***********1234",
            phone_enc="sm4gcm:1:BBBB",
            phone="13800138000",
        )
        self.assertEqual(
            audit.snapshot(fake),
            {"name": "王小红", "id_number_masked": "110***********1234", "phone": "138****8000"},
        )

    def test_it_logs_no_clear_personal_data_of_a_person(self):
        shot = audit.snapshot(self.p.alice)
        self.assertFalse([k for k in shot if k.endswith(("_enc", "_hash"))])
        self.assertNotIn("13800138000", json.dumps(shot, ensure_ascii=False))


class EventsTest(ChainTestCase):
    def test_it_takes_event_constants_and_plain_strings_alike(self):
        a = audit.record_event(actor=self.p.member, event=audit.Events.LOGOUT)
        b = audit.record_event(actor=self.p.member, event="logout")
        self.assertEqual(AuditEvent.objects.get(pk=a.pk).event, "logout")
        self.assertEqual(AuditEvent.objects.get(pk=b.pk).event, "logout")
        self.assertEqual(audit.Events.LOGOUT.label, "退出登录")


@unittest.skipUnless(connection.vendor == "postgresql", "the advisory lock is PostgreSQL's")
class ConcurrentAppendTest(TransactionTestCase):
    def test_it_keeps_one_chain_under_concurrent_writers(self):
        errors = []

        def writer(n):
            try:
                for i in range(20):
                    audit.record_event(actor=None, event="import", detail={"writer": n, "i": i})
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertIn("审计链完整：80 条", verify())
