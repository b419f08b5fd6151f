"""Documents of 测评: the slips of one-time codes to print and cut (Word and PDF, a QR code on each), the
results report in the department's style (Word) and the raw anonymous ballots (Excel).

Word files name the 公文 fonts (仿宋_GB2312 body, 黑体 headings, 方正小标宋简体 title; the reader's machine
supplies them); PDFs use reportlab's built-in CID font STSong-Light, so no font file is needed.

The ballots: ``ballot_columns(evaluation)`` is the header row and ``ballots_xlsx_rows(evaluation)`` yields the
data rows only (no header), so both can go to ``zugong.core.exports.write_xlsx``; ``ballots_xlsx`` does that
with the project's watermark row and returns the file's bytes. Ballots are numbered 1…n in the order of their
random keys, and the keys are never written out."""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Iterator
from xml.sax.saxutils import escape

import segno
from django.utils import timezone
from docx import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph

from zugong.core.exports import write_xlsx

from . import spec as S
from .models import Ballot, Subject

BODY, HEI, TITLE = "仿宋_GB2312", "黑体", "方正小标宋简体"
LATIN, MONO = "Times New Roman", "Courier New"
CJK = "STSong-Light"
CENTER = WD_ALIGN_PARAGRAPH.CENTER
INSTRUCTION = "扫码或访问 {url} 输入测评码投票；每个测评码只能投票一次，请妥善保管。"
QR_SIZE_MM = 25


def clean(text) -> str:
    """Text that XML (Word, Excel) accepts: control characters dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(text))


def grouped(code: str) -> str:
    """ABCDEFGHJK → ABCD-EFGH-JK (the vote page strips dashes and spaces)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def percent(share) -> str:
    """Decimal("0.5556") → "55.56%"; no share → "—"."""
    return "—" if share is None else f"{share * 100:.2f}%"


def qr_png(data: str) -> bytes:
    buf = io.BytesIO()
    segno.make_qr(data, error="m").save(buf, kind="png", scale=8, border=2)
    return buf.getvalue()


def _base(vote_url: str) -> str:
    return vote_url if vote_url.endswith("/") else vote_url + "/"


def _date(value) -> str:
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _cn(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (section numbers of the report, below 100)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return f"{digits[tens] if tens > 1 else ''}十{digits[ones] if ones else ''}"


# ---- Word ------------------------------------------------------------------------------------------------


def _fonts(element, east_asia: str, latin: str = LATIN) -> None:
    """Name the fonts of a run or a style: ``east_asia`` for Chinese (w:eastAsia), ``latin`` for the rest."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _run(paragraph, text, font=BODY, size=16.0, bold=False, latin=LATIN):
    run = paragraph.add_run(clean(text))
    _fonts(run._element, font, latin)
    run.font.size = Pt(size)
    run.bold = bold
    return run


def _para(container, text="", font=BODY, size=16.0, bold=False, align=None, indent=False):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)  # 首行缩进两字
    if text:
        _run(paragraph, text, font, size, bold)
    return paragraph


def _document(margins_mm: tuple[int, int, int, int], size: float):
    """An A4 document, margins (top, bottom, left, right), body text 仿宋_GB2312 of ``size`` points."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    top, bottom, left, right = (Mm(m) for m in margins_mm)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = (
        top,
        bottom,
        left,
        right,
    )
    normal = doc.styles["Normal"]
    _fonts(normal.element, BODY)
    normal.font.size = Pt(size)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    return doc


def _bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _dashed_borders(table) -> None:
    """Dashed grey lines around and between the cells: where the slips are cut."""
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        for key, value in (("val", "dashed"), ("sz", "6"), ("space", "0"), ("color", "808080")):
            line.set(qn(f"w:{key}"), value)
        borders.append(line)
    later = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")
    table._tbl.tblPr.insert_element_before(borders, *later)  # the schema's order


def _slip_cell(cell, evaluation, voter_class, code: str, url: str) -> None:
    title = cell.paragraphs[0]
    title.alignment = CENTER
    title.paragraph_format.space_before = Pt(6)
    _run(title, evaluation.title, HEI, 11)
    _para(cell, f"参评人员类别：{voter_class.name}", size=10.5, align=CENTER)
    _run(_para(cell, align=CENTER), grouped(code), HEI, 20, bold=True, latin=MONO)
    picture = _para(cell, align=CENTER).add_run()
    picture.add_picture(io.BytesIO(qr_png(url + code + "/")), width=Mm(QR_SIZE_MM), height=Mm(QR_SIZE_MM))
    note = _para(cell, INSTRUCTION.format(url=url), size=8)
    note.paragraph_format.left_indent = note.paragraph_format.right_indent = Mm(2)


