from django.conf import settings
from django.db import models

from zugong.core import crypto, idnumber
from zugong.core.models import ArchivableModel, ScopedModel
from zugong.core.strokes import name_key

from .choices import ETHNICITY_CHOICES, Education, MembershipStatus, Rank, Sex, TransferKind

PARTY_STATUS_CHOICES = [("", "非党员"), *MembershipStatus.choices]

# Associated data of each encrypted column (and the blind index's domain): a value copied into another
# column does not decrypt, and equal values index differently per column.
ID_NUMBER_CONTEXT = "people.person.id_number"
PHONE_CONTEXT = "people.person.phone"
HOME_ADDRESS_CONTEXT = "people.person.home_address"
HOME_ADDRESS_MAX = 200


class Person(ArchivableModel):
    """A person on the roster: a party member, a cadre, or both. ``org`` is the party organization the
    record belongs to (for a member, their branch); ``org_path`` copies its path so that scope is one
    indexed prefix match on this table, with no join."""

    scope_path = "org_path"
    scope_self = "pk"

    name = models.CharField("姓名", max_length=40)
    # Covered by the (name_stroke_key, id) index below; no index of its own.
    name_stroke_key = models.CharField("姓氏笔画排序键", max_length=140, editable=False, default="")
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    ethnicity = models.CharField("民族", max_length=10, choices=ETHNICITY_CHOICES, default="汉族")
    # Personal data (个人信息) only encrypted (SM4-GCM, keys outside the database), with a blind index
    # (HMAC-SM3) for exact search and uniqueness, and masked copies for lists, exports and the API.
    id_number_enc = models.TextField("公民身份号码（密文）", editable=False, default="")
    id_number_hash = models.CharField("公民身份号码（索引）", max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField("公民身份号码", max_length=18, editable=False, default="")
    id_tail = models.CharField("身份号码后四位", max_length=4, editable=False, default="")
    birth_date = models.DateField("出生日期", db_index=True)
    phone_enc = models.TextField("联系电话（密文）", editable=False, blank=True, default="")
    phone_hash = models.CharField("联系电话（索引）", max_length=64, editable=False, blank=True, default="")
    phone_masked = models.CharField("联系电话", max_length=20, editable=False, blank=True, default="")
    home_address_enc = models.TextField("家庭住址（密文）", editable=False, blank=True, default="")
    education = models.CharField("学历", max_length=20, choices=Education.choices, blank=True)
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name="工作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    post = models.CharField("职务", max_length=60, blank=True)
    rank = models.CharField("职级", max_length=30, choices=Rank.choices, default=Rank.NONE)
    org = models.ForeignKey(
        "orgs.Organization", verbose_name="所在党组织", on_delete=models.PROTECT, related_name="people"
    )
    org_path = models.CharField("组织路径", max_length=255, db_index=True, editable=False, default="")
    # Copies kept in step by the membership and cadre services (as org_path is by transfers), so that
    # the counts of a subtree read one table: 140 ms → 15 ms for a 党工委 of 43,000 people.
    party_status = models.CharField(
        "党员类别", max_length=16, choices=PARTY_STATUS_CHOICES, blank=True, default="", editable=False
    )
    is_district_cadre = models.BooleanField("区管干部", default=False, editable=False)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["name_stroke_key", "id"]
        indexes = [
            models.Index(fields=["name_stroke_key", "id"], name="person_stroke_id"),
            models.Index(fields=["id_tail"], name="person_id_tail"),
            # Exact lookups only: a plain index (``db_index`` would add a LIKE one on PostgreSQL too).
            models.Index(fields=["phone_hash"], name="person_phone_hash"),
            # PostgreSQL: the scope's prefix test over the people on the roll, index-only for the counts.
            # (SQLite has no covering indexes and skips this one; it uses the org_path index.)
            models.Index(
                fields=["org_path"],
                opclasses=["varchar_pattern_ops"],
                include=["party_status", "is_district_cadre"],
                condition=models.Q(archived_at__isnull=True),
                name="person_scope_on_roll",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = (self.name or "").strip()
        self.name_stroke_key = name_key(self.name)
        if self.org_id and not self.org_path:
            self.org_path = self.org.path
        super().save(*args, **kwargs)

    # column -> (context, blind-index column): what ``rotate_keys`` re-encrypts and re-indexes.
    ENCRYPTED_COLUMNS = {
        "id_number_enc": (ID_NUMBER_CONTEXT, "id_number_hash"),
        "phone_enc": (PHONE_CONTEXT, "phone_hash"),
        "home_address_enc": (HOME_ADDRESS_CONTEXT, None),
    }
    PERSONAL_DATA_COLUMNS = (
        "id_number_enc", "id_number_hash", "id_number_masked", "id_tail",
        "phone_enc", "phone_hash", "phone_masked", "home_address_enc",
    )  # fmt: skip

    # --- personal data: setters take validated, normalized values (services check them) ---------

    def set_id_number(self, number: str) -> None:
        self.id_number_enc = crypto.encrypt(number, context=ID_NUMBER_CONTEXT)
        self.id_number_hash = crypto.blind_index(number, context=ID_NUMBER_CONTEXT)
        self.id_number_masked = idnumber.mask(number)
        self.id_tail = number[-4:]

    def set_phone(self, phone: str) -> None:
        self.phone_enc = crypto.encrypt(phone, context=PHONE_CONTEXT)
        self.phone_hash = crypto.blind_index(phone, context=PHONE_CONTEXT)
        self.phone_masked = idnumber.mask_phone(phone)

    def set_home_address(self, text: str) -> None:
        self.home_address_enc = crypto.encrypt(text, context=HOME_ADDRESS_CONTEXT)

    @property
    def home_address_masked(self) -> str:
        return "已登记" if self.home_address_enc else ""

    # --- decryption: for the audited reveal (services.person_reveal) only -------------------------

    def reveal_id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc, context=ID_NUMBER_CONTEXT)

    def reveal_phone(self) -> str:
        return crypto.decrypt(self.phone_enc, context=PHONE_CONTEXT)

    def reveal_home_address(self) -> str:
        return crypto.decrypt(self.home_address_enc, context=HOME_ADDRESS_CONTEXT)

    @property
    def membership_or_none(self):
        try:
            return self.membership
        except Membership.DoesNotExist:
            return None


class Membership(ScopedModel):
    """Party membership of a person; the branch is ``person.org``."""

    scope_path = "person__org_path"
    scope_self = "person"

    person = models.OneToOneField(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="membership"
    )
    status = models.CharField("党员类别", max_length=16, choices=MembershipStatus.choices, db_index=True)
    join_date = models.DateField("入党日期")
    confirmation_date = models.DateField("转正日期", null=True, blank=True)

    class Meta:
        verbose_name = "党籍"
        verbose_name_plural = "党籍"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="probationary", confirmation_date__isnull=True)
                | models.Q(status="full"),
                name="membership_probationary_not_confirmed",
            )
        ]

    def __str__(self):
        return f"{self.person.name}（{self.get_status_display()}）"


