"""Forms of the organization pages. They only shape and validate input; the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from zugong.core.forms import BootstrapMixin, DateInput
from zugong.people.choices import Rank
from zugong.people.models import Person

from .models import ALLOWED_CHILDREN, Organization, OrgType, UnitKind

CHOICE_LIMIT = 300


def person_label(p: Person) -> str:
    return f"{p.name}（身份号码尾号 {p.id_tail}）" if p.id_tail else p.name


def cap_choices(field: forms.ModelChoiceField, shown, current=None, label=str) -> None:
    """Validate against the field's full queryset but list only the first CHOICE_LIMIT of ``shown``
    (plus the current value): a select of a whole district's roster would be useless and slow."""
    items = list(shown[:CHOICE_LIMIT])
    if current is not None and all(o.pk != current.pk for o in items):
        items.insert(0, current)
    field.widget.choices = [("", "——请选择——")] + [(o.pk, label(o)) for o in items]


class SortOrderField(forms.IntegerField):
    """排序: left blank, it is 0."""

    def __init__(self, **kwargs):
        super().__init__(label="排序", min_value=0, initial=0, required=False, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return 0 if value is None else value


class OrganizationForm(BootstrapMixin, forms.Form):
    org_type = forms.ChoiceField(label="组织类别", choices=OrgType.choices)
    code = forms.CharField(label="组织编码", max_length=32)
    name = forms.CharField(label="组织名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=40, required=False)
    category = forms.CharField(
        label="细分类别", max_length=40, required=False, help_text="如 街镇党工委、机关工委、国资委党委"
    )
    founded_on = forms.DateField(label="成立日期", required=False, widget=DateInput)
    sort_order = SortOrderField()
    secretary = forms.ModelChoiceField(
        label="书记",
        queryset=Person.objects.none(),
        required=False,
        help_text="列出本组织及直属下级组织的在册人员。",
    )

    def __init__(
        self,
        *args,
        user,
        parent: Organization | None,
        org: Organization | None = None,
        choose_parent: bool = False,
        **kw,
    ):
        super().__init__(*args, **kw)
        self.org = org
        if parent is not None:
            allowed = ALLOWED_CHILDREN[OrgType(parent.org_type)]
            self.fields["org_type"].choices = [(v, lbl) for v, lbl in OrgType.choices if v in allowed]
        elif choose_parent:
            # Which type fits under which parent is the service's rule; its message names the clash.
            self.fields["org_type"].choices = [
                (v, lbl) for v, lbl in OrgType.choices if v != OrgType.DISTRICT
            ]
            holders = [t for t, kids in ALLOWED_CHILDREN.items() if kids]
            parents = Organization.objects.restrict(user, "add").filter(status="active", org_type__in=holders)
            field = forms.ModelChoiceField(label="上级党组织", queryset=parents)
            field.error_messages["invalid_choice"] = "所选上级党组织不存在、已撤销或不在您的授权范围内。"
            self.fields = {"parent": field, **self.fields}
            field.widget.attrs["class"] = "form-select"
            cap_choices(field, parents.order_by("path"), label=lambda o: f"{o.name}（{o.code}）")
        if org is None:
            del self.fields["secretary"]
            return
        people = Person.objects.restrict(user, "view").filter(archived_at__isnull=True)
        field = self.fields["secretary"]
        field.error_messages["invalid_choice"] = "所选人员不存在、已归档或不在您的授权范围内。"
        # The sitting secretary stays a valid choice even if their record lies outside the editor's scope.
        field.queryset = people | Person.objects.filter(pk=org.secretary_id) if org.secretary_id else people
        shown = people.filter(org_path__startswith=org.path, org__depth__lte=org.depth + 1)
        cap_choices(field, shown, current=org.secretary if org.secretary_id else None, label=person_label)


class MoveForm(BootstrapMixin, forms.Form):
    new_parent = forms.ModelChoiceField(label="新的上级党组织", queryset=Organization.objects.none())

    def __init__(self, *args, targets, shown, **kw):
        super().__init__(*args, **kw)
        field = self.fields["new_parent"]
        field.queryset = targets
        field.error_messages["invalid_choice"] = "所选组织不能作为新的上级党组织。"
        cap_choices(field, shown, label=lambda o: f"{o.name}（{o.code}，{o.get_org_type_display()}）")


class DissolveForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label="撤销日期", widget=DateInput)
    confirm = forms.BooleanField(
        label="我已核实该组织的下级组织和在册人员均已处理，确认撤销。",
        error_messages={"required": "请勾选确认后再撤销。"},
    )

    def __init__(self, *args, **kw):
        kw.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kw)


class UnitForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="单位名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=40, required=False)
    kind = forms.ChoiceField(label="单位类别", choices=UnitKind.choices)
    code = forms.CharField(label="单位编码", max_length=32)
    organization = forms.ModelChoiceField(label="所属党组织", queryset=Organization.objects.none())

    def __init__(self, *args, orgs, current=None, **kw):
        super().__init__(*args, **kw)
        field = self.fields["organization"]
        field.queryset = orgs
        field.error_messages["invalid_choice"] = "所选党组织不存在或不在您的授权范围内。"
        cap_choices(field, orgs.order_by("path"), current=current, label=lambda o: f"{o.name}（{o.code}）")


class TeamForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label="班子名称", max_length=100)
    is_district_managed = forms.BooleanField(label="区管班子", required=False, initial=True)


class PositionForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label="职务", max_length=60, help_text="如 党工委书记、主任、副主任")
    person = forms.ModelChoiceField(
        label="任职人",
        queryset=Person.objects.none(),
        required=False,
        help_text="列出本单位的在册人员；留空表示职位空缺。",
    )
    rank = forms.ChoiceField(label="职级", choices=[("", "——请选择——"), *Rank.choices], required=False)
    is_principal = forms.BooleanField(label="正职", required=False)
    sort_order = SortOrderField()
    started_on = forms.DateField(label="任职日期", required=False, widget=DateInput)

    def __init__(self, *args, user, unit, current=None, **kw):
        super().__init__(*args, **kw)
        people = Person.objects.restrict(user, "view").filter(archived_at__isnull=True)
        if current is not None:
            # The sitting holder stays a valid choice even if their record lies outside the editor's scope.
            people = people | Person.objects.filter(pk=current.pk)
        field = self.fields["person"]
        field.queryset = people
        field.error_messages["invalid_choice"] = "所选人员不存在、已归档或不在您的授权范围内。"
        cap_choices(field, people.filter(unit=unit), current=current, label=person_label)
