"""The API's doors: token login, the current user, the schema and its docs page."""

import re

from django.contrib.staticfiles import finders
from django.urls import reverse
from rest_framework.test import APIClient

from zugong.core.models import AuditEvent
from zugong.core.testing import PASSWORD, PersonaTestCase


class TokenTest(PersonaTestCase):
    client_class = APIClient

    def test_it_issues_a_token_that_opens_the_api(self):
        response = self.client.post(
            reverse("api-token"), {"username": "branch_secretary", "password": PASSWORD}, format="json"
        )
        self.assertEqual(response.status_code, 200)
        token = response.json()["token"]
        event = AuditEvent.objects.get(event="login", actor=self.p.branch_secretary)
        self.assertEqual(event.detail, {"via": "api_token"})

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        names = {row["name"] for row in client.get(reverse("api-person-list")).json()["results"]}
        self.assertEqual(names, {"王小红", "李建国"})

    def test_it_refuses_a_wrong_password_and_audits_it(self):
        response = self.client.post(
            reverse("api-token"), {"username": "branch_secretary", "password": "wrong"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("token", response.json())
        event = AuditEvent.objects.get(event="login_failed")
        self.assertEqual(event.detail["username"], "branch_secretary")

    def test_it_refuses_anonymous_callers(self):
        self.assertIn(self.client.get(reverse("api-person-list")).status_code, (401, 403))
        self.assertIn(self.client.get(reverse("api-me")).status_code, (401, 403))

    def test_it_audits_token_writes_under_the_token_user(self):
        token = self.client.post(
            reverse("api-token"), {"username": "branch_secretary", "password": PASSWORD}, format="json"
        ).json()["token"]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        url = reverse("api-person-detail", args=[self.p.alice.pk])
        self.assertEqual(client.patch(url, {"post": "社区干事"}, format="json").status_code, 200)
        event = AuditEvent.objects.get(kind="update", object_type="people.person")
        self.assertEqual(event.actor_id, self.p.branch_secretary.pk)


class MeTest(PersonaTestCase):
    client_class = APIClient

    def test_it_shows_the_user_and_their_grants(self):
        self.client.force_login(self.p.committee_secretary)
        data = self.client.get(reverse("api-me")).json()
        self.assertEqual(data["username"], "committee_secretary")
        self.assertEqual(
            data["roles"],
            [
                {
                    "role": "secretary",
                    "role_display": "党组织书记",
                    "organization": self.p.committee.pk,
                    "organization_name": "东城街道党工委",
                }
            ],
        )

    def test_it_links_a_member_to_their_person(self):
        self.client.force_login(self.p.member)
        data = self.client.get(reverse("api-me")).json()
        self.assertEqual(data["person"], self.p.alice.pk)
        self.assertEqual([r["role"] for r in data["roles"]], ["member"])


class SchemaTest(PersonaTestCase):
    def test_it_serves_the_schema(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.get(reverse("api-schema"))
        self.assertEqual(response.status_code, 200)
        self.assertIn(b"/api/people/{id}/transfer/", response.content)

    def test_it_serves_the_docs_page_from_local_assets(self):
        self.client.force_login(self.p.org_admin)
        response = self.client.get(reverse("api-docs"))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", html)
        self.assertEqual(re.findall(r"https?://", html), [])
        for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
            self.assertIsNotNone(finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}"), name)

    def test_it_keeps_the_schema_from_anonymous_callers(self):
        self.assertIn(self.client.get(reverse("api-schema")).status_code, (401, 403))
