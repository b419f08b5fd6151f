from django.urls import reverse

from zugong.core.testing import PersonaTestCase


class HomeTest(PersonaTestCase):
    def test_it_sends_anonymous_users_to_the_login_page(self):
        r = self.client.get(reverse("core:home"))
        self.assertRedirects(r, reverse("accounts:login") + "?next=/")

    def test_it_counts_the_committee_secretarys_subtree(self):
        r = self.login(self.p.committee_secretary).get(reverse("core:home"))
        counts = r.context["counts"]
        self.assertEqual(counts["org_total"], 5)
        self.assertEqual(dict(counts["orgs_by_type"]), {"党(工)委": 1, "党总支": 1, "党支部": 2, "党小组": 1})
        self.assertEqual(counts["people"], {"total": 4, "full": 3, "probationary": 1, "cadres": 1})

    def test_it_counts_the_whole_district_for_the_org_admin(self):
        r = self.login(self.p.org_admin).get(reverse("core:home"))
        self.assertEqual(r.context["counts"]["people"]["total"], 5)
        self.assertEqual(r.context["counts"]["org_total"], 8)

    def test_it_counts_only_the_branch_for_a_branch_secretary(self):
        r = self.login(self.p.branch_secretary).get(reverse("core:home"))
        self.assertEqual(r.context["counts"]["people"]["total"], 2)
        self.assertNotContains(r, "张晓梅")

    def test_it_shows_a_member_their_own_record_only(self):
        r = self.login(self.p.member).get(reverse("core:home"))
        self.assertNotIn("counts", r.context)
        self.assertEqual(r.context["own"], self.p.alice)
        self.assertContains(r, reverse("people:detail", args=[self.p.alice.pk]))

    def test_it_shows_the_system_roles_only_a_note(self):
        for user, label in ((self.p.sysadmin, "系统管理员"), (self.p.auditor, "审计管理员")):
            r = self.login(user).get(reverse("core:home"))
            self.assertNotIn("counts", r.context)
            self.assertContains(r, label)
            self.assertContains(r, "三员分立")
            self.assertNotContains(r, "王小红")
