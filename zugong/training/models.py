"""累计学分制: the training catalogue, the credit rules of each year, every cadre's credit entries (from class
attendance, approved claims and the online academy's import), the yearly summary the progress pages read, and
claims with their evidence. Credits and 学时 are Decimals with two places (an online course of ≤ 15 minutes is
0.25 学时). A year's rule set, once closed, is never rewritten."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from zugong.core.models import ArchivableModel, ScopedModel


class Category(models.TextChoices):
    PARTY_SCHOOL = "party_school", "党校脱产培训"
    OFFSITE = "offsite", "外出脱产培训"
    ONLINE = "online", "网络培训"
    LECTURE = "lecture", "专题讲座"
    CENTRAL_GROUP = "central_group", "中心组学习"
    SELF_STUDY = "self_study", "在职自学"
    PAPER = "paper", "调研/论文"
    TEACHING = "teaching", "授课"


# Full-time (脱产) categories: their days count toward "3 months" (县处级, per cycle) and "12 days" (乡科级, a year).
FULL_TIME_CATEGORIES = (Category.PARTY_SCHOOL, Category.OFFSITE)


class Mode(models.TextChoices):
    PER_DAY = "per_day", "按天计"
    PER_HOUR = "per_hour", "按学时计"
    PER_ITEM = "per_item", "按次/篇计"
    PER_HOUR_TAUGHT = "per_hour_taught", "按授课学时计"


class Level(models.TextChoices):
    NONE = "", "—"
    CITY = "city", "市级"
    PROVINCE = "province", "省级"
    NATIONAL = "national", "国家级"


class Source(models.TextChoices):
    ATTENDANCE = "attendance", "班次考勤"
    CLAIM = "claim", "个人申报"
    IMPORT = "import", "网络学院导入"
    MANUAL = "manual", "补录"


class RankGroup(models.TextChoices):
    COUNTY = "county", "县处级及以上"
    TOWNSHIP = "township", "乡科级及以下"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


def default_online_tiers():
    # [lower bound in minutes, ">=" or ">", 学时]: the first that matches applies (≥ 30 = 1, 15–30 = 0.5, ≤ 15 = 0.25).
    return [[30, ">=", "1"], [15, ">", "0.5"], [0, ">", "0.25"]]


def dec(value) -> Decimal:
    return Decimal(str(value))


class CreditRuleSet(models.Model):
    """The credit rules of one year (【地方】 defaults; the national targets of 干部教育培训工作条例 2023 Art. 14 and
    the 2023–2027 规划 as editable numbers). Editing an open year's rules recomputes that year only; a closed
    year refuses every change, so a rule change never rewrites last year's ledger."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    name = models.CharField("名称", max_length=100)
    hours_per_day = models.DecimalField("每天折合学时", max_digits=5, decimal_places=2, default=dec("7.5"))
    online_tiers = models.JSONField("网络课程时长折算", default=default_online_tiers)
    required_credits = models.DecimalField("必修学分目标", max_digits=7, decimal_places=2, default=dec(56))
    total_credits = models.DecimalField("总学分目标", max_digits=7, decimal_places=2, default=dec(84))
    excellent_credits = models.DecimalField("优秀学分线", max_digits=7, decimal_places=2, default=dec(100))
    carry_over = models.BooleanField("超出学分结转下一年度", default=True)
    carry_over_cap = models.DecimalField(
        "结转上限（空为不限）", max_digits=7, decimal_places=2, null=True, blank=True
    )
    online_hours_target = models.DecimalField("网络学时目标", max_digits=7, decimal_places=2, default=dec(50))
    township_hours = models.DecimalField("乡科级年度学时", max_digits=7, decimal_places=2, default=dec(90))
    township_days = models.DecimalField("乡科级年度脱产天数", max_digits=6, decimal_places=2, default=dec(12))
    county_hours = models.DecimalField("县处级五年学时", max_digits=7, decimal_places=2, default=dec(550))
    county_days = models.DecimalField(
        "县处级五年脱产天数（3个月）", max_digits=6, decimal_places=2, default=dec(90)
    )
    cycle_start_year = models.PositiveSmallIntegerField("五年周期起始年", default=2023)
    cycle_years = models.PositiveSmallIntegerField("周期年数", default=5)
    promotion_months = models.PositiveSmallIntegerField("提拔后完成期限（月）", default=12)
    reminder_from_month = models.PositiveSmallIntegerField("催学提醒起始月份", default=7)
    closed = models.BooleanField("已关账", default=False)
    closed_at = models.DateTimeField("关账时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="关账人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "学分规则"
        verbose_name_plural = "学分规则"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年度学分规则"

    def cycle_of(self, year: int | None = None) -> tuple[int, int]:
        """(first, last) year of the five-year cycle holding ``year``."""
        year = self.year if year is None else year
        start = (
            self.cycle_start_year + ((year - self.cycle_start_year) // self.cycle_years) * self.cycle_years
        )
        return start, start + self.cycle_years - 1


class CategoryRule(models.Model):
    """How one category earns credits in a year: ``rate`` per day, per 学时, per item or per hour taught
    (papers: ``level_rates`` by 市级/省级/国家级), an annual cap per cadre, required (必修) or elective."""

    rule_set = models.ForeignKey(
        CreditRuleSet, verbose_name="学分规则", on_delete=models.CASCADE, related_name="rules"
    )
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    mode = models.CharField("计分方式", max_length=20, choices=Mode.choices)
    rate = models.DecimalField("学分标准", max_digits=7, decimal_places=2, default=dec(0))
    level_rates = models.JSONField("按级别学分", default=dict, blank=True)
    annual_cap = models.DecimalField(
        "年度上限（空为不限）", max_digits=7, decimal_places=2, null=True, blank=True
    )
    required = models.BooleanField("必修", default=False)

    class Meta:
        verbose_name = "类别学分标准"
        verbose_name_plural = "类别学分标准"
        ordering = ["rule_set", "id"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "category"], name="category_rule_once")]

    def __str__(self):
        return f"{self.rule_set.year} {self.get_category_display()}"


