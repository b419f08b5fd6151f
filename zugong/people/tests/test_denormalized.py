import datetime as dt

from zugong.core.testing import PersonaTestCase
from zugong.orgs.selectors import subtree_counts
from zugong.people.choices import MembershipStatus, Rank
from zugong.people.services import cadre_record_set, membership_set


class DenormalizedStatusTest(PersonaTestCase):
    """The person row carries its membership status and 区管 flag, kept in step by the services, so that
    a subtree's counts read one table."""

    def test_it_copies_the_membership_status_onto_the_person(self):
        p = self.p
        membership_set(actor=p.org_admin, person=p.carol, status=MembershipStatus.FULL,
                       join_date=dt.date(2023, 7, 1), confirmation_date=dt.date(2024, 7, 1))  # fmt: skip
        p.carol.refresh_from_db()
        self.assertEqual(p.carol.party_status, MembershipStatus.FULL)
        people = subtree_counts(p.committee)["people"]
        self.assertEqual(people, {"total": 4, "full": 4, "probationary": 0, "cadres": 1})

    def test_it_copies_the_district_managed_flag_onto_the_person(self):
        p = self.p
        cadre_record_set(actor=p.org_admin, person=p.bob, rank=Rank.TOWNSHIP_DEPUTY, post="副主任")
        p.bob.refresh_from_db()
        self.assertTrue(p.bob.is_district_cadre)
        self.assertEqual(subtree_counts(p.committee)["people"]["cadres"], 2)
        cadre_record_set(
            actor=p.org_admin, person=p.bob, rank=Rank.CLERK, post="科员", is_district_managed=False
        )
        p.bob.refresh_from_db()
        self.assertFalse(p.bob.is_district_cadre)
        self.assertEqual(subtree_counts(p.committee)["people"]["cadres"], 1)
