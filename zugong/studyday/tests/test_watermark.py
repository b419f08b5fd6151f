"""Stamping a material for its reader and reading the stamp back: every PDF page carries the visible mark and
the invisible marker, the Word file has the watermark in the header of every section and the code in its
properties, an image is changed where the mark is drawn and carries the code in its metadata (and, for PNG,
in its pixels); the mark is still read after the file is saved again without it, and a file without one
gives None. Also the helpers the other material tests use to make small files."""

from __future__ import annotations

import io
import zipfile
from unittest import mock

from django.test import SimpleTestCase
from PIL import Image
from pypdf import PdfReader, PdfWriter

from .. import watermark as W

CODE = "ABCD2345"
LINES = ["仅供学习 禁止外传", "王小红（member）", f"副本 {CODE}  2026-12-03 09:30"]


# ---- small files ----------------------------------------------------------------------------------------


def make_pdf(sizes=((595, 842), (842, 595), (595, 842)), text="Study page") -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    for i, size in enumerate(sizes, 1):
        c.setPageSize(size)
        c.drawString(72, 72, f"{text} {i}")
        c.showPage()
    c.save()
    return out.getvalue()


def make_docx(*, sections: int = 2, first_page: bool = False) -> bytes:
    import docx
    from docx.enum.section import WD_SECTION

    document = docx.Document()
    document.add_paragraph("学习资料正文第一节")
    for n in range(2, sections + 1):
        document.add_section(WD_SECTION.NEW_PAGE)
        document.add_paragraph(f"学习资料正文第{n}节")
    if first_page:
        document.sections[0].different_first_page_header_footer = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_image(fmt: str = "PNG", size=(640, 480), color=(235, 235, 235), exif_orientation=None) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def header_texts(data: bytes) -> list[str]:
    """The text of the header each section shows (first-page headers too, where used)."""
    import docx

    document = docx.Document(io.BytesIO(data))
    texts = []
    for section in document.sections:
        texts.append("\n".join(p.text for p in section.header.paragraphs))
        if section.different_first_page_header_footer:
            texts.append("\n".join(p.text for p in section.first_page_header.paragraphs))
    return texts


# ---- the tests ----------------------------------------------------------------------------------------------


class SniffTest(SimpleTestCase):
    def test_it_knows_the_four_kinds_by_their_bytes(self):
        self.assertEqual(W.sniff(make_pdf()), (W.PDF, W.PDF_TYPE))
        self.assertEqual(W.sniff(make_docx()), (W.DOCX, W.DOCX_TYPE))
        self.assertEqual(W.sniff(make_image("PNG")), (W.IMAGE, W.PNG_TYPE))
        self.assertEqual(W.sniff(make_image("JPEG")), (W.IMAGE, W.JPEG_TYPE))

    def test_it_knows_nothing_else(self):
        self.assertIsNone(W.sniff(b"MZ\x90\x00 an exe renamed .pdf"))
        self.assertIsNone(W.sniff(b""))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("hello.txt", "not a Word file")
        self.assertIsNone(W.sniff(out.getvalue()))

    def test_it_refuses_a_macro_document_renamed(self):
        source = make_docx()
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w") as new:
            for item in old.infolist():
                new.writestr(item, old.read(item.filename))
            new.writestr("word/vbaProject.bin", b"\x00macro")
        self.assertIsNone(W.sniff(out.getvalue()))