class Activity(ArchivableModel):
    """A training activity in the catalogue (a 党校 class, a lecture, an online course …), owned by an
    organization (scope) and run by ``organizer``."""

    scope_path = "org__path"

    title = models.CharField("名称", max_length=200)
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    organizer = models.CharField("主办单位", max_length=100)
    org = models.ForeignKey(
        "orgs.Organization", verbose_name="归属党组织", on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    days = models.DecimalField("天数", max_digits=6, decimal_places=2, default=dec(0))
    hours = models.DecimalField("学时", max_digits=7, decimal_places=2, default=dec(0))
    minutes = models.DecimalField("课程时长（分钟）", max_digits=8, decimal_places=2, null=True, blank=True)
    hours_taught = models.DecimalField("授课学时", max_digits=6, decimal_places=2, default=dec(0))
    level = models.CharField("级别", max_length=10, choices=Level.choices, blank=True, default="")
    location = models.CharField("地点", max_length=100, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "培训项目"
        verbose_name_plural = "培训项目"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="activity_dates")
        ]

    def __str__(self):
        return self.title


class CreditEntry(ArchivableModel):
    """One credit record of a cadre. The inputs (days, 学时, minutes, hours taught, level, items) are what
    happened; the outputs (学时 credited, 网络学时, 脱产天数, credits before and after the category cap, required)
    are written by ``ledger.recompute`` under the year's rules, set-based. ``source_key`` makes imports
    idempotent: the same course on the same day for the same person is one entry."""

    scope_path = "person__org_path"
    scope_self = "person"

    # Indexed only where a query needs it: every index is written again on each row a recompute changes
    # (person: "credit_person_year"; no index on the outputs or rule_set, so a recompute's UPDATE is HOT).
    person = models.ForeignKey(
        "people.Person", verbose_name="干部", on_delete=models.PROTECT, related_name="credit_entries",
        db_index=False,
    )  # fmt: skip
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    year = models.PositiveSmallIntegerField("年度")
    date = models.DateField("日期")
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    source = models.CharField("来源", max_length=12, choices=Source.choices)
    title = models.CharField("培训内容", max_length=200)
    activity = models.ForeignKey(
        Activity,
        verbose_name="培训项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,  # "credit_activity", over the rows that have one
    )
    claim = models.OneToOneField(
        "training.Claim",
        verbose_name="申报",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entry",
    )
    batch = models.ForeignKey(
        "training.ImportBatch", verbose_name="导入批次", null=True, blank=True, on_delete=models.PROTECT,
        related_name="entries", db_index=False,  # "credit_batch"
    )  # fmt: skip
    source_key = models.CharField("去重键", max_length=64, blank=True, default="", editable=False)
    days = models.DecimalField("天数", max_digits=6, decimal_places=2, default=dec(0))
    hours = models.DecimalField("学时", max_digits=7, decimal_places=2, default=dec(0))
    minutes = models.DecimalField("课程时长（分钟）", max_digits=8, decimal_places=2, null=True, blank=True)
    hours_taught = models.DecimalField("授课学时", max_digits=6, decimal_places=2, default=dec(0))
    level = models.CharField("级别", max_length=10, choices=Level.choices, blank=True, default="")
    items = models.PositiveSmallIntegerField("次数/篇数", default=1)
    # Written by ledger.recompute:
    credited_hours = models.DecimalField(
        "折合学时", max_digits=8, decimal_places=2, default=dec(0), editable=False
    )
    online_hours = models.DecimalField(
        "网络学时", max_digits=8, decimal_places=2, default=dec(0), editable=False
    )
    full_time_days = models.DecimalField(
        "脱产天数", max_digits=6, decimal_places=2, default=dec(0), editable=False
    )
    credits_raw = models.DecimalField(
        "应计学分", max_digits=8, decimal_places=2, default=dec(0), editable=False
    )
    credits = models.DecimalField("计入学分", max_digits=8, decimal_places=2, default=dec(0), editable=False)
    required = models.BooleanField("必修", default=False, editable=False)
    rule_set = models.ForeignKey(
        CreditRuleSet, verbose_name="适用规则", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        editable=False, db_constraint=False, db_index=False,
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False,
    )  # fmt: skip

    class Meta:
        verbose_name = "学分记录"
        verbose_name_plural = "学分记录"
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["year", "person", "category", "date", "id"], name="credit_year_person"),
            models.Index(fields=["person", "year"], name="credit_person_year"),
            models.Index(fields=["activity"], condition=Q(activity__isnull=False), name="credit_activity"),
            models.Index(fields=["batch"], condition=Q(batch__isnull=False), name="credit_batch"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "source_key"], condition=~Q(source_key=""), name="credit_source_once"
            ),
            models.UniqueConstraint(
                fields=["person", "activity"],
                condition=Q(source="attendance", archived_at__isnull=True),
                name="credit_attendance_once",
            ),
        ]

    def __str__(self):
        return f"{self.person.name} {self.date} {self.title}"


