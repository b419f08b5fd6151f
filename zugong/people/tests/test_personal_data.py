"""个人信息保护: ID number, phone and home address only encrypted at rest, masked everywhere, found by
blind index, revealed in clear only to those who may change the person, and every reveal audited."""

from __future__ import annotations

import io

import openpyxl
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from zugong.core import crypto, idnumber
from zugong.core.models import AuditEvent
from zugong.core.testing import HOME_ADDRESS, PersonaTestCase
from zugong.people import services
from zugong.people.models import ID_NUMBER_CONTEXT, Person

PHONE = "13800138000"


def raw_row(person: Person) -> str:
    """Every column of the person's row as the database holds it, joined."""
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [person.pk])
        return "|".join(str(v) for v in cursor.fetchone())


class AtRestTest(PersonaTestCase):
    def test_it_stores_no_clear_id_number_phone_or_address(self):
        row = raw_row(self.p.alice)
        number = self.p.alice.reveal_id_number()
        self.assertNotIn(number, row)
        self.assertNotIn(number[:14], row)  # not even the birthplace and birth date in one piece
        self.assertNotIn(PHONE, row)
        self.assertNotIn(HOME_ADDRESS, row)
        self.assertNotIn("和平路", row)
        self.assertIn(idnumber.mask(number), row)
        self.assertIn("138****8000", row)

    def test_it_keeps_the_clear_columns_out_of_the_table(self):
        columns = {c.name for c in connection.introspection.get_table_description(
            connection.cursor(), Person._meta.db_table
        )}  # fmt: skip
        self.assertFalse({"id_number", "phone", "home_address"} & columns)
        self.assertTrue({"id_number_enc", "id_number_hash", "phone_enc", "home_address_enc"} <= columns)

    def test_it_encrypts_through_the_service_and_binds_each_column(self):
        person = services.person_update(
            actor=self.p.branch_secretary, person=self.p.bob, phone="139 1234 5678", home_address=" 新 地址 "
        )
        self.assertEqual(person.reveal_phone(), "13912345678")
        self.assertEqual(person.reveal_home_address(), "新 地址")
        self.assertEqual(person.phone_masked, "139****5678")
        # A ciphertext copied into another column does not decrypt there.
        with self.assertRaises(crypto.DecryptionError):
            crypto.decrypt(person.phone_enc, context=ID_NUMBER_CONTEXT)
        self.assertNotIn("13912345678", raw_row(person))

    def test_it_rejects_a_duplicate_id_number_through_the_blind_index(self):
        number = self.p.dave.reveal_id_number()
        with self.assertRaises(ValidationError) as caught:
            services.person_create(actor=self.p.org_admin, org=self.p.branch, name="重复", id_number=number)
        self.assertEqual(
            caught.exception.message_dict["id_number"], ["该公民身份号码已登记在册，不能重复录入。"]
        )
        self.assertEqual(Person.objects.filter(name="重复").count(), 0)

    def test_it_keeps_personal_data_out_of_the_audit_log(self):
        services.person_update(
            actor=self.p.branch_secretary, person=self.p.bob, phone="13912345678", home_address="秘密路1号"
        )
        event = AuditEvent.objects.filter(kind="update", object_id=str(self.p.bob.pk)).latest("id")
        text = str(event.before) + str(event.after)
        self.assertNotIn("13912345678", text)
        self.assertNotIn("秘密路", text)


