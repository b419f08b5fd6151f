"""The demo district: deterministic, valid, and with the personas the docs promise."""

import datetime as dt
from io import StringIO

from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import TestCase

from zugong.accounts.models import RoleGrant, User
from zugong.core import crypto, demo, idnumber
from zugong.core.demo.people import add_years
from zugong.core.idnumber import mask_phone
from zugong.core.roles import Role
from zugong.core.strokes import name_key
from zugong.orgs.models import (
    ALLOWED_CHILDREN,
    MEMBER_HOLDING_TYPES,
    LeadershipTeam,
    Organization,
    TeamPosition,
    Unit,
)
from zugong.people.choices import COUNTY_RANKS
from zugong.people.models import ID_NUMBER_CONTEXT, PHONE_CONTEXT, CadreRecord, Membership, Person

MEMBERS = 300
TODAY = dt.date(2026, 3, 1)
DEMO_TABLES = (
    RoleGrant,
    User,
    TeamPosition,
    LeadershipTeam,
    CadreRecord,
    Membership,
    Person,
    Unit,
    Organization,
)


def snapshot():
    return {
        "people": list(
            Person.objects.order_by("id").values_list("name", "id_number_hash", "org__code", "phone_hash")
        ),
        "orgs": list(Organization.objects.order_by("id").values_list("code", "name", "path", "secretary_id")),
        "members": list(Membership.objects.order_by("id").values_list("person_id", "join_date", "status")),
    }


def wipe():
    with connection.cursor() as cursor:  # foreign keys are checked at commit, so order does not matter
        for model in DEMO_TABLES:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


class DemoDistrictTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.counts = demo.build(members=MEMBERS, seed=7, today=TODAY)

    def test_it_builds_the_same_district_from_the_same_seed(self):
        first = snapshot()
        with transaction.atomic():
            wipe()
            demo.build(members=MEMBERS, seed=7, today=TODAY)
            self.assertEqual(snapshot(), first)
            wipe()
            demo.build(members=MEMBERS, seed=8, today=TODAY)
            self.assertNotEqual(snapshot()["people"], first["people"])
            transaction.set_rollback(True)

    def test_it_builds_the_requested_number_of_people(self):
        self.assertEqual(Person.objects.count(), MEMBERS)
        self.assertEqual(self.counts["people"], MEMBERS)

    def test_it_gives_every_person_a_valid_unique_id_number_matching_sex_and_birth(self):
        rows = list(
            Person.objects.values_list("id_number_enc", "sex", "birth_date", "id_tail", "id_number_hash")
        )
        self.assertEqual(len({r[4] for r in rows}), len(rows))
        for token, sex, birth, tail, digest in rows:
            number = crypto.decrypt(token, context=ID_NUMBER_CONTEXT)
            self.assertEqual(idnumber.parse(number), (number, birth, sex))
            self.assertEqual(tail, number[-4:])
            self.assertEqual(digest, crypto.blind_index(number, context=ID_NUMBER_CONTEXT))

    def test_it_writes_phones_encrypted_indexed_and_masked(self):
        for token, digest, masked in Person.objects.values_list("phone_enc", "phone_hash", "phone_masked"):
            phone = crypto.decrypt(token, context=PHONE_CONTEXT)
            self.assertEqual(len(phone), 11)
            self.assertEqual(
                (digest, masked), (crypto.blind_index(phone, context=PHONE_CONTEXT), mask_phone(phone))
            )

    def test_it_copies_each_org_path_onto_its_people(self):
        for org_path, path, org_type in Person.objects.values_list("org_path", "org__path", "org__org_type"):
            self.assertEqual(org_path, path)
            self.assertIn(org_type, MEMBER_HOLDING_TYPES)

    def test_it_sets_stroke_keys(self):
        for name, key in Person.objects.values_list("name", "name_stroke_key"):
            self.assertEqual(key, name_key(name))
            self.assertTrue(key)

    def test_it_builds_a_well_formed_tree(self):
        orgs = {o.pk: o for o in Organization.objects.all()}
        roots = [o for o in orgs.values() if o.parent_id is None]
        self.assertEqual([o.name for o in roots], [demo.ROOT_NAME])
        for o in orgs.values():
            parent = orgs.get(o.parent_id)
            self.assertEqual(o.path, (parent.path if parent else "") + o.segment())
            self.assertEqual(o.depth, parent.depth + 1 if parent else 1)
            if parent:
                self.assertIn(o.org_type, ALLOWED_CHILDREN[parent.org_type])
        self.assertEqual(Organization.objects.filter(org_type="committee", depth=2).count(), 3)
        self.assertTrue(Organization.objects.filter(org_type="general_branch").exists())
        self.assertTrue(Organization.objects.filter(org_type="group").exists())
        self.assertEqual(Organization.objects.values("code").distinct().count(), len(orgs))

    def test_it_gives_adults_membership_with_a_year_of_probation(self):
        rows = Membership.objects.values_list(
            "status", "join_date", "confirmation_date", "person__birth_date"
        )
        self.assertTrue(any(r[0] == "probationary" for r in rows))
        for status, joined, confirmed, birth in rows:
            self.assertGreaterEqual(idnumber.age_on(birth, joined), 18)
            self.assertLessEqual(joined, TODAY)
            if status == "probationary":
                self.assertIsNone(confirmed)
                self.assertGreater(joined, TODAY - dt.timedelta(days=366))
            else:
                self.assertEqual(confirmed, add_years(joined, 1))
                self.assertLessEqual(confirmed, TODAY)

    def test_it_seats_district_managed_cadres_in_leadership_teams(self):
        cadres = CadreRecord.objects.all()
        self.assertTrue(cadres.filter(rank__in=COUNTY_RANKS).exists())
        self.assertGreater(
            cadres.exclude(rank__in=COUNTY_RANKS).count(), cadres.filter(rank__in=COUNTY_RANKS).count()
        )
        held = set(TeamPosition.objects.filter(person__isnull=False).values_list("person_id", flat=True))
        self.assertEqual(set(cadres.values_list("person_id", flat=True)), held)
        self.assertTrue(Membership.objects.filter(person__in=held).count() == len(held))

    def test_it_keeps_the_copied_membership_and_cadre_flags_in_step(self):
        rows = Person.objects.values_list(
            "party_status", "membership__status", "is_district_cadre", "cadre__is_district_managed"
        )
        for party_status, membership_status, is_cadre, managed in rows:
            self.assertEqual(party_status, membership_status or "")
            self.assertEqual(is_cadre, bool(managed))

    def test_it_names_a_secretary_for_every_committee_and_branch(self):
        self.assertFalse(
            Organization.objects.exclude(org_type="group").filter(secretary__isnull=True).exists()
        )
        for org in Organization.objects.filter(org_type="branch").select_related("secretary"):
            self.assertEqual(org.secretary.org_id, org.pk)

    def test_it_creates_one_persona_per_role_with_the_right_grant(self):
        grants = {g.user.username: g for g in RoleGrant.objects.select_related("user", "organization")}
        self.assertEqual(set(grants), {p.username for p in demo.PERSONAS})
        root = Organization.objects.get(parent__isnull=True)
        for username in ("zzb_admin", "xitong", "anquan", "shenji"):
            self.assertEqual(grants[username].organization, root)
        roles = {u: g.role for u, g in grants.items()}
        self.assertEqual(roles["zzb_admin"], Role.ORG_ADMIN)
        self.assertEqual(
            {roles["xitong"], roles["anquan"], roles["shenji"]}, {Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR}
        )
        committee, branch = grants["dgw_shuji"].organization, grants["zb_shuji"].organization
        self.assertEqual((committee.org_type, committee.depth), ("committee", 2))
        self.assertEqual(branch.org_type, "branch")
        self.assertTrue(branch.path.startswith(committee.path))
        self.assertEqual(grants["zb_zuzhi"].organization, branch)
        self.assertEqual(grants["zb_zuzhi"].role, Role.ORG_COMMITTEE)
        self.assertEqual(grants["dangyuan"].organization, branch)
        self.assertEqual(grants["dangyuan"].role, Role.MEMBER)
        self.assertEqual(grants["dangyuan"].user.person.org, branch)
        other = grants["dangyuan2"]
        self.assertNotEqual(other.organization, branch)
        self.assertEqual(other.user.person.org, other.organization)
        self.assertEqual(committee.secretary, grants["dgw_shuji"].user.person)
        self.assertEqual(branch.secretary, grants["zb_shuji"].user.person)

    def test_it_gives_personas_the_demo_password_without_forcing_a_change(self):
        self.assertEqual(demo.PASSWORD, "Zugong#2026demo")
        for user in User.objects.all():
            validate_password(demo.PASSWORD, user)
            self.assertFalse(user.must_change_password)
        self.assertTrue(User.objects.get(username="dangyuan").check_password(demo.PASSWORD))

    def test_it_scopes_the_personas_to_their_subtrees(self):
        users = {u.username: u for u in User.objects.all()}
        self.assertEqual(Person.objects.restrict(users["zzb_admin"]).count(), MEMBERS)
        branch = RoleGrant.objects.get(user__username="zb_shuji").organization
        self.assertEqual(
            Person.objects.restrict(users["zb_shuji"]).count(), Person.objects.filter(org=branch).count()
        )
        mine = list(Person.objects.restrict(users["dangyuan"]))
        self.assertEqual(mine, [users["dangyuan"].person])
        self.assertFalse(Person.objects.restrict(users["shenji"]).exists())

    def test_it_prints_the_demo_logins(self):
        out = StringIO()
        call_command("demo_logins", stdout=out)
        text = out.getvalue()
        for persona in demo.PERSONAS:
            self.assertIn(persona.username, text)
        self.assertIn(demo.PASSWORD, text)
        self.assertIn("城关街道党工委", text)


class BuildDemoCommandTest(TestCase):
    def test_it_does_nothing_with_if_empty_on_a_second_run(self):
        call_command("build_demo", members=MEMBERS, if_empty=True, stdout=StringIO())
        before = snapshot()
        out = StringIO()
        call_command("build_demo", members=MEMBERS, if_empty=True, seed=99, stdout=out)
        self.assertIn("跳过", out.getvalue())
        self.assertEqual(snapshot(), before)

    def test_it_refuses_to_build_over_existing_data(self):
        call_command("build_demo", members=MEMBERS, stdout=StringIO())
        with self.assertRaises(CommandError):
            call_command("build_demo", members=MEMBERS, stdout=StringIO())

    def test_it_says_how_to_build_when_there_are_no_logins(self):
        out = StringIO()
        call_command("demo_logins", stdout=out)
        self.assertIn("build_demo", out.getvalue())
