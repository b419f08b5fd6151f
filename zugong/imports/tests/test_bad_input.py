"""The bad-input battery of the 'Trust baseline' issue, end to end through the upload page: each file
gets a clear Chinese message and the roster is left as it was."""

from __future__ import annotations

import io
import zipfile

from django.test import override_settings
from django.urls import reverse

from zugong.core.testing import PersonaTestCase
from zugong.imports.models import ImportJob
from zugong.people.models import Person

from .helpers import member, new_id, upload, workbook

BRANCH = "T010101"


class BadInputTest(PersonaTestCase):
    def setUp(self):
        self.login(self.p.branch_secretary)
        self.people_before = Person.objects.count()

    def tearDown(self):
        self.assertEqual(Person.objects.count(), self.people_before)

    def refused_on_upload(self, data: bytes, message: str, name="名册.xlsx"):
        """A problem of the whole file: shown on the upload page, no job recorded."""
        response = self.client.post(reverse("imports:home"), {"file": upload(data, name), "dry_run": "on"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, message)
        self.assertFalse(ImportJob.objects.exists())

    def refused_by_row(self, rows, column: str, message: str):
        """A problem of some cells: the job page lists it with row and column; nothing is written."""
        response = self.client.post(reverse("imports:home"), {"file": upload(workbook(rows))})
        job = ImportJob.objects.get()
        self.assertRedirects(response, reverse("imports:job", args=[job.pk]))
        self.assertEqual(job.status, "invalid")
        self.assertTrue(
            any(i["column"] == column and message in i["message"] for i in job.issues), job.issues
        )
        page = self.client.get(reverse("imports:job", args=[job.pk]))
        self.assertContains(page, message)
        return job, page

    def test_it_refuses_a_file_that_is_not_xlsx(self):
        self.refused_on_upload(
            "姓名,公民身份号码\n刘晓燕,1\n".encode(), "文件不是 Excel（.xlsx）格式", "名册.csv"
        )

    def test_it_refuses_a_renamed_xls(self):
        self.refused_on_upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "旧版 Excel（.xls）")

    def test_it_refuses_a_renamed_docx(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("word/document.xml", "<w:document/>")
        self.refused_on_upload(buf.getvalue(), "不是 Excel 工作簿")

    def test_it_refuses_an_empty_workbook(self):
        self.refused_on_upload(workbook(headers=None), "是空的")

    def test_it_refuses_the_wrong_sheet(self):
        self.refused_on_upload(workbook(sheet="Sheet1"), "找不到名为“人员名册”的工作表")

    def test_it_refuses_merged_cells(self):
        def merge(ws):
            ws.merge_cells("L2:L3")

        rows = [member("刘晓燕", new_id(11), BRANCH), member("孙立", new_id(13), BRANCH)]
        self.refused_on_upload(workbook(rows, setup=merge), "合并单元格")

    def test_it_refuses_formulas(self):
        self.refused_by_row([member("刘晓燕", new_id(11), BRANCH, 职务="=A1&B1")], "职务", "公式")

    def test_it_refuses_an_id_number_stored_as_a_number(self):
        self.refused_by_row([member("刘晓燕", 1.10101198805040e17, BRANCH)], "公民身份号码", "1.10101E+17")

    def test_it_accepts_full_width_digits_and_stray_spaces_after_folding(self):
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in new_id(11))
        rows = [member(" 刘晓燕\u3000", f" {full_width} ", f" {BRANCH}\xa0")]
        response = self.client.post(
            reverse("imports:home"), {"file": upload(workbook(rows)), "dry_run": "on"}
        )
        job = ImportJob.objects.get()
        self.assertRedirects(response, reverse("imports:job", args=[job.pk]))
        self.assertEqual((job.status, job.new_count, job.issues), ("previewed", 1, []))

    def test_it_refuses_a_cell_with_10_mb_of_text(self):
        self.refused_by_row(
            [member("刘晓燕", new_id(11), BRANCH, 家庭住址="路" * (10 * 1024 * 1024))], "家庭住址", "内容过长"
        )

    def test_it_skips_a_sheet_claiming_1048576_rows(self):
        def far(ws):
            ws.cell(row=1_048_576, column=1, value=" ")

        rows = [member("刘晓燕", new_id(11), BRANCH, 职务="<b>")]
        data = workbook(rows, setup=far)
        self.client.post(reverse("imports:home"), {"file": upload(data), "dry_run": "on"})
        job = ImportJob.objects.get()
        self.assertEqual((job.row_count, job.status), (1, "invalid"))

    @override_settings(ZUGONG_IMPORT_MAX_ROWS=2)
    def test_it_refuses_more_rows_than_the_limit(self):
        rows = [member("刘晓燕", new_id(i), BRANCH) for i in (11, 13, 15)]
        self.refused_on_upload(workbook(rows), "数据超过 2 行上限")

    @override_settings(ZUGONG_IMPORT_MAX_BYTES=1024 * 1024)
    def test_it_refuses_an_upload_over_the_size_limit(self):
        self.refused_on_upload(b"PK\x03\x04" + b"0" * (2 * 1024 * 1024), "超过上限 1 MB")

    def test_it_refuses_html_and_script_in_every_text_field_and_escapes_it_on_the_page(self):
        script = "<script>alert('x')</script>"
        for header in (
            "姓名",
            "民族",
            "学历",
            "联系电话",
            "家庭住址",
            "工作单位",
            "职务",
            "职级",
            "所在党组织编码",
            "所在党组织",
            "党员类别",
        ):
            with self.subTest(header=header):
                ImportJob.objects.all().delete()
                cells = (
                    {header: script} if header != "所在党组织" else {"所在党组织编码": None, header: script}
                )
                job, page = self.refused_by_row([member("刘晓燕", new_id(11), BRANCH, **cells)], header, "")
                self.assertNotContains(page, script)  # every message that quotes the cell is escaped

    def test_it_refuses_sql_looking_strings(self):
        job, page = self.refused_by_row(
            [member("刘晓燕", new_id(11), BRANCH, 职务="科员'; DROP TABLE people_person;--")],
            "职务",
            "不允许的字符",
        )
        self.assertTrue(Person.objects.filter(name="王小红").exists())

    def test_it_escapes_markup_in_the_file_name(self):
        name = "<img src=x onerror=alert(1)>.xlsx"
        data = workbook([member("刘晓燕", new_id(11), BRANCH, 职务="<b>")])
        self.client.post(reverse("imports:home"), {"file": upload(data, name)})
        job = ImportJob.objects.get()
        for url in (reverse("imports:job", args=[job.pk]), reverse("imports:history")):
            page = self.client.get(url)
            self.assertNotContains(page, "<img src=x")
            self.assertContains(page, "&lt;img src=x onerror=alert(1)&gt;.xlsx")
