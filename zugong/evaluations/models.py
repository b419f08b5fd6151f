"""测评: an evaluation (a form copied from a template, subjects, voter classes with weights, a window, test or
live mode), its one-time codes (only a keyed hash is kept) and its ballots.

Anonymous means unlinkable: ``BallotCode`` keeps no time and no reference to a ballot; ``Ballot`` and ``Answer``
have random UUID keys, no voter, no code and no time finer than the day (they do not inherit ``ScopedModel``,
whose time stamps are to the microsecond). They are read only through their evaluation, which is scoped."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from zugong.core.models import ArchivableModel, ScopedModel

from .builtins import Kind


class FormTemplate(ArchivableModel):
    """A form of the department's own (测评表), typed one item a line (``spec.parse_lines``); an evaluation
    copies it when created, so a later edit does not change a vote under way."""

    scope_path = "org__path"

    org = models.ForeignKey(
        "orgs.Organization", verbose_name="所属组织", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("测评表名称", max_length=100)
    kind = models.CharField("适用类型", max_length=20, choices=Kind.choices)
    spec = models.JSONField("测评表")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "测评表"
        verbose_name_plural = "测评表"
        ordering = ["kind", "name", "id"]

    def __str__(self):
        return self.name


class Evaluation(ArchivableModel):
    class Mode(models.TextChoices):
        TEST = "test", "试用"
        LIVE = "live", "正式"

    scope_path = "org__path"

    org = models.ForeignKey(
        "orgs.Organization", verbose_name="组织单位", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("测评名称", max_length=200)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    spec = models.JSONField("测评表")
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("截止时间")
    mode = models.CharField("状态", max_length=8, choices=Mode.choices, default=Mode.TEST)
    note = models.CharField("说明", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "测评"
        verbose_name_plural = "测评"
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="evaluation_window"
            )
        ]

    def __str__(self):
        return self.title


class Subject(ScopedModel):
    """Who or what is evaluated: a cadre, a team, an organization, or the department itself."""

    class Kind(models.TextChoices):
        PERSON = "person", "干部"
        TEAM = "team", "领导班子"
        ORG = "org", "党组织"
        DEPARTMENT = "department", "组织部门"

    scope_path = "evaluation__org__path"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="subjects")
    kind = models.CharField("对象类型", max_length=12, choices=Kind.choices)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "orgs.LeadershipTeam", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField("名称", max_length=200)
    position = models.PositiveSmallIntegerField("顺序", default=0)
    # 述职评议: the department's scores of the written and the on-site report ({"written": "88.00", …}).
    scores = models.JSONField("述职得分", default=dict, blank=True)

    class Meta:
        verbose_name = "测评对象"
        verbose_name_plural = "测评对象"
        ordering = ["evaluation", "position", "id"]

    def __str__(self):
        return self.label


class VoterClass(ScopedModel):
    """参评人员类别 (分管领导, 班子成员, 干部职工代表 …) with its weight and the number expected to vote."""

    scope_path = "evaluation__org__path"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="voter_classes")
    name = models.CharField("类别", max_length=50)
    weight = models.DecimalField("权重", max_digits=6, decimal_places=2, default=1)
    expected = models.PositiveIntegerField("应参评人数", default=0)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "参评人员类别"
        verbose_name_plural = "参评人员类别"
        ordering = ["evaluation", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "name"], name="voter_class_once")]

    def __str__(self):
        return self.name


class CodeBatch(ScopedModel):
    """A batch of one-time codes for one voter class (the slips printed from it)."""

    scope_path = "evaluation__org__path"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="batches")
    voter_class = models.ForeignKey(VoterClass, on_delete=models.PROTECT, related_name="batches")
    count = models.PositiveIntegerField("数量")
    shuffled = models.BooleanField("已打乱顺序", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "测评码批次"
        verbose_name_plural = "测评码批次"
        ordering = ["-created_at", "-id"]


class BallotCode(models.Model):
    """One code: only its keyed hash, and whether it is unused, used or void — no time, no ballot."""

    class State(models.TextChoices):
        UNUSED = "unused", "未使用"
        USED = "used", "已使用"
        VOID = "void", "已作废"

    batch = models.ForeignKey(CodeBatch, on_delete=models.PROTECT, related_name="codes")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="+")
    voter_class = models.ForeignKey(VoterClass, on_delete=models.PROTECT, related_name="+")
    code_hash = models.CharField("测评码摘要", max_length=64, unique=True)
    state = models.CharField("状态", max_length=8, choices=State.choices, default=State.UNUSED)

    class Meta:
        verbose_name = "测评码"
        verbose_name_plural = "测评码"
        indexes = [models.Index(fields=["evaluation", "voter_class", "state"], name="ballotcode_state")]

    def __str__(self):
        return f"测评码 {self.code_hash[:8]}…（{self.get_state_display()}）"


class Ballot(models.Model):
    """An anonymous ballot: random key, the class of voter, the day — nothing else about the voter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="+")
    voter_class = models.ForeignKey(VoterClass, on_delete=models.PROTECT, related_name="+")
    cast_on = models.DateField("投票日期")
    is_test = models.BooleanField("试用票", default=False)

    class Meta:
        verbose_name = "选票"
        verbose_name_plural = "选票"
        indexes = [models.Index(fields=["evaluation", "is_test"], name="ballot_evaluation")]

    def __str__(self):
        return f"选票 {self.cast_on}"


class Answer(models.Model):
    """One answer of a ballot for one subject and item: a chosen option (one row per option of a
    multiple choice), a number (rating) or a text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="answers")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    item = models.CharField("题目", max_length=40)
    option = models.CharField("选项", max_length=40, blank=True)
    number = models.PositiveSmallIntegerField("评分", null=True)
    text = models.TextField("文字意见", blank=True)

    class Meta:
        verbose_name = "答案"
        verbose_name_plural = "答案"
        indexes = [models.Index(fields=["evaluation", "subject", "item"], name="answer_tally")]

    def __str__(self):
        return f"{self.item}: {self.option or self.number or self.text[:20]}"


from .models_opinions import *  # noqa: E402, F403
