"""The materials API: the list a member may read, upload (multipart and base64) with the same refusals as
the page, ``download`` of a copy stamped for the caller (recorded and audited), archive, the register of
copies and the trace; another branch gets 404 and finds nothing, a plain member is refused the staff
endpoints, bad input is a 400 with the Chinese message and changes nothing."""

from __future__ import annotations

import base64

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from zugong.core.models import AuditEvent

from .. import services_materials as S
from .. import watermark as W
from ..models_materials import Material, MaterialCopy
from .test_materials_services import Base
from .test_watermark import make_docx, make_pdf

LIST = "api-studyday-material-list"
COPIES = "api-studyday-material-copy-list"
TRACE = "api-studyday-material-copy-trace"


def detail(name, pk):
    return reverse(f"api-studyday-material-{name}", args=[pk])


class MaterialApiTest(Base):
    def setUp(self):
        self.api = APIClient()

    def as_(self, user):
        self.api.force_authenticate(user)
        return self.api

    def test_a_member_lists_and_reads_what_is_published_for_them(self):
        titles = {m["title"] for m in self.as_(self.p.member).get(reverse(LIST)).json()["results"]}
        self.assertEqual(titles, {"全区学习资料", "东城学习提纲", "支部学习照片"})
        body = self.api.get(detail("detail", self.committee_doc.pk)).json()
        self.assertEqual((body["file_kind"], body["org_name"]), ("docx", "东城街道党工委"))
        kinds = [m["file_kind"] for m in self.api.get(reverse(LIST), {"kind": "image"}).json()["results"]]
        self.assertEqual(kinds, ["image"])
        self.as_(self.p.other_member)
        self.assertEqual(self.api.get(detail("detail", self.committee_doc.pk)).status_code, 404)
        self.as_(self.p.auditor)
        self.assertEqual(self.api.get(reverse(LIST)).status_code, 403)

    def test_download_issues_a_stamped_copy(self):
        response = self.as_(self.p.member).post(detail("download", self.district_doc.pk))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        copy = MaterialCopy.objects.get()
        self.assertEqual((copy.reader, copy.purpose), (self.p.member, "download"))
        self.assertEqual(W.read_mark(response.content), copy.code)
        self.assertEqual(response["X-Zugong-Copy"], copy.code)
        self.assertTrue(AuditEvent.objects.filter(event=S.EVENT_COPY, object_id=str(self.district_doc.pk)))
        self.as_(self.p.other_secretary)
        self.assertEqual(self.api.post(detail("download", self.branch_doc.pk)).status_code, 404)
        self.assertEqual(MaterialCopy.objects.count(), 1)

    def test_upload_by_multipart_and_base64(self):
        self.as_(self.p.branch_secretary)
        upload = SimpleUploadedFile("提纲.pdf", make_pdf())
        response = self.api.post(
            reverse(LIST), {"org": self.p.branch.pk, "title": "学习提纲", "file": upload}, format="multipart"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["file_kind"], "pdf")
        body = {"org": self.p.branch.pk, "title": "通知", "file_name": "通知.docx",
                "file_base64": base64.b64encode(make_docx()).decode()}  # fmt: skip
        response = self.api.post(reverse(LIST), body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(Material.objects.get(pk=response.json()["id"]).file_name, "通知.docx")

    def test_a_bad_upload_is_a_400_and_saves_nothing(self):
        self.as_(self.p.branch_secretary)
        count = Material.objects.count()
        body = {"org": self.p.branch.pk, "title": "坏文件", "file_name": "a.pdf",
                "file_base64": base64.b64encode(b"MZ\x90 program").decode()}  # fmt: skip
        response = self.api.post(reverse(LIST), body, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("无法识别的文件类型", str(response.json()["file"]))
        response = self.api.post(reverse(LIST), body | {"org": self.p.other_branch.pk}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("org", response.json())
        response = self.api.post(reverse(LIST), body | {"file_base64": "!!"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.as_(self.p.member)
        self.assertEqual(self.api.post(reverse(LIST), body, format="json").status_code, 403)
        self.assertEqual(Material.objects.count(), count)

    def test_archive(self):
        self.as_(self.p.other_secretary)
        url = detail("archive", self.branch_doc.pk)
        self.assertEqual(self.api.post(url, {"reason": "x"}, format="json").status_code, 404)
        for user in (self.p.org_committee_member, self.p.member):  # they read it, may not archive it
            self.as_(user)
            self.assertEqual(self.api.post(url, {"reason": "x"}, format="json").status_code, 403)
        self.as_(self.p.branch_secretary)
        self.assertEqual(self.api.post(url, {}, format="json").status_code, 400)
        response = self.api.post(url, {"reason": "内容已更新"}, format="json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["archived_reason"], "内容已更新")
        self.as_(self.p.member)
        self.assertEqual(self.api.post(detail("download", self.branch_doc.pk)).status_code, 404)

    def test_the_register_and_the_trace(self):
        leak = S.copy_issue(actor=self.p.member, material=self.committee_doc, purpose="download")
        S.copy_issue(actor=self.p.member, material=self.district_doc, purpose="view")
        rows = self.as_(self.p.committee_secretary).get(reverse(COPIES)).json()["results"]
        self.assertEqual([r["code"] for r in rows], [leak.copy.code])
        self.assertEqual(rows[0]["reader_username"], "member")
        response = self.api.post(
            reverse(TRACE), {"file": SimpleUploadedFile("x.docx", leak.data)}, format="multipart"
        )
        body = response.json()
        self.assertEqual(
            (body["found"], body["method"], body["copy"]["code"]), (True, "sha256", leak.copy.code)
        )
        body = self.api.post(reverse(TRACE), {"code": leak.copy.code.lower()}, format="json").json()
        self.assertEqual((body["found"], body["method"]), (True, "code"))
        self.assertEqual(self.api.post(reverse(TRACE), {}, format="json").status_code, 400)
        # Another branch: nothing on the register, "未找到" for the same code.
        self.as_(self.p.other_secretary)
        self.assertEqual(self.api.get(reverse(COPIES)).json()["results"], [])
        self.assertEqual(
            self.api.get(reverse("api-studyday-material-copy-detail", args=[leak.copy.pk])).status_code, 404
        )
        body = self.api.post(reverse(TRACE), {"code": leak.copy.code}, format="json").json()
        self.assertEqual((body["found"], body["copy"]), (False, None))
        self.assertIn("未找到", body["message"])
        self.assertEqual(AuditEvent.objects.filter(event=S.EVENT_TRACE).count(), 3)
        self.as_(self.p.member)
        self.assertEqual(self.api.get(reverse(COPIES)).status_code, 403)
        self.assertEqual(
            self.api.post(reverse(TRACE), {"code": leak.copy.code}, format="json").status_code, 403
        )

    def test_the_schema_describes_the_endpoints(self):
        self.client.force_login(self.p.org_admin)
        content = self.client.get(reverse("api-schema")).content.decode()
        for path in ("/api/studyday/materials/{id}/download/", "/api/studyday/material-copies/trace/"):
            self.assertIn(path, content)
