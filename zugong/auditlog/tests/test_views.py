"""The audit pages, export and API: the 审计管理员 reads them, nobody else (三员分立)."""

import datetime as dt
import io

import openpyxl
from django.urls import reverse
from django.utils import timezone

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase
from zugong.orgs import services
from zugong.orgs.models import OrgType

NOT_AUDITORS = ("sysadmin", "secadmin", "org_admin", "member", "branch_secretary")


def xlsx_rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [row for ws in wb for row in ws.iter_rows(values_only=True)]


class AuditPagesTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.org = services.organization_create(
            actor=p.org_admin,
            parent=p.committee,
            org_type=OrgType.BRANCH,
            code="T0109",
            name="东城街道第九党支部",
            founded_on=dt.date(2020, 7, 1),
        )
        services.organization_update(actor=p.org_admin, org=cls.org, name="东城街道第九支部")
        cls.update = AuditEvent.objects.get(kind="update", object_id=str(cls.org.pk))
        cls.import_event = audit.record_event(actor=p.member, event=audit.Events.IMPORT, detail={"rows": 2})

    def test_it_lets_only_the_auditor_read_the_log(self):
        urls = [
            reverse("auditlog:list"),
            reverse("auditlog:export"),
            reverse("auditlog:detail", args=[self.update.pk]),
            reverse("api-audit-event-list"),
            reverse("api-audit-event-detail", args=[self.update.pk]),
        ]
        for persona in NOT_AUDITORS:
            self.login(getattr(self.p, persona))
            for url in urls:
                with self.subTest(persona=persona, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)
        self.login(self.p.auditor)
        for url in urls:
            with self.subTest(persona="auditor", url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_it_shows_the_nav_link_to_the_auditor_only(self):
        link = reverse("auditlog:list")
        self.login(self.p.auditor)
        self.assertContains(self.client.get(reverse("core:home")), f'href="{link}"')
        self.login(self.p.sysadmin)
        self.assertNotContains(self.client.get(reverse("core:home")), f'href="{link}"')

    def test_it_lists_newest_first(self):
        self.login(self.p.auditor)
        page = self.client.get(reverse("auditlog:list")).context["page"]
        ids = [e.pk for e in page]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual(ids[0], AuditEvent.objects.order_by("-id").first().pk)

    def test_it_filters(self):
        self.login(self.p.auditor)
        today = timezone.localdate()
        cases = {
            "actor=member": {self.import_event.pk},
            "kind=update": {self.update.pk},
            "event=import": {self.import_event.pk},
            f"object_type=orgs.organization&object_id={self.org.pk}": set(
                AuditEvent.objects.filter(object_id=str(self.org.pk)).values_list("pk", flat=True)
            ),
            f"since={today}&until={today}&actor=member": {self.import_event.pk},
            f"until={today - dt.timedelta(days=1)}": set(),
        }
        for query, expected in cases.items():
            with self.subTest(query=query):
                page = self.client.get(f"{reverse('auditlog:list')}?{query}").context["page"]
                self.assertEqual({e.pk for e in page}, expected)

    def test_it_filters_by_request_id_and_ip(self):
        response = self.login(self.p.org_admin).post(
            reverse("orgs:edit", args=[self.org.pk]),
            {"org_type": "branch", "code": "T0109", "name": "东城街道第九党支部", "founded_on": "2020-07-01"},
            HTTP_X_REQUEST_ID="req-audit-1",
            REMOTE_ADDR="10.1.2.3",
        )
        self.assertEqual(response.status_code, 302)
        event = AuditEvent.objects.get(request_id="req-audit-1")
        self.assertEqual(event.ip, "10.1.2.3")
        self.login(self.p.auditor)
        for query in ("request_id=req-audit-1", "ip=10.1.2"):
            with self.subTest(query=query):
                page = self.client.get(f"{reverse('auditlog:list')}?{query}").context["page"]
                self.assertEqual([e.pk for e in page], [event.pk])

    def test_it_refuses_an_invalid_filter_rather_than_showing_everything(self):
        self.login(self.p.auditor)
        response = self.client.get(f"{reverse('auditlog:list')}?since=not-a-date")
        self.assertEqual(len(response.context["page"]), 0)
        self.assertContains(response, "筛选条件有误")

    def test_it_answers_htmx_with_the_table_only(self):
        self.login(self.p.auditor)
        response = self.client.get(reverse("auditlog:list"), HTTP_HX_REQUEST="true")
        self.assertContains(response, 'id="audit-table"')
        self.assertNotContains(response, "<html")

    def test_it_shows_before_and_after_side_by_side(self):
        self.login(self.p.auditor)
        response = self.client.get(reverse("auditlog:detail", args=[self.update.pk]))
        self.assertContains(response, "修改前后对照")
        self.assertContains(response, "东城街道第九党支部")
        self.assertContains(response, "东城街道第九支部")
        self.assertContains(response, "本条校验通过")

    def test_it_exports_the_current_filter_and_audits_the_export(self):
        self.login(self.p.auditor)
        response = self.client.get(f"{reverse('auditlog:export')}?kind=update")
        self.assertEqual(response.status_code, 200)
        rows = xlsx_rows(response)
        self.assertIn("导出人", rows[0][0])
        self.assertEqual(rows[1][0], "编号")
        self.assertEqual([r[0] for r in rows[2:]], [self.update.pk])
        export = AuditEvent.objects.get(event="export")
        self.assertEqual(export.actor_name, "auditor")
        self.assertEqual(export.detail["what"], "audit_events")
        self.assertEqual(export.detail["rows"], 1)
        self.assertTrue(audit.verify_chain().ok)

    def test_it_serves_the_api_with_the_same_filter(self):
        self.login(self.p.auditor)
        data = self.client.get(reverse("api-audit-event-list"), {"event": "import"}).json()
        self.assertEqual([r["id"] for r in data["results"]], [self.import_event.pk])
        self.assertEqual(data["results"][0]["hash"], self.import_event.hash)

    def test_it_offers_no_writes_through_the_api(self):
        self.login(self.p.auditor)
        url = reverse("api-audit-event-detail", args=[self.update.pk])
        for method in ("put", "patch", "delete"):
            with self.subTest(method=method):
                response = getattr(self.client, method)(url, {}, content_type="application/json")
                self.assertEqual(response.status_code, 405)
        self.assertEqual(self.client.post(reverse("api-audit-event-list"), {}).status_code, 405)
