"""Personas for tests: a small district with two 党工委, their branches, people, and one user per role.

class MyTest(PersonaTestCase):
    def test_it_hides_other_branch(self):
        self.client.force_login(self.p.branch_secretary)

Everyone's phone is 13800138000 and home address ``HOME_ADDRESS``; ID numbers are stored encrypted, so a
test reads one with ``person.reveal_id_number()``.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.test import TestCase

from zugong.core import idnumber
from zugong.core.roles import Role

PASSWORD = "Zugong#2026demo"
HOME_ADDRESS = "示范区东城街道和平路18号2单元301室"


def create_person(*, id_number: str, phone: str = "", home_address: str = "", **fields):
    """Save a Person whose personal data goes through the model's setters (encrypted, indexed, masked)."""
    from zugong.people.models import Person

    person = Person(**fields)
    if not person.org_path and person.org_id:
        person.org_path = person.org.path
    person.set_id_number(id_number)
    person.set_phone(phone)
    person.set_home_address(home_address)
    person.save()
    return person


def build_personas() -> SimpleNamespace:
    from zugong.accounts.models import RoleGrant, User
    from zugong.orgs.models import LeadershipTeam, Organization, OrgType, TeamPosition, Unit, UnitKind
    from zugong.people.choices import MembershipStatus, Rank, Sex
    from zugong.people.models import CadreRecord, Membership

    p = SimpleNamespace()

    def org(parent, org_type, code, name):
        o = Organization.objects.create(
            parent=parent,
            org_type=org_type,
            code=code,
            name=name,
            short_name=name[:8],
            depth=(parent.depth + 1) if parent else 1,
            founded_on=dt.date(2000, 7, 1),
        )
        o.path = (parent.path if parent else "") + o.segment()
        o.save(update_fields=["path"])
        return o

    p.district = org(None, OrgType.DISTRICT, "T00", "示范区委")
    p.committee = org(p.district, OrgType.COMMITTEE, "T01", "东城街道党工委")
    p.general_branch = org(p.committee, OrgType.GENERAL_BRANCH, "T0101", "东城社区党总支")
    p.branch = org(p.general_branch, OrgType.BRANCH, "T010101", "东城社区第一党支部")
    p.group = org(p.branch, OrgType.GROUP, "T01010101", "第一党小组")
    p.sibling_branch = org(p.committee, OrgType.BRANCH, "T0102", "东城街道机关党支部")
    p.other_committee = org(p.district, OrgType.COMMITTEE, "T02", "西城街道党工委")
    p.other_branch = org(p.other_committee, OrgType.BRANCH, "T0201", "西城社区党支部")

    p.unit = Unit.objects.create(
        name="东城街道办事处", kind=UnitKind.STREET, code="U01", organization=p.committee
    )
    p.other_unit = Unit.objects.create(
        name="西城街道办事处", kind=UnitKind.STREET, code="U02", organization=p.other_committee
    )
    p.team = LeadershipTeam.objects.create(unit=p.unit, name="东城街道领导班子")
    p.other_team = LeadershipTeam.objects.create(unit=p.other_unit, name="西城街道领导班子")

    seq = iter(range(1, 1000))

    def person(name, org_, sex=Sex.MALE, birth=dt.date(1980, 1, 1), status=MembershipStatus.FULL, **kw):
        number = idnumber.make("110101", birth, next(seq) * 2 + (1 if sex == Sex.MALE else 0))
        x = create_person(
            id_number=number,
            phone="13800138000",
            home_address=HOME_ADDRESS,
            name=name,
            org=org_,
            birth_date=birth,
            sex=sex,
            unit=kw.pop("unit", None),
            **kw,
        )
        if status:
            x.party_status = status
            x.save(update_fields=["party_status"])
            Membership.objects.create(
                person=x,
                status=status,
                join_date=dt.date(2005, 7, 1),
                confirmation_date=dt.date(2006, 7, 1) if status == MembershipStatus.FULL else None,
            )
        return x

    p.alice = person("王小红", p.branch, Sex.FEMALE, dt.date(1985, 3, 8), unit=p.unit)
    p.bob = person("李建国", p.branch, unit=p.unit, post="科员", rank=Rank.CLERK)
    p.carol = person(
        "张晓梅", p.sibling_branch, Sex.FEMALE, dt.date(1990, 6, 1), status=MembershipStatus.PROBATIONARY
    )
    p.dave = person("赵立新", p.other_branch, unit=p.other_unit)
    p.cadre = person("陈志刚", p.sibling_branch, unit=p.unit, post="街道党工委书记", rank=Rank.COUNTY_DEPUTY)
    p.cadre.is_district_cadre = True
    p.cadre.save(update_fields=["is_district_cadre"])
    CadreRecord.objects.create(
        person=p.cadre, rank=Rank.COUNTY_DEPUTY, post="街道党工委书记", appointed_on=dt.date(2021, 3, 1)
    )
    TeamPosition.objects.create(team=p.team, title="党工委书记", person=p.cadre, is_principal=True)
    TeamPosition.objects.create(team=p.other_team, title="党工委书记", person=p.dave, is_principal=True)

    def user(username, role, org_, person_=None):
        u = User.objects.create_user(
            username=username, password=PASSWORD, display_name=username, person=person_
        )
        RoleGrant.objects.create(user=u, role=role, organization=org_)
        return u

    p.org_admin = user("org_admin", Role.ORG_ADMIN, p.district)
    p.committee_secretary = user("committee_secretary", Role.SECRETARY, p.committee)
    p.branch_secretary = user("branch_secretary", Role.SECRETARY, p.branch)
    p.org_committee_member = user("org_committee_member", Role.ORG_COMMITTEE, p.branch)
    p.member = user("member", Role.MEMBER, p.branch, p.alice)
    p.other_member = user("other_member", Role.MEMBER, p.other_branch, p.dave)
    p.other_secretary = user("other_secretary", Role.SECRETARY, p.other_branch)
    p.sysadmin = user("sysadmin", Role.SYSADMIN, p.district)
    p.secadmin = user("secadmin", Role.SECADMIN, p.district)
    p.auditor = user("auditor", Role.AUDITOR, p.district)
    return p


class PersonaTestCase(TestCase):
    """Django TestCase with ``self.p`` holding the personas (built once per class)."""

    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()

    def login(self, user):
        self.client.force_login(user)
        return self.client
