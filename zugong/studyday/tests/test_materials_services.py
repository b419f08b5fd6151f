"""The materials library's rules: a file is accepted by its bytes (and must open), within the size limit, or
refused with a Chinese message and nothing saved; who reads a material (staff in scope and above, members of
the organization's subtree); every copy issued is stamped for its reader, recorded and audited; a leaked file
or a copy code is traced to its reader, but only by staff whose scope covers the material; archiving."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase

from .. import services_materials as S
from .. import watermark as W
from ..models import Session
from ..models_materials import Material, MaterialCopy, MaterialFile
from ..selectors_materials import ancestor_paths, readable_materials
from .test_watermark import header_texts, make_docx, make_image, make_pdf


def resave_pdf(data: bytes) -> bytes:
    """The PDF as a viewer's "save as" would give it: other bytes, same pages, no document information."""
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(data)).pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class Base(PersonaTestCase):
    """Materials of the district (for everyone), of 东城街道党工委 (its branches) and of 西城街道党工委."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.pdf = make_pdf()
        cls.district_doc = S.material_upload(
            actor=p.org_admin, org=p.district, title="全区学习资料", file_name="全区.pdf", data=cls.pdf
        )
        cls.committee_doc = S.material_upload(
            actor=p.committee_secretary, org=p.committee, title="东城学习提纲", file_name="提纲.docx",
            data=make_docx(), description="第一季度学习",
        )  # fmt: skip
        cls.branch_doc = S.material_upload(
            actor=p.branch_secretary, org=p.branch, title="支部学习照片", file_name="照片.png",
            data=make_image("PNG"),
        )  # fmt: skip
        cls.other_doc = S.material_upload(
            actor=p.org_admin, org=p.other_committee, title="西城学习资料", file_name="西城.pdf",
            data=make_pdf(text="West"),
        )  # fmt: skip

    def events(self, event):
        return AuditEvent.objects.filter(event=event)


class UploadArchiveTest(Base):
    def upload(self, data, name="资料.pdf", **over):
        fields = {"actor": self.p.branch_secretary, "org": self.p.branch, "title": "新资料"} | over
        return S.material_upload(file_name=name, data=data, **fields)

    def assert_refused(self, data, name, message):
        before = (Material.objects.count(), MaterialFile.objects.count(), AuditEvent.objects.count())
        with self.assertRaises(ValidationError) as caught:
            self.upload(data, name)
        self.assertIn(message, " ".join(caught.exception.messages))
        self.assertEqual(
            (Material.objects.count(), MaterialFile.objects.count(), AuditEvent.objects.count()), before
        )

    def test_it_keeps_the_file_as_uploaded_with_its_sniffed_type(self):
        data = make_docx()
        material = self.upload(data, "通知.docx", description="  请在周四前学习  ")
        self.assertEqual(
            (material.file_kind, material.content_type, material.file_name, material.org_path),
            ("docx", W.DOCX_TYPE, "通知.docx", self.p.branch.path),
        )
        self.assertEqual((material.size, material.sha256), (len(data), hashlib.sha256(data).hexdigest()))
        self.assertEqual(bytes(material.file.data), data)
        self.assertEqual(material.description, "请在周四前学习")
        self.assertTrue(
            AuditEvent.objects.filter(
                kind="create", object_type="studyday.material", object_id=str(material.pk)
            )
        )

    def test_it_goes_by_the_bytes_not_the_name(self):
        material = self.upload(make_pdf(), "扫描件.jpg")
        self.assertEqual((material.file_kind, material.file_name), ("pdf", "扫描件.jpg.pdf"))
        material = self.upload(make_image("JPEG"), "../../照片.JPEG")
        self.assertEqual(
            (material.file_kind, material.content_type, material.file_name),
            ("image", W.JPEG_TYPE, "照片.JPEG"),
        )

    def test_it_refuses_other_files_and_saves_nothing(self):
        self.assert_refused(b"MZ\x90\x00\x03 program", "资料.pdf", "无法识别的文件类型")
        self.assert_refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old word", "资料.doc", "另存为 .docx")
        self.assert_refused(b"", "资料.pdf", "文件是空的")
        self.assert_refused(b"%PDF-1.4\n not really a pdf", "资料.pdf", "文件无法打开")

    def test_it_refuses_a_file_over_the_limit(self):
        with mock.patch.object(S, "MAX_BYTES", 1000):
            self.assert_refused(
                make_image("PNG", size=(400, 400), color=(1, 2, 3)) + b"\x00" * 1000, "a.png", "不能超过"
            )

    def test_it_refuses_an_organization_outside_the_scope(self):
        with self.assertRaises(PermissionDenied):
            self.upload(make_pdf(), org=self.p.committee)  # above the branch secretary
        with self.assertRaises(PermissionDenied):
            self.upload(make_pdf(), actor=self.p.other_secretary)
        with self.assertRaises(PermissionDenied):
            self.upload(make_pdf(), actor=self.p.member)

    def test_it_links_only_a_session_of_the_same_organization(self):
        start = timezone.now() + dt.timedelta(days=1)
        session = Session.objects.create(
            org=self.p.sibling_branch, org_path=self.p.sibling_branch.path, kind="study_day", title="学习日",
            starts_at=start, ends_at=start + dt.timedelta(hours=2),
        )  # fmt: skip
        with self.assertRaises(ValidationError):
            self.upload(make_pdf(), session=session)
        ours = Session.objects.create(
            org=self.p.branch, org_path=self.p.branch.path, kind="study_day", title="支部学习日",
            starts_at=start, ends_at=start + dt.timedelta(hours=2),
        )  # fmt: skip
        self.assertEqual(self.upload(make_pdf(), session=ours).session, ours)

    def test_it_archives_with_a_reason_and_keeps_the_register(self):
        S.copy_issue(actor=self.p.member, material=self.branch_doc, purpose="download")
        material = S.material_archive(
            actor=self.p.branch_secretary, material=self.branch_doc, reason=" 内容已更新 "
        )
        self.assertIsNotNone(material.archived_at)
        self.assertEqual(material.archived_reason, "内容已更新")
        self.assertTrue(Material.objects.filter(pk=material.pk).exists())
        self.assertEqual(MaterialCopy.objects.filter(material=material).count(), 1)
        self.assertTrue(AuditEvent.objects.filter(kind="archive", object_id=str(material.pk)).exists())
        with self.assertRaises(ValidationError):
            S.material_archive(actor=self.p.branch_secretary, material=material, reason="再次")

    def test_it_needs_a_reason_and_the_archive_right(self):
        with self.assertRaises(ValidationError):
            S.material_archive(actor=self.p.branch_secretary, material=self.branch_doc, reason="  ")
        with self.assertRaises(PermissionDenied):  # 组织委员 may add, not archive
            S.material_archive(actor=self.p.org_committee_member, material=self.branch_doc, reason="过期")
        with self.assertRaises(PermissionDenied):
            S.material_archive(actor=self.p.other_secretary, material=self.branch_doc, reason="过期")
        self.branch_doc.refresh_from_db()
        self.assertIsNone(self.branch_doc.archived_at)


class ReadIssueTest(Base):
    def test_every_copy_is_stamped_recorded_and_audited(self):
        issued = S.copy_issue(actor=self.p.member, material=self.district_doc, purpose="view", ip="10.1.2.3")
        copy = issued.copy
        self.assertTrue(W.is_code(copy.code))
        self.assertEqual(
            (copy.reader, copy.person, copy.reader_name, copy.purpose, copy.ip, copy.org_path),
            (self.p.member, self.p.alice, "member", "view", "10.1.2.3", self.p.district.path),
        )
        self.assertEqual(copy.sha256, hashlib.sha256(issued.data).hexdigest())
        self.assertEqual(W.read_mark(issued.data), copy.code)
        self.assertEqual(issued.file_name, f"全区（副本{copy.code}）.pdf")
        self.assertEqual(issued.content_type, "application/pdf")
        text = PdfReader(io.BytesIO(issued.data)).pages[0].extract_text()
        self.assertIn(f"副本 {copy.code}", text)
        self.assertIn("仅供学习 禁止外传", text)
        event = self.events(S.EVENT_COPY).get()
        self.assertEqual((event.actor_id, event.object_id), (self.p.member.pk, str(self.district_doc.pk)))
        self.assertEqual(event.detail["code"], copy.code)
        self.assertEqual(event.detail["sha256"], copy.sha256)

    def test_each_issue_is_its_own_copy(self):
        first = S.copy_issue(actor=self.p.member, material=self.branch_doc, purpose="download")
        second = S.copy_issue(actor=self.p.member, material=self.branch_doc, purpose="download")
        self.assertNotEqual(first.copy.code, second.copy.code)
        self.assertNotEqual(first.data, second.data)
        self.assertEqual(MaterialCopy.objects.filter(material=self.branch_doc).count(), 2)
        self.assertEqual(self.events(S.EVENT_COPY).count(), 2)

    def test_a_code_already_taken_is_drawn_again(self):
        taken = S.copy_issue(actor=self.p.member, material=self.branch_doc, purpose="download").copy.code
        with mock.patch.object(S, "new_code", side_effect=[taken, "WXYZ6789"]):
            issued = S.copy_issue(actor=self.p.member, material=self.branch_doc, purpose="download")
        self.assertEqual(issued.copy.code, "WXYZ6789")

    def test_a_reader_outside_gets_nothing_and_nothing_is_recorded(self):
        for user, material in ((self.p.other_member, self.committee_doc), (self.p.other_secretary, self.branch_doc),
                               (self.p.auditor, self.district_doc)):  # fmt: skip
            with self.assertRaises(PermissionDenied):
                S.copy_issue(actor=user, material=material, purpose="download")
        self.assertFalse(MaterialCopy.objects.exists())
        self.assertFalse(self.events(S.EVENT_COPY).exists())

    def test_an_archived_material_is_not_issued(self):
        S.material_archive(actor=self.p.org_admin, material=self.district_doc, reason="已更新")
        with self.assertRaises(PermissionDenied):
            S.copy_issue(actor=self.p.org_admin, material=self.district_doc, purpose="download")
        self.assertFalse(MaterialCopy.objects.exists())

    def test_a_word_file_is_downloaded_not_viewed(self):
        with self.assertRaises(ValidationError):
            S.copy_issue(actor=self.p.member, material=self.committee_doc, purpose="view")
        issued = S.copy_issue(actor=self.p.member, material=self.committee_doc, purpose="download")
        self.assertEqual(W.read_mark(issued.data), issued.copy.code)
        for text in header_texts(issued.data):
            self.assertIn(f"member  副本 {issued.copy.code}", text)

    def titles(self, user):
        return set(readable_materials(user).values_list("title", flat=True))

    def test_the_paths_above_an_organization(self):
        self.assertEqual(ancestor_paths("00000001/00000002/00000005/"),
                         ["00000001/", "00000001/00000002/", "00000001/00000002/00000005/"])  # fmt: skip

    def test_a_member_reads_what_their_organization_and_those_above_it_publish(self):
        self.assertEqual(self.titles(self.p.member), {"全区学习资料", "东城学习提纲", "支部学习照片"})
        self.assertEqual(self.titles(self.p.other_member), {"全区学习资料", "西城学习资料"})

    def test_staff_read_their_subtree_and_what_is_published_above_them(self):
        self.assertEqual(
            self.titles(self.p.branch_secretary), {"全区学习资料", "东城学习提纲", "支部学习照片"}
        )
        self.assertEqual(
            self.titles(self.p.committee_secretary), {"全区学习资料", "东城学习提纲", "支部学习照片"}
        )
        self.assertEqual(self.titles(self.p.other_secretary), {"全区学习资料", "西城学习资料"})
        self.assertEqual(len(self.titles(self.p.org_admin)), 4)

    def test_the_three_administrators_read_nothing(self):
        for user in (self.p.sysadmin, self.p.secadmin, self.p.auditor):
            self.assertEqual(self.titles(user), set())

    def test_nobody_reads_an_archived_material(self):
        S.material_archive(actor=self.p.committee_secretary, material=self.committee_doc, reason="已过期")
        self.assertNotIn("东城学习提纲", self.titles(self.p.member))
        self.assertNotIn("东城学习提纲", self.titles(self.p.committee_secretary))
        archived = readable_materials(self.p.committee_secretary, archived=True)
        self.assertEqual(list(archived), [self.committee_doc])
        self.assertFalse(readable_materials(self.p.member, archived=True).exists())


class TraceTest(Base):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.leak = S.copy_issue(actor=cls.p.member, material=cls.committee_doc, purpose="download")
        cls.pdf_leak = S.copy_issue(actor=cls.p.member, material=cls.district_doc, purpose="view")

    def test_it_finds_the_reader_of_the_exact_file(self):
        result = S.material_trace(
            actor=self.p.committee_secretary, data=self.leak.data, file_name="外传.docx"
        )
        self.assertEqual((result.method, result.copy), ("sha256", self.leak.copy))
        self.assertIn("member", result.message)
        event = self.events(S.EVENT_TRACE).get()
        self.assertEqual(event.detail["found"], True)
        self.assertEqual(event.detail["copy"], self.leak.copy.pk)
        self.assertEqual(event.detail["file"], "外传.docx")

    def test_it_finds_the_reader_of_a_file_saved_again_by_its_hidden_mark(self):
        resaved = resave_pdf(self.pdf_leak.data)
        result = S.material_trace(actor=self.p.org_admin, data=resaved, file_name="转发.pdf")
        self.assertEqual(
            (result.method, result.copy, result.code), ("mark", self.pdf_leak.copy, self.pdf_leak.copy.code)
        )

    def test_it_finds_the_reader_by_a_code_read_off_a_photo(self):
        typed = self.leak.copy.code.lower()
        result = S.material_trace(actor=self.p.committee_secretary, code=f" {typed[:4]}-{typed[4:]} ")
        self.assertEqual((result.method, result.copy), ("code", self.leak.copy))

    def test_it_knows_the_original_file(self):
        result = S.material_trace(actor=self.p.org_admin, data=self.pdf)
        self.assertEqual((result.method, result.material, result.copy), ("original", self.district_doc, None))

    def test_it_answers_not_found_outside_the_scope(self):
        # 西城's secretary holds the leaked file and the code of a 东城 copy: 未找到, as for a code never issued.
        for kwargs in ({"data": self.leak.data}, {"code": self.leak.copy.code}, {"code": "WXYZ6789"}):
            result = S.material_trace(actor=self.p.other_secretary, **kwargs)
            self.assertFalse(result.found)
            self.assertIn("未找到", result.message)
        # The branch secretary reads the district material but does not hold its register.
        self.assertFalse(S.material_trace(actor=self.p.branch_secretary, code=self.pdf_leak.copy.code).found)
        self.assertEqual(self.events(S.EVENT_TRACE).filter(actor_id=self.p.other_secretary.pk).count(), 3)

    def test_it_says_what_is_wrong_with_the_input(self):
        with self.assertRaises(ValidationError) as caught:
            S.material_trace(actor=self.p.org_admin, code="ABC1")
        self.assertIn("8 位", caught.exception.messages[0])
        with self.assertRaises(ValidationError):
            S.material_trace(actor=self.p.org_admin)
        with self.assertRaises(ValidationError):
            S.material_trace(actor=self.p.org_admin, data=b"MZ\x90 exe")
        self.assertFalse(self.events(S.EVENT_TRACE).exists())

    def test_it_is_for_staff_only(self):
        for user in (self.p.member, self.p.auditor):
            with self.assertRaises(PermissionDenied):
                S.material_trace(actor=user, code=self.leak.copy.code)
