"""The national rule set of 中组发〔2008〕3号 (retirees on the basic pension, per the 2017 clarification), in force
from April 2008; a province changes the farmers' amount (0.20–1.00 yuan, default 0.50) in 党费标准."""

import datetime as dt

from django.db import migrations

EMPLOYED = [[300_000, 50], [500_000, 100], [1_000_000, 150], [None, 200]]
RETIRED = [[500_000, 50], [None, 100]]


def create(apps, schema_editor):
    DuesRuleSet = apps.get_model("dues", "DuesRuleSet")
    if not DuesRuleSet.objects.exists():
        DuesRuleSet.objects.create(
            name="中组发〔2008〕3号",
            effective_from=dt.date(2008, 4, 1),
            employed_brackets=EMPLOYED,
            retired_brackets=RETIRED,
            note="在职按税后月工资性收入全额分档；离退休按基本养老金；农民默认每月 0.50 元；学生、无业、低保每月 0.20 元。",
        )


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
