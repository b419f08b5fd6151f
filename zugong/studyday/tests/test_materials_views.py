"""The 学习资料 pages: the list (a member sees what their organization and those above it publish, filters),
upload with clear refusals that save nothing, one material, 在线查看 / 下载 issued on a POST as a stamped
copy with no-store headers, 归档 behind a confirmation, the register with its Excel export, and the trace
tool. Users of another branch get 404 on every material (GET and POST); plain members and the 三员 get 403
on the staff pages."""

from __future__ import annotations

import io
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from zugong.core.models import AuditEvent

from .. import forms_materials
from .. import services_materials as S
from .. import watermark as W
from ..models_materials import Material, MaterialCopy
from .test_materials_services import Base, resave_pdf
from .test_watermark import make_image, make_pdf


def sheet(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(content), read_only=True).active
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


class MaterialPagesTest(Base):
    def url(self, name, material=None):
        return reverse(f"materials:{name}", args=[material.pk] if material is not None else [])

    def test_a_member_lists_what_is_published_for_them(self):
        self.login(self.p.member)
        response = self.client.get(self.url("list"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "全区学习资料")
        self.assertContains(response, "东城学习提纲")
        self.assertContains(response, "支部学习照片")
        self.assertNotContains(response, "西城学习资料")
        self.assertNotContains(response, "上传资料")
        self.assertNotContains(response, "泄露追查")
        self.login(self.p.other_member)
        response = self.client.get(self.url("list"))
        self.assertNotContains(response, "东城学习提纲")
        self.assertNotContains(response, "支部学习照片")

    def test_the_list_filters_and_sorts(self):
        self.login(self.p.committee_secretary)
        rows = lambda params: list(self.client.get(self.url("list"), params).context["page"])  # noqa: E731
        self.assertEqual(rows({"kind": "image"}), [self.branch_doc])
        self.assertEqual(rows({"org": self.p.committee.pk}), [self.committee_doc])
        self.assertEqual(rows({"q": "提纲"}), [self.committee_doc])
        self.assertEqual(rows({"q": "第一季度"}), [self.committee_doc])
        self.assertEqual(rows({"sort": "title"}), sorted(rows({}), key=lambda m: (m.title, m.pk)))
        self.assertEqual(rows({"org": self.p.other_committee.pk}), [])  # not an organization it may pick
        S.material_archive(actor=self.p.committee_secretary, material=self.committee_doc, reason="过期")
        self.assertEqual(rows({"archived": "1"}), [self.committee_doc])
        self.assertNotIn(self.committee_doc, rows({}))

    def test_the_three_administrators_are_refused(self):
        for user in (self.p.sysadmin, self.p.auditor):
            self.login(user)
            self.assertEqual(self.client.get(self.url("list")).status_code, 403)
            self.assertEqual(self.client.get(self.url("detail", self.district_doc)).status_code, 403)

    def test_another_branch_gets_404_on_every_material_page(self):
        for user in (self.p.other_member, self.p.other_secretary):
            self.login(user)
            for name in ("detail", "view", "download", "archive"):
                self.assertEqual(self.client.get(self.url(name, self.branch_doc)).status_code, 404, name)
            for name in ("view", "download", "archive"):
                response = self.client.post(self.url(name, self.branch_doc), {"reason": "外单位"})
                self.assertEqual(response.status_code, 404, name)
        self.assertFalse(MaterialCopy.objects.exists())
        self.branch_doc.refresh_from_db()
        self.assertIsNone(self.branch_doc.archived_at)

    def test_a_member_views_a_stamped_pdf_inline(self):
        self.login(self.p.member)
        response = self.client.get(self.url("detail", self.district_doc))
        self.assertContains(response, "在线查看")
        self.assertNotContains(response, "领取登记")  # the register is the staff's
        response = self.client.get(self.url("view", self.district_doc))
        self.assertContains(response, "个人副本")  # GET only says what will happen
        self.assertFalse(MaterialCopy.objects.exists())
        response = self.client.post(self.url("view", self.district_doc))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response["Content-Disposition"].startswith("inline;"))
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        copy = MaterialCopy.objects.get()
        self.assertEqual((copy.reader, copy.purpose, copy.ip), (self.p.member, "view", "127.0.0.1"))
        self.assertEqual(response["X-Zugong-Copy"], copy.code)
        reader = PdfReader(io.BytesIO(response.content))
        self.assertTrue(all(f"副本 {copy.code}" in page.extract_text() for page in reader.pages))
        self.assertTrue(AuditEvent.objects.filter(event=S.EVENT_COPY, actor_id=self.p.member.pk).exists())
        response = self.client.get(self.url("detail", self.district_doc))
        self.assertContains(response, copy.code)  # 我领取的副本

    def test_an_image_is_viewed_and_a_word_file_only_downloaded(self):
        self.login(self.p.member)
        response = self.client.post(self.url("view", self.branch_doc))
        self.assertEqual(response["Content-Type"], "image/png")
        self.assertEqual(W.read_mark(response.content), MaterialCopy.objects.get().code)
        self.assertEqual(Image.open(io.BytesIO(response.content)).format, "PNG")
        self.assertNotContains(self.client.get(self.url("detail", self.committee_doc)), "在线查看")
        self.assertRedirects(
            self.client.get(self.url("view", self.committee_doc)), self.url("download", self.committee_doc)
        )
        response = self.client.post(self.url("download", self.committee_doc))
        self.assertEqual(response["Content-Type"], W.DOCX_TYPE)
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        self.assertIn("filename*=UTF-8''", response["Content-Disposition"])
        self.assertEqual(MaterialCopy.objects.filter(purpose="download").get().material, self.committee_doc)

    def test_upload_form(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(self.url("create"))
        self.assertEqual(response.status_code, 200)
        options = [o.pk for o in response.context["form"].fields["org"].queryset]
        self.assertEqual(options, [self.p.branch.pk, self.p.group.pk])
        upload = SimpleUploadedFile("学习材料.pdf", make_pdf(), content_type="application/pdf")
        response = self.client.post(
            self.url("create"), {"org": self.p.branch.pk, "title": "七一讲话", "file": upload}
        )
        material = Material.objects.get(title="七一讲话")
        self.assertRedirects(response, self.url("detail", material))
        self.assertEqual(
            (material.org, material.uploaded_by, material.file_kind),
            (self.p.branch, self.p.branch_secretary, "pdf"),
        )

    def test_a_bad_upload_says_why_and_saves_nothing(self):
        self.login(self.p.branch_secretary)
        count = Material.objects.count()

        def post(data, name="资料.pdf", **over):
            body = {"org": self.p.branch.pk, "title": "资料", "file": SimpleUploadedFile(name, data)} | over
            return self.client.post(self.url("create"), body)

        self.assertContains(post(b"MZ\x90 not a pdf"), "无法识别的文件类型", status_code=400)
        self.assertContains(
            post(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 doc", "旧.doc"), "另存为 .docx", status_code=400
        )
        self.assertContains(post(b""), "文件是空的", status_code=400)
        with mock.patch.object(forms_materials, "MAX_BYTES", 100):
            self.assertContains(post(make_pdf()), "不能超过", status_code=400)
        response = post(make_pdf(), org=self.p.other_branch.pk)
        self.assertContains(response, "不在您的授权范围内", status_code=400)
        self.assertEqual(Material.objects.count(), count)

    def test_upload_is_for_staff_who_may_add(self):
        for user in (self.p.member, self.p.auditor):
            self.login(user)
            self.assertEqual(self.client.get(self.url("create")).status_code, 403)
            self.assertEqual(self.client.post(self.url("create"), {"title": "x"}).status_code, 403)

    def test_archive_behind_a_confirmation(self):
        self.login(self.p.org_committee_member)  # reads the branch's material, may not archive it
        self.assertEqual(self.client.get(self.url("archive", self.branch_doc)).status_code, 403)
        self.assertEqual(
            self.client.post(self.url("archive", self.branch_doc), {"reason": "x"}).status_code, 403
        )
        self.login(self.p.branch_secretary)
        response = self.client.get(self.url("archive", self.branch_doc))
        self.assertContains(response, "data-confirm=")
        self.assertContains(
            self.client.post(self.url("archive", self.branch_doc), {"reason": ""}),
            "请填写归档原因",
            status_code=400,
        )
        response = self.client.post(self.url("archive", self.branch_doc), {"reason": "内容已更新"})
        self.assertRedirects(response, self.url("list"))
        self.branch_doc.refresh_from_db()
        self.assertEqual(self.branch_doc.archived_reason, "内容已更新")
        # Staff still open it (for its register); nobody is issued a copy; a member no longer finds it.
        self.assertContains(self.client.get(self.url("detail", self.branch_doc)), "已归档")
        self.assertRedirects(
            self.client.post(self.url("download", self.branch_doc)), self.url("detail", self.branch_doc)
        )
        self.login(self.p.member)
        self.assertEqual(self.client.get(self.url("detail", self.branch_doc)).status_code, 404)
        self.assertEqual(self.client.post(self.url("download", self.branch_doc)).status_code, 404)
        self.assertFalse(MaterialCopy.objects.exists())


class RegisterTracePagesTest(Base):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.copy_doc = S.copy_issue(actor=cls.p.member, material=cls.committee_doc, purpose="download")
        cls.copy_pdf = S.copy_issue(actor=cls.p.member, material=cls.district_doc, purpose="view")
        cls.copy_west = S.copy_issue(actor=cls.p.other_member, material=cls.other_doc, purpose="view")

    def test_the_register_shows_the_copies_in_scope(self):
        self.login(self.p.committee_secretary)
        response = self.client.get(reverse("materials:register"))
        self.assertEqual(
            list(response.context["page"]), [self.copy_doc.copy]
        )  # not the district's, not 西城's
        response = self.client.get(reverse("materials:register"), {"q": self.copy_doc.copy.code.lower()})
        self.assertEqual(list(response.context["page"]), [self.copy_doc.copy])
        response = self.client.get(
            reverse("materials:register"), {"material": self.committee_doc.pk, "purpose": "view"}
        )
        self.assertEqual(list(response.context["page"]), [])
        response = self.client.get(reverse("materials:detail", args=[self.committee_doc.pk]))
        self.assertContains(response, self.copy_doc.copy.code)
        self.login(self.p.org_admin)
        response = self.client.get(reverse("materials:register"))
        self.assertEqual(len(response.context["page"]), 3)

    def test_the_register_exports_to_excel(self):
        self.login(self.p.org_admin)
        response = self.client.get(reverse("materials:register_export"), {"material": self.district_doc.pk})
        rows = sheet(response)
        self.assertEqual(rows[1][:4], ("副本编号", "资料标题", "发布组织", "领取人"))
        self.assertEqual(
            rows[2][:6], (self.copy_pdf.copy.code, "全区学习资料", "示范区委", "member", "member", "在线查看")
        )
        self.assertEqual(len(rows), 3)
        self.assertTrue(
            AuditEvent.objects.filter(event="export", detail__what="studyday.material_copies").exists()
        )

    def test_the_register_and_the_trace_are_for_staff(self):
        for user in (self.p.member, self.p.auditor):
            self.login(user)
            for name in ("register", "register_export", "trace"):
                self.assertEqual(self.client.get(reverse(f"materials:{name}")).status_code, 403, name)
            response = self.client.post(reverse("materials:trace"), {"code": self.copy_doc.copy.code})
            self.assertEqual(response.status_code, 403)
        # 西城's branch secretary: neither 东城's copies nor those of the committee above it.
        self.login(self.p.other_secretary)
        self.assertEqual(sheet(self.client.get(reverse("materials:register_export")))[2:], [])
        self.assertEqual(list(self.client.get(reverse("materials:register")).context["page"]), [])

    def test_the_trace_finds_the_reader_of_a_leaked_file(self):
        self.login(self.p.org_admin)
        leaked = SimpleUploadedFile("转发.pdf", resave_pdf(self.copy_pdf.data))
        response = self.client.post(reverse("materials:trace"), {"file": leaked})
        self.assertContains(response, "已查到领取人")
        self.assertEqual(response.context["result"].copy, self.copy_pdf.copy)
        self.assertContains(response, "文件中的隐藏标记")
        response = self.client.post(reverse("materials:trace"), {"code": self.copy_doc.copy.code})
        self.assertEqual(response.context["result"].copy, self.copy_doc.copy)
        self.assertEqual(AuditEvent.objects.filter(event=S.EVENT_TRACE).count(), 2)

    def test_the_trace_says_not_found_outside_the_scope_and_explains_bad_input(self):
        self.login(self.p.other_secretary)
        response = self.client.post(
            reverse("materials:trace"), {"file": SimpleUploadedFile("a.docx", self.copy_doc.data)}
        )
        self.assertContains(response, "未找到")
        self.assertIsNone(response.context["result"].copy)
        self.assertNotContains(response, "东城学习提纲")
        self.assertContains(
            self.client.post(reverse("materials:trace"), {}),
            "请上传泄露的文件，或输入副本编号",
            status_code=400,
        )
        self.assertContains(
            self.client.post(reverse("materials:trace"), {"code": "1234"}), "8 位", status_code=400
        )
        image = SimpleUploadedFile("截图.png", make_image("PNG"))
        response = self.client.post(reverse("materials:trace"), {"file": image})
        self.assertContains(response, "没有可识别的副本标记")
