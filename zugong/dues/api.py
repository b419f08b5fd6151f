"""API of 党费: the ledger (read, with the page's filters), payments (read; create through
``services.payment_record``; prepayments, their approval, voluntary payments and reversals as actions),
and the members' dues categories and income bases (read). Reductions, lapse cases, reminders and the
reports are in ``api_more``. Money is integer fen; a month is the date of its first day (a filter or a
write also takes "2025-03")."""

from __future__ import annotations

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zugong.core.api import ScopedActionPermission, ScopedPrimaryKeyField, ScopedViewSetMixin
from zugong.core.roles import Action
from zugong.core.scope import can
from zugong.people.models import Person

from . import rules, services
from .filters import LedgerFilter, PaymentFilter
from .models import DuesProfile, IncomeBase, LedgerEntry, Payment
from .money import MAX_FEN

# --- serializers -------------------------------------------------------------------------------------


class LedgerEntrySerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    owed_fen = serializers.IntegerField(read_only=True, label="欠交（分）")
    status = serializers.SerializerMethodField(label="交纳状态")

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "person",
            "person_name",
            "org",
            "org_name",
            "month",
            "category",
            "category_display",
            "base_fen",
            "amount_fen",
            "paid_fen",
            "owed_fen",
            "status",
            "missing_base",
            "reduction",
            "rule_set",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["paid", "owed", "missing"]))
    def get_status(self, entry) -> str:
        if entry.missing_base:
            return "missing"
        return "owed" if entry.owed_fen else "paid"


class AllocationSerializer(serializers.Serializer):
    month = serializers.DateField(source="entry.month", read_only=True)
    amount_fen = serializers.IntegerField(read_only=True)


class PaymentSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    recorded_by_name = serializers.CharField(source="recorded_by.username", read_only=True, default=None)
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "receipt_no",
            "person",
            "person_name",
            "org",
            "org_name",
            "kind",
            "kind_display",
            "method",
            "method_display",
            "reference",
            "amount_fen",
            "paid_on",
            "first_month",
            "months",
            "to_centre",
            "status",
            "status_display",
            "reverses",
            "note",
            "approved_at",
            "approval_note",
            "recorded_by_name",
            "allocations",
            "created_at",
        ]
        read_only_fields = fields


class MonthField(serializers.DateField):
    """A month: "2025-03" or any date in it, as the date of its first day."""

    def to_internal_value(self, value):
        if isinstance(value, str) and len(value.strip()) == 7:
            value = value.strip() + "-01"
        return rules.month_start(super().to_internal_value(value))


class PaymentCreateSerializer(serializers.Serializer):
    person = ScopedPrimaryKeyField(queryset=Person.objects.all(), label="党员")
    months = serializers.ListField(child=MonthField(), allow_empty=False, max_length=24, label="交纳月份")
    amount_fen = serializers.IntegerField(min_value=1, max_value=MAX_FEN, label="金额（分）")
    paid_on = serializers.DateField(required=False, label="交纳日期", help_text="默认今天")
    method = serializers.ChoiceField(choices=Payment.Method.choices, label="交纳方式")
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, label="流水号/凭证号")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, label="备注")


class PrepayRequestSerializer(serializers.Serializer):
    person = ScopedPrimaryKeyField(queryset=Person.objects.all(), label="党员")
    first_month = MonthField(label="起始月份", help_text="不早于本月")
    months = serializers.IntegerField(label="预交月数", help_text="2–3 个月")
    amount_fen = serializers.IntegerField(min_value=1, max_value=MAX_FEN, label="预交金额（分）")
    paid_on = serializers.DateField(required=False, label="交纳日期", help_text="默认今天")
    method = serializers.ChoiceField(choices=Payment.Method.choices, label="交纳方式")
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, label="流水号/凭证号")


class VoluntarySerializer(serializers.Serializer):
    person = ScopedPrimaryKeyField(queryset=Person.objects.all(), label="党员")
    amount_fen = serializers.IntegerField(min_value=1, max_value=MAX_FEN, label="金额（分）")
    paid_on = serializers.DateField(required=False, label="交纳日期", help_text="默认今天")
    method = serializers.ChoiceField(choices=Payment.Method.choices, label="交纳方式")
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, label="流水号/凭证号")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, label="备注")


class DecideSerializer(serializers.Serializer):
    """The committee above: approve, or not (then with a reason)."""

    approve = serializers.BooleanField(label="是否批准")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, label="审批意见")


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, label="冲正原因")


