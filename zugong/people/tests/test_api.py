"""The roster API: scope per persona, 404/403 for outsiders, writes through services, masked data."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from zugong.core import idnumber
from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase, create_person
from zugong.people.choices import MembershipStatus, Rank, TransferKind
from zugong.people.models import CadreRecord, Membership, Person, Transfer

LIST = "api-person-list"


def detail(person):
    return reverse("api-person-detail", args=[person.pk])


def action(person, name):
    return reverse(f"api-person-{name}", args=[person.pk])


class ApiTestCase(PersonaTestCase):
    client_class = APIClient

    def names(self, user, url=LIST, **params):
        self.client.force_login(user)
        response = self.client.get(reverse(url), params)
        self.assertEqual(response.status_code, 200)
        return {row.get("name") or row.get("person_name") for row in response.json()["results"]}


class PersonListTest(ApiTestCase):
    def test_it_shows_the_org_admin_everyone(self):
        self.assertEqual(self.names(self.p.org_admin), {"王小红", "李建国", "张晓梅", "赵立新", "陈志刚"})

    def test_it_shows_a_committee_secretary_the_subtree(self):
        self.assertEqual(self.names(self.p.committee_secretary), {"王小红", "李建国", "张晓梅", "陈志刚"})

    def test_it_shows_a_branch_secretary_the_branch(self):
        self.assertEqual(self.names(self.p.branch_secretary), {"王小红", "李建国"})

    def test_it_shows_a_member_only_their_own_record(self):
        self.assertEqual(self.names(self.p.member), {"王小红"})

    def test_it_shows_the_system_roles_nothing(self):
        for user in (self.p.sysadmin, self.p.secadmin, self.p.auditor):
            self.assertEqual(self.names(user), set(), user.username)

    def test_it_applies_the_page_filters(self):
        self.assertEqual(self.names(self.p.org_admin, status="probationary"), {"张晓梅"})
        self.assertEqual(self.names(self.p.org_admin, org=self.p.branch.pk), {"王小红", "李建国"})
        self.assertEqual(self.names(self.p.org_admin, district_managed="true"), {"陈志刚"})
        tail = self.p.dave.reveal_id_number()[-4:]
        self.assertEqual(self.names(self.p.org_admin, q=tail), {"赵立新"})

    def test_it_hides_archived_people_unless_asked(self):
        Person.objects.filter(pk=self.p.bob.pk).update(archived_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        self.assertEqual(self.names(self.p.branch_secretary), {"王小红"})
        self.assertEqual(self.names(self.p.branch_secretary, archived="true"), {"李建国"})

    def test_it_lists_without_a_query_per_row(self):
        self.client.force_login(self.p.org_admin)
        with CaptureQueriesContext(connection) as before:
            self.assertEqual(self.client.get(reverse(LIST)).status_code, 200)
        for i in range(10):
            number = idnumber.make("110101", dt.date(1970, 1, 1), 500 + i)
            person = create_person(
                name=f"测试{i}", org=self.p.branch, id_number=number, birth_date=dt.date(1970, 1, 1), sex="M"
            )
            Membership.objects.create(
                person=person, status=MembershipStatus.PROBATIONARY, join_date=dt.date(2020, 1, 1)
            )
            CadreRecord.objects.create(person=person, rank=Rank.CLERK, post="科员")
        with CaptureQueriesContext(connection) as after:
            response = self.client.get(reverse(LIST))
        self.assertEqual(response.json()["count"], 15)
        self.assertEqual(len(after), len(before))


class PersonMaskingTest(ApiTestCase):
    def test_it_never_returns_the_clear_id_number_or_phone(self):
        self.client.force_login(self.p.org_admin)
        for url in (reverse(LIST), detail(self.p.alice)):
            body = self.client.get(url).content.decode()
            self.assertNotIn(self.p.alice.reveal_id_number(), body)
            self.assertNotIn("13800138000", body)
        data = self.client.get(detail(self.p.alice)).json()
        self.assertEqual(data["id_number_masked"], idnumber.mask(self.p.alice.reveal_id_number()))
        self.assertEqual(data["phone_masked"], "138****8000")
        self.assertNotIn("id_number", data)
        self.assertNotIn("phone", data)
        self.assertEqual(data["birth_date"], "1985-03-08")
        self.assertEqual(data["sex"], "F")
        self.assertEqual(data["membership"]["status"], "full")


class OutsiderTest(ApiTestCase):
    """A secretary of another branch meets 404 on everything about p.alice."""

    def setUp(self):
        self.client.force_login(self.p.other_secretary)

    def test_it_hides_the_record(self):
        self.assertEqual(self.client.get(detail(self.p.alice)).status_code, 404)

    def test_it_refuses_every_write_with_404_and_changes_nothing(self):
        alice = self.p.alice
        calls = [
            ("patch", detail(alice), {"post": "x"}),
            ("post", action(alice, "archive"), {"reason": "x"}),
            ("post", action(alice, "restore"), {}),
            ("post", action(alice, "transfer"), {"to_org": self.p.other_branch.pk}),
            ("put", action(alice, "membership"), {"status": "full", "join_date": "2005-07-01"}),
            ("put", action(alice, "cadre"), {"rank": "clerk", "post": "x"}),
        ]
        for method, url, data in calls:
            response = getattr(self.client, method)(url, data, format="json")
            self.assertEqual(response.status_code, 404, url)
        self.assertFalse(AuditEvent.objects.exclude(kind=AuditEvent.Kind.EVENT).exists())
        self.assertEqual(Person.objects.get(pk=alice.pk).org_id, self.p.branch.pk)

    def test_it_cannot_create_in_a_foreign_branch(self):
        number = idnumber.make("110101", dt.date(1990, 1, 1), 700)
        response = self.client.post(
            reverse(LIST), {"org": self.p.branch.pk, "name": "外人", "id_number": number}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("org", response.json())
        self.assertFalse(Person.objects.filter(name="外人").exists())


class MemberWriteTest(ApiTestCase):
    def setUp(self):
        self.client.force_login(self.p.member)

    def test_it_lets_a_member_read_but_not_write_their_own_record(self):
        alice = self.p.alice
        self.assertEqual(self.client.get(detail(alice)).status_code, 200)
        calls = [
            ("patch", detail(alice), {"post": "x"}),
            ("post", action(alice, "archive"), {"reason": "x"}),
            ("post", action(alice, "transfer"), {"to_org": self.p.sibling_branch.pk}),
            ("put", action(alice, "membership"), {"status": "full", "join_date": "2005-07-01"}),
            ("put", action(alice, "cadre"), {"rank": "clerk", "post": "x"}),
        ]
        for method, url, data in calls:
            response = getattr(self.client, method)(url, data, format="json")
            self.assertEqual(response.status_code, 403, url)
        self.assertFalse(AuditEvent.objects.exclude(kind=AuditEvent.Kind.EVENT).exists())

    def test_it_hides_other_people_from_a_member(self):
        self.assertEqual(self.client.get(detail(self.p.bob)).status_code, 404)
        self.assertEqual(self.client.patch(detail(self.p.bob), {"post": "x"}, format="json").status_code, 404)

    def test_it_refuses_a_member_creating_people(self):
        number = idnumber.make("110101", dt.date(1990, 1, 1), 701)
        response = self.client.post(
            reverse(LIST), {"org": self.p.branch.pk, "name": "新人", "id_number": number}, format="json"
        )
        self.assertEqual(response.status_code, 403)

    def test_it_refuses_an_org_committee_member_archiving(self):
        self.client.force_login(self.p.org_committee_member)
        response = self.client.post(action(self.p.alice, "archive"), {"reason": "x"}, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertIn("权限", response.json()["detail"])


class PersonCreateTest(ApiTestCase):
    def setUp(self):
        self.client.force_login(self.p.branch_secretary)

    def test_it_creates_a_person_and_derives_birth_date_and_sex(self):
        number = idnumber.make("110101", dt.date(1992, 5, 17), 702)  # even sequence: female
        response = self.client.post(
            reverse(LIST),
            {
                "org": self.p.branch.pk,
                "name": "刘芳",
                "id_number": number,
                "phone": "13912345678",
                "sex": "M",
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertNotIn(number, response.content.decode())
        self.assertNotIn("13912345678", response.content.decode())
        data = response.json()
        self.assertEqual((data["birth_date"], data["sex"]), ("1992-05-17", "F"))
        person = Person.objects.get(pk=data["id"])
        self.assertEqual((person.reveal_id_number(), person.reveal_phone()), (number, "13912345678"))
        self.assertTrue(AuditEvent.objects.filter(kind="create", object_id=str(person.pk)).exists())

    def test_it_rejects_a_bad_check_digit_and_writes_nothing(self):
        good = idnumber.make("110101", dt.date(1992, 5, 17), 703)
        bad = good[:17] + ("0" if good[17] != "0" else "1")
        people, events = Person.objects.count(), AuditEvent.objects.count()
        response = self.client.post(
            reverse(LIST), {"org": self.p.branch.pk, "name": "刘芳", "id_number": bad}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["id_number"], ["公民身份号码校验位不正确，请核对。"])
        self.assertEqual((Person.objects.count(), AuditEvent.objects.count()), (people, events))

    def test_it_rejects_a_duplicate_id_number_with_the_service_message(self):
        response = self.client.post(
            reverse(LIST),
            {"org": self.p.branch.pk, "name": "重复", "id_number": self.p.bob.reveal_id_number()},
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["id_number"], ["该公民身份号码已登记在册，不能重复录入。"])
        self.assertNotIn(self.p.bob.reveal_id_number(), response.content.decode())

    def test_it_refuses_creating_outside_the_writers_subtree(self):
        # The sibling branch is visible to nobody in this persona's scope: the id does not resolve.
        number = idnumber.make("110101", dt.date(1990, 1, 1), 704)
        response = self.client.post(
            reverse(LIST),
            {"org": self.p.sibling_branch.pk, "name": "越权", "id_number": number},
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Person.objects.filter(name="越权").exists())


class PersonUpdateTest(ApiTestCase):
    def setUp(self):
        self.client.force_login(self.p.branch_secretary)

    def test_it_patches_through_the_service_and_audits(self):
        response = self.client.patch(
            detail(self.p.alice), {"post": "社区干事", "phone": "13700000000"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["post"], "社区干事")
        self.assertNotIn("13700000000", response.content.decode())
        event = AuditEvent.objects.get(kind=AuditEvent.Kind.UPDATE, object_id=str(self.p.alice.pk))
        self.assertEqual(event.actor_id, self.p.branch_secretary.pk)
        self.assertEqual(event.after["post"], "社区干事")
        self.assertEqual(event.after["phone_masked"], "137****0000")

    def test_it_rederives_birth_date_from_a_new_id_number(self):
        number = idnumber.make("110101", dt.date(1986, 4, 9), 705)
        response = self.client.patch(detail(self.p.alice), {"id_number": number}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["birth_date"], "1986-04-09")
        self.assertNotIn(number, response.content.decode())

    def test_it_ignores_read_only_fields(self):
        response = self.client.patch(
            detail(self.p.alice), {"org": self.p.other_branch.pk, "birth_date": "2000-01-01"}, format="json"
        )
        self.assertEqual(response.status_code, 200)
        alice = Person.objects.get(pk=self.p.alice.pk)
        self.assertEqual((alice.org_id, alice.birth_date), (self.p.branch.pk, dt.date(1985, 3, 8)))

    def test_it_returns_service_errors_in_chinese(self):
        response = self.client.patch(detail(self.p.alice), {"name": "  "}, format="json")
        self.assertEqual(response.status_code, 400)
        Person.objects.filter(pk=self.p.bob.pk).update(archived_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        response = self.client.patch(detail(self.p.bob), {"post": "x"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["non_field_errors"], ["该人员已归档，请先恢复再修改。"])

    def test_it_archives_and_restores(self):
        response = self.client.post(action(self.p.bob, "archive"), {"reason": "去世"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIsNotNone(response.json()["archived_at"])
        response = self.client.post(action(self.p.bob, "restore"), format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIsNone(response.json()["archived_at"])
        kinds = list(
            AuditEvent.objects.exclude(kind=AuditEvent.Kind.EVENT)
            .order_by("id")
            .values_list("kind", flat=True)
        )
        self.assertEqual(kinds, ["archive", "restore"])

    def test_it_sets_membership_and_cadre_record(self):
        response = self.client.put(
            action(self.p.bob, "membership"),
            {"status": "full", "join_date": "2004-07-01", "confirmation_date": "2005-07-01"},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Membership.objects.get(person=self.p.bob).join_date, dt.date(2004, 7, 1))
        response = self.client.put(
            action(self.p.bob, "membership"), {"status": "full", "join_date": "2004-07-01"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["confirmation_date"], ["正式党员须填写转正日期。"])
        response = self.client.put(
            action(self.p.bob, "cadre"), {"rank": "township_deputy", "post": "副主任"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Person.objects.get(pk=self.p.bob.pk).rank, Rank.TOWNSHIP_DEPUTY)


class PersonTransferTest(ApiTestCase):
    def test_it_transfers_within_the_subtree(self):
        self.client.force_login(self.p.committee_secretary)
        response = self.client.post(
            action(self.p.alice, "transfer"),
            {"to_org": self.p.sibling_branch.pk, "transfer_date": "2025-03-01", "reason": "工作调动"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        transfer = Transfer.objects.get(person=self.p.alice)
        self.assertEqual(response.json()["id"], transfer.pk)
        self.assertEqual(
            (transfer.kind, transfer.from_org, transfer.to_org),
            (TransferKind.INTERNAL, self.p.branch, self.p.sibling_branch),
        )
        alice = Person.objects.get(pk=self.p.alice.pk)
        self.assertEqual((alice.org, alice.org_path), (self.p.sibling_branch, self.p.sibling_branch.path))

    def test_it_transfers_out_and_the_branch_still_sees_the_record(self):
        self.client.force_login(self.p.branch_secretary)
        response = self.client.post(
            action(self.p.alice, "transfer"), {"to_org": self.p.other_branch.pk}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["kind"], "out")
        self.assertEqual(self.client.get(detail(self.p.alice)).status_code, 404)
        self.assertEqual(self.names(self.p.branch_secretary, "api-transfer-list"), {"王小红"})
        self.assertEqual(self.names(self.p.other_secretary, "api-transfer-list"), {"王小红"})

    def test_it_rejects_a_transfer_to_the_same_organization(self):
        self.client.force_login(self.p.branch_secretary)
        response = self.client.post(
            action(self.p.alice, "transfer"), {"to_org": self.p.branch.pk}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["to_org"], ["转入组织与当前所在组织相同。"])
        self.assertFalse(Transfer.objects.exists())


class TransferListTest(ApiTestCase):
    def setUp(self):
        Transfer.objects.create(
            person=self.p.dave,
            from_org=self.p.other_branch,
            to_org=self.p.other_branch,
            from_path=self.p.other_branch.path,
            to_path=self.p.other_branch.path,
            transfer_date=dt.date(2024, 1, 1),
        )

    def test_it_scopes_transfers(self):
        self.assertEqual(self.names(self.p.org_admin, "api-transfer-list"), {"赵立新"})
        self.assertEqual(self.names(self.p.other_member, "api-transfer-list"), {"赵立新"})
        self.assertEqual(self.names(self.p.committee_secretary, "api-transfer-list"), set())
        self.assertEqual(self.names(self.p.member, "api-transfer-list"), set())
        self.assertEqual(self.names(self.p.auditor, "api-transfer-list"), set())

    def test_it_hides_a_foreign_transfer(self):
        self.client.force_login(self.p.branch_secretary)
        transfer = Transfer.objects.get()
        self.assertEqual(self.client.get(reverse("api-transfer-detail", args=[transfer.pk])).status_code, 404)
