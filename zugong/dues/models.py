"""党费 (中组发〔2008〕3号): each member's dues category and income base history, reductions, the dated rule
sets, the monthly ledger, payments (never edited: a correction is a reversing payment), and the arrears
cases at six consecutive unpaid months. Money is integer fen everywhere; a month is the date of its first day.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zugong.core.models import ScopedModel


class Category(models.TextChoices):
    EMPLOYED = "employed", "在职"
    RETIRED = "retired", "离退休"
    FARMER = "farmer", "农民"
    STUDENT = "student", "学生"
    UNEMPLOYED = "unemployed", "无业"
    RELIEF = "relief", "低保/救济"
    HARDSHIP = "hardship", "困难减免"


# Categories whose amount is a percentage of an income base (the others pay a flat amount).
BASE_CATEGORIES = (Category.EMPLOYED, Category.RETIRED)


class DuesRuleSet(models.Model):
    """The dues rules in force from ``effective_from`` (a month) until the next rule set: a change never
    rewrites a past month. Brackets are ``[[upper bound in fen or null, rate in basis points], …]`` over the
    WHOLE income (not marginal), upper bounds inclusive: 300000 → 50 means ≤ 3,000.00 yuan pays 0.5 %."""

    name = models.CharField("名称", max_length=100)
    effective_from = models.DateField("起始月份", unique=True)
    employed_brackets = models.JSONField("在职党员比例")
    retired_brackets = models.JSONField("离退休党员比例")
    farmer_fen = models.PositiveIntegerField("农民党员每月（分）", default=50)
    flat_fen = models.PositiveIntegerField("学生、无业、低保党员每月（分）", default=20)
    to_centre_fen = models.PositiveIntegerField("单笔自愿交纳上缴中央起点（分）", default=100_000)
    backpay_months = models.PositiveSmallIntegerField("补交最多月数", default=6)
    lapse_months = models.PositiveSmallIntegerField("连续未交预警月数", default=6)
    remit_permille = models.PositiveSmallIntegerField("上缴比例（‰）", default=50)
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "党费标准"
        verbose_name_plural = "党费标准"
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.name}（{self.effective_from:%Y年%m月}起）"


class DuesProfile(ScopedModel):
    """A member's dues category (one per person)."""

    scope_path = "person__org_path"
    scope_self = "person"

    person = models.OneToOneField(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="dues_profile"
    )
    category = models.CharField(
        "交纳类别", max_length=16, choices=Category.choices, default=Category.EMPLOYED
    )
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "党费类别"
        verbose_name_plural = "党费类别"

    def __str__(self):
        return f"{self.person.name}：{self.get_category_display()}"


class IncomeBase(ScopedModel):
    """The monthly income base (after-tax regular salary, or the basic pension for retirees) from the month
    the new pay is first paid. History is kept: a later row takes over from its month."""

    scope_path = "person__org_path"
    scope_self = "person"

    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="income_bases"
    )
    effective_month = models.DateField("起始月份")
    base_fen = models.PositiveBigIntegerField("月收入基数（分）")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "收入基数"
        verbose_name_plural = "收入基数"
        ordering = ["person", "-effective_month"]
        constraints = [
            models.UniqueConstraint(fields=["person", "effective_month"], name="income_base_one_per_month")
        ]

    def __str__(self):
        return f"{self.person.name} {self.effective_month:%Y-%m} 起 {self.base_fen / 100:.2f} 元"