def slips_docx(evaluation, voter_class, codes: list[str], vote_url: str) -> bytes:
    """The codes as slips to print and cut: two a row, eight an A4 page, each with a QR code of its vote page."""
    url = _base(vote_url)
    doc = _document((12, 12, 12, 12), 10.5)
    table = doc.add_table(rows=0, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _dashed_borders(table)
    for start in range(0, len(codes), 2):
        row = table.add_row()
        row.height, row.height_rule = Mm(66), WD_ROW_HEIGHT_RULE.AT_LEAST
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a slip never breaks across pages
        for cell, code in itertools.zip_longest(row.cells, codes[start : start + 2]):
            cell.width = Mm(93)
            if code:
                _slip_cell(cell, evaluation, voter_class, code, url)
    return _bytes(doc)


def _table(doc, headers: list[str], rows: list[list], size: float = 12) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cells, texts, bold in [(table.rows[0].cells, headers, True)] + [
        (table.add_row().cells, row, False) for row in rows
    ]:
        for cell, text in zip(cells, texts, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = CENTER
            _run(paragraph, text, HEI if bold else BODY, size)


def _weight(value) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _item(doc, item: dict) -> None:
    if item["kind"] == "rating":
        mean = "无评分" if item["mean"] is None else f"平均 {item['mean']} 分"
        _para(
            doc, f"{item['label']}：{mean}（满分 {item['max']} 分，{item['answered']} 人评分）。", indent=True
        )
        return
    _para(doc, item["label"], bold=True, indent=True)
    rows = [
        [o["label"], str(o["count"]), percent(o["share"]), percent(o["weighted_share"])]
        for o in item["options"]
    ]
    _table(doc, ["选项", "票数", "占比", "加权占比"], rows)
    lines = []
    if item.get("favourable_rate") is not None:
        best = "+".join(o["label"] for o in item["options"][:2])
        lines.append(f"好评率（{best}）：{percent(item['favourable_rate'])}。")
    if item.get("satisfaction_index") is not None:
        lines.append(f"满意度指数：{item['satisfaction_index']}。")
    if item.get("admonish"):
        lines.append("诫勉：“优秀”和“称职”票合计低于三分之二。")
    if item.get("adjust"):
        lines.append("调整：“不称职”票超过三分之一。")
    for line in lines:
        _para(doc, line, indent=True)


def results_docx(results: dict) -> bytes:
    """The results report (``selectors.results``): turnout by voter class, then each subject's items."""
    evaluation = results["evaluation"]
    doc = _document((37, 35, 28, 26), 16)  # 公文: A4, 三号仿宋
    _para(doc, f"{evaluation.title}测评结果报告", TITLE, 22, align=CENTER)
    _para(doc)
    _para(
        doc,
        f"组织单位：{evaluation.org.name}。测评时间：{_date(evaluation.opens_at)}至{_date(evaluation.closes_at)}。"
        f"共收回有效选票 {results['ballots']} 张。",
        indent=True,
    )
    _para(doc, "一、参评情况", HEI, indent=True)
    turnout = [
        [t["voter_class"].name, _weight(t["voter_class"].weight), str(t["expected"]), str(t["ballots"]),
         percent(t["rate"])]
        for t in results["turnout"]
    ]  # fmt: skip
    _table(doc, ["类别", "权重", "应参评", "实参评", "参评率"], turnout)
    for n, block in enumerate(results["subjects"], start=2):
        _para(doc, f"{_cn(n)}、{block['subject'].label}", HEI, indent=True)
        if block.get("combined"):
            _combined(doc, block["combined"])
        for item in block["items"]:
            _item(doc, item)
    return _bytes(doc)


def _combined(doc, combined: dict) -> None:
    """述职评议: each part's score and weight, the combined score and its grade."""
    rows = [
        [p["label"], f"{p['weight']}%", "—" if p["score"] is None else str(p["score"])]
        for p in combined["parts"]
    ]
    _table(doc, ["评分项目", "权重", "得分"], rows)
    if combined["score"] is None:
        _para(doc, f"综合得分：待录入{'、'.join(combined['missing'])}。", indent=True)
    else:
        _para(doc, f"综合得分：{combined['score']}，等次：{combined['grade']}。", indent=True)


# ---- PDF -------------------------------------------------------------------------------------------------

PDF_COLUMNS, PDF_ROWS, PDF_MARGIN, PDF_PAD = 2, 5, 10 * mm, 4 * mm


@functools.cache
def _pdf_styles() -> dict[str, ParagraphStyle]:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK))
    style = functools.partial(ParagraphStyle, fontName=CJK, wordWrap="CJK")
    return {
        "title": style("title", fontSize=11, leading=14, alignment=1),
        "class": style("class", fontSize=9.5, leading=12),
        "note": style("note", fontSize=7.5, leading=9.5),
    }


def _draw(pdf, text: str, style: str, x: float, top: float, width: float) -> float:
    """Draw a paragraph whose top is at ``top``; return its bottom."""
    paragraph = Paragraph(escape(clean(text)), _pdf_styles()[style])
    _, height = paragraph.wrap(width, 200 * mm)
    paragraph.drawOn(pdf, x, top - height)
    return top - height


