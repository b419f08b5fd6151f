"""The documents of 测评: slips (Word, PDF) with one QR code per code, the results report with the tally's numbers,
and the Excel of raw ballots: one row per live ballot, no test ballot, no ballot key."""

from __future__ import annotations

import io
import re

import docx
from openpyxl import load_workbook

from zugong.core.testing import PersonaTestCase

from .. import documents, selectors, services
from ..builtins import Kind
from .test_engine import cadre_vote, make

URL = "https://zugong.example/v/"
UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)


def docx_text(content: bytes) -> str:
    doc = docx.Document(io.BytesIO(content))
    cells = [p.text for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


class SlipsAndReportTest(PersonaTestCase):
    """12 codes; 9 of them vote 4 优秀, 1 称职, 3 基本称职, 1 不称职 → 好评率 5/9 = 55.56%, 诫勉."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.e = make(cls.p)
        services.go_live(actor=cls.p.org_admin, evaluation=cls.e)
        cls.e.refresh_from_db()
        cls.vc = cls.e.voter_classes.get()
        _, cls.codes = services.issue_codes(
            actor=cls.p.org_admin, evaluation=cls.e, voter_class=cls.vc, count=12
        )
        subject = cls.e.subjects.get()
        grades = ["excellent"] * 4 + ["competent"] + ["basic"] * 3 + ["incompetent"]
        for code, grade in zip(cls.codes, grades, strict=False):
            services.cast_ballot(code=code, answers={str(subject.pk): cadre_vote(grade)})

    def test_the_word_slips(self):
        content = documents.slips_docx(self.e, self.vc, self.codes, URL)
        text = docx_text(content)
        self.assertIn("2025年度干部民主测评", text)
        self.assertIn("参评人员类别：班子成员", text)
        for code in self.codes:
            self.assertIn(f"{code[:4]}-{code[4:8]}-{code[8:]}", text)
        self.assertIn(f"扫码或访问 {URL} 输入测评码投票；每个测评码只能投票一次，请妥善保管。", text)
        doc = docx.Document(io.BytesIO(content))
        self.assertEqual(len(doc.inline_shapes), 12)  # one QR code per slip
        self.assertEqual(len(doc.tables[0].rows), 6)  # two slips a row
        self.assertEqual(round(doc.sections[0].page_width.mm), 210)
        xml = doc.element.xml
        self.assertIn('w:eastAsia="黑体"', xml)
        self.assertIn('w:eastAsia="仿宋_GB2312"', doc.styles["Normal"].element.xml)
        self.assertEqual(services.normalize_code(documents.grouped(self.codes[0])), self.codes[0])

    def test_the_pdf_slips(self):
        content = documents.slips_pdf(self.e, self.vc, self.codes, URL)
        self.assertTrue(content.startswith(b"%PDF"))
        self.assertEqual(len(re.findall(rb"/Type /Page\b(?!s)", content)), 2)  # 10 a page
        self.assertIn(b"STSong-Light", content)
        self.assertEqual(len(re.findall(rb"/Subtype /Image", content)), 12)

    def test_the_results_report(self):
        content = documents.results_docx(selectors.results(self.e))
        text = docx_text(content)
        self.assertIn("2025年度干部民主测评测评结果报告", text)
        self.assertIn("东城街道党工委", text)
        self.assertIn("共收回有效选票 9 张", text)
        self.assertIn("好评率（优秀+称职）：55.56%", text)
        self.assertIn("诫勉", text)
        self.assertNotIn("调整：", text)
        doc = docx.Document(io.BytesIO(content))
        turnout = [c.text for c in doc.tables[0].rows[1].cells]
        self.assertEqual(turnout, ["班子成员", "1", "10", "9", "90.00%"])
        overall = next(t for t in doc.tables if t.rows[1].cells[0].text == "优秀")
        self.assertEqual([c.text for c in overall.rows[1].cells], ["优秀", "4", "44.44%", "44.44%"])
        self.assertEqual([c.text for c in overall.rows[4].cells][:2], ["不称职", "1"])
        self.assertIn('w:eastAsia="方正小标宋简体"', doc.element.xml)
        self.assertEqual(doc.paragraphs[0].runs[0].font.size.pt, 22)


FORM = {"sections": [{"title": "问卷", "items": [
    {"key": "overall", "label": "总体评价", "kind": "grade", "scale": "cadre"},
    {"key": "best", "label": "突出方面", "kind": "multiple", "options": ["政治", "业务", "作风"], "max": 2,
     "required": False},
    {"key": "score", "label": "评分", "kind": "rating", "max": 10, "required": False},
    {"key": "why", "label": "意见", "kind": "text", "required": False},
]}]}  # fmt: skip


class BallotsExcelTest(PersonaTestCase):
    def cast(self, e, answers_list):
        subjects = list(e.subjects.order_by("position"))
        _, codes = services.issue_codes(
            actor=self.p.org_admin, evaluation=e, voter_class=e.voter_classes.get(), count=len(answers_list)
        )
        for code, answers in zip(codes, answers_list, strict=True):
            services.cast_ballot(code=code, answers={str(s.pk): answers for s in subjects})

    def sheet(self, e):
        wb = load_workbook(io.BytesIO(documents.ballots_xlsx(e, "组织部管理员")))
        return [list(row) for row in wb.active.iter_rows(values_only=True)]

    def test_one_row_per_live_ballot_and_no_keys(self):
        subjects = [{"kind": "department", "label": "区委组织部"}, {"kind": "team", "label": "东城班子"}]
        e = make(self.p, kind=Kind.QUESTIONNAIRE, spec=FORM, subjects=subjects)
        vote = {"overall": "excellent", "best": ["o3", "o1"], "score": 9, "why": '=HYPERLINK("x")'}
        self.cast(e, [vote])  # test mode: never exported
        self.assertEqual(len(self.sheet(e)), 2)  # watermark and header only
        services.go_live(actor=self.p.org_admin, evaluation=e)
        self.cast(e, [vote, {"overall": "competent", "best": ["o2"], "score": 6}, {"overall": "basic"}])
        rows = self.sheet(e)
        self.assertTrue(rows[0][0].startswith("导出人：组织部管理员  导出时间："))
        self.assertEqual(
            rows[1],
            ["选票序号", "参评人员类别", "投票日期", "区委组织部·总体评价", "区委组织部·突出方面", "区委组织部·评分",
             "区委组织部·意见", "东城班子·总体评价", "东城班子·突出方面", "东城班子·评分", "东城班子·意见"],
        )  # fmt: skip
        data = rows[2:]
        self.assertEqual(len(data), 3)
        self.assertEqual([r[0] for r in data], [1, 2, 3])
        by_grade = {r[3]: r for r in data}
        self.assertEqual(by_grade["优秀"][3:7], ["优秀", "政治、作风", 9, '\'=HYPERLINK("x")'])
        self.assertEqual(by_grade["称职"][3:7], ["称职", "业务", 6, None])
        self.assertEqual(by_grade["基本称职"][3:7], ["基本称职", None, None, None])
        self.assertEqual({r[1] for r in data}, {"班子成员"})
        cells = [str(v) for row in rows for v in row if v is not None]
        self.assertFalse([v for v in cells if UUID.search(v)])

    def test_the_rows_take_two_queries_whatever_the_ballots(self):
        e = make(self.p)
        services.go_live(actor=self.p.org_admin, evaluation=e)
        self.cast(e, [cadre_vote("excellent")] * 6)
        with self.assertNumQueries(2):
            rows = list(documents.ballots_xlsx_rows(e))
        self.assertEqual(len(rows), 6)

    def test_a_ballot_with_no_answer_keeps_its_row(self):
        e = make(self.p, kind=Kind.QUESTIONNAIRE)  # only an optional opinion
        services.go_live(actor=self.p.org_admin, evaluation=e)
        self.cast(e, [{}, {"opinion": "多下基层"}])
        rows = sorted(list(documents.ballots_xlsx_rows(e)), key=lambda r: r[3] or "")
        self.assertEqual(
            [(r[0] in (1, 2), r[1], r[3]) for r in rows],
            [(True, "班子成员", None), (True, "班子成员", "多下基层")],
        )
