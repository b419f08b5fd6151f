"""One person's pages: detail, create, edit, membership, cadre record; scope gives 404/403."""

import datetime as dt

from django.urls import reverse

from zugong.core import idnumber
from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase
from zugong.people.choices import MembershipStatus, Rank
from zugong.people.models import CadreRecord, Membership, Person

VALID_NEW = idnumber.make("110105", dt.date(1992, 5, 20), 37)  # 17th digit 7: a man


def writes():
    """Audit rows of writes (logins are business events and do not count)."""
    return AuditEvent.objects.exclude(kind=AuditEvent.Kind.EVENT).count()


def url(name, person):
    return reverse(f"people:{name}", args=[person.pk])


class DetailTest(PersonaTestCase):
    def test_it_shows_all_fields_masked(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(url("detail", self.p.bob))
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        self.assertIn("李建国", body)
        self.assertIn(self.p.bob.id_number_masked, body)
        self.assertNotIn(self.p.bob.reveal_id_number(), body)
        self.assertIn("138****8000", body)
        self.assertIn("东城社区第一党支部", body)
        self.assertIn("正式党员", body)
        self.assertIn("东城街道办事处", body)

    def test_it_shows_the_age_from_the_birth_date(self):
        self.login(self.p.branch_secretary)
        body = self.client.get(url("detail", self.p.alice)).content.decode()
        age = idnumber.age_on(dt.date(1985, 3, 8), dt.date.today())
        self.assertIn(f"（{age}岁）", body)

    def test_it_shows_cadre_record_and_team_positions(self):
        self.login(self.p.committee_secretary)
        body = self.client.get(url("detail", self.p.cadre)).content.decode()
        self.assertIn("区管干部", body)
        self.assertIn("县处级副职", body)
        self.assertIn("东城街道领导班子 · 党工委书记", body)

    def test_it_offers_only_the_allowed_actions(self):
        self.login(self.p.branch_secretary)
        body = self.client.get(url("detail", self.p.bob)).content.decode()
        for name in ("edit", "membership", "cadre", "transfer", "archive"):
            self.assertIn(url(name, self.p.bob), body)
        # 组织委员 may change and transfer but not archive.
        self.login(self.p.org_committee_member)
        body = self.client.get(url("detail", self.p.bob)).content.decode()
        self.assertIn(url("edit", self.p.bob), body)
        self.assertNotIn(url("archive", self.p.bob), body)
        # A member sees their own record with no action at all.
        self.login(self.p.member)
        body = self.client.get(url("detail", self.p.alice)).content.decode()
        for name in ("edit", "membership", "cadre", "transfer", "archive"):
            self.assertNotIn(url(name, self.p.alice), body)

    def test_it_shows_the_archived_banner(self):
        Person.objects.filter(pk=self.p.bob.pk).update(
            archived_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC), archived_reason="出党"
        )
        self.login(self.p.branch_secretary)
        body = self.client.get(url("detail", self.p.bob)).content.decode()
        self.assertIn("该人员已于", body)
        self.assertIn("原因：出党", body)
        self.assertIn(url("restore", self.p.bob), body)
        self.assertNotIn(url("edit", self.p.bob), body)


class OutOfScopeTest(PersonaTestCase):
    NAMES = ("detail", "edit", "membership", "cadre", "transfer", "archive", "restore")

    def test_it_returns_404_to_another_branch(self):
        for user in (self.p.other_secretary, self.p.other_member):
            self.login(user)
            for name in self.NAMES:
                self.assertEqual(self.client.get(url(name, self.p.alice)).status_code, 404, (user, name))
                if name != "detail":  # the detail page is read-only: a POST is 405 before any lookup
                    self.assertEqual(
                        self.client.post(url(name, self.p.alice), {}).status_code, 404, (user, name)
                    )

    def test_it_lets_a_member_see_only_their_own_record(self):
        self.login(self.p.member)
        self.assertEqual(self.client.get(url("detail", self.p.alice)).status_code, 200)
        self.assertEqual(self.client.get(url("detail", self.p.bob)).status_code, 404)
        self.assertEqual(self.client.get(url("edit", self.p.alice)).status_code, 403)
        self.assertEqual(self.client.get(url("transfer", self.p.alice)).status_code, 403)
        self.assertEqual(self.client.get(reverse("people:create")).status_code, 403)

    def test_it_forbids_archiving_to_an_org_committee_member(self):
        self.login(self.p.org_committee_member)
        self.assertEqual(self.client.post(url("archive", self.p.bob), {"reason": "x"}).status_code, 403)
        self.assertIsNone(Person.objects.get(pk=self.p.bob.pk).archived_at)


