"""The district's required frequencies of 三会一课 (``Requirement``, one row per kind of session, edited by the
组织科), and spot checks of members' notes (``SpotCheck``: the draw's parameters and seed, so that it can be
reproduced; ``SpotCheckItem``: one sampled member, graded 优/良/合格/不合格 with a comment)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zugong.core.models import ScopedModel

from .choices import SessionKind


class Requirement(models.Model):
    """How often an organization must hold a kind of session【国家, 支部工作条例 2018】: 党员大会 each quarter,
    支委会, 党小组会 and 主题党日 each month, 组织生活会 each year (configurable; 【地方】 additions such as 党课
    once a year). ``org_types`` lists the organization types it applies to (党小组会: the 党小组)."""

    class Period(models.TextChoices):
        MONTH = "month", "每月"
        QUARTER = "quarter", "每季度"
        HALF = "half", "每半年"
        YEAR = "year", "每年"

    kind = models.CharField("会议类型", max_length=24, unique=True, choices=SessionKind.choices)
    period = models.CharField("周期", max_length=10, choices=Period.choices)
    times = models.PositiveSmallIntegerField("每周期至少（次）", default=1)
    org_types = models.JSONField("适用组织类型", default=list)
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "三会一课频次要求"
        verbose_name_plural = "三会一课频次要求"
        ordering = ["id"]

    def __str__(self):
        return f"{SessionKind(self.kind).label} {self.get_period_display()}至少 {self.times} 次"


class SpotCheck(ScopedModel):
    """抽查: the department draws ``size`` members (or ``percent`` % of them) from the members of the chosen
    organizations who were expected at a session in [``date_from``, ``date_to``]; the candidates are taken in
    the order of their ids and drawn with ``random.Random(seed)``, so that the same parameters and seed give
    the same sample again. The chosen organizations are kept as their paths at the draw."""

    scope_path = "org__path"

    class Status(models.TextChoices):
        GRADING = "grading", "评阅中"
        DONE = "done", "已完成"

    org = models.ForeignKey(
        "orgs.Organization", verbose_name="组织抽查的单位", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("名称", max_length=200)
    date_from = models.DateField("会议起始日期")
    date_to = models.DateField("会议截止日期")
    org_ids = models.JSONField("抽查范围（组织）", default=list)
    org_paths = models.JSONField("抽查范围（组织路径）", default=list)
    size = models.PositiveIntegerField("抽取人数", null=True, blank=True)
    percent = models.DecimalField("抽取比例（%）", max_digits=5, decimal_places=2, null=True, blank=True)
    seed = models.BigIntegerField("随机种子")
    candidates = models.PositiveIntegerField("候选人数", default=0)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.GRADING)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="抽取人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    drawn_at = models.DateTimeField("抽取时间", auto_now_add=True)

    class Meta:
        verbose_name = "笔记抽查"
        verbose_name_plural = "笔记抽查"
        ordering = ["-drawn_at", "-id"]

    def __str__(self):
        return self.title


class SpotCheckItem(ScopedModel):
    """One sampled member of a spot check and the grade of their notes; scoped by the member's organization
    at the draw, so a branch sees its own results."""

    scope_path = "org_path"

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", "优"
        GOOD = "good", "良"
        PASS = "pass", "合格"
        FAIL = "fail", "不合格"

    check_run = models.ForeignKey(
        SpotCheck, verbose_name="抽查", on_delete=models.CASCADE, related_name="items"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Organization", verbose_name="所在组织", on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField("组织路径", max_length=255, editable=False, db_index=True)
    position = models.PositiveIntegerField("抽取顺序")
    grade = models.CharField("评定", max_length=10, choices=Grade.choices, blank=True)
    comment = models.CharField("评语", max_length=500, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评阅人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    graded_at = models.DateTimeField("评阅时间", null=True, blank=True)

    class Meta:
        verbose_name = "抽查对象"
        verbose_name_plural = "抽查对象"
        ordering = ["check_run", "position"]
        constraints = [models.UniqueConstraint(fields=["check_run", "person"], name="spotcheck_person_once")]

    def __str__(self):
        return f"{self.check_run_id}#{self.position} {self.person_id}"