class Reduction(ScopedModel):
    """减免: decided by the branch, approved by the committee above, for a period of months."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未批准"
        REVOKED = "revoked", "已撤销"

    scope_path = "person__org_path"
    scope_self = "person"

    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="dues_reductions"
    )
    amount_fen = models.PositiveIntegerField("减免后每月（分）", default=0, help_text="0 表示免交")
    valid_from = models.DateField("起始月份")
    valid_to = models.DateField("截止月份")
    reason = models.CharField("理由", max_length=300)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="支部经办人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上级审批人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approval_note = models.CharField("审批意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "党费减免"
        verbose_name_plural = "党费减免"
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="reduction_period")
        ]

    def __str__(self):
        return f"{self.person.name} {self.valid_from:%Y-%m}–{self.valid_to:%Y-%m} 减免"


class LedgerEntry(ScopedModel):
    """One member's dues for one month, charged by one branch: the one the member belonged to on the
    month's first day (转出当月由转出党支部收缴，接收党支部从次月起收缴). Generated set-based
    (``dues.ledger``); ``paid_fen`` is the sum of the payments allocated to it."""

    scope_path = "org_path"
    scope_self = "person"

    # No database constraint on these three (PROTECT still holds in the ORM): a month of a million rows is
    # written by one INSERT … SELECT from ids read in the same statement, and PostgreSQL's deferred checks of
    # three million references at commit took longer than the insert itself (docs/benchmarks.md). People,
    # organizations and rule sets are archived or dissolved, never deleted.
    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    org = models.ForeignKey(
        "orgs.Organization", verbose_name="收缴党组织", on_delete=models.PROTECT, related_name="+",
        db_constraint=False,
    )  # fmt: skip
    org_path = models.CharField(max_length=255, editable=False)
    month = models.DateField("月份")
    category = models.CharField("交纳类别", max_length=16, choices=Category.choices)
    base_fen = models.PositiveBigIntegerField("收入基数（分）", null=True, blank=True)
    amount_fen = models.PositiveIntegerField("应交（分）")
    paid_fen = models.IntegerField("已交（分）", default=0)
    rule_set = models.ForeignKey(
        DuesRuleSet, verbose_name="党费标准", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    reduction = models.ForeignKey(
        Reduction, verbose_name="减免", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    missing_base = models.BooleanField("缺少收入基数", default=False)

    class Meta:
        verbose_name = "党费台账"
        verbose_name_plural = "党费台账"
        ordering = ["-month", "person_id"]
        constraints = [models.UniqueConstraint(fields=["person", "month"], name="ledger_one_per_month")]
        indexes = [
            models.Index(
                fields=["org_path", "month"],
                name="ledger_scope_month",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),  # fmt: skip
            models.Index(fields=["month", "org"], name="ledger_month_org"),
        ]

    def __str__(self):
        return f"{self.person.name} {self.month:%Y-%m}"

    @property
    def owed_fen(self) -> int:
        return max(self.amount_fen - self.paid_fen, 0)


class Payment(ScopedModel):
    """A payment as received, never edited: a correction is a new payment that reverses this one."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", "按月交纳"
        PREPAY = "prepay", "按季预交"
        BACKPAY = "backpay", "补交"
        VOLUNTARY = "voluntary", "自愿多交"
        REVERSAL = "reversal", "冲正"

    class Method(models.TextChoices):
        CASH = "cash", "现金"
        TRANSFER = "transfer", "转账"
        ONLINE = "online", "网上交纳"

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        POSTED = "posted", "已入账"
        REJECTED = "rejected", "未批准"

    scope_path = "org_path"
    scope_self = "person"

    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Organization", verbose_name="收缴党组织", on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.MONTHLY)
    method = models.CharField("方式", max_length=12, choices=Method.choices, default=Method.CASH)
    reference = models.CharField("流水号/凭证号", max_length=64, blank=True)
    amount_fen = models.IntegerField("金额（分）")
    paid_on = models.DateField("交纳日期")
    first_month = models.DateField("起始月份", null=True, blank=True)
    months = models.PositiveSmallIntegerField("月数", default=1)
    to_centre = models.BooleanField("上缴中央", default=False)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.POSTED)
    reverses = models.OneToOneField(
        "self",
        verbose_name="冲正的交纳",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    receipt_no = models.CharField("收据号", max_length=20, unique=True)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approval_note = models.CharField("审批意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "党费交纳"
        verbose_name_plural = "党费交纳"
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["org_path", "paid_on"], name="payment_scope_day",
                                opclasses=["varchar_pattern_ops", "date_ops"])]  # fmt: skip

    def __str__(self):
        return f"{self.receipt_no} {self.person.name} {self.amount_fen / 100:.2f} 元"


class Allocation(models.Model):
    """The part of a payment that pays a ledger month (a reversal allocates negative amounts)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="allocations")
    amount_fen = models.IntegerField("金额（分）")

    class Meta:
        verbose_name = "党费分配"
        verbose_name_plural = "党费分配"

    def __str__(self):
        return f"{self.payment_id} → {self.entry_id}：{self.amount_fen / 100:.2f} 元"


class LapseCase(ScopedModel):
    """Six (``lapse_months``) consecutive unpaid months: flagged by the system, decided by the branch
    (with or without good reason: 自行脱党 per 党章第九条), approved by the committee above."""

    class Status(models.TextChoices):
        FLAGGED = "flagged", "待支部研究"
        DECIDED = "decided", "支部已决定，待上级审批"
        APPROVED = "approved", "上级已批准"
        RETURNED = "returned", "上级退回"
        CLOSED = "closed", "已补交，撤销预警"

    class Decision(models.TextChoices):
        GOOD_REASON = "good_reason", "有正当理由，继续教育督促"
        LAPSED = "lapsed", "无正当理由，按自行脱党处理"

    scope_path = "org_path"
    scope_self = "person"

    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Organization", verbose_name="党支部", on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField(max_length=255, editable=False)
    first_unpaid = models.DateField("首个未交月份")
    unpaid_months = models.PositiveSmallIntegerField("连续未交月数")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.FLAGGED)
    decision = models.CharField("支部决定", max_length=16, choices=Decision.choices, blank=True)
    decision_note = models.CharField("支部意见", max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="支部经办人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上级审批人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approval_note = models.CharField("审批意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "连续未交党费预警"
        verbose_name_plural = "连续未交党费预警"
        ordering = ["-unpaid_months", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=~Q(status__in=["approved", "closed"]), name="lapse_one_open_case"
            )
        ]

    def __str__(self):
        return f"{self.person.name} 连续 {self.unpaid_months} 个月未交党费"


class Reminder(ScopedModel):
    """催缴: a reminder given to a member about unpaid months (who, when, how)."""

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", "当面"
        PHONE = "phone", "电话"
        MESSAGE = "message", "短信/微信"
        LETTER = "letter", "书面"

    scope_path = "org_path"
    scope_self = "person"

    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField(max_length=255, editable=False)
    months = models.JSONField("未交月份")
    owed_fen = models.PositiveIntegerField("欠交（分）")
    channel = models.CharField("方式", max_length=12, choices=Channel.choices, default=Channel.MESSAGE)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="催缴人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "党费催缴"
        verbose_name_plural = "党费催缴"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.person.name} 催缴 {self.owed_fen / 100:.2f} 元"
