"""Archive and restore: a reason, a confirmation page, an audit row each; never a delete."""

from django.urls import reverse

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase
from zugong.people.models import Person


def url(name, person):
    return reverse(f"people:{name}", args=[person.pk])


class ArchiveTest(PersonaTestCase):
    def test_it_shows_a_confirmation_page_first(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(url("archive", self.p.bob))
        self.assertContains(response, "确认将 <strong>李建国</strong>")
        self.assertContains(response, "确认归档")
        self.assertIsNone(Person.objects.get(pk=self.p.bob.pk).archived_at)

    def test_it_requires_a_reason(self):
        self.login(self.p.branch_secretary)
        response = self.client.post(url("archive", self.p.bob), {"reason": "  "})
        self.assertContains(response, "请填写归档原因。")
        self.assertIsNone(Person.objects.get(pk=self.p.bob.pk).archived_at)

    def test_it_archives_and_restores_with_audit_rows(self):
        self.login(self.p.branch_secretary)
        response = self.client.post(url("archive", self.p.bob), {"reason": "组织关系转出本区"})
        self.assertRedirects(response, url("detail", self.p.bob))
        bob = Person.objects.get(pk=self.p.bob.pk)
        self.assertIsNotNone(bob.archived_at)
        self.assertEqual(bob.archived_reason, "组织关系转出本区")
        archived = AuditEvent.objects.get(kind="archive", object_type="people.person", object_id=str(bob.pk))
        self.assertEqual(archived.actor, self.p.branch_secretary)

        self.assertContains(self.client.get(url("restore", bob)), "确认恢复")
        self.assertIsNotNone(Person.objects.get(pk=bob.pk).archived_at)  # GET changes nothing
        response = self.client.post(url("restore", bob))
        self.assertRedirects(response, url("detail", bob))
        bob = Person.objects.get(pk=bob.pk)
        self.assertIsNone(bob.archived_at)
        self.assertEqual(bob.archived_reason, "")
        self.assertTrue(AuditEvent.objects.filter(kind="restore", object_id=str(bob.pk)).exists())
        self.assertEqual(Person.objects.filter(pk=bob.pk).count(), 1)

    def test_it_keeps_the_record_visible_when_archived(self):
        self.login(self.p.branch_secretary)
        self.client.post(url("archive", self.p.bob), {"reason": "出党"})
        self.assertEqual(self.client.get(url("detail", self.p.bob)).status_code, 200)
        self.assertNotContains(self.client.get(reverse("people:list")), "李建国")
        self.assertContains(self.client.get(reverse("people:list"), {"archived": "true"}), "李建国")

    def test_it_refuses_archiving_from_another_branch(self):
        self.login(self.p.other_secretary)
        self.assertEqual(self.client.post(url("archive", self.p.bob), {"reason": "x"}).status_code, 404)
        self.assertIsNone(Person.objects.get(pk=self.p.bob.pk).archived_at)
        self.assertFalse(AuditEvent.objects.filter(kind="archive").exists())
