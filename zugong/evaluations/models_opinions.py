"""征求意见 → 问题清单 → 整改清单: opinions collected at 座谈会, on grassroots visits (by group, 分三个组下基层
走访), from the free-text answers of a questionnaire, or otherwise; the issues they become (one issue may merge
several opinions), each with a category, an owner, a deadline, measures (整改措施) and its closure with evidence;
and the steps of each issue (立项, 开始整改, 整改完成, 重新整改) for its page.

An opinion imported from a questionnaire keeps a link to its evaluation only, never to a ballot or an answer
(anonymous means unlinkable), and its date is the day of the import, not the day of the vote."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from zugong.core.models import ArchivableModel, ScopedModel
from zugong.core.scope import RestrictedQuerySet

__all__ = ["VISIT_GROUPS", "Issue", "IssueEvidence", "IssueQuerySet", "IssueStep", "Opinion"]

VISIT_GROUPS = ("第一组", "第二组", "第三组")


class Opinion(ArchivableModel):
    class Source(models.TextChoices):
        SEMINAR = "seminar", "座谈会"
        VISIT = "visit", "走访"
        SURVEY = "survey", "问卷"
        OTHER = "other", "其他"

    scope_path = "org__path"

    org = models.ForeignKey(
        "orgs.Organization", verbose_name="征求单位", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("来源", max_length=12, choices=Source.choices)
    visit_group = models.CharField("走访组", max_length=50, blank=True)
    evaluation = models.ForeignKey(
        "evaluations.Evaluation",
        verbose_name="问卷（测评）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opinions",
    )
    text = models.TextField("意见内容")
    received_on = models.DateField("收集日期")
    submitted_by = models.CharField("提出人", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "意见建议"
        verbose_name_plural = "意见建议"
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["evaluation", "source"], name="opinion_evaluation")]

    def __str__(self):
        text = " ".join(self.text.split())
        return text if len(text) <= 30 else f"{text[:30]}…"

    @property
    def source_label(self) -> str:
        """来源 as the lists print it: 走访（第一组）, 问卷, 座谈会."""
        label = self.get_source_display()
        return f"{label}（{self.visit_group}）" if self.visit_group else label


class IssueQuerySet(RestrictedQuerySet):
    def open(self):
        return self.exclude(status=Issue.Status.CLOSED)

    def overdue(self, today: dt.date | None = None):
        """Not closed and past the deadline (a deadline of today is not overdue yet)."""
        return self.open().filter(deadline__lt=today or timezone.localdate())


class Issue(ArchivableModel):
    """问题: one line of the 问题清单 and, with its measures and closure, of the 整改清单."""

    class Category(models.TextChoices):
        THINKING = "thinking", "思想作风"
        WORK_STYLE = "work_style", "工作作风"
        ABILITY = "ability", "业务能力"
        SERVICE = "service", "服务质量"
        DISCIPLINE = "discipline", "纪律规矩"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        PENDING = "pending", "待整改"
        IN_PROGRESS = "in_progress", "整改中"
        CLOSED = "closed", "已整改"

    scope_path = "org__path"

    org = models.ForeignKey(
        "orgs.Organization", verbose_name="所属党组织", on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField("类别", max_length=12, choices=Category.choices)
    title = models.CharField("问题", max_length=200)
    description = models.TextField("问题描述", blank=True)
    opinions = models.ManyToManyField(Opinion, verbose_name="来源意见", blank=True, related_name="issues")
    owner_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name="责任党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline = models.DateField("整改时限", null=True, blank=True)
    measures = models.TextField("整改措施", blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    started_on = models.DateField("开始整改日期", null=True, blank=True)
    closed_on = models.DateField("完成日期", null=True, blank=True)
    evidence_text = models.TextField("完成情况及佐证", blank=True)
    evidence_name = models.CharField("佐证材料", max_length=200, blank=True)
    evidence_type = models.CharField("材料类型", max_length=80, blank=True)
    evidence_size = models.PositiveIntegerField("材料大小", default=0)
    evidence_sha256 = models.CharField("材料摘要", max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="立项人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题清单"
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"], name="issue_status_deadline")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_on__isnull=False),
                name="issue_closed_has_date",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def overdue_on(self, today: dt.date) -> bool:
        return not self.is_closed and self.deadline is not None and self.deadline < today

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())

    @property
    def owner_label(self) -> str:
        names = [x.name for x in (self.owner_unit, self.owner_org) if x is not None]
        return "、".join(names)


class IssueEvidence(models.Model):
    """The closure's evidence file, apart from the issue so that lists never read its bytes."""

    issue = models.OneToOneField(Issue, on_delete=models.CASCADE, related_name="evidence", primary_key=True)
    data = models.BinaryField("内容")

    class Meta:
        verbose_name = "整改佐证材料"
        verbose_name_plural = "整改佐证材料"

    def __str__(self):
        return f"问题 {self.issue_id} 的佐证材料"


class IssueStep(ScopedModel):
    """One step of an issue (立项, 修改, 开始整改, 整改完成, 重新整改) with who took it and why: what the issue's
    page shows. The audit log keeps the before/after values; this is for the staff who run the list."""

    class Kind(models.TextChoices):
        CREATED = "created", "立项"
        UPDATED = "updated", "修改"
        STARTED = "started", "开始整改"
        CLOSED = "closed", "整改完成"
        REOPENED = "reopened", "重新整改"

    scope_path = "issue__org__path"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField("环节", max_length=12, choices=Kind.choices)
    on = models.DateField("日期")
    note = models.CharField("说明", max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "整改环节"
        verbose_name_plural = "整改环节"
        ordering = ["issue", "created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.on}"
