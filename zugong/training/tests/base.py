"""What the training tests share: the personas plus a login for the cadre 陈志刚 (县处级副职, 东城街道机关党支部),
a 乡科级 cadre in the other committee (赵立新 gets a cadre record), the year's default rules, and a helper that
writes entries and recomputes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from zugong.accounts.models import RoleGrant, User
from zugong.core.roles import Role
from zugong.core.testing import PASSWORD, PersonaTestCase
from zugong.people.choices import Rank
from zugong.people.models import CadreRecord

from .. import ledger
from ..models import CreditEntry, CreditYear, Source

YEAR = 2025


def add_entry(person, *, category, date=None, source=Source.MANUAL, title="培训", **fields) -> CreditEntry:
    date = date or dt.date(YEAR, 3, 1)
    return CreditEntry.objects.create(
        person=person, year=date.year, date=date, category=category, source=source, title=title, **fields
    )


def summary(person, year: int = YEAR) -> CreditYear:
    return CreditYear.objects.get(person=person, year=year)


class TrainingTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        p.cadre_user = User.objects.create_user(
            username="cadre", password=PASSWORD, display_name="陈志刚", person=p.cadre
        )
        RoleGrant.objects.create(user=p.cadre_user, role=Role.MEMBER, organization=p.sibling_branch)
        p.dave.is_district_cadre = True
        p.dave.save(update_fields=["is_district_cadre"])
        p.dave_cadre = CadreRecord.objects.create(
            person=p.dave,
            rank=Rank.TOWNSHIP_PRINCIPAL,
            post="西城街道办事处主任",
            appointed_on=dt.date(2020, 1, 1),
        )
        p.dave_user = p.other_member
        cls.rule_set = ledger.ensure_rule_set(YEAR)

    def recompute(self, year: int = YEAR, **kw):
        return ledger.recompute(year, **kw)


def d(value) -> Decimal:
    return Decimal(str(value))
