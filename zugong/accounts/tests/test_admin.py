"""The admin is the 系统管理员's alone: read-only for domain records, no audit log (the 审计管理员's), no
roster (personal data). The 三员 matrix across pages, API and admin is in core/tests/test_separation_of_duties."""

from django.urls import reverse

from zugong.accounts.models import TOTPDevice
from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase


class AdminTest(PersonaTestCase):
    def staff(self, user):
        user.is_staff = True
        user.save()
        return self.login(user)

    def test_it_lets_the_sysadmin_read_but_not_change_organizations(self):
        c = self.staff(self.p.sysadmin)
        self.assertEqual(c.get(reverse("admin:index")).status_code, 200)
        self.assertEqual(c.get(reverse("admin:orgs_organization_changelist")).status_code, 200)
        r = c.get(reverse("admin:orgs_organization_change", args=[self.p.branch.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, 'name="_save"')
        self.assertEqual(c.get(reverse("admin:orgs_organization_add")).status_code, 403)
        self.assertEqual(c.get(reverse("admin:accounts_user_changelist")).status_code, 200)

    def test_it_lets_the_sysadmin_only_read_accounts_there(self):
        c = self.staff(self.p.sysadmin)
        r = c.get(reverse("admin:accounts_user_change", args=[self.p.member.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, 'name="_save"')
        self.assertEqual(c.get(reverse("admin:accounts_user_add")).status_code, 403)
        url = reverse("admin:auth_user_password_change", args=[self.p.member.pk])
        self.assertEqual(
            c.post(url, {"password1": "Xx#12345678", "password2": "Xx#12345678"}).status_code, 403
        )

    def test_it_keeps_the_audit_log_out_of_the_admin(self):
        c = self.staff(self.p.sysadmin)
        self.assertEqual(c.get("/admin/core/auditevent/").status_code, 404)
        self.assertNotContains(c.get(reverse("admin:index")), "审计")

    def test_it_keeps_the_roster_out_of_the_admin(self):
        c = self.staff(self.p.sysadmin)
        for url in ("/admin/people/person/", "/admin/people/membership/", "/admin/orgs/teamposition/"):
            with self.subTest(url=url):
                self.assertEqual(c.get(url).status_code, 404)
        r = c.get(reverse("admin:orgs_organization_change", args=[self.p.branch.pk]))
        self.assertNotContains(r, "书记")

    def test_it_keeps_other_staff_out(self):
        for persona in ("org_admin", "auditor", "secadmin"):
            c = self.staff(getattr(self.p, persona))
            with self.subTest(persona=persona):
                r = c.get(reverse("admin:orgs_organization_changelist"))
                self.assertEqual(r.status_code, 302)
                self.assertEqual(c.get(r["Location"]).status_code, 403)

    def test_it_keeps_a_superuser_without_the_role_out(self):
        self.p.org_admin.is_superuser = True
        c = self.staff(self.p.org_admin)
        self.assertEqual(c.get(reverse("admin:index")).status_code, 302)

    def test_it_audits_removing_a_dynamic_code(self):
        device = TOTPDevice.objects.create(user=self.p.secadmin, secret="JBSWY3DPEHPK3PXP")
        c = self.staff(self.p.sysadmin)
        r = c.post(reverse("admin:accounts_totpdevice_delete", args=[device.pk]), {"post": "yes"})
        self.assertEqual(r.status_code, 302)
        self.assertFalse(TOTPDevice.objects.filter(pk=device.pk).exists())
        event = AuditEvent.objects.order_by("-id").first()
        self.assertEqual((event.event, event.actor_id), ("totp_disabled", self.p.sysadmin.pk))