class MaskedEverywhereTest(PersonaTestCase):
    def test_it_shows_only_masked_values_on_the_list_detail_and_edit_pages(self):
        self.login(self.p.branch_secretary)
        number = self.p.alice.reveal_id_number()
        for name in ("people:list", "people:detail", "people:edit"):
            url = reverse(name) if name == "people:list" else reverse(name, args=[self.p.alice.pk])
            with self.subTest(page=name):
                body = self.client.get(url).content.decode()
                self.assertNotIn(number, body)
                self.assertNotIn(PHONE, body)
                self.assertNotIn(HOME_ADDRESS, body)
                self.assertIn(idnumber.mask(number), body)

    def test_it_shows_the_home_address_as_registered_on_the_detail_page(self):
        self.login(self.p.branch_secretary)
        body = self.client.get(reverse("people:detail", args=[self.p.alice.pk])).content.decode()
        self.assertIn("已登记", body)
        self.assertIn("138****8000", body)
        self.assertIn("显示完整号码", body)

    def test_it_offers_no_reveal_to_a_member_on_their_own_page(self):
        self.login(self.p.member)
        body = self.client.get(reverse("people:detail", args=[self.p.alice.pk])).content.decode()
        self.assertIn(self.p.alice.id_number_masked, body)
        self.assertNotIn("显示完整", body)

    def test_it_exports_masked_values(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(reverse("people:export"))
        content = b"".join(response.streaming_content)
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        cells = [str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c]
        self.assertIn(self.p.alice.id_number_masked, cells)
        self.assertIn("138****8000", cells)
        text = "\n".join(cells)
        self.assertNotIn(self.p.alice.reveal_id_number(), text)
        self.assertNotIn(PHONE, text)

    def test_it_returns_masked_values_from_the_api(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(reverse("api-person-detail", args=[self.p.alice.pk]))
        data = response.json()
        self.assertEqual(data["id_number_masked"], self.p.alice.id_number_masked)
        self.assertEqual(data["phone_masked"], "138****8000")
        self.assertEqual(data["home_address_masked"], "已登记")
        body = response.content.decode()
        for clear in (self.p.alice.reveal_id_number(), PHONE, HOME_ADDRESS):
            self.assertNotIn(clear, body)

    def test_it_accepts_a_home_address_through_the_api(self):
        self.login(self.p.branch_secretary)
        response = self.client.patch(
            reverse("api-person-detail", args=[self.p.bob.pk]),
            {"home_address": "示范区西城路2号"},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("西城路", response.content.decode())
        self.assertEqual(Person.objects.get(pk=self.p.bob.pk).reveal_home_address(), "示范区西城路2号")


class SearchTest(PersonaTestCase):
    def names(self, q):
        self.login(self.p.org_admin)
        return self.client.get(reverse("api-person-list"), {"q": q}).json()["results"]

    def test_it_finds_a_person_by_the_full_id_number(self):
        found = self.names(self.p.carol.reveal_id_number())
        self.assertEqual([r["name"] for r in found], ["张晓梅"])

    def test_it_finds_by_the_tail_of_the_id_number(self):
        found = self.names(self.p.carol.id_tail)
        self.assertIn("张晓梅", [r["name"] for r in found])

    def test_it_finds_by_the_full_phone_number(self):
        services.person_update(actor=self.p.org_admin, person=self.p.dave, phone="13612345678")
        self.assertEqual([r["name"] for r in self.names("136 1234 5678")], ["赵立新"])
        self.assertEqual(self.names("13612345679"), [])


class RevealTest(PersonaTestCase):
    def reveal(self, user, field="id_number", person=None):
        self.login(user)
        return self.client.post(
            reverse("people:reveal", args=[(person or self.p.alice).pk]),
            {"field": field},
            HTTP_HX_REQUEST="true",
        )

    def test_it_reveals_the_full_number_to_the_branch_secretary_and_audits_it(self):
        response = self.reveal(self.p.branch_secretary)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.p.alice.reveal_id_number())
        self.assertIn("no-store", response["Cache-Control"])
        event = AuditEvent.objects.filter(event="reveal").latest("id")
        self.assertEqual(
            (event.actor_id, event.object_type, event.object_id, event.detail),
            (self.p.branch_secretary.pk, "people.person", str(self.p.alice.pk), {"field": "id_number"}),
        )
        self.assertNotIn(self.p.alice.reveal_id_number(), str(event.detail) + event.object_repr)

    def test_it_reveals_phone_and_home_address(self):
        self.assertContains(self.reveal(self.p.org_committee_member, "phone"), PHONE)
        self.assertContains(self.reveal(self.p.org_admin, "home_address"), HOME_ADDRESS)
        fields = list(
            AuditEvent.objects.filter(event="reveal").order_by("id").values_list("detail", flat=True)
        )
        self.assertEqual(fields, [{"field": "phone"}, {"field": "home_address"}])

    def test_it_refuses_everyone_who_may_not_change_the_person(self):
        for persona, status in (
            ("other_secretary", 404),
            ("other_member", 404),
            ("member", 403),
            ("sysadmin", 404),
            ("secadmin", 404),
            ("auditor", 404),
        ):
            with self.subTest(persona=persona):
                response = self.reveal(getattr(self.p, persona))
                self.assertEqual(response.status_code, status)
                self.assertNotIn(self.p.alice.reveal_id_number(), response.content.decode())
        self.assertFalse(AuditEvent.objects.filter(event="reveal").exists())

    def test_it_refuses_a_get_and_an_unknown_field(self):
        self.login(self.p.branch_secretary)
        url = reverse("people:reveal", args=[self.p.alice.pk])
        self.assertEqual(self.client.get(url, {"field": "id_number"}).status_code, 405)
        self.assertEqual(self.reveal(self.p.branch_secretary, field="name").status_code, 400)
        self.assertFalse(AuditEvent.objects.filter(event="reveal").exists())

    def test_it_reveals_through_the_api_with_the_same_rules(self):
        url = reverse("api-person-reveal", args=[self.p.alice.pk])
        self.login(self.p.branch_secretary)
        response = self.client.post(url, {"field": "phone"}, content_type="application/json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"field": "phone", "value": PHONE})
        self.assertIn("no-store", response["Cache-Control"])
        self.assertTrue(
            AuditEvent.objects.filter(event="reveal", actor_id=self.p.branch_secretary.pk).exists()
        )
        for persona, status in (
            ("other_secretary", 404),
            ("member", 403),
            ("sysadmin", 404),
            ("auditor", 404),
        ):
            with self.subTest(persona=persona):
                self.login(getattr(self.p, persona))
                response = self.client.post(url, {"field": "id_number"}, content_type="application/json")
                self.assertEqual(response.status_code, status)
        self.login(self.p.branch_secretary)
        bad = self.client.post(url, {"field": "name"}, content_type="application/json")
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(AuditEvent.objects.filter(event="reveal").count(), 1)
