"""三员分立: the 系统管理员 manages accounts, the 安全管理员 role grants and lockouts, the 审计管理员 reads
the audit log — and none of them can do another's work or read the roster, through the pages, the API or
the Django admin. Every write they make is audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from zugong.accounts import services
from zugong.accounts.models import LoginLock, RoleGrant, User
from zugong.core.models import AuditEvent
from zugong.core.roles import Role
from zugong.core.testing import PASSWORD, PersonaTestCase

NEW_PASSWORD = "Temp#2026pass"
DUTIES = ("sysadmin", "secadmin", "auditor")
# Personas whose own duty is none of these pages.
OUTSIDERS = ("org_admin", "branch_secretary", "member")


class SeparationOfDutiesTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.p.lock = LoginLock.objects.create(kind="account", key="member", since=timezone.now(), failures=5)
        cls.p.grant = RoleGrant.objects.get(user=cls.p.branch_secretary)

    def pages(self):
        """URL name -> (url, whose page it is, a valid POST body or None for a read-only page)."""
        p = self.p
        return {
            "accounts:user_list": (reverse("accounts:user_list"), "sysadmin", None),
            "accounts:user_create": (
                reverse("accounts:user_create"),
                "sysadmin",
                {"username": "xinzhanghao", "display_name": "新账号", "password": NEW_PASSWORD},
            ),
            "accounts:user_password_reset": (
                reverse("accounts:user_password_reset", args=[p.member.pk]),
                "sysadmin",
                {"password": NEW_PASSWORD},
            ),
            "accounts:user_deactivate": (
                reverse("accounts:user_deactivate", args=[p.member.pk]),
                "sysadmin",
                {},
            ),
            "accounts:user_reactivate": (
                reverse("accounts:user_reactivate", args=[p.member.pk]),
                "sysadmin",
                {},
            ),
            "accounts:grant_list": (reverse("accounts:grant_list"), "secadmin", None),
            "accounts:grant_user": (
                reverse("accounts:grant_user", args=[p.member.pk]),
                "secadmin",
                {"role": Role.ORG_COMMITTEE, "organization": p.branch.code},
            ),
            "accounts:grant_remove": (reverse("accounts:grant_remove", args=[p.grant.pk]), "secadmin", {}),
            "accounts:locks": (reverse("accounts:locks"), "secadmin", None),
            "accounts:lock_lift": (reverse("accounts:lock_lift", args=[p.lock.pk]), "secadmin", {}),
            "auditlog:list": (reverse("auditlog:list"), "auditor", None),
            "auditlog:export": (reverse("auditlog:export"), "auditor", None),
        }

    def state(self):
        member = User.objects.get(pk=self.p.member.pk)
        return (
            User.objects.count(),
            sorted(RoleGrant.objects.values_list("user_id", "role", "organization_id")),
            LoginLock.objects.filter(lifted_at__isnull=True).count(),
            member.is_active,
            member.password,
        )

    # ---- pages ------------------------------------------------------------------------------------

    def test_it_refuses_each_duty_page_to_every_other_role(self):
        before = self.state()
        for persona in (*DUTIES, *OUTSIDERS):
            self.client.force_login(getattr(self.p, persona))
            for name, (url, owner, body) in self.pages().items():
                if owner == persona:
                    continue
                with self.subTest(persona=persona, page=name):
                    self.assertEqual(self.client.get(url).status_code, 403)
                    # The auditor's pages are read-only: a POST is refused before anything else.
                    self.assertIn(self.client.post(url, body or {}).status_code, (403, 405))
        self.assertEqual(self.state(), before)

    def test_it_opens_each_duty_page_to_its_role(self):
        for name, (url, owner, _) in self.pages().items():
            self.client.force_login(getattr(self.p, owner))
            with self.subTest(page=name):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_it_lets_each_role_write_through_its_pages_and_audits_it(self):
        for name, (url, owner, body) in self.pages().items():
            if body is None:
                continue
            self.client.force_login(getattr(self.p, owner))
            last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
            with self.subTest(page=name):
                response = self.client.post(url, body)
                self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
                written = AuditEvent.objects.filter(id__gt=last)
                self.assertTrue(written.exists())
                self.assertEqual(set(written.values_list("actor_id", flat=True)), {getattr(self.p, owner).pk})

    def test_it_keeps_the_roster_pages_from_the_three(self):
        records = (
            reverse("people:detail", args=[self.p.alice.pk]),
            reverse("people:edit", args=[self.p.alice.pk]),
            reverse("orgs:detail", args=[self.p.branch.pk]),
        )
        lists = (reverse("people:list"), reverse("people:export"), reverse("orgs:list"))
        for persona in DUTIES:
            self.client.force_login(getattr(self.p, persona))
            for url in records:
                with self.subTest(persona=persona, url=url):
                    self.assertIn(self.client.get(url).status_code, (403, 404))
            for url in lists:  # an empty list or a refusal
                with self.subTest(persona=persona, url=url):
                    response = self.client.get(url)
                    self.assertIn(response.status_code, (200, 403))
                    if "spreadsheetml" not in response.get("Content-Type", ""):
                        self.assertNotContains(response, self.p.alice.name, status_code=response.status_code)
            with self.subTest(persona=persona, url="people:reveal"):
                reveal = reverse("people:reveal", args=[self.p.alice.pk])
                self.assertIn(self.client.post(reveal, {"field": "id_number"}).status_code, (403, 404))

    def test_it_shows_the_sysadmin_no_personal_data_on_the_account_pages(self):
        self.client.force_login(self.p.sysadmin)
        response = self.client.get(reverse("accounts:user_list"))
        self.assertContains(response, "已关联")  # the member's account is linked to 王小红 …
        self.assertNotContains(response, self.p.alice.name)  # … who is not named
        self.assertNotContains(response, self.p.alice.id_tail)

    # ---- the 系统管理员's writes -------------------------------------------------------------------

    def test_it_creates_an_account_linked_by_id_number_on_a_temporary_password(self):
        self.client.force_login(self.p.sysadmin)
        body = {
            "username": "lijianguo",
            "display_name": "李建国",
            "id_number": self.p.bob.reveal_id_number(),
            "password": NEW_PASSWORD,
        }
        self.assertEqual(self.client.post(reverse("accounts:user_create"), body).status_code, 302)
        user = User.objects.get(username="lijianguo")
        self.assertEqual(user.person_id, self.p.bob.pk)
        self.assertTrue(user.must_change_password)
        self.assertTrue(user.check_password(NEW_PASSWORD))
        self.assertFalse(RoleGrant.objects.filter(user=user).exists())
        self.assertTrue(
            AuditEvent.objects.filter(
                kind="create", object_type="accounts.user", object_id=str(user.pk)
            ).exists()
        )

    def test_it_refuses_a_weak_password_an_unknown_id_number_and_a_taken_name(self):
        self.client.force_login(self.p.sysadmin)
        url = reverse("accounts:user_create")
        for body, message in (
            ({"username": "ruomima", "password": "abcdefgh"}, "至少 3 类"),
            ({"username": "ruomima", "password": "Ruomima#2026"}, "不能包含用户名"),
            (
                {"username": "ruomima", "password": NEW_PASSWORD, "id_number": "110101199001011237"},
                "人员库中没有",
            ),
            ({"username": "MEMBER", "password": NEW_PASSWORD}, "已被使用"),
            (
                {
                    "username": "ruomima",
                    "password": NEW_PASSWORD,
                    "id_number": self.p.alice.reveal_id_number(),
                },
                "已关联其他账号",
            ),
        ):
            with self.subTest(message=message):
                response = self.client.post(url, body)
                self.assertContains(response, message, status_code=200)
        self.assertFalse(User.objects.filter(username="ruomima").exists())

    def test_it_resets_a_password_and_forces_a_change(self):
        self.client.force_login(self.p.sysadmin)
        url = reverse("accounts:user_password_reset", args=[self.p.member.pk])
        self.assertEqual(self.client.post(url, {"password": NEW_PASSWORD}).status_code, 302)
        member = User.objects.get(pk=self.p.member.pk)
        self.assertTrue(member.check_password(NEW_PASSWORD))
        self.assertTrue(member.must_change_password)
        self.assertTrue(AuditEvent.objects.filter(event="password_reset", object_id=str(member.pk)).exists())

    def test_it_deactivates_and_reactivates_but_never_deletes(self):
        self.client.force_login(self.p.sysadmin)
        self.client.post(reverse("accounts:user_deactivate", args=[self.p.member.pk]))
        self.assertFalse(User.objects.get(pk=self.p.member.pk).is_active)
        self.client.post(reverse("accounts:user_reactivate", args=[self.p.member.pk]))
        self.assertTrue(User.objects.get(pk=self.p.member.pk).is_active)
        changes = AuditEvent.objects.filter(kind="update", object_type="accounts.user").order_by("id")
        self.assertEqual([e.after for e in changes], [{"is_active": False}, {"is_active": True}])

    def test_it_refuses_the_sysadmin_deactivating_himself(self):
        self.client.force_login(self.p.sysadmin)
        self.client.post(reverse("accounts:user_deactivate", args=[self.p.sysadmin.pk]))
        self.assertTrue(User.objects.get(pk=self.p.sysadmin.pk).is_active)

    # ---- the 安全管理员's writes -------------------------------------------------------------------

    def test_it_refuses_a_grant_to_oneself(self):
        self.client.force_login(self.p.secadmin)
        url = reverse("accounts:grant_user", args=[self.p.secadmin.pk])
        response = self.client.post(url, {"role": Role.ORG_ADMIN, "organization": self.p.district.code})
        self.assertContains(response, "不能变更自己的角色授权")
        self.assertEqual(
            list(RoleGrant.objects.filter(user=self.p.secadmin).values_list("role", flat=True)), ["secadmin"]
        )
        with self.assertRaisesMessage(PermissionDenied, "不能变更自己的角色授权"):
            services.role_grant_add(
                actor=self.p.secadmin, user=self.p.secadmin, role=Role.AUDITOR, organization=self.p.district
            )
        own = RoleGrant.objects.get(user=self.p.secadmin)
        with self.assertRaisesMessage(PermissionDenied, "不能变更自己的角色授权"):
            services.role_grant_remove(actor=self.p.secadmin, grant=own)

    def test_it_keeps_a_three_role_account_to_that_one_role(self):
        for user, role in (
            (self.p.sysadmin, Role.ORG_ADMIN),
            (self.p.sysadmin, Role.AUDITOR),
            (self.p.org_admin, Role.SYSADMIN),
        ):
            with self.subTest(user=user.username, role=role), self.assertRaises(ValidationError):
                services.role_grant_add(
                    actor=self.p.secadmin, user=user, role=role, organization=self.p.district
                )

    def test_it_finds_organizations_by_code_or_name_for_a_grant(self):
        self.client.force_login(self.p.secadmin)
        url = reverse("accounts:grant_user", args=[self.p.member.pk])
        self.assertContains(self.client.get(url, {"org_q": "西城"}), self.p.other_branch.code)
        self.assertContains(self.client.get(url, {"org_q": "T0201"}), "西城社区党支部")
        response = self.client.post(url, {"role": Role.SECRETARY, "organization": "NOPE"})
        self.assertContains(response, "没有该代码的在用组织")

    def test_it_refuses_the_writes_of_the_others_in_the_services(self):
        p = self.p
        writes = {
            "user_create": lambda a: services.user_create(
                actor=a, username="x1", display_name="", password=NEW_PASSWORD
            ),
            "user_set_active": lambda a: services.user_set_active(actor=a, user=p.member, active=False),
            "user_password_reset": lambda a: services.user_password_reset(
                actor=a, user=p.member, password=NEW_PASSWORD
            ),
            "role_grant_add": lambda a: services.role_grant_add(
                actor=a, user=p.member, role=Role.SECRETARY, organization=p.branch
            ),
            "role_grant_remove": lambda a: services.role_grant_remove(actor=a, grant=p.grant),
        }
        owner = {"role_grant_add": "secadmin", "role_grant_remove": "secadmin"}
        for name, write in writes.items():
            for persona in ("sysadmin", "secadmin", "auditor", "org_admin"):
                if persona == owner.get(name, "sysadmin"):
                    continue
                with self.subTest(write=name, persona=persona), self.assertRaises(PermissionDenied):
                    write(getattr(p, persona))

    # ---- API --------------------------------------------------------------------------------------

    def test_it_lists_no_roster_through_the_api_for_the_three(self):
        roster = (
            "api-person-list",
            "api-organization-list",
            "api-unit-list",
            "api-leadership-team-list",
            "api-transfer-list",
        )
        for persona in DUTIES:
            self.client.force_login(getattr(self.p, persona))
            for name in roster:
                with self.subTest(persona=persona, endpoint=name):
                    response = self.client.get(reverse(name))
                    self.assertIn(response.status_code, (200, 403))
                    if response.status_code == 200:
                        self.assertEqual(response.json()["count"], 0)
                    self.assertNotContains(response, self.p.alice.name, status_code=response.status_code)
            with self.subTest(persona=persona, endpoint="api-person-detail"):
                url = reverse("api-person-detail", args=[self.p.alice.pk])
                self.assertIn(self.client.get(url).status_code, (403, 404))

    def test_it_serves_the_audit_api_to_the_auditor_only(self):
        url = reverse("api-audit-event-list")
        for persona in ("sysadmin", "secadmin", "org_admin"):
            self.client.force_login(getattr(self.p, persona))
            with self.subTest(persona=persona):
                self.assertEqual(self.client.get(url).status_code, 403)
        self.client.force_login(self.p.auditor)
        self.assertEqual(self.client.get(url).status_code, 200)

    # ---- Django admin -----------------------------------------------------------------------------

    def staff(self, persona):
        user = getattr(self.p, persona)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        self.client.force_login(user)

    def test_it_gives_the_sysadmin_role_grants_read_only_in_the_admin(self):
        self.staff("sysadmin")
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        self.assertEqual(self.client.get("/admin/accounts/rolegrant/").status_code, 200)
        self.assertEqual(self.client.get("/admin/accounts/rolegrant/add/").status_code, 403)
        change = f"/admin/accounts/rolegrant/{self.p.grant.pk}/change/"
        self.assertNotContains(self.client.get(change), 'name="_save"')
        body = {"user": self.p.sysadmin.pk, "role": Role.ORG_ADMIN, "organization": self.p.district.pk}
        self.assertEqual(self.client.post(change, body).status_code, 403)
        self.assertEqual(
            self.client.post(
                f"/admin/accounts/rolegrant/{self.p.grant.pk}/delete/", {"post": "yes"}
            ).status_code,
            403,
        )
        self.assertTrue(RoleGrant.objects.filter(pk=self.p.grant.pk, role=Role.SECRETARY).exists())

    def test_it_keeps_the_audit_log_and_the_roster_out_of_the_sysadmins_admin(self):
        self.staff("sysadmin")
        for url in ("/admin/core/auditevent/", "/admin/people/person/", "/admin/people/membership/"):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_keeps_the_secadmin_and_the_auditor_out_of_the_admin(self):
        for persona in ("secadmin", "auditor"):
            self.staff(persona)
            for url in (
                "/admin/",
                "/admin/accounts/rolegrant/",
                "/admin/accounts/user/",
                "/admin/core/auditevent/",
            ):
                with self.subTest(persona=persona, url=url):
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 302)
                    self.assertTrue(response["Location"].startswith("/admin/login/"))
                    self.assertEqual(self.client.get(response["Location"]).status_code, 403)

    def test_it_keeps_the_sysadmin_out_of_the_admin_without_is_staff(self):
        self.client.force_login(self.p.sysadmin)
        self.assertEqual(self.client.get("/admin/").status_code, 302)

    def test_it_makes_the_demo_sysadmin_staff(self):
        from zugong.core.demo import PERSONAS

        staff = {p.username: p.staff for p in PERSONAS}
        self.assertEqual([name for name, is_staff in staff.items() if is_staff], ["xitong"])


def test_it_uses_the_persona_password_constant():
    # The personas log in with PASSWORD; the temporary one used above must differ from it.
    assert NEW_PASSWORD != PASSWORD
