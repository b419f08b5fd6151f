from django.db import models


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


ETHNICITIES = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]
ETHNICITY_CHOICES = [(e, e) for e in ETHNICITIES]


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", "研究生"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大学专科"
    SECONDARY = "secondary", "中专"
    HIGH_SCHOOL = "high_school", "高中"
    JUNIOR = "junior", "初中及以下"


class Rank(models.TextChoices):
    """职级. ``COUNTY_RANKS`` are 县处级 and above (550 学时 per 5 years); the rest 乡科级 and below."""

    BUREAU_DEPUTY = "bureau_deputy", "厅局级副职"
    COUNTY_PRINCIPAL = "county_principal", "县处级正职"
    COUNTY_DEPUTY = "county_deputy", "县处级副职"
    TOWNSHIP_PRINCIPAL = "township_principal", "乡科级正职"
    TOWNSHIP_DEPUTY = "township_deputy", "乡科级副职"
    CLERK = "clerk", "科员"
    STAFF = "staff", "办事员"
    NONE = "none", "无"


COUNTY_RANKS = frozenset({Rank.BUREAU_DEPUTY, Rank.COUNTY_PRINCIPAL, Rank.COUNTY_DEPUTY})


class MembershipStatus(models.TextChoices):
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"


class TransferKind(models.TextChoices):
    INTERNAL = "internal", "区内转接"
    OUT = "out", "转出"
    IN = "in", "转入"
