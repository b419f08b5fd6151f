from django.db import models

from zugong.core.models import ArchivableModel, ScopedModel

PATH_SEGMENT = 8  # each path segment is the organization id, zero-padded, followed by "/"


class OrgType(models.TextChoices):
    DISTRICT = "district", "区委"
    COMMITTEE = "committee", "党(工)委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    GROUP = "group", "党小组"


# Which types may sit directly under which.
ALLOWED_CHILDREN = {
    OrgType.DISTRICT: {OrgType.COMMITTEE},
    OrgType.COMMITTEE: {OrgType.COMMITTEE, OrgType.GENERAL_BRANCH, OrgType.BRANCH},
    OrgType.GENERAL_BRANCH: {OrgType.BRANCH},
    OrgType.BRANCH: {OrgType.GROUP},
    OrgType.GROUP: set(),
}

# Types to which party members belong (every member belongs to exactly one branch).
MEMBER_HOLDING_TYPES = (OrgType.BRANCH, OrgType.GENERAL_BRANCH, OrgType.COMMITTEE)


class OrgStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    DISSOLVED = "dissolved", "已撤销"


class Organization(ScopedModel):
    """A party organization. ``path`` is the materialized path of ids ("00000001/00000007/"), so a
    subtree is one indexed prefix query."""

    scope_path = "path"

    parent = models.ForeignKey(
        "self",
        verbose_name="上级党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    org_type = models.CharField("组织类别", max_length=20, choices=OrgType.choices)
    category = models.CharField(
        "细分类别", max_length=40, blank=True, help_text="如 街镇党工委、机关工委、国资委党委"
    )
    code = models.CharField("组织编码", max_length=32, unique=True)
    name = models.CharField("组织名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    secretary = models.ForeignKey(
        "people.Person",
        verbose_name="书记",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField("状态", max_length=12, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)
    path = models.CharField("路径", max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField("层级", default=1, editable=False)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]
        # db_index on path gives PostgreSQL a varchar_pattern_ops index too, used by LIKE 'prefix%'.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="active", dissolved_on__isnull=True)
                | models.Q(status="dissolved", dissolved_on__isnull=False),
                name="org_dissolved_has_date",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == OrgStatus.ACTIVE

    def segment(self) -> str:
        return f"{self.pk:0{PATH_SEGMENT}d}/"

    def ancestor_ids(self) -> list[int]:
        return [int(s) for s in self.path.strip("/").split("/") if s][:-1]

    def ancestors(self):
        return Organization.objects.filter(pk__in=self.ancestor_ids()).order_by("depth")

    def subtree(self):
        return Organization.objects.filter(path__startswith=self.path)


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", "区直部门"
    STREET = "street", "街镇"
    SOE = "soe", "区属国企"
    INSTITUTION = "institution", "事业单位"
    COMMUNITY = "community", "村/社区"
    OTHER = "other", "其他"


class Unit(ScopedModel):
    """单位: a department, street, company, institution or village; the party organization that
    covers it decides who may see it."""

    scope_path = "organization__path"

    name = models.CharField("单位名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    kind = models.CharField("单位类别", max_length=20, choices=UnitKind.choices)
    code = models.CharField("单位编码", max_length=32, unique=True)
    organization = models.ForeignKey(
        Organization, verbose_name="所属党组织", on_delete=models.PROTECT, related_name="units"
    )
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["code"]

    def __str__(self):
        return self.name


class LeadershipTeam(ScopedModel):
    """领导班子 of a unit; 区管班子 are managed by the district committee."""

    scope_path = "unit__organization__path"

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="teams")
    name = models.CharField("班子名称", max_length=100)
    is_district_managed = models.BooleanField("区管班子", default=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)

    class Meta:
        verbose_name = "领导班子"
        verbose_name_plural = "领导班子"
        ordering = ["unit__code", "name"]

    def __str__(self):
        return self.name


class TeamPosition(ArchivableModel):
    """A seat in a leadership team (书记、主任、副主任 …), held by a person or vacant. A removed seat is
    archived (kept, hidden), never deleted."""

    scope_path = "team__unit__organization__path"
    scope_self = "person"

    team = models.ForeignKey(
        LeadershipTeam, verbose_name="领导班子", on_delete=models.PROTECT, related_name="positions"
    )
    title = models.CharField("职务", max_length=60)
    person = models.ForeignKey(
        "people.Person",
        verbose_name="任职人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="team_positions",
    )
    rank = models.CharField("职级", max_length=30, blank=True)
    is_principal = models.BooleanField("正职", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    started_on = models.DateField("任职日期", null=True, blank=True)

    class Meta:
        verbose_name = "班子职位"
        verbose_name_plural = "班子职位"
        ordering = ["team", "sort_order", "id"]

    def __str__(self):
        return f"{self.team} {self.title}"