class PdfTest(SimpleTestCase):
    def test_it_marks_every_page_and_keeps_the_content(self):
        stamped = W.stamp(W.PDF, make_pdf(), lines=LINES, code=CODE)
        reader = PdfReader(io.BytesIO(stamped))
        self.assertEqual(len(reader.pages), 3)
        self.assertEqual(
            [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages],
            [(595, 842), (842, 595), (595, 842)],
        )
        for number, page in enumerate(reader.pages, 1):
            text = page.extract_text()
            self.assertIn(f"Study page {number}", text)
            self.assertIn("仅供学习 禁止外传", text)
            self.assertIn("王小红（member）", text)
            self.assertIn(f"副本 {CODE}", text)
            self.assertIn(f"ZUGONG-COPY:{CODE}", text)  # the invisible marker
        self.assertEqual(reader.metadata["/ZugongCopy"], CODE)
        self.assertEqual(W.read_mark(stamped), CODE)

    def test_it_reads_the_invisible_text_when_the_metadata_is_gone(self):
        stamped = W.stamp(W.PDF, make_pdf(), lines=LINES, code=CODE)
        writer = PdfWriter()
        for page in PdfReader(io.BytesIO(stamped)).pages:
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
        resaved = out.getvalue()
        self.assertNotIn("/ZugongCopy", PdfReader(io.BytesIO(resaved)).metadata or {})
        self.assertNotEqual(resaved, stamped)
        self.assertEqual(W.read_mark(resaved), CODE)

    def test_it_refuses_a_pdf_with_an_open_password(self):
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf())))
        writer.encrypt(user_password="secret", owner_password="owner")
        out = io.BytesIO()
        writer.write(out)
        with self.assertRaises(W.StampError):
            W.stamp(W.PDF, out.getvalue(), lines=LINES, code=CODE)

    def test_it_refuses_a_damaged_pdf(self):
        with self.assertRaises(W.StampError):
            W.stamp(W.PDF, b"%PDF-1.4\n garbage, no objects", lines=LINES, code=CODE)


class DocxTest(SimpleTestCase):
    def test_it_puts_the_watermark_in_the_header_of_every_section(self):
        stamped = W.stamp(W.DOCX, make_docx(sections=3, first_page=True), lines=LINES, code=CODE)
        texts = header_texts(stamped)
        self.assertEqual(len(texts), 4)  # three sections and the first page's own header
        for text in texts:
            self.assertIn("仅供学习 禁止外传", text)
            self.assertIn(f"副本 {CODE}", text)
        with zipfile.ZipFile(io.BytesIO(stamped)) as archive:
            self.assertIsNone(archive.testzip())
            headers = [n for n in archive.namelist() if n.startswith("word/header")]
            self.assertEqual(
                len(headers), 2
            )  # the default header (shared by linked sections), the first page's
            for name in headers:
                xml = archive.read(name).decode()
                self.assertIn("<v:textpath", xml)  # the slanted text shapes
                self.assertIn("王小红（member）", xml)
                self.assertEqual(xml.count('id="_x0000_t136"'), 1)
            custom = archive.read("docProps/custom.xml").decode()
            self.assertIn('name="ZugongCopy"', custom)
            self.assertIn(CODE, custom)
            self.assertIn("custom-properties+xml", archive.read("[Content_Types].xml").decode())
            body = archive.read("word/document.xml").decode()
            self.assertIn("<w:vanish/>", body)
            self.assertIn(f"ZUGONG-COPY:{CODE}", body)

    def test_it_still_opens_and_keeps_the_text(self):
        import docx

        stamped = W.stamp(W.DOCX, make_docx(), lines=LINES, code=CODE)
        document = docx.Document(io.BytesIO(stamped))
        self.assertIn("学习资料正文第一节", document.paragraphs[0].text)
        self.assertEqual(document.core_properties.identifier, f"ZUGONG-COPY:{CODE}")
        self.assertEqual(W.read_mark(stamped), CODE)

    def test_it_reads_the_mark_without_the_custom_property(self):
        stamped = W.stamp(W.DOCX, make_docx(), lines=LINES, code=CODE)
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(stamped)) as old, zipfile.ZipFile(out, "w") as new:
            for item in old.infolist():
                if item.filename != "docProps/custom.xml":
                    new.writestr(item, old.read(item.filename))
        self.assertEqual(W.read_mark(out.getvalue()), CODE)

    def test_it_replaces_an_earlier_mark(self):
        first = W.stamp(W.DOCX, make_docx(), lines=LINES, code=CODE)
        again = W.stamp(W.DOCX, first, lines=LINES, code="WXYZ6789")
        with zipfile.ZipFile(io.BytesIO(again)) as archive:
            custom = archive.read("docProps/custom.xml").decode()
        self.assertEqual(custom.count('name="ZugongCopy"'), 1)
        self.assertEqual(W.read_mark(again), "WXYZ6789")


