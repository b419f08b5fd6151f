"""组织关系转接 pages: a confirmation step before the write, history kept, scope at both ends."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase
from zugong.orgs.models import OrgStatus
from zugong.people.choices import TransferKind
from zugong.people.models import Person, Transfer

TODAY = timezone.localdate()


def url(name, person):
    return reverse(f"people:{name}", args=[person.pk])


class TransferTest(PersonaTestCase):
    def data(self, to_org, **kw):
        base = {"to_org": to_org.pk, "transfer_date": TODAY.isoformat(), "reason": "工作调动"}
        base.update(kw)
        return base

    def test_it_asks_for_confirmation_before_writing(self):
        self.login(self.p.committee_secretary)
        response = self.client.post(url("transfer", self.p.bob), self.data(self.p.sibling_branch))
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response,
            "确认将 <strong>李建国</strong> 的组织关系从 <strong>东城社区第一党支部</strong> "
            "转至 <strong>东城街道机关党支部</strong>？",
        )
        self.assertFalse(Transfer.objects.exists())
        self.assertEqual(Person.objects.get(pk=self.p.bob.pk).org, self.p.branch)

    def test_it_moves_the_person_and_keeps_the_history_when_confirmed(self):
        self.login(self.p.committee_secretary)
        response = self.client.post(
            url("transfer", self.p.bob), self.data(self.p.sibling_branch, confirm="1"), follow=True
        )
        self.assertRedirects(response, url("detail", self.p.bob))
        self.assertContains(response, "已将 李建国 的组织关系从 东城社区第一党支部 转至 东城街道机关党支部。")
        bob = Person.objects.get(pk=self.p.bob.pk)
        self.assertEqual((bob.org, bob.org_path), (self.p.sibling_branch, self.p.sibling_branch.path))
        transfer = Transfer.objects.get(person=bob)
        self.assertEqual(
            (transfer.kind, transfer.from_org, transfer.to_org, transfer.transfer_date, transfer.reason),
            (TransferKind.INTERNAL, self.p.branch, self.p.sibling_branch, TODAY, "工作调动"),
        )
        self.assertEqual(transfer.actor, self.p.committee_secretary)
        self.assertTrue(
            AuditEvent.objects.filter(
                kind="create", object_type="people.transfer", object_id=str(transfer.pk)
            ).exists()
        )
        # The history shows on the person page and on the transfers list.
        detail = self.client.get(url("detail", bob)).content.decode()
        self.assertIn("东城社区第一党支部", detail)
        self.assertIn("区内转接", detail)
        self.assertContains(self.client.get(reverse("people:transfers")), "李建国")

    def test_it_goes_back_to_the_form_without_writing(self):
        self.login(self.p.committee_secretary)
        response = self.client.post(url("transfer", self.p.bob), self.data(self.p.sibling_branch, back="1"))
        self.assertContains(response, "下一步：确认")
        self.assertContains(response, 'value="工作调动"')
        self.assertFalse(Transfer.objects.exists())

    def test_it_transfers_out_to_another_committees_branch(self):
        self.login(self.p.branch_secretary)
        response = self.client.post(url("transfer", self.p.bob), self.data(self.p.other_branch, confirm="1"))
        # 李建国 has left the branch secretary's scope: back to the transfers list, where the row still shows.
        self.assertRedirects(response, reverse("people:transfers"))
        transfer = Transfer.objects.get(person=self.p.bob)
        self.assertEqual(transfer.kind, TransferKind.OUT)
        self.assertEqual(Person.objects.get(pk=self.p.bob.pk).org_path, self.p.other_branch.path)
        self.assertEqual(self.client.get(url("detail", self.p.bob)).status_code, 404)
        self.assertContains(self.client.get(reverse("people:transfers")), "西城社区党支部")
        # The receiving secretary now sees the person and the transfer.
        self.login(self.p.other_secretary)
        self.assertEqual(self.client.get(url("detail", self.p.bob)).status_code, 200)

    def test_it_refuses_a_future_date_and_a_dissolved_target(self):
        self.login(self.p.committee_secretary)
        tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
        response = self.client.post(
            url("transfer", self.p.bob), self.data(self.p.sibling_branch, transfer_date=tomorrow, confirm="1")
        )
        self.assertContains(response, "转接日期不能晚于今天。")
        self.p.sibling_branch.status, self.p.sibling_branch.dissolved_on = OrgStatus.DISSOLVED, TODAY
        self.p.sibling_branch.save()
        response = self.client.post(
            url("transfer", self.p.bob), self.data(self.p.sibling_branch, confirm="1")
        )
        self.assertContains(response, "所选党组织不存在、已撤销或不能接收党员。")
        self.assertFalse(Transfer.objects.exists())

    def test_it_refuses_the_current_org_as_target(self):
        self.login(self.p.committee_secretary)
        response = self.client.post(url("transfer", self.p.bob), self.data(self.p.branch, confirm="1"))
        self.assertContains(response, "所选党组织不存在、已撤销或不能接收党员。")
        self.assertFalse(Transfer.objects.exists())

    def test_it_refuses_a_date_before_the_last_transfer(self):
        self.login(self.p.committee_secretary)
        self.client.post(url("transfer", self.p.bob), self.data(self.p.sibling_branch, confirm="1"))
        earlier = (TODAY - dt.timedelta(days=30)).isoformat()
        response = self.client.post(
            url("transfer", self.p.bob), self.data(self.p.branch, transfer_date=earlier, confirm="1")
        )
        self.assertContains(response, "转接日期不能早于上一次转接日期。")
        self.assertEqual(Transfer.objects.filter(person=self.p.bob).count(), 1)

    def test_it_requires_a_reason(self):
        self.login(self.p.committee_secretary)
        response = self.client.post(url("transfer", self.p.bob), self.data(self.p.sibling_branch, reason=""))
        self.assertContains(response, "请填写转接原因。")


class TransferTargetSearchTest(PersonaTestCase):
    OPTIONS = reverse("people:org_options")

    def test_it_searches_the_whole_district_for_a_transfer(self):
        self.login(self.p.branch_secretary)
        body = self.client.get(self.OPTIONS, {"purpose": "transfer", "org_q": "西城"}).content.decode()
        self.assertIn("西城社区党支部", body)
        self.assertIn('name="to_org"', body)
        # Party groups cannot hold members and are never offered.
        body = self.client.get(self.OPTIONS, {"purpose": "transfer", "org_q": "党小组"}).content.decode()
        self.assertNotIn("第一党小组", body)

    def test_it_limits_the_filter_picker_to_the_scope(self):
        self.login(self.p.branch_secretary)
        body = self.client.get(self.OPTIONS, {"org_q": "西城"}).content.decode()
        self.assertNotIn("西城社区党支部", body)
        body = self.client.get(self.OPTIONS).content.decode()
        self.assertIn("东城社区第一党支部", body)
        self.assertNotIn("东城街道机关党支部", body)

    def test_it_refuses_the_transfer_search_to_a_member(self):
        self.login(self.p.member)
        response = self.client.get(self.OPTIONS, {"purpose": "transfer", "org_q": "西城"})
        self.assertEqual(response.status_code, 403)


class TransferListTest(PersonaTestCase):
    def setUp(self):
        self.login(self.p.org_admin)
        for person in (self.p.bob, self.p.alice):
            self.client.post(
                url("transfer", person),
                {
                    "to_org": self.p.sibling_branch.pk,
                    "transfer_date": TODAY.isoformat(),
                    "reason": "调动",
                    "confirm": "1",
                },
            )
        self.client.get(reverse("people:list"))  # shows (and so clears) the success messages

    def test_it_lists_transfers_within_the_scope(self):
        self.assertContains(self.client.get(reverse("people:transfers")), "李建国")
        self.login(self.p.other_secretary)
        self.assertNotContains(self.client.get(reverse("people:transfers")), "李建国")

    def test_it_shows_a_member_their_own_transfers_only(self):
        self.login(self.p.member)
        response = self.client.get(reverse("people:transfers"))
        self.assertContains(response, "王小红")
        self.assertNotContains(response, "李建国")
        self.assertContains(response, "共 1 条")


class ArchivedTransferTest(PersonaTestCase):
    def test_it_does_not_transfer_an_archived_person(self):
        Person.objects.filter(pk=self.p.bob.pk).update(archived_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        self.login(self.p.committee_secretary)
        response = self.client.post(
            url("transfer", self.p.bob),
            {
                "to_org": self.p.sibling_branch.pk,
                "transfer_date": TODAY.isoformat(),
                "reason": "调动",
                "confirm": "1",
            },
            follow=True,
        )
        self.assertRedirects(response, url("detail", self.p.bob))
        self.assertContains(response, "李建国 已归档，不能办理组织关系转接。")
        self.assertFalse(Transfer.objects.exists())
