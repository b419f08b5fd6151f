"""Walk the audit hash chain (from the latest pruning checkpoint) and report the first bad row."""

from django.core.management.base import BaseCommand, CommandError

from zugong.core.audit import verify_chain


class Command(BaseCommand):
    help = "校验审计记录的哈希链：发现被修改、删除或插入的记录时报告第一条并以非零状态退出。"

    def handle(self, *args, **options):
        verdict = verify_chain()
        if not verdict.ok:
            raise CommandError(verdict.message)
        self.stdout.write(verdict.message)
