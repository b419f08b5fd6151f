"""The required frequencies of 三会一课 as the 支部工作条例 (2018) sets them, and 党课 once a year 【地方】."""

from django.db import migrations

DEFAULTS = [
    ("general_meeting", "quarter", 1, ["branch"]),
    ("committee_meeting", "month", 1, ["branch"]),
    ("group_meeting", "month", 1, ["group"]),
    ("theme_day", "month", 1, ["branch"]),
    ("life_meeting", "year", 1, ["branch"]),
    ("party_lecture", "year", 1, ["branch"]),
]


def seed(apps, schema_editor):
    Requirement = apps.get_model("studyday", "Requirement")
    for kind, period, times, org_types in DEFAULTS:
        Requirement.objects.get_or_create(
            kind=kind, defaults={"period": period, "times": times, "org_types": org_types}
        )


class Migration(migrations.Migration):
    dependencies = [("studyday", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
