"""API of the roster: persons, party membership, cadre records, transfers. Personal data leaves only
masked (公民身份号码、联系电话、家庭住址), except through the audited ``reveal`` action; writes go through
services."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zugong.core import idnumber
from zugong.core.api import ScopedPrimaryKeyField, ScopedViewSetMixin
from zugong.orgs.models import Organization, Unit

from . import services
from .choices import ETHNICITY_CHOICES, Education, MembershipStatus, Rank, TransferKind
from .filters import PersonFilter
from .models import HOME_ADDRESS_MAX, CadreRecord, Membership, Person, Transfer

# --- serializers ---------------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["status", "status_display", "join_date", "confirmation_date"]
        read_only_fields = fields


class CadreRecordSerializer(serializers.ModelSerializer):
    rank_display = serializers.CharField(source="get_rank_display", read_only=True)

    class Meta:
        model = CadreRecord
        fields = ["is_district_managed", "rank", "rank_display", "post", "appointed_on", "rank_since"]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    """A person as read: 公民身份号码 and 联系电话 only masked; birth date and sex come from the number."""

    sex_display = serializers.CharField(source="get_sex_display", read_only=True)
    id_number_masked = serializers.CharField(read_only=True, label="公民身份号码（脱敏）")
    phone_masked = serializers.CharField(read_only=True, label="联系电话（脱敏）")
    home_address_masked = serializers.CharField(read_only=True, label="家庭住址（脱敏：已登记或空）")
    education_display = serializers.CharField(source="get_education_display", read_only=True)
    rank_display = serializers.CharField(source="get_rank_display", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None)
    membership = serializers.SerializerMethodField()
    cadre = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "sex",
            "sex_display",
            "birth_date",
            "ethnicity",
            "id_number_masked",
            "phone_masked",
            "home_address_masked",
            "education",
            "education_display",
            "org",
            "org_name",
            "unit",
            "unit_name",
            "post",
            "rank",
            "rank_display",
            "membership",
            "cadre",
            "archived_at",
            "archived_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MembershipSerializer(allow_null=True))
    def get_membership(self, person):
        membership = person.membership_or_none
        return MembershipSerializer(membership).data if membership else None

    @extend_schema_field(CadreRecordSerializer(allow_null=True))
    def get_cadre(self, person):
        try:
            record = person.cadre
        except CadreRecord.DoesNotExist:
            return None
        return CadreRecordSerializer(record).data


class _PersonFieldsSerializer(serializers.Serializer):
    """The fields a person is written with; id_number, phone and home_address are accepted, never returned."""

    name = serializers.CharField(max_length=40, label="姓名")
    id_number = serializers.CharField(max_length=30, write_only=True, label="公民身份号码")
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, write_only=True, label="联系电话"
    )
    home_address = serializers.CharField(
        max_length=HOME_ADDRESS_MAX, required=False, allow_blank=True, write_only=True, label="家庭住址"
    )
    ethnicity = serializers.ChoiceField(choices=ETHNICITY_CHOICES, required=False, label="民族")
    education = serializers.ChoiceField(
        choices=Education.choices, required=False, allow_blank=True, label="学历"
    )
    unit = ScopedPrimaryKeyField(
        queryset=Unit.objects.all(), required=False, allow_null=True, label="工作单位"
    )
    post = serializers.CharField(max_length=60, required=False, allow_blank=True, label="职务")
    rank = serializers.ChoiceField(choices=Rank.choices, required=False, label="职级")

    def validate_id_number(self, value):
        # The same check the service makes, run here so that the message lands on the field.
        return idnumber.parse(value)[0]


class PersonCreateSerializer(_PersonFieldsSerializer):
    org = ScopedPrimaryKeyField(queryset=Organization.objects.all(), label="所在党组织")


class PersonUpdateSerializer(_PersonFieldsSerializer):
    """Every field optional; the organization changes only by a transfer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class PersonRevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=list(services.REVEALABLE.items()), label="字段")


class PersonRevealedSerializer(serializers.Serializer):
    field = serializers.CharField(label="字段")
    value = serializers.CharField(label="完整值")


class PersonArchiveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, label="归档原因")


class PersonTransferSerializer(serializers.Serializer):
    # The receiving organization may lie outside the actor's scope (转出); the service decides.
    to_org = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), label="转入组织")
    transfer_date = serializers.DateField(required=False, label="转接日期", help_text="默认今天")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, label="转接原因")


class MembershipSetSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MembershipStatus.choices, label="党员类别")
    join_date = serializers.DateField(label="入党日期")
    confirmation_date = serializers.DateField(required=False, allow_null=True, label="转正日期")


class CadreRecordSetSerializer(serializers.Serializer):
    rank = serializers.ChoiceField(choices=Rank.choices, label="职级")
    post = serializers.CharField(max_length=100, label="现任职务")
    is_district_managed = serializers.BooleanField(default=True, label="区管干部")
    appointed_on = serializers.DateField(required=False, allow_null=True, label="任职日期")
    rank_since = serializers.DateField(required=False, allow_null=True, label="任现职级日期")


class TransferSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    from_org_name = serializers.CharField(source="from_org.name", read_only=True)
    to_org_name = serializers.CharField(source="to_org.name", read_only=True)
    actor_name = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "person",
            "person_name",
            "kind",
            "kind_display",
            "from_org",
            "from_org_name",
            "to_org",
            "to_org_name",
            "transfer_date",
            "reason",
            "actor_name",
            "created_at",
        ]
        read_only_fields = fields


class TransferFilter(django_filters.FilterSet):
    person = django_filters.NumberFilter(label="人员", field_name="person_id")
    kind = django_filters.ChoiceFilter(label="转接类型", choices=TransferKind.choices)

    class Meta:
        model = Transfer
        fields = ["person", "kind"]


# --- viewsets ------------------------------------------------------------------------------------

PERSON_QUERYSET = Person.objects.select_related("org", "unit", "membership", "cadre")


@extend_schema_view(
    list=extend_schema(summary="人员列表（与页面相同的筛选条件）"),
    retrieve=extend_schema(summary="人员详情"),
    create=extend_schema(
        summary="新增人员", request=PersonCreateSerializer, responses={201: PersonSerializer}
    ),
    partial_update=extend_schema(
        summary="修改人员信息", request=PersonUpdateSerializer, responses=PersonSerializer
    ),
)
@extend_schema(tags=["人员"])
class PersonViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = PERSON_QUERYSET
    serializer_class = PersonSerializer
    # PersonFilter orders the list itself (``sort``: 姓氏笔画 by default), as on the page.
    filter_backends = [DjangoFilterBackend]
    filterset_class = PersonFilter
    scope_actions = {"membership": "change", "cadre": "change", "reveal": "change"}

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _respond(self, person, status_code=status.HTTP_200_OK):
        person = PERSON_QUERYSET.get(pk=person.pk)
        return Response(PersonSerializer(person, context=self.get_serializer_context()).data, status_code)

    def create(self, request, *args, **kwargs):
        data = self._input(PersonCreateSerializer)
        person = services.person_create(actor=self.actor, **data)
        return self._respond(person, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        data = self._input(PersonUpdateSerializer)
        person = services.person_update(actor=self.actor, person=person, **data)
        return self._respond(person)

    @extend_schema(
        summary="显示完整的个人信息（记入审计日志）",
        request=PersonRevealSerializer,
        responses=PersonRevealedSerializer,
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        person = self.get_object()
        field = self._input(PersonRevealSerializer)["field"]
        value = services.person_reveal(actor=self.actor, person=person, field=field)
        response = Response({"field": field, "value": value})
        add_never_cache_headers(response)
        return response

    @extend_schema(summary="归档人员", request=PersonArchiveSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        person = self.get_object()
        data = self._input(PersonArchiveSerializer)
        person = services.person_archive(actor=self.actor, person=person, reason=data["reason"])
        return self._respond(person)

    @extend_schema(summary="恢复已归档人员", request=None, responses=PersonSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        person = self.get_object()
        person = services.person_restore(actor=self.actor, person=person)
        return self._respond(person)

    @extend_schema(
        summary="组织关系转接", request=PersonTransferSerializer, responses={201: TransferSerializer}
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        person = self.get_object()
        data = self._input(PersonTransferSerializer)
        transfer = services.person_transfer(
            actor=self.actor,
            person=person,
            to_org=data["to_org"],
            transfer_date=data.get("transfer_date") or timezone.localdate(),
            reason=data.get("reason", ""),
        )
        transfer = Transfer.objects.select_related("person", "from_org", "to_org", "actor").get(
            pk=transfer.pk
        )
        return Response(TransferSerializer(transfer).data, status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记或更正党籍信息", request=MembershipSetSerializer, responses=MembershipSerializer
    )
    @action(detail=True, methods=["put"])
    def membership(self, request, pk=None):
        person = self.get_object()
        data = self._input(MembershipSetSerializer)
        membership = services.membership_set(actor=self.actor, person=person, **data)
        return Response(MembershipSerializer(membership).data)

    @extend_schema(
        summary="登记或更正干部信息", request=CadreRecordSetSerializer, responses=CadreRecordSerializer
    )
    @action(detail=True, methods=["put"])
    def cadre(self, request, pk=None):
        person = self.get_object()
        data = self._input(CadreRecordSetSerializer)
        record = services.cadre_record_set(actor=self.actor, person=person, **data)
        return Response(CadreRecordSerializer(record).data)


@extend_schema_view(
    list=extend_schema(summary="组织关系转接记录"), retrieve=extend_schema(summary="转接记录详情")
)
@extend_schema(tags=["组织关系转接"])
class TransferViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Transfer.objects.select_related("person", "from_org", "to_org", "actor")
    serializer_class = TransferSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TransferFilter
