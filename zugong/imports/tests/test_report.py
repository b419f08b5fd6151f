import io

from openpyxl import load_workbook

from zugong.imports.reader import CellIssue
from zugong.imports.report import annotated_workbook, template_workbook
from zugong.imports.rules import HEADERS, SHEET_NAME
from zugong.imports.tests.helpers import workbook


def test_it_serves_a_template_with_the_headers_and_text_formatted_id_column():
    wb = load_workbook(io.BytesIO(template_workbook()))
    ws = wb[SHEET_NAME]
    assert [c.value for c in ws[1]] == HEADERS
    id_letter = ws.cell(row=1, column=HEADERS.index("公民身份号码") + 1).column_letter
    assert ws[f"{id_letter}2"].number_format == "@"
    assert "填写说明" in wb.sheetnames


def test_it_marks_every_bad_cell_and_explains_it():
    data = workbook([["王小红", "110101198503080028"], ["李建国", "110101198001010053"]])
    issues = [CellIssue(2, "公民身份号码", "公民身份号码校验位不正确，请核对。")]
    ws = load_workbook(annotated_workbook(data, issues))[SHEET_NAME]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "错误说明" and list(rows[0][1:]) == HEADERS
    assert rows[1][0] == "公民身份号码：公民身份号码校验位不正确，请核对。"
    assert rows[2][0] is None
    assert ws.cell(row=2, column=3).fill.fgColor.rgb.endswith("FFC7CE")
