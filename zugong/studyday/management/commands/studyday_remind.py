"""Remind the members who have not handed in notes and a reflection for a session that ended in the last few
days (at most one reminder a person and day; shown on their 我的学习 page). Run it daily from cron / a systemd
timer."""

from django.core.management.base import BaseCommand, CommandError

from zugong.studyday.services_notes import remind_overdue


class Command(BaseCommand):
    help = "向近几天结束的会议活动中未提交笔记和心得的党员发送提醒（每人每天最多一次）。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="提醒几天内结束的会议活动，默认 3 天。")

    def handle(self, *args, **options):
        days = options["days"]
        if not 1 <= days <= 60:
            raise CommandError(f"天数应在 1 至 60 之间，当前为 {days}，未发送任何提醒。")
        sessions, reminders = remind_overdue(days=days)
        self.stdout.write(f"已向 {sessions} 次会议活动的未交人员发送提醒 {reminders} 条。")