class ImageTest(SimpleTestCase):
    def changed_pixels(self, before: bytes, after: bytes) -> int:
        a = Image.open(io.BytesIO(before)).convert("RGB")
        b = Image.open(io.BytesIO(after)).convert("RGB")
        self.assertEqual(a.size, b.size)
        return sum(1 for p, q in zip(a.tobytes()[::3], b.tobytes()[::3], strict=True) if abs(p - q) > 8)

    def test_it_draws_on_a_png_and_hides_the_code_in_a_chunk_and_the_pixels(self):
        source = make_image("PNG")
        stamped = W.stamp(W.IMAGE, source, lines=LINES, code=CODE)
        image = Image.open(io.BytesIO(stamped))
        self.assertEqual(image.format, "PNG")
        self.assertEqual(image.info["ZugongCopy"], f"ZUGONG-COPY:{CODE}")
        self.assertGreater(self.changed_pixels(source, stamped), 2000)
        self.assertEqual(W.read_mark(stamped), CODE)
        # Saved again without its text chunk, the code is still in the pixels.
        out = io.BytesIO()
        Image.open(io.BytesIO(stamped)).save(out, "PNG")
        self.assertNotIn("ZugongCopy", Image.open(io.BytesIO(out.getvalue())).info)
        self.assertEqual(W.read_mark(out.getvalue()), CODE)

    def test_it_draws_on_a_jpeg_and_hides_the_code_in_its_comment_and_exif(self):
        source = make_image("JPEG")
        stamped = W.stamp(W.IMAGE, source, lines=LINES, code=CODE)
        image = Image.open(io.BytesIO(stamped))
        self.assertEqual(image.format, "JPEG")
        self.assertEqual(image.info["comment"], f"ZUGONG-COPY:{CODE}".encode())
        self.assertIn(CODE.encode(), image.getexif().get_ifd(W.EXIF_IFD)[W.USER_COMMENT])
        self.assertGreater(self.changed_pixels(source, stamped), 2000)
        self.assertEqual(W.read_mark(stamped), CODE)

    def test_it_turns_a_photo_upright_before_drawing(self):
        source = make_image("JPEG", size=(400, 300), exif_orientation=6)  # taken rotated
        stamped = W.stamp(W.IMAGE, source, lines=LINES, code=CODE)
        self.assertEqual(Image.open(io.BytesIO(stamped)).size, (300, 400))

    def test_it_draws_ascii_when_the_machine_has_no_chinese_font(self):
        W.cjk_font_path.cache_clear()
        try:
            with (
                mock.patch.object(W, "CJK_FONTS", ()),
                mock.patch.object(W.Path, "is_dir", return_value=False),
            ):
                self.assertIsNone(W.cjk_font_path())
                source = make_image("PNG")
                stamped = W.stamp(W.IMAGE, source, lines=LINES, code=CODE)
        finally:
            W.cjk_font_path.cache_clear()
        self.assertGreater(self.changed_pixels(source, stamped), 500)
        self.assertEqual(W.read_mark(stamped), CODE)


class MarkTest(SimpleTestCase):
    def test_it_finds_no_mark_in_an_unmarked_file(self):
        for data in (make_pdf(), make_docx(), make_image("PNG"), make_image("JPEG"), b"plain text"):
            self.assertIsNone(W.read_mark(data))

    def test_it_takes_only_codes_of_its_alphabet(self):
        self.assertTrue(W.is_code(CODE))
        for bad in ("ABCD234", "ABCD23450", "ABCD2O45", "abcd2345", "ABCD1345"):
            self.assertFalse(W.is_code(bad), bad)
        with self.assertRaises(ValueError):
            W.stamp(W.PDF, make_pdf(), lines=LINES, code="ABCD1345")