class DuesPermission(ScopedActionPermission):
    """As ``ScopedActionPermission``, and the viewset's ``create_actions`` (list-level writes) need the
    ``add`` action somewhere too."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if getattr(view, "action", None) in getattr(view, "create_actions", ()):
            return can(request.user, Action.ADD, model=view.queryset.model)
        return True


class DuesProfileSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = DuesProfile
        fields = ["id", "person", "person_name", "category", "category_display", "note", "updated_at"]
        read_only_fields = fields


class IncomeBaseSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = IncomeBase
        fields = ["id", "person", "person_name", "effective_month", "base_fen", "note", "created_at"]
        read_only_fields = fields


# --- viewsets ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="党费台账（与页面相同的筛选条件：month、org、status、q、sort）"),
    retrieve=extend_schema(summary="党费台账记录"),
)
@extend_schema(tags=["党费"])
class LedgerEntryViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = LedgerEntry.objects.select_related("person", "org")
    serializer_class = LedgerEntrySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LedgerFilter


PAYMENT_QUERYSET = Payment.objects.select_related("person", "org", "recorded_by").prefetch_related(
    "allocations__entry"
)


@extend_schema_view(
    list=extend_schema(summary="党费交纳记录"),
    retrieve=extend_schema(summary="党费交纳记录详情"),
    create=extend_schema(
        summary="登记交纳（按月全额交纳所选月份，金额须等于欠交合计）",
        request=PaymentCreateSerializer,
        responses={201: PaymentSerializer},
    ),
    prepay=extend_schema(
        summary="按季预交申请（2–3 个月，待上级党组织审批）",
        request=PrepayRequestSerializer,
        responses={201: PaymentSerializer},
    ),
    voluntary=extend_schema(
        summary="自愿多交党费（单笔 1000 元及以上上缴中央）",
        request=VoluntarySerializer,
        responses={201: PaymentSerializer},
    ),
    decide=extend_schema(
        summary="审批预交申请（上级党组织）", request=DecideSerializer, responses=PaymentSerializer
    ),
    reverse=extend_schema(
        summary="冲正（返回冲正记录）", request=ReverseSerializer, responses={201: PaymentSerializer}
    ),
)
@extend_schema(tags=["党费"])
class PaymentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = PAYMENT_QUERYSET.order_by("-paid_on", "-id")
    serializer_class = PaymentSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PaymentFilter
    permission_classes = [DuesPermission]
    create_actions = ("prepay", "voluntary")
    scope_actions = {
        "prepay": Action.ADD,
        "voluntary": Action.ADD,
        "decide": Action.CHANGE,
        "reverse": Action.CHANGE,
    }

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _respond(self, payment, status_code=status.HTTP_200_OK):
        return Response(PaymentSerializer(PAYMENT_QUERYSET.get(pk=payment.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        data = self._input(PaymentCreateSerializer)
        data.setdefault("paid_on", timezone.localdate())
        payment = services.payment_record(actor=self.actor, **data)
        return self._respond(payment, status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"])
    def prepay(self, request):
        data = self._input(PrepayRequestSerializer)
        data.setdefault("paid_on", timezone.localdate())
        payment = services.prepay_request(actor=self.actor, **data)
        return self._respond(payment, status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"])
    def voluntary(self, request):
        data = self._input(VoluntarySerializer)
        data.setdefault("paid_on", timezone.localdate())
        payment = services.voluntary_record(actor=self.actor, **data)
        return self._respond(payment, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        payment = self.get_object()
        data = self._input(DecideSerializer)
        payment = services.prepay_decide(actor=self.actor, payment=payment, **data)
        return self._respond(payment)

    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        payment = self.get_object()
        reason = self._input(ReverseSerializer)["reason"]
        reversal = services.payment_reverse(actor=self.actor, payment=payment, reason=reason)
        return self._respond(reversal, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="党员党费交纳类别"), retrieve=extend_schema(summary="交纳类别")
)
@extend_schema(tags=["党费"])
class DuesProfileViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = DuesProfile.objects.select_related("person").order_by("person_id")
    serializer_class = DuesProfileSerializer
    filterset_fields = ["person", "category"]


@extend_schema_view(list=extend_schema(summary="党员收入基数"), retrieve=extend_schema(summary="收入基数"))
@extend_schema(tags=["党费"])
class IncomeBaseViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = IncomeBase.objects.select_related("person").order_by("person_id", "-effective_month")
    serializer_class = IncomeBaseSerializer
    filterset_fields = ["person"]