class CreateTest(PersonaTestCase):
    def post(self, user, **data):
        self.login(user)
        fields = {
            "org": self.p.branch.pk,
            "name": "周新",
            "id_number": VALID_NEW,
            "ethnicity": "汉族",
            "rank": Rank.NONE,
            "phone": "13912345678",
        }
        fields.update(data)
        return self.client.post(reverse("people:create"), fields)

    def test_it_creates_a_person_with_sex_and_birth_from_the_id_number(self):
        response = self.post(self.p.branch_secretary, sex="F", birth_date="2000-01-01")
        person = Person.objects.get(name="周新")
        self.assertRedirects(response, url("detail", person))
        self.assertEqual((person.sex, person.birth_date), ("M", dt.date(1992, 5, 20)))
        self.assertEqual(person.org, self.p.branch)
        self.assertEqual(person.org_path, self.p.branch.path)
        event = AuditEvent.objects.get(kind="create", object_type="people.person", object_id=str(person.pk))
        self.assertEqual(event.after["id_number_masked"], idnumber.mask(VALID_NEW))

    def test_it_prefills_the_org_from_the_query_string(self):
        self.login(self.p.committee_secretary)
        body = self.client.get(reverse("people:create"), {"org": self.p.sibling_branch.pk}).content.decode()
        self.assertIn(f'value="{self.p.sibling_branch.pk}" id="org-chosen" checked', body)

    def test_it_shows_the_checksum_message_and_writes_nothing(self):
        bad = VALID_NEW[:17] + ("0" if VALID_NEW[17] != "0" else "1")
        before = (Person.objects.count(), writes())
        response = self.post(self.p.branch_secretary, id_number=bad)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "公民身份号码校验位不正确，请核对。")
        self.assertEqual((Person.objects.count(), writes()), before)

    def test_it_rejects_a_duplicate_id_number(self):
        before = Person.objects.count()
        # The same number typed in full-width digits with a space is still the same number.
        full_width = " ".join(self.p.dave.reveal_id_number()).translate(
            str.maketrans("0123456789", "０１２３４５６７８９")
        )
        response = self.post(self.p.branch_secretary, id_number=full_width)
        self.assertContains(response, "该公民身份号码已登记在册，不能重复录入。")
        self.assertEqual(Person.objects.count(), before)

    def test_it_refuses_an_org_outside_the_scope(self):
        before = Person.objects.count()
        response = self.post(self.p.branch_secretary, org=self.p.other_branch.pk)
        self.assertContains(response, "所选党组织不在您的授权范围内，或不能接收党员。")
        self.assertEqual(Person.objects.count(), before)

    def test_it_refuses_a_party_group_as_the_org(self):
        response = self.post(self.p.branch_secretary, org=self.p.group.pk)
        self.assertContains(response, "所选党组织不在您的授权范围内，或不能接收党员。")

    def test_it_requires_a_name_and_a_valid_phone(self):
        response = self.post(self.p.branch_secretary, name="", phone="12ab")
        self.assertContains(response, "请填写姓名。")
        self.assertContains(response, "联系电话格式不正确")
        self.assertFalse(Person.objects.filter(id_number_masked=idnumber.mask(VALID_NEW)).exists())


