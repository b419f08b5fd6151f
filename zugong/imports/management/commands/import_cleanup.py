"""Empty the uploaded workbooks of import jobs older than the keep period. A workbook holds ID numbers in
clear (encrypted at rest); an imported job drops it at once, but an invalid, failed or previewed-only job
would keep it for ever (and its checked rows, ``plan_enc``). The job row, its counts and its problem list stay. Run it daily from cron / a
systemd timer."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from zugong.core import audit
from zugong.imports.models import ImportJob


class Command(BaseCommand):
    help = "清除超过保留期限、未导入的导入任务所上传的文件（任务记录保留）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="保留天数，默认取 ZUGONG_IMPORT_KEEP_DAYS（7）。",
        )

    def handle(self, *args, **options):
        days = options["days"] if options["days"] is not None else settings.ZUGONG_IMPORT_KEEP_DAYS
        if days < 0:
            raise CommandError(f"保留天数不能为负数，当前为 {days}，未清除任何文件。")
        cutoff = timezone.now() - dt.timedelta(days=days)
        with transaction.atomic():
            # A running job still reads its file; it drops it itself once imported.
            jobs = (
                ImportJob.objects.filter(created_at__lt=cutoff)
                .exclude(status=ImportJob.Status.IMPORTING)
                .exclude(payload_enc="", plan_enc="")
                .update(payload_enc="", plan_enc="", plan_basis="")
            )
            if jobs:
                audit.record_event(
                    actor=None, event=audit.Events.IMPORT_CLEANUP, detail={"jobs": jobs, "days": days}
                )
        since = f"{timezone.localtime(cutoff):%Y-%m-%d %H:%M}"
        if jobs:
            self.stdout.write(f"已清除 {jobs} 个导入任务中早于 {since} 上传的文件。")
        else:
            self.stdout.write(f"没有早于 {since} 上传且尚未清除的导入文件，无需清理。")
