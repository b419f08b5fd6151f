"""The admin is the 系统管理员's: read-only for domain records, no audit log (that is the 审计管理员's)."""

from django.urls import reverse

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

    def test_it_keeps_the_audit_log_from_the_sysadmin(self):
        c = self.staff(self.p.sysadmin)
        self.assertEqual(c.get(reverse("admin:core_auditevent_changelist")).status_code, 403)

    def test_it_shows_the_audit_log_to_the_auditor_only(self):
        c = self.staff(self.p.auditor)
        self.assertEqual(c.get(reverse("admin:core_auditevent_changelist")).status_code, 200)
        self.assertEqual(c.get(reverse("admin:orgs_organization_changelist")).status_code, 403)

    def test_it_keeps_other_staff_out(self):
        c = self.staff(self.p.org_admin)
        self.assertEqual(c.get(reverse("admin:orgs_organization_changelist")).status_code, 403)
        self.assertEqual(c.get(reverse("admin:accounts_user_changelist")).status_code, 403)
