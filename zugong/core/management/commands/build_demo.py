"""Build the fictional 示范区 (demo and benchmark data). ``--if-empty`` makes it safe to run on every start."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from zugong.core import demo


class Command(BaseCommand):
    help = "生成示范区演示数据：党组织、单位与班子、人员与党籍、区管干部、各角色演示账号。"

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=demo.DEFAULT_MEMBERS, help="人员数（默认 6000）")
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="随机种子：同一种子生成同样的数据"
        )
        parser.add_argument("--if-empty", action="store_true", help="已有根组织（区委）时什么也不做")
        parser.add_argument("--flush", action="store_true", help="先清空整个数据库（manage.py flush）再生成")
        parser.add_argument(
            "--method",
            choices=["auto", "copy", "orm"],
            default="auto",
            help="写入方式：auto（PostgreSQL 用 COPY，其余用 bulk_create）、copy、orm",
        )

    def handle(self, *args, members, seed, if_empty, flush, method, **options):
        if flush:
            call_command("flush", interactive=False, verbosity=0)
        elif demo.root_exists():
            if if_empty:
                self.stdout.write("已有演示数据（根组织已存在），跳过生成。")
                return
            raise CommandError("数据库中已有根组织。只在空库生成请加 --if-empty；清空后重建请加 --flush。")
        self.stdout.write(f"生成示范区：{members:,} 人，种子 {seed} …")
        try:
            counts = demo.build(
                members=members,
                seed=seed,
                use_copy={"auto": None, "copy": True, "orm": False}[method],
                log=self.stdout.write,
            )
        except ValueError as exc:
            raise CommandError(str(exc))
        from zugong.dues import demo as dues_demo  # the modules' demo data, after the district

        dues = dues_demo.seed()
        if dues:
            self.stdout.write(f"党费：台账 {dues['ledger']:,} 条，交纳 {dues['payments']:,} 笔。")
        from zugong.training import demo as training_demo

        training = training_demo.seed()
        if training:
            self.stdout.write(
                f"学分制：培训项目 {training['activities']} 个，学分记录 {training['entries']:,} 条，"
                f"学分申报 {training['claims']} 件，年度学分 {training['summaries']:,} 条。"
            )
        from zugong.evaluations import demo as evaluations_demo

        evaluations = evaluations_demo.seed()
        if evaluations:
            self.stdout.write(
                f"测评：{evaluations['evaluations']} 个测评，{evaluations['ballots']} 张选票。"
                f"可试投的测评码（/v/ 页面输入，每个只能用一次）：{'、'.join(evaluations['codes'])}"
            )
        from zugong.studyday import demo as studyday_demo

        studyday = studyday_demo.seed()
        if studyday:
            self.stdout.write(
                f"学习日与三会一课：会议活动 {studyday['sessions']} 次，考勤登记 {studyday['attendance']} 人次，"
                f"笔记心得 {studyday['notes']} 份；党员 dangyuan 可在“我的学习”中签到（签到码见支部书记的签到屏幕）。"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：{counts['orgs']:,} 个党组织，{counts['units']:,} 个单位，{counts['teams']:,} 个领导班子，"
                f"{counts['people']:,} 人，{counts['memberships']:,} 名党员，{counts['cadres']:,} 名区管干部；"
                f"用时 {counts['seconds']} 秒。"
            )
        )
