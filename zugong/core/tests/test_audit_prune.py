"""Pruning keeps at least 180 days of audit rows and leaves a sealed checkpoint, so what remains still
verifies; the prune is itself an audit event."""

import datetime as dt
import io

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditCheckpoint, AuditEvent
from zugong.core.testing import PersonaTestCase


def run(name: str, *args) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class PruneTest(PersonaTestCase):
    def setUp(self):
        now = timezone.now()
        # Three rows older than 180 days, then two recent ones (``objects.create`` joins the chain too).
        for days in (400, 300, 200):
            AuditEvent.objects.create(at=now - dt.timedelta(days=days), kind="event", event="login")
        self.recent = [
            audit.record_event(actor=self.p.auditor, event=audit.Events.LOGIN),
            audit.record_event(actor=self.p.auditor, event=audit.Events.LOGOUT),
        ]
        self.old_ids = list(
            AuditEvent.objects.filter(at__lt=now - dt.timedelta(days=180))
            .order_by("id")
            .values_list("id", flat=True)
        )

    def test_it_removes_old_rows_and_the_rest_still_verifies(self):
        out = run("audit_prune")
        self.assertIn("已清理 3 条", out)
        self.assertFalse(AuditEvent.objects.filter(id__in=self.old_ids).exists())
        cp = AuditCheckpoint.objects.get()
        self.assertEqual((cp.last_id, cp.count), (self.old_ids[-1], 3))
        self.assertIn("审计链完整：3 条", run("audit_verify"))  # two recent rows + the prune event

    def test_it_records_the_prune_as_an_audit_event(self):
        run("audit_prune")
        event = AuditEvent.objects.get(event=audit.Events.AUDIT_PRUNE)
        self.assertEqual(event.detail["count"], 3)
        self.assertEqual(event.detail["last_id"], self.old_ids[-1])
        self.assertEqual(event.object_type, "core.auditcheckpoint")

    def test_it_keeps_verifying_after_later_writes_and_a_second_prune(self):
        run("audit_prune")
        audit.record_event(actor=self.p.auditor, event=audit.Events.EXPORT, detail={"rows": 1})
        self.assertIn("没有早于", run("audit_prune"))
        self.assertIn("审计链完整：4 条", run("audit_verify"))

    def test_it_refuses_a_retention_under_180_days(self):
        with self.assertRaisesMessage(CommandError, "不得少于 180 天"):
            run("audit_prune", "--days", "179")
        with (
            override_settings(ZUGONG_AUDIT_RETENTION_DAYS=90),
            self.assertRaisesMessage(CommandError, "90 天"),
        ):
            run("audit_prune")
        self.assertEqual(AuditEvent.objects.filter(id__in=self.old_ids).count(), 3)
        self.assertFalse(AuditCheckpoint.objects.exists())

    def test_it_takes_a_longer_retention(self):
        self.assertIn("已清理 2 条", run("audit_prune", "--days", "250"))
        self.assertTrue(AuditEvent.objects.filter(pk=self.old_ids[-1]).exists())

    def test_it_refuses_to_prune_a_broken_chain(self):
        raw(f"UPDATE {AuditEvent._meta.db_table} SET actor_name = 'x' WHERE id = %s", [self.old_ids[1]])
        with self.assertRaisesMessage(CommandError, "未清理任何记录"):
            run("audit_prune")
        self.assertEqual(AuditEvent.objects.filter(id__in=self.old_ids).count(), 3)

    def test_it_detects_an_edited_checkpoint(self):
        run("audit_prune")
        raw(f"UPDATE {AuditCheckpoint._meta.db_table} SET count = 1")
        with self.assertRaisesMessage(CommandError, "清理检查点被篡改"):
            run("audit_verify")

    def test_it_detects_a_removed_checkpoint(self):
        run("audit_prune")
        raw(f"DELETE FROM {AuditCheckpoint._meta.db_table}")
        with self.assertRaisesMessage(CommandError, f"第 {self.recent[0].pk} 条记录之前有记录被删除"):
            run("audit_verify")

    def test_it_detects_a_row_removed_after_the_checkpoint(self):
        run("audit_prune")
        raw(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [self.recent[0].pk])
        with self.assertRaisesMessage(CommandError, f"第 {self.recent[1].pk} 条记录之前有记录被删除"):
            run("audit_verify")
