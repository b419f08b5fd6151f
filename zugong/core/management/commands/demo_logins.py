"""Print the demo logins (one per role), as ``make run`` shows them before serving."""

import unicodedata

from django.core.management.base import BaseCommand

from zugong.core import demo


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "列出演示账号（用户名、密码、角色、授权组织）。"

    def handle(self, *args, **options):
        from zugong.training import demo as training_demo  # the modules' logins, after the personas

        rows = demo.persona_rows() + training_demo.persona_rows()
        if not rows:
            self.stdout.write("尚无演示账号，请先运行：manage.py build_demo")
            return
        header = ("用户名", "密码", "角色", "授权组织", "对应人员")
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
        line = "  ".join("-" * w for w in widths)
        self.stdout.write("演示账号（所有账号密码相同）：")
        for row in [header, None, *rows]:
            text = line if row is None else "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True))
            self.stdout.write(text.rstrip())
