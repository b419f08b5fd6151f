"""Remove audit rows older than the retention period (at least 180 days), leaving a sealed checkpoint so
that what remains still verifies. Run it from cron / a systemd timer."""

import datetime as dt
import getpass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zugong.core.audit import prune_before, verify_chain

MIN_RETENTION_DAYS = 180


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return ""


class Command(BaseCommand):
    help = "清理超过保存期限的审计记录（保存期限不少于 180 天），并写入清理检查点。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="保存天数，默认取 ZUGONG_AUDIT_RETENTION_DAYS（180）。",
        )

    def handle(self, *args, **options):
        days = options["days"] if options["days"] is not None else settings.ZUGONG_AUDIT_RETENTION_DAYS
        if days < MIN_RETENTION_DAYS:
            raise CommandError(
                f"审计记录保存期限不得少于 {MIN_RETENTION_DAYS} 天（网络日志留存不少于六个月），"
                f"当前设置为 {days} 天，未清理任何记录。"
            )
        # Never erase the evidence of tampering: the chain must verify before anything goes.
        verdict = verify_chain()
        if not verdict.ok:
            raise CommandError(f"{verdict.message}；未清理任何记录。")
        cutoff = timezone.now() - dt.timedelta(days=days)
        cp = prune_before(cutoff=cutoff, by=_os_user())
        if cp is None:
            self.stdout.write(f"没有早于 {timezone.localtime(cutoff):%Y-%m-%d %H:%M} 的审计记录，无需清理。")
            return
        self.stdout.write(
            f"已清理 {cp.count} 条早于 {timezone.localtime(cutoff):%Y-%m-%d %H:%M} 的审计记录"
            f"（至第 {cp.last_id} 条），检查点已记录。"
        )