class CreditYear(ScopedModel):
    """A cadre's year, rebuilt by ``ledger.recompute`` (never edited by hand): totals, the five-year cycle
    so far, the targets met and the grade. One row per district-managed cadre per year, also when the
    cadre has no entries (so the shortfall list shows them)."""

    scope_path = "person__org_path"
    scope_self = "person"

    person = models.ForeignKey(
        "people.Person", verbose_name="干部", on_delete=models.PROTECT, related_name="credit_years",
        db_constraint=False,
    )  # fmt: skip
    year = models.PositiveSmallIntegerField("年度")
    rank_group = models.CharField("职级类别", max_length=10, choices=RankGroup.choices)
    entries = models.PositiveIntegerField("记录数", default=0)
    hours = models.DecimalField("学时", max_digits=9, decimal_places=2, default=dec(0))
    online_hours = models.DecimalField("网络学时", max_digits=9, decimal_places=2, default=dec(0))
    full_time_days = models.DecimalField("脱产天数", max_digits=8, decimal_places=2, default=dec(0))
    credits_required = models.DecimalField("必修学分", max_digits=9, decimal_places=2, default=dec(0))
    credits_earned = models.DecimalField("本年学分", max_digits=9, decimal_places=2, default=dec(0))
    carried_in = models.DecimalField("上年结转", max_digits=9, decimal_places=2, default=dec(0))
    credits_total = models.DecimalField("总学分", max_digits=9, decimal_places=2, default=dec(0))
    cycle_hours = models.DecimalField("周期累计学时", max_digits=9, decimal_places=2, default=dec(0))
    cycle_days = models.DecimalField("周期累计脱产天数", max_digits=8, decimal_places=2, default=dec(0))
    promotion_due = models.DateField("提拔后完成期限", null=True, blank=True)
    met_hours = models.BooleanField("学时达标", default=False)
    met_online = models.BooleanField("网络学时达标", default=False)
    met_credits = models.BooleanField("学分达标", default=False)
    met_target = models.BooleanField("年度达标", default=False)
    grade = models.CharField("年度等次", max_length=10, choices=Grade.choices, default=Grade.FAIL)

    class Meta:
        verbose_name = "年度学分"
        verbose_name_plural = "年度学分"
        ordering = ["-year", "person_id"]
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="credit_year_once")]
        indexes = [models.Index(fields=["year", "met_target"], name="credit_year_met")]

    def __str__(self):
        return f"{self.person.name} {self.year}年度 {self.credits_total} 学分"


