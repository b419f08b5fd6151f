"""API of the organization tree: organizations, units, leadership teams. Writes go through services."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from zugong.core.api import ScopedPrimaryKeyField, ScopedViewSetMixin
from zugong.core.roles import Action
from zugong.people.models import Person

from . import selectors, services
from .filters import OrganizationFilter, UnitFilter
from .models import LeadershipTeam, Organization, OrgType, TeamPosition, Unit

# --- serializers ---------------------------------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None)
    org_type_display = serializers.CharField(source="get_org_type_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    secretary_name = serializers.CharField(source="secretary.name", read_only=True, default=None)

    class Meta:
        model = Organization
        fields = [
            "id",
            "parent",
            "parent_name",
            "org_type",
            "org_type_display",
            "category",
            "code",
            "name",
            "short_name",
            "founded_on",
            "secretary",
            "secretary_name",
            "status",
            "status_display",
            "dissolved_on",
            "depth",
            "sort_order",
        ]
        read_only_fields = fields


class OrganizationChildSerializer(OrganizationSerializer):
    member_count = serializers.IntegerField(read_only=True, help_text="该组织及其下级组织的在册人数")

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "member_count"]
        read_only_fields = fields


class OrganizationCreateSerializer(serializers.Serializer):
    # A new root (区委) is set up by the system's installer, never through the API.
    parent = ScopedPrimaryKeyField(queryset=Organization.objects.all(), label="上级党组织")
    org_type = serializers.ChoiceField(choices=OrgType.choices, label="组织类别")
    code = serializers.CharField(max_length=32, label="组织编码")
    name = serializers.CharField(max_length=100, label="组织名称")
    short_name = serializers.CharField(max_length=40, required=False, allow_blank=True, label="简称")
    category = serializers.CharField(max_length=40, required=False, allow_blank=True, label="细分类别")
    founded_on = serializers.DateField(required=False, allow_null=True, label="成立日期")
    sort_order = serializers.IntegerField(required=False, min_value=0, label="排序")


class OrganizationUpdateSerializer(serializers.Serializer):
    org_type = serializers.ChoiceField(choices=OrgType.choices, required=False, label="组织类别")
    code = serializers.CharField(max_length=32, required=False, label="组织编码")
    name = serializers.CharField(max_length=100, required=False, label="组织名称")
    short_name = serializers.CharField(max_length=40, required=False, allow_blank=True, label="简称")
    category = serializers.CharField(max_length=40, required=False, allow_blank=True, label="细分类别")
    founded_on = serializers.DateField(required=False, allow_null=True, label="成立日期")
    secretary = ScopedPrimaryKeyField(
        queryset=Person.objects.all(), required=False, allow_null=True, label="书记"
    )
    sort_order = serializers.IntegerField(required=False, min_value=0, label="排序")


class OrganizationMoveSerializer(serializers.Serializer):
    parent = ScopedPrimaryKeyField(queryset=Organization.objects.all(), label="新的上级党组织")


class OrganizationDissolveSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, label="撤销日期", help_text="默认今天")


class OrgTypeCountSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()


class PeopleCountSerializer(serializers.Serializer):
    total = serializers.IntegerField(label="在册人员")
    full = serializers.IntegerField(label="正式党员")
    probationary = serializers.IntegerField(label="预备党员")
    cadres = serializers.IntegerField(label="区管干部")


class SubtreeCountsSerializer(serializers.Serializer):
    orgs_by_type = OrgTypeCountSerializer(many=True)
    org_total = serializers.IntegerField()
    people = PeopleCountSerializer()


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "kind_display",
            "organization",
            "organization_name",
            "archived_at",
        ]
        read_only_fields = fields


class TeamPositionSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True, default=None)

    class Meta:
        model = TeamPosition
        fields = [
            "id",
            "title",
            "person",
            "person_name",
            "rank",
            "is_principal",
            "sort_order",
            "started_on",
        ]
        read_only_fields = fields


class LeadershipTeamSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    positions = TeamPositionSerializer(many=True, read_only=True)

    class Meta:
        model = LeadershipTeam
        fields = ["id", "unit", "unit_name", "name", "is_district_managed", "archived_at", "positions"]
        read_only_fields = fields


# --- viewsets ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="党组织列表"),
    retrieve=extend_schema(summary="党组织详情"),
    create=extend_schema(
        summary="新建党组织",
        request=OrganizationCreateSerializer,
        responses={201: OrganizationSerializer},
    ),
    partial_update=extend_schema(
        summary="修改党组织", request=OrganizationUpdateSerializer, responses=OrganizationSerializer
    ),
)
@extend_schema(tags=["党组织"])
class OrganizationViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Organization.objects.select_related("parent", "secretary")
    serializer_class = OrganizationSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = OrganizationFilter
    ordering_fields = ["path", "code", "name", "sort_order"]
    ordering = ["path"]
    scope_actions = {
        "dissolve": Action.ARCHIVE,
        "restore": Action.ARCHIVE,
        "children": Action.VIEW,
        "counts": Action.VIEW,
    }

    def _respond(self, org, status_code=status.HTTP_200_OK):
        org = self.queryset.get(pk=org.pk)
        return Response(OrganizationSerializer(org, context=self.get_serializer_context()).data, status_code)

    def create(self, request, *args, **kwargs):
        data = self._input(OrganizationCreateSerializer)
        org = services.organization_create(actor=self.actor, **data)
        return self._respond(org, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        org = self.get_object()
        data = self._input(OrganizationUpdateSerializer)
        org = services.organization_update(actor=self.actor, org=org, **data)
        return self._respond(org)

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        summary="调整组织隶属（整棵子树移到新的上级之下）",
        request=OrganizationMoveSerializer,
        responses=OrganizationSerializer,
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        org = self.get_object()
        data = self._input(OrganizationMoveSerializer)
        org = services.organization_move(actor=self.actor, org=org, new_parent=data["parent"])
        return self._respond(org)

    @extend_schema(
        summary="撤销党组织", request=OrganizationDissolveSerializer, responses=OrganizationSerializer
    )
    @action(detail=True, methods=["post"])
    def dissolve(self, request, pk=None):
        org = self.get_object()
        data = self._input(OrganizationDissolveSerializer)
        on = data.get("on") or timezone.localdate()
        org = services.organization_dissolve(actor=self.actor, org=org, on=on)
        return self._respond(org)

    @extend_schema(summary="恢复已撤销的党组织", request=None, responses=OrganizationSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        org = self.get_object()
        org = services.organization_restore(actor=self.actor, org=org)
        return self._respond(org)

    @extend_schema(summary="直属下级组织（含各自在册人数）", responses=OrganizationChildSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def children(self, request, pk=None):
        org = self.get_object()
        children = selectors.children_with_counts(request.user, org)
        return Response(OrganizationChildSerializer(children, many=True).data)

    @extend_schema(summary="子树统计（组织数、党员数、区管干部数）", responses=SubtreeCountsSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def counts(self, request, pk=None):
        org = self.get_object()
        counts = selectors.subtree_counts(org)
        data = {
            "orgs_by_type": [{"label": label, "count": n} for label, n in counts["orgs_by_type"]],
            "org_total": counts["org_total"],
            "people": counts["people"],
        }
        return Response(SubtreeCountsSerializer(data).data)


@extend_schema_view(list=extend_schema(summary="单位列表"), retrieve=extend_schema(summary="单位详情"))
@extend_schema(tags=["单位"])
class UnitViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Unit.objects.select_related("organization")
    serializer_class = UnitSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = UnitFilter


@extend_schema_view(
    list=extend_schema(summary="领导班子列表（含职位）"), retrieve=extend_schema(summary="领导班子详情")
)
@extend_schema(tags=["领导班子"])
class LeadershipTeamViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = LeadershipTeam.objects.select_related("unit").prefetch_related(
        Prefetch(
            "positions",
            queryset=TeamPosition.objects.filter(archived_at__isnull=True)
            .select_related("person")
            .order_by("sort_order", "id"),
        )
    )
    serializer_class = LeadershipTeamSerializer
    filter_backends = []
