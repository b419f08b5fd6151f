"""A file with one bad row is refused as a whole: ``ImportRejected`` names the row (and only it), and
nothing is written (no entry, no batch, no audit row). Problems of the whole file come back as row 1."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from openpyxl import load_workbook

from zugong.core import idnumber
from zugong.imports.reader import CellIssue

from .. import services_import as si
from ..models import CreditRuleSet
from .base import YEAR
from .test_import import DAY, ImportCase, line, xlsx


class BadRowTest(ImportCase):
    def assert_rejected(self, bad_row, column, message, *, extra_rows=()):
        """A good row 2, then ``bad_row`` as row 3: refused, row 3 listed, nothing written."""
        data = xlsx([line(self.p.cadre, "正常课程"), bad_row, *extra_rows])
        before = self.counts()
        check = self.check_file(data)
        self.assertEqual([(i.row, i.column) for i in check.issues], [(3, column)])
        self.assertIn(message, check.issues[0].message)
        with self.assertRaises(si.ImportRejected) as caught:
            self.run_file(data)
        rejected = caught.exception
        self.assertEqual([(i.row, i.column) for i in rejected.issues], [(3, column)])
        self.assertEqual(rejected.rows, 2 + len(extra_rows))
        self.assertEqual(str(rejected), "共 1 行有误，未导入任何记录。")
        self.assertEqual(self.counts(), before)
        return rejected

    def test_a_bad_checksum(self):
        number = self.p.cadre.reveal_id_number()
        wrong = number[:17] + ("0" if number[17] != "0" else "1")
        self.assert_rejected(line(self.p.cadre, id_number=wrong), "身份证号", "校验位")

    def test_an_id_of_the_wrong_length(self):
        self.assert_rejected(line(self.p.cadre, id_number="11010119800101"), "身份证号", "18位")

    def test_a_name_that_does_not_match_the_id(self):
        self.assert_rejected(line(self.p.cadre, name="陈志强"), "姓名", "姓名与身份证号不符")

    def test_someone_who_is_not_a_district_cadre(self):
        self.assert_rejected(line(self.p.alice), "身份证号", "不是区管干部")

    def test_an_unknown_person(self):
        stranger = idnumber.make("110101", dt.date(1970, 1, 1), 999)
        self.assert_rejected(
            line(self.p.cadre, name="路人甲", id_number=stranger), "身份证号", "没有该身份证号"
        )

    def test_an_archived_cadre(self):
        self.p.dave.archived_at = timezone.now()
        self.p.dave.save(update_fields=["archived_at"])
        self.assert_rejected(line(self.p.dave), "身份证号", "已归档")

    def test_minutes_not_a_positive_number(self):
        for minutes, message in ((0, "大于 0"), (-5, "大于 0"), ("abc", "不是数字"), (None, "不能为空"),
                                 (0.001, "大于 0"), (1441, "1440"), ("nan", "分钟数")):  # fmt: skip
            with self.subTest(minutes=minutes):
                self.assert_rejected(line(self.p.cadre, minutes=minutes), "学习时长（分钟）", message)

    def test_a_date_in_the_future(self):
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        self.assert_rejected(line(self.p.cadre, date=tomorrow), "学习日期", "晚于今天")

    def test_a_date_that_is_not_one(self):
        for value, message in (("2025-02-30", "不是有效日期"), ("上周", "格式不正确"), (None, "不能为空")):
            with self.subTest(value=value):
                self.assert_rejected(line(self.p.cadre, date=value), "学习日期", message)

    def test_a_closed_year(self):
        CreditRuleSet.objects.filter(year=YEAR).update(closed=True)
        data = xlsx([line(self.p.cadre, date=DAY)])
        with self.assertRaises(si.ImportRejected) as caught:
            self.run_file(data)
        self.assertEqual([(i.row, i.column) for i in caught.exception.issues], [(2, "学习日期")])
        self.assertIn("该年度已关账", caught.exception.issues[0].message)

    def test_a_year_without_rules(self):
        self.assert_rejected(
            line(self.p.cadre, date=dt.date(2019, 5, 1)), "学习日期", "2019年度尚未设置学分规则"
        )

    def test_a_row_repeated_in_the_file(self):
        rejected = self.assert_rejected(line(self.p.cadre, "正常课程", minutes=30), "课程名称", "第 2 行")
        self.assertIn("重复", rejected.issues[0].message)

    def test_an_empty_course_or_name(self):
        self.assert_rejected(line(self.p.cadre, course=None), "课程名称", "不能为空")
        self.assert_rejected(line(self.p.cadre, course="课" * 201), "课程名称", "200")
        self.assert_rejected(["", self.p.cadre.reveal_id_number(), "课", 30, DAY], "姓名", "不能为空")

    def test_every_bad_row_is_listed(self):
        data = xlsx(
            [
                line(self.p.cadre, "一", 0),  # 2
                line(self.p.cadre, "二"),  # 3: good
                line(self.p.alice, "三"),  # 4
                line(self.p.cadre, "四", "abc", "明天"),  # 5: two cells
            ]
        )
        with self.assertRaises(si.ImportRejected) as caught:
            self.run_file(data)
        issues = [(i.row, i.column) for i in caught.exception.issues]
        self.assertEqual(
            issues, [(2, "学习时长（分钟）"), (4, "身份证号"), (5, "学习时长（分钟）"), (5, "学习日期")]
        )
        self.assertEqual(str(caught.exception), "共 3 行有误，未导入任何记录。")
        self.assertEqual(caught.exception.issues[0].letter, "D")


class BadFileTest(ImportCase):
    def assert_refused(self, data, message):
        before = self.counts()
        check = self.check_file(data)
        self.assertEqual([(i.row, i.column) for i in check.issues], [(1, "文件")])
        self.assertIn(message, check.issues[0].message)
        self.assertEqual((check.rows, check.new), (0, 0))
        with self.assertRaises(si.ImportRejected) as caught:
            self.run_file(data)
        self.assertIn(message, str(caught.exception))
        self.assertTrue(str(caught.exception).endswith("未导入任何记录。"))
        self.assertEqual(self.counts(), before)

    def test_a_missing_header(self):
        headers = ["姓名", "身份证号", "课程名称", "学习日期"]
        self.assert_refused(xlsx([line(self.p.cadre)[:3] + [DAY]], headers=headers), "学习时长")

    def test_an_old_xls_file(self):
        self.assert_refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls")

    def test_garbage(self):
        self.assert_refused(b"%PDF-1.4 not a workbook", "不是 Excel")
        self.assert_refused(b"PK\x03\x04broken zip", "损坏")
        self.assert_refused(b"", "空的")

    def test_too_big(self):
        self.assert_refused(b"PK\x03\x04" + b"\0" * (si.MAX_BYTES + 1), "超过上限")

    def test_no_data_rows(self):
        self.assert_refused(xlsx([]), "没有数据行")


class FilesTest(ImportCase):
    def test_the_template_has_the_headers_an_example_and_notes(self):
        wb = load_workbook(io.BytesIO(si.template_xlsx()))
        ws = wb[si.SHEET_NAME]
        self.assertEqual([c.value for c in ws[1]], si.HEADERS)
        self.assertEqual(ws["A2"].value, "张三")
        self.assertEqual(ws["B3"].number_format, "@")
        self.assertGreater(ws.column_dimensions["C"].width, 30)
        self.assertIn("说明", wb.sheetnames)

    def test_the_template_filled_in_imports(self):
        wb = load_workbook(io.BytesIO(si.template_xlsx()))
        ws = wb[si.SHEET_NAME]
        for col, value in enumerate(line(self.p.cadre, "专题", 45), start=1):
            ws.cell(row=2, column=col, value=value)
        buf = io.BytesIO()
        wb.save(buf)
        batch = self.run_file(buf.getvalue())
        self.assertEqual(batch.added, 1)

    def test_the_template_as_it_is_is_refused(self):
        with self.assertRaises(si.ImportRejected) as caught:
            self.run_file(si.template_xlsx())
        self.assertEqual([i.row for i in caught.exception.issues], [2])

    def test_the_issues_workbook(self):
        issues = [
            CellIssue(3, "身份证号", "校验位不正确"),
            {"row": 5, "column": "学习日期", "message": "晚于今天"},
        ]
        ws = load_workbook(io.BytesIO(si.issues_xlsx(issues))).active
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        self.assertEqual(
            rows, [["行号", "列", "问题"], [3, "身份证号", "校验位不正确"], [5, "学习日期", "晚于今天"]]
        )