class Claim(ScopedModel):
    """学分申报: a cadre claims credit for training the catalogue did not record, with evidence; the
    干部教育科 approves (an entry is written) or rejects with a reason. Never deleted."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"
        WITHDRAWN = "withdrawn", "已撤回"

    scope_path = "person__org_path"
    scope_self = "person"

    person = models.ForeignKey(
        "people.Person", verbose_name="干部", on_delete=models.PROTECT, related_name="credit_claims"
    )
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    title = models.CharField("培训内容", max_length=200)
    organizer = models.CharField("主办单位", max_length=100, blank=True)
    date = models.DateField("日期")
    days = models.DecimalField("天数", max_digits=6, decimal_places=2, default=dec(0))
    hours = models.DecimalField("学时", max_digits=7, decimal_places=2, default=dec(0))
    minutes = models.DecimalField("课程时长（分钟）", max_digits=8, decimal_places=2, null=True, blank=True)
    hours_taught = models.DecimalField("授课学时", max_digits=6, decimal_places=2, default=dec(0))
    level = models.CharField("级别", max_length=10, choices=Level.choices, blank=True, default="")
    description = models.CharField("说明", max_length=500, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    evidence_name = models.CharField("证明材料", max_length=200)
    evidence_type = models.CharField("材料类型", max_length=80)
    evidence_size = models.PositiveIntegerField("材料大小")
    evidence_sha256 = models.CharField("材料摘要", max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申报人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    reason = models.CharField("审核意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "学分申报"
        verbose_name_plural = "学分申报"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="claim_status_day")]

    def __str__(self):
        return f"{self.person.name} 申报 {self.title}"


class ClaimEvidence(models.Model):
    """The evidence file's bytes, apart from the claim so that lists never read them."""

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="evidence", primary_key=True)
    data = models.BinaryField("内容")

    class Meta:
        verbose_name = "申报材料"
        verbose_name_plural = "申报材料"

    def __str__(self):
        return f"申报 {self.claim_id} 的证明材料"


class ImportBatch(ScopedModel):
    """One upload of the online academy's export: who, which file (its digest), how many rows, how many
    entries were added (a second import of the same file adds 0)."""

    scope_path = "org__path"

    org = models.ForeignKey(
        "orgs.Organization", verbose_name="导入范围", on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("文件摘要", max_length=64)
    rows = models.PositiveIntegerField("行数", default=0)
    added = models.PositiveIntegerField("新增记录", default=0)
    skipped = models.PositiveIntegerField("已存在", default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "网络学院导入"
        verbose_name_plural = "网络学院导入"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.file_name}（{self.added} 条）"


class Reminder(ScopedModel):
    """催学提醒 (Q3/Q4): a reminder given to a cadre behind the year's target."""

    class Channel(models.TextChoices):
        SYSTEM = "system", "系统消息"
        PHONE = "phone", "电话"
        MESSAGE = "message", "短信/微信"
        LETTER = "letter", "书面"

    scope_path = "person__org_path"
    scope_self = "person"

    person = models.ForeignKey(
        "people.Person", verbose_name="干部", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    shortfall = models.JSONField("差额")
    channel = models.CharField("方式", max_length=12, choices=Channel.choices, default=Channel.SYSTEM)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提醒人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "催学提醒"
        verbose_name_plural = "催学提醒"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "year"], name="training_reminder_person")]

    def __str__(self):
        return f"{self.person.name} {self.year}年度催学"
