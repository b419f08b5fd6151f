"""星期四学习日 and 三会一课: study plans and their dates, sessions of every kind with their expected
attendees, attendance (sign-in by a rotating code, or marked by the organizer), leave requests, notes and
reflections with their review, reminders, and the district's required frequencies.

Records of a session are scoped by the session's organization (``org_path``, copied so that a member's later
transfer leaves the history where it was held); a member sees their own rows (``scope_self``). Spot checks are
in ``models_checks``, the materials library in ``models_materials``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from zugong.core.models import ArchivableModel, ScopedModel

from .choices import SessionKind
from .models_checks import Requirement, SpotCheck, SpotCheckItem
from .models_materials import Material, MaterialCopy, MaterialFile

__all__ = [
    "Attendance",
    "LeaveRequest",
    "Material",
    "MaterialCopy",
    "MaterialFile",
    "PlanItem",
    "Reminder",
    "Requirement",
    "Session",
    "SessionFile",
    "SessionKind",
    "SpotCheck",
    "SpotCheckItem",
    "StudyPlan",
    "Submission",
    "SubmissionFile",
]


def _user_fk(label: str, related_name: str = "+"):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
    )


class StudyPlan(ArchivableModel):
    """学习计划 of an organization for a year, or for one quarter of it: its items are the dates (every
    Thursday by default, moved off days that are not working days) with a topic and materials."""

    scope_path = "org__path"

    org = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField(
        "季度",
        null=True,
        blank=True,
        choices=[(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")],
    )
    title = models.CharField("计划名称", max_length=200)
    weekday = models.PositiveSmallIntegerField(
        "学习日",
        default=4,
        choices=[(1, "星期一"), (2, "星期二"), (3, "星期三"), (4, "星期四"), (5, "星期五")],
        help_text="默认每周四；遇节假日顺延至下一个工作日",
    )
    note = models.TextField("说明", blank=True)
    created_by = _user_fk("制定人")

    class Meta:
        verbose_name = "学习计划"
        verbose_name_plural = "学习计划"
        ordering = ["-year", "quarter", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "year", "quarter"],
                condition=Q(archived_at__isnull=True, quarter__isnull=False),
                name="studyplan_one_per_quarter",
            ),
            models.UniqueConstraint(
                fields=["org", "year"],
                condition=Q(archived_at__isnull=True, quarter__isnull=True),
                name="studyplan_one_per_year",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def period_label(self) -> str:
        return f"{self.year}年" + (f"第{self.quarter}季度" if self.quarter else "")


class PlanItem(ScopedModel):
    """One date of a plan: ``date`` is the day the study is held; ``scheduled`` the plan's weekday it
    replaces when that day was not a working day (equal otherwise)."""

    scope_path = "plan__org__path"

    plan = models.ForeignKey(
        StudyPlan, verbose_name="学习计划", on_delete=models.CASCADE, related_name="items"
    )
    date = models.DateField("学习日期")
    scheduled = models.DateField("原定日期")
    topic = models.CharField("学习主题", max_length=200, blank=True)
    materials = models.TextField("学习材料", blank=True)

    class Meta:
        verbose_name = "学习安排"
        verbose_name_plural = "学习安排"
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["plan", "date"], name="planitem_plan_date")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.topic}".strip()

    @property
    def moved(self) -> bool:
        return self.date != self.scheduled


class Session(ArchivableModel):
    """One meeting or study session of an organization. Its expected attendees are rows of ``Attendance``
    (written at once from the roster, or from a chosen list). Sign-in codes are not stored: each 30-second
    code is an HMAC of the session and the time slot (``signin``). Archiving a session is cancelling it."""

    scope_path = "org_path"

    class Expected(models.TextChoices):
        MEMBERS = "members", "本组织全体党员"
        CHOSEN = "chosen", "指定人员"

    org = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField("组织路径", max_length=255, db_index=True, editable=False)
    kind = models.CharField("类型", max_length=24, choices=SessionKind.choices)
    title = models.CharField("主题", max_length=200)
    plan_item = models.ForeignKey(
        PlanItem,
        verbose_name="学习计划安排",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    organizer = models.CharField("主持人/组织者", max_length=100, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    late_after = models.PositiveSmallIntegerField(
        "迟到界限（分钟）", default=10, help_text="开始后超过此分钟数签到记为迟到"
    )
    signin_before = models.PositiveSmallIntegerField(
        "提前签到（分钟）", default=30, help_text="开始前多少分钟起可以签到"
    )
    expected_mode = models.CharField(
        "应到人员", max_length=10, choices=Expected.choices, default=Expected.MEMBERS
    )
    agenda = models.TextField("议程", blank=True)
    minutes = models.TextField("会议记录", blank=True)
    needs_notes = models.BooleanField("需交笔记和心得", default=True)
    closed_at = models.DateTimeField("考勤结束时间", null=True, blank=True)
    created_by = _user_fk("登记人")

    class Meta:
        verbose_name = "会议活动"
        verbose_name_plural = "会议活动"
        ordering = ["-starts_at", "-id"]
        indexes = [
            # The compliance count: sessions held by organization, kind and time.
            models.Index(fields=["org", "kind", "starts_at"], name="session_org_kind_start"),
            models.Index(fields=["starts_at"], name="session_starts_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_window")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"

    def signin_opens_at(self):
        return self.starts_at - timezone.timedelta(minutes=self.signin_before)

    def is_signin_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.closed_at is None
            and self.archived_at is None
            and self.signin_opens_at() <= now <= self.ends_at
        )

    def has_ended(self, now=None) -> bool:
        return (now or timezone.now()) > self.ends_at or self.closed_at is not None


class SessionFile(ScopedModel):
    """An attachment of a session (agenda, minutes scan, photos): type sniffed and size checked on upload."""

    scope_path = "session__org_path"

    session = models.ForeignKey(
        Session, verbose_name="会议活动", on_delete=models.CASCADE, related_name="files"
    )
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    data = models.BinaryField("内容")
    uploaded_by = _user_fk("上传人")

    class Meta:
        verbose_name = "会议附件"
        verbose_name_plural = "会议附件"
        ordering = ["id"]

    def __str__(self):
        return self.name


class Attendance(ScopedModel):
    """One expected attendee of a session and how they attended. One row per (session, person): a second
    sign-in changes nothing. ``expected`` after the session's end counts as absent (and is written as
    ``absent`` when the organizer closes the attendance)."""

    scope_path = "org_path"
    scope_self = "person"

    class Status(models.TextChoices):
        EXPECTED = "expected", "未签到"
        PRESENT = "present", "出席"
        LATE = "late", "迟到"
        LEAVE = "leave", "请假"
        ABSENT = "absent", "缺席"

    class Method(models.TextChoices):
        CODE = "code", "签到码"
        ORGANIZER = "organizer", "组织者登记"
        LEAVE = "leave", "请假批准"
        CLOSE = "close", "结束考勤"

    session = models.ForeignKey(
        Session, verbose_name="会议活动", on_delete=models.CASCADE, related_name="attendance"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    org_path = models.CharField("组织路径", max_length=255, editable=False)
    status = models.CharField("出勤", max_length=10, choices=Status.choices, default=Status.EXPECTED)
    method = models.CharField("方式", max_length=10, choices=Method.choices, blank=True)
    signed_at = models.DateTimeField("签到时间", null=True, blank=True)
    marked_by = _user_fk("登记人")
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "考勤"
        verbose_name_plural = "考勤"
        ordering = ["session", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="attendance_once")]
        indexes = [
            models.Index(fields=["person", "session"], name="attendance_person"),
            models.Index(fields=["org_path"], name="attendance_org_path"),
        ]

    def __str__(self):
        return f"{self.session_id}/{self.person_id} {self.get_status_display()}"

    @property
    def effective_status(self) -> str:
        """The status as reports count it: not signed in after the end is absent."""
        if self.status == self.Status.EXPECTED and self.session.has_ended():
            return self.Status.ABSENT
        return self.status


class LeaveRequest(ScopedModel):
    """请假: a member asks before (or during) a session; the secretary approves (attendance becomes 请假) or
    refuses with a reason."""

    scope_path = "org_path"
    scope_self = "person"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未批准"
        WITHDRAWN = "withdrawn", "已撤回"

    session = models.ForeignKey(
        Session, verbose_name="会议活动", on_delete=models.CASCADE, related_name="leave_requests"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField("组织路径", max_length=255, editable=False, db_index=True)
    reason = models.CharField("请假事由", max_length=300)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = _user_fk("申请人")
    decided_by = _user_fk("审批人")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    comment = models.CharField("审批意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "请假"
        verbose_name_plural = "请假"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=Q(status__in=["submitted", "approved"]),
                name="leave_one_open",
            )
        ]

    def __str__(self):
        return f"{self.person} 请假（{self.get_status_display()}）"


class Submission(ScopedModel):
    """有笔记、有体会: a member's notes and reflection for a session, with an optional photo or PDF of handwritten
    notes. The secretary marks it reviewed or returns it with a comment; a returned one is handed in again."""

    scope_path = "org_path"
    scope_self = "person"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审阅"
        REVIEWED = "reviewed", "已审阅"
        RETURNED = "returned", "已退回"

    session = models.ForeignKey(
        Session, verbose_name="会议活动", on_delete=models.CASCADE, related_name="submissions"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField("组织路径", max_length=255, editable=False, db_index=True)
    notes = models.TextField("学习笔记", blank=True)
    reflection = models.TextField("心得体会")
    file_name = models.CharField("附件", max_length=200, blank=True)
    file_type = models.CharField("附件类型", max_length=100, blank=True)
    file_size = models.PositiveIntegerField("附件大小", default=0)
    file_sha256 = models.CharField("附件 SHA-256", max_length=64, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    reviewed_by = _user_fk("审阅人")
    reviewed_at = models.DateTimeField("审阅时间", null=True, blank=True)
    comment = models.CharField("审阅意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "笔记与心得"
        verbose_name_plural = "笔记与心得"
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="submission_once")]
        indexes = [models.Index(fields=["person", "submitted_at"], name="submission_person")]

    def __str__(self):
        return f"{self.person}：{self.session.title}"


class SubmissionFile(models.Model):
    """The bytes of a submission's photo or PDF (kept apart so lists never read them)."""

    submission = models.OneToOneField(
        Submission, verbose_name="笔记与心得", on_delete=models.CASCADE, related_name="file"
    )
    data = models.BinaryField("内容")

    class Meta:
        verbose_name = "笔记附件"
        verbose_name_plural = "笔记附件"

    def __str__(self):
        return f"{self.submission_id}"


class Reminder(ScopedModel):
    """A reminder to a member who has not handed in notes and a reflection (shown on their own page; no SMS
    gateway on the intranet)."""

    scope_path = "org_path"
    scope_self = "person"

    session = models.ForeignKey(
        Session, verbose_name="会议活动", on_delete=models.CASCADE, related_name="reminders"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField("组织路径", max_length=255, editable=False, db_index=True)
    sent_by = _user_fk("提醒人")
    sent_at = models.DateTimeField("提醒时间", default=timezone.now)
    text = models.CharField("内容", max_length=300)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "笔记催交提醒"
        verbose_name_plural = "笔记催交提醒"
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return self.text
