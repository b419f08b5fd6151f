"""import_cleanup empties the uploaded file (clear ID numbers inside) of jobs older than the keep period,
in one UPDATE; a running job keeps its file, and a job whose file is gone cannot run."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.messages import get_messages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zugong.core.models import AuditEvent
from zugong.imports.models import ImportJob
from zugong.imports.views import FILE_CLEARED
from zugong.people.models import Person

from .helpers import member, new_id, workbook
from .test_import import ImportTestCase

S = ImportJob.Status


def cleanup(*args) -> str:
    out = io.StringIO()
    call_command("import_cleanup", *args, stdout=out)
    return out.getvalue()


class CleanupTest(ImportTestCase):
    def job(self, status: str, *, days_old: int, payload: bytes = b"PK-workbook") -> ImportJob:
        job = ImportJob(
            created_by=self.p.branch_secretary,
            created_at=timezone.now() - dt.timedelta(days=days_old),
            file_name=f"{status}.xlsx",
            status=status,
        )
        if payload:
            job.set_payload(payload)
        job.save()
        return job

    def assert_file(self, job: ImportJob, kept: bool):
        job.refresh_from_db()
        self.assertEqual(job.payload(), b"PK-workbook" if kept else b"")

    def test_it_empties_the_file_of_old_unimported_jobs_and_keeps_the_job(self):
        old = [self.job(s, days_old=8) for s in (S.INVALID, S.FAILED, S.PREVIEWED, S.VALIDATING)]
        out = cleanup()
        for job in old:
            self.assert_file(job, kept=False)
        old[0].refresh_from_db()
        self.assertEqual((old[0].status, old[0].file_name), (S.INVALID, "invalid.xlsx"))
        self.assertIn("已清除 4 个导入任务", out)

    def test_it_keeps_a_recent_job_and_a_running_one(self):
        recent = self.job(S.INVALID, days_old=6)
        running = self.job(S.IMPORTING, days_old=30)
        cleanup()
        self.assert_file(recent, kept=True)
        self.assert_file(running, kept=True)

    def test_it_leaves_a_done_job_alone(self):
        done = self.job(S.DONE, days_old=30, payload=b"")
        before = ImportJob.objects.filter(pk=done.pk).values().get()
        self.assertIn("无需清理", cleanup())
        self.assertEqual(ImportJob.objects.filter(pk=done.pk).values().get(), before)
        self.assertFalse(AuditEvent.objects.filter(event="import_cleanup").exists())

    def test_it_reads_the_days_from_the_option_then_the_setting(self):
        job = self.job(S.INVALID, days_old=3)
        with override_settings(ZUGONG_IMPORT_KEEP_DAYS=5):
            cleanup()
        self.assert_file(job, kept=True)
        with override_settings(ZUGONG_IMPORT_KEEP_DAYS=2):
            cleanup()
        self.assert_file(job, kept=False)
        other = self.job(S.INVALID, days_old=3)
        cleanup("--days", "2")
        self.assert_file(other, kept=False)
        with self.assertRaisesMessage(CommandError, "不能为负数"):
            cleanup("--days", "-1")

    def test_it_empties_in_one_update_and_audits_it_once(self):
        for _ in range(3):
            self.job(S.INVALID, days_old=10)
        with CaptureQueriesContext(connection) as ctx:
            cleanup("--days", "7")
        sql = [q["sql"] for q in ctx.captured_queries]
        updates = [q for q in sql if q.startswith('UPDATE "imports_importjob"')]
        self.assertEqual(len(updates), 1)
        event = AuditEvent.objects.get(event="import_cleanup")
        self.assertEqual((event.kind, event.actor_id, event.detail), ("event", None, {"jobs": 3, "days": 7}))
        call_command("audit_verify")


class ClearedJobPageTest(ImportTestCase):
    def test_it_refuses_to_run_a_previewed_job_whose_file_was_cleared(self):
        before = Person.objects.count()
        self.post(workbook([member("刘晓燕", new_id(11), "T010101")]), dry_run=True)
        job = self.last_job()
        self.assertEqual(job.status, S.PREVIEWED)
        ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
        cleanup()

        page = self.client.get(reverse("imports:job", args=[job.pk]))
        self.assertContains(page, FILE_CLEARED)
        self.assertNotContains(page, "确认导入")
        response = self.client.post(reverse("imports:run", args=[job.pk]))
        self.assertRedirects(response, reverse("imports:job", args=[job.pk]))
        self.assertEqual([str(m) for m in get_messages(response.wsgi_request)], [FILE_CLEARED])
        job.refresh_from_db()
        self.assertEqual(job.status, S.PREVIEWED)
        self.assertEqual(Person.objects.count(), before)
        self.assertFalse(AuditEvent.objects.filter(event="import").exists())