def _pdf_slip(pdf, x, y, w, h, evaluation, voter_class, code: str, url: str) -> None:
    pdf.setDash(4, 3)
    pdf.setStrokeGray(0.5)
    pdf.rect(x, y, w, h)
    pdf.setDash()
    qr, pad = QR_SIZE_MM * mm, PDF_PAD
    top = _draw(pdf, evaluation.title, "title", x + pad, y + h - pad, w - 2 * pad) - 1 * mm
    image = ImageReader(io.BytesIO(qr_png(url + code + "/")))
    pdf.drawImage(image, x + w - pad - qr, top - qr, qr, qr)
    below = _draw(pdf, f"参评人员类别：{voter_class.name}", "class", x + pad, top - 2 * mm, w - 3 * pad - qr)
    below = _draw(pdf, "测评码：", "class", x + pad, below - 2 * mm, w - 3 * pad - qr)
    pdf.setFont("Courier-Bold", 16)
    pdf.drawString(x + pad, below - 8 * mm, grouped(code))
    _draw(pdf, INSTRUCTION.format(url=url), "note", x + pad, top - qr - 2 * mm, w - 2 * pad)


def slips_pdf(evaluation, voter_class, codes: list[str], vote_url: str) -> bytes:
    """The same slips as a PDF: 2 × 5 an A4 page, dashed cut lines, Chinese in STSong-Light."""
    url = _base(vote_url)
    _pdf_styles()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle(clean(f"{evaluation.title} 测评码（{voter_class.name}）"))
    width, height = A4
    w, h = (width - 2 * PDF_MARGIN) / PDF_COLUMNS, (height - 2 * PDF_MARGIN) / PDF_ROWS
    per_page = PDF_COLUMNS * PDF_ROWS
    for start in range(0, len(codes), per_page):
        if start:
            pdf.showPage()
        for n, code in enumerate(codes[start : start + per_page]):
            row, column = divmod(n, PDF_COLUMNS)
            x, y = PDF_MARGIN + column * w, height - PDF_MARGIN - (row + 1) * h
            _pdf_slip(pdf, x, y, w, h, evaluation, voter_class, code, url)
    pdf.save()
    return buf.getvalue()


# ---- Excel of the ballots --------------------------------------------------------------------------------


def _text(value) -> str:
    """A cell's text: no control characters, never read as a formula (a leading "=" is quoted)."""
    text = clean(value)
    return "'" + text if text.startswith("=") else text


def _columns(evaluation) -> list[tuple[int, dict, str]]:
    """(subject id, item, header) for each subject × item, in the order of the form."""
    items = S.items_of(evaluation.spec)
    subjects = (
        Subject.objects.filter(evaluation=evaluation).order_by("position", "id").values_list("pk", "label")
    )
    return [(pk, item, f"{label}·{item['label']}") for pk, label in subjects for item in items]


def ballot_columns(evaluation) -> list[str]:
    """The header row of the ballots: 选票序号, 参评人员类别, 投票日期, then "{subject}·{item}"."""
    return ["选票序号", "参评人员类别", "投票日期", *(_text(header) for *_, header in _columns(evaluation))]


def _value(item: dict, given: list):
    if not given:
        return None
    if item["kind"] in S.CHOICE_KINDS:
        return _text("、".join(o["label"] for o in S.options_of(item) if o["value"] in given))
    return given[0] if item["kind"] == "rating" else _text(given[0])


def ballots_xlsx_rows(evaluation) -> Iterator[list]:
    """One row per live ballot (test ballots never), in the columns of ``ballot_columns`` but without the
    header row. Two queries whatever the number of ballots: the subjects, then every ballot with its answers
    (one LEFT JOIN ordered by the ballot's random key, streamed)."""
    columns = _columns(evaluation)
    where = {(pk, item["key"]): n for n, (pk, item, _) in enumerate(columns)}
    rows = (
        Ballot.objects.filter(evaluation=evaluation, is_test=False)
        .order_by("id")
        .values_list(
            "id",
            "voter_class__name",
            "cast_on",
            "answers__subject",
            "answers__item",
            "answers__option",
            "answers__number",
            "answers__text",
        )  # fmt: skip
        .iterator(chunk_size=2000)
    )
    for number, (_, group) in enumerate(itertools.groupby(rows, key=lambda r: r[0]), start=1):
        answers = list(group)
        given: list[list] = [[] for _ in columns]
        for *_, subject, item, option, value, text in answers:
            n = where.get((subject, item))
            if n is not None:
                given[n].append(option or (value if value is not None else text))
        values = (_value(item, g) for (_, item, _), g in zip(columns, given, strict=True))
        _, class_name, cast_on, *_ = answers[0]
        yield [number, _text(class_name), cast_on, *values]


def ballots_xlsx(evaluation, exporter_name: str) -> bytes:
    """The ballots as an Excel file like the project's exports: a watermark row "导出人：…  导出时间：…",
    the header row in bold, then one row per live ballot."""
    watermark = f"导出人：{exporter_name}  导出时间：{timezone.localtime():%Y-%m-%d %H:%M:%S}"
    tmp, _ = write_xlsx(
        title="原始选票",
        headers=ballot_columns(evaluation),
        rows=ballots_xlsx_rows(evaluation),
        watermark=_text(watermark),
    )
    with tmp:
        return tmp.read()