class CadreRecord(ScopedModel):
    """干部信息: whether the district committee manages the cadre, rank, post, appointment date."""

    scope_path = "person__org_path"
    scope_self = "person"

    person = models.OneToOneField(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="cadre")
    is_district_managed = models.BooleanField("区管干部", default=True, db_index=True)
    rank = models.CharField("职级", max_length=30, choices=Rank.choices)
    post = models.CharField("现任职务", max_length=100)
    appointed_on = models.DateField("任职日期", null=True, blank=True)
    rank_since = models.DateField("任现职级日期", null=True, blank=True)

    class Meta:
        verbose_name = "干部信息"
        verbose_name_plural = "干部信息"

    def __str__(self):
        return f"{self.person.name} {self.post}"


class Transfer(ScopedModel):
    """组织关系转接: one row per move of a person between organizations, never edited."""

    scope_path = ("from_path", "to_path")
    scope_self = "person"

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="transfers"
    )
    kind = models.CharField(
        "转接类型", max_length=12, choices=TransferKind.choices, default=TransferKind.INTERNAL
    )
    from_org = models.ForeignKey(
        "orgs.Organization", verbose_name="转出组织", on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_org = models.ForeignKey(
        "orgs.Organization", verbose_name="转入组织", on_delete=models.PROTECT, related_name="transfers_in"
    )
    from_path = models.CharField(max_length=255, db_index=True, editable=False)
    to_path = models.CharField(max_length=255, db_index=True, editable=False)
    transfer_date = models.DateField("转接日期")
    reason = models.CharField("转接原因", max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["-transfer_date", "-id"]

    def __str__(self):
        return f"{self.person.name}：{self.from_org} → {self.to_org}"