class EditTest(PersonaTestCase):
    def data(self, **kw):
        base = {
            "name": "李建国",
            "ethnicity": "回族",
            "rank": Rank.CLERK,
            "post": "科员",
            "unit": self.p.unit.pk,
        }
        base.update(kw)
        return base

    def test_it_changes_fields_and_keeps_the_id_number_when_left_blank(self):
        self.login(self.p.branch_secretary)
        response = self.client.post(url("edit", self.p.bob), self.data(id_number="", phone=""))
        self.assertRedirects(response, url("detail", self.p.bob))
        bob = Person.objects.get(pk=self.p.bob.pk)
        self.assertEqual(bob.ethnicity, "回族")
        self.assertEqual(bob.reveal_id_number(), self.p.bob.reveal_id_number())
        self.assertEqual(bob.reveal_phone(), "13800138000")
        event = AuditEvent.objects.filter(kind="update", object_id=str(bob.pk)).latest("id")
        self.assertEqual(event.after, {"ethnicity": "回族"})

    def test_it_rederives_sex_and_birth_date_from_a_corrected_number(self):
        self.login(self.p.branch_secretary)
        new = idnumber.make("110101", dt.date(1979, 12, 1), 40)  # 17th digit 0: a woman
        self.client.post(url("edit", self.p.bob), self.data(id_number=new))
        bob = Person.objects.get(pk=self.p.bob.pk)
        self.assertEqual((bob.reveal_id_number(), bob.birth_date, bob.sex), (new, dt.date(1979, 12, 1), "F"))

    def test_it_does_not_show_the_full_id_number_in_the_form(self):
        self.login(self.p.branch_secretary)
        body = self.client.get(url("edit", self.p.bob)).content.decode()
        self.assertNotIn(self.p.bob.reveal_id_number(), body)
        self.assertIn(self.p.bob.id_number_masked, body)

    def test_it_shows_a_bad_date_in_the_number_and_writes_nothing(self):
        self.login(self.p.branch_secretary)
        first17 = "11010119801301001"  # month 13
        before = writes()
        response = self.client.post(
            url("edit", self.p.bob), self.data(id_number=first17 + idnumber.check_char(first17))
        )
        self.assertContains(response, "公民身份号码中的出生日期（第7–14位）不是有效日期。")
        self.assertEqual(writes(), before)
        self.assertEqual(Person.objects.get(pk=self.p.bob.pk).ethnicity, "汉族")

    def test_it_refuses_to_edit_an_archived_person(self):
        Person.objects.filter(pk=self.p.bob.pk).update(archived_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        self.login(self.p.branch_secretary)
        response = self.client.post(url("edit", self.p.bob), self.data())
        self.assertContains(response, "该人员已归档，请先恢复再修改。")
        self.assertEqual(Person.objects.get(pk=self.p.bob.pk).ethnicity, "汉族")


class MembershipAndCadreTest(PersonaTestCase):
    def test_it_confirms_a_probationary_member(self):
        self.login(self.p.committee_secretary)
        response = self.client.post(
            url("membership", self.p.carol),
            {"status": MembershipStatus.FULL, "join_date": "2015-07-01", "confirmation_date": "2016-07-01"},
        )
        self.assertRedirects(response, url("detail", self.p.carol))
        m = Membership.objects.get(person=self.p.carol)
        self.assertEqual((m.status, m.confirmation_date), ("full", dt.date(2016, 7, 1)))
        self.assertTrue(
            AuditEvent.objects.filter(object_type="people.membership", object_id=str(m.pk)).exists()
        )

    def test_it_shows_the_services_rule_on_the_form(self):
        self.login(self.p.committee_secretary)
        response = self.client.post(
            url("membership", self.p.carol), {"status": MembershipStatus.FULL, "join_date": "2015-07-01"}
        )
        self.assertContains(response, "正式党员须填写转正日期。")
        self.assertEqual(Membership.objects.get(person=self.p.carol).status, "probationary")

    def test_it_refuses_joining_before_18(self):
        self.login(self.p.committee_secretary)
        # 张晓梅 was born 1990-06-01: 18 on 2008-06-01.
        response = self.client.post(
            url("membership", self.p.carol),
            {"status": MembershipStatus.PROBATIONARY, "join_date": "2007-06-01"},
        )
        self.assertContains(response, "入党时应年满十八周岁。")

    def test_it_records_a_cadre_record_and_copies_rank_and_post(self):
        self.login(self.p.branch_secretary)
        response = self.client.post(
            url("cadre", self.p.bob),
            {
                "is_district_managed": "on",
                "rank": Rank.TOWNSHIP_DEPUTY,
                "post": "副科长",
                "appointed_on": "2023-01-01",
            },
        )
        self.assertRedirects(response, url("detail", self.p.bob))
        record = CadreRecord.objects.get(person=self.p.bob)
        self.assertTrue(record.is_district_managed)
        bob = Person.objects.get(pk=self.p.bob.pk)
        self.assertEqual((bob.rank, bob.post), (Rank.TOWNSHIP_DEPUTY, "副科长"))

    def test_it_refuses_membership_and_cadre_changes_of_an_archived_person(self):
        Person.objects.filter(pk=self.p.bob.pk).update(archived_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        self.login(self.p.branch_secretary)
        before = writes()
        response = self.client.post(
            url("membership", self.p.bob),
            {"status": MembershipStatus.FULL, "join_date": "2005-07-01", "confirmation_date": "2006-07-01"},
        )
        self.assertContains(response, "该人员已归档，请先恢复再修改。")
        response = self.client.post(url("cadre", self.p.bob), {"rank": Rank.CLERK, "post": "科员"})
        self.assertContains(response, "该人员已归档，请先恢复再修改。")
        self.assertEqual(writes(), before)
        self.assertFalse(CadreRecord.objects.filter(person=self.p.bob).exists())


class ReadOnlyPagesTest(PersonaTestCase):
    def test_it_refuses_writes_to_read_only_pages(self):
        self.login(self.p.org_admin)
        for name in ("people:list", "people:export", "people:transfers", "people:transfer_export"):
            self.assertEqual(self.client.post(reverse(name), {"name": "改名"}).status_code, 405, name)
        self.assertEqual(self.client.post(url("detail", self.p.alice), {"name": "改名"}).status_code, 405)
        self.assertEqual(Person.objects.get(pk=self.p.alice.pk).name, "王小红")
