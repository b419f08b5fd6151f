"""Stamping a Word (.docx) material (see ``watermark``): in the header of every section (and its first-page
and even-page headers where the document uses them) a small grey line with the mark and a tiled, slanted,
translucent VML text watermark — the shape Word writes for its own 水印 and WPS and LibreOffice show; the copy
code in a custom document property, in the core properties' identifier and as a hidden run in the body."""

from __future__ import annotations

import io
import math
import re
import zipfile
from xml.sax.saxutils import escape, quoteattr

from .watermark import MARK_RE, PROPERTY_NAME, is_code, marker

CUSTOM_PART = "/docProps/custom.xml"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
V_NS = "urn:schemas-microsoft-com:vml"
O_NS = "urn:schemas-microsoft-com:office:office"
EMU_PER_PT = 12700

# Word's own definition of the text-path shape type (#_x0000_t136) that its watermarks use.
SHAPETYPE = (
    '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
    'path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas>'
    + "".join(
        f'<v:f eqn="{eqn}"/>'
        for eqn in (
            "sum #0 0 10800",
            "prod #0 2 1",
            "sum 21600 0 @1",
            "sum 0 0 @2",
            "sum 21600 0 @3",
            "if @0 @3 0",
            "if @0 21600 @1",
            "if @0 0 @2",
            "if @0 @4 21600",
            "mid @5 @6",
            "mid @8 @5",
            "mid @7 @8",
            "mid @6 @7",
            "sum @6 0 @5",
        )  # fmt: skip
    )
    + '</v:formulas><v:path textpathok="t" o:connecttype="custom" '
    'o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>'
    '<v:textpath on="t" fitshape="t"/><v:handles><v:h position="#0,bottomRight" xrange="6629,14971"/>'
    '</v:handles><o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>'
)


def _text_units(text: str) -> int:
    """The width of ``text`` in half-width characters (a Chinese character is two)."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text) or 1


LINE_PT = 14.0  # the height of a watermark line: a Chinese character is about this wide
SLANT = 30  # degrees, rising to the right as on PDF pages and images


def _picts(lines: list[str], page_w: float, page_h: float, *, with_shapetype: bool, serial: int) -> list[str]:
    """<w:pict> elements, one per shape (as Word writes them; LibreOffice reads one shape per pict): the
    lines of the mark as a slanted block of text shapes, the block repeated in two staggered columns down a
    page of ``page_w`` × ``page_h`` points."""
    cos, sin = math.cos(math.radians(SLANT)), math.sin(math.radians(SLANT))
    leading = LINE_PT * 1.5
    rows = max(2, round(page_h / 200))
    shapes = []
    for r in range(rows):
        cy = page_h * (r + 0.5) / rows
        for col in range(2):
            cx = page_w * (col + 0.5) / 2 + (page_w / 12 if r % 2 else -page_w / 12)
            for k, text in enumerate(lines):
                # Line k sits below the block's first line, across the slant (down and to the right).
                offset = (k - (len(lines) - 1) / 2) * leading
                x, y = cx + offset * sin, cy + offset * cos
                shape_w = min(page_w * 0.45, _text_units(text) * LINE_PT / 2)
                style = (
                    f"position:absolute;margin-left:{x - shape_w / 2:.1f}pt;"
                    f"margin-top:{y - LINE_PT / 2:.1f}pt;width:{shape_w:.1f}pt;height:{LINE_PT:.1f}pt;"
                    f"rotation:{360 - SLANT};z-index:-251650000;mso-position-horizontal-relative:page;"
                    "mso-position-vertical-relative:page;mso-wrap-edited:f"
                )
                shapes.append(
                    f'<v:shape id="ZugongWatermark{serial}_{r}_{col}_{k}" type="#_x0000_t136" '
                    f'style="{style}" o:allowincell="f" fillcolor="#a6a6a6" stroked="f">'
                    '<v:fill opacity=".3"/><v:textpath style="font-family:&quot;宋体&quot;;font-size:1pt" '
                    f'string={quoteattr(text)}/><w10:wrap anchorx="page" anchory="page"/></v:shape>'
                )
    head = (
        f'<w:pict xmlns:w="{W_NS}" xmlns:v="{V_NS}" xmlns:o="{O_NS}" '
        'xmlns:w10="urn:schemas-microsoft-com:office:word">'
    )
    return [
        head + (SHAPETYPE if with_shapetype and i == 0 else "") + shape + "</w:pict>"
        for i, shape in enumerate(shapes)
    ]


def _headers(document):
    """Every header the document shows, each once: a section linked to the previous one shares its header
    (python-docx resolves the link), and a header no section defines is created in the first section."""
    even = bool(document.settings.odd_and_even_pages_header_footer)
    seen, out = set(), []
    for section in document.sections:
        candidates = [section.header]
        if section.different_first_page_header_footer:
            candidates.append(section.first_page_header)
        if even:
            candidates.append(section.even_page_header)
        for header in candidates:
            name = str(header.part.partname)  # the header part, created when there is none
            if name not in seen:
                seen.add(name)
                out.append((section, header))
    return out


def _set_custom_property(document, code: str) -> None:
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from lxml import etree

    package = document.part.package
    existing = None
    for rel in package.rels.values():
        if rel.reltype == RELATIONSHIP_TYPE.CUSTOM_PROPERTIES and not rel.is_external:
            existing = rel.target_part
    if existing is not None:
        root = etree.fromstring(existing.blob)
        for prop in root.findall(f"{{{CUSTOM_NS}}}property"):
            if prop.get("name") == PROPERTY_NAME:
                root.remove(prop)
        pids = [int(p.get("pid", "1")) for p in root.findall(f"{{{CUSTOM_NS}}}property")]
        pid = max([1, *pids]) + 1
    else:
        root = etree.fromstring(f'<Properties xmlns="{CUSTOM_NS}" xmlns:vt="{VT_NS}"/>'.encode())
        pid = 2
    prop = etree.SubElement(root, f"{{{CUSTOM_NS}}}property", fmtid=FMTID, pid=str(pid), name=PROPERTY_NAME)
    etree.SubElement(prop, f"{{{VT_NS}}}lpwstr").text = code
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if existing is not None:
        existing._blob = blob  # noqa: SLF001 - a plain Part keeps its bytes there
    else:
        part = Part(PackURI(CUSTOM_PART), CONTENT_TYPE.OFC_CUSTOM_PROPERTIES, blob, package)
        package.relate_to(part, RELATIONSHIP_TYPE.CUSTOM_PROPERTIES)


def _hide_in_body(document, code: str) -> None:
    """A hidden run (w:vanish) with the marker at the end of the last paragraph: not shown, not printed,
    kept by Word and WPS when the file is saved again."""
    from docx.oxml import parse_xml

    run = parse_xml(
        f'<w:r xmlns:w="{W_NS}"><w:rPr><w:vanish/><w:sz w:val="2"/></w:rPr>'
        f"<w:t>{escape(marker(code))}</w:t></w:r>"
    )
    paragraphs = document.paragraphs
    paragraph = paragraphs[-1] if paragraphs else document.add_paragraph()
    paragraph._p.append(run)  # noqa: SLF001


def stamp_docx(data: bytes, lines: list[str], code: str) -> bytes:
    from docx import Document
    from docx.oxml import parse_xml
    from docx.shared import Pt, RGBColor

    document = Document(io.BytesIO(data))
    text = "  ".join(lines)
    for serial, (section, header) in enumerate(_headers(document)):
        page_w = (section.page_width or 7560310) / EMU_PER_PT
        page_h = (section.page_height or 10692130) / EMU_PER_PT
        paragraph = header.add_paragraph()
        run = paragraph.add_run(text)
        run.font.size = Pt(7.5)
        run.font.color.rgb = RGBColor(0xA6, 0xA6, 0xA6)
        xml = header._element.xml  # noqa: SLF001
        has_type = 'id="_x0000_t136"' in xml
        for pict in _picts(lines or [text], page_w, page_h, with_shapetype=not has_type, serial=serial):
            paragraph.add_run()._r.append(parse_xml(pict))  # noqa: SLF001
    document.core_properties.identifier = marker(code)
    _set_custom_property(document, code)
    _hide_in_body(document, code)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


PROPERTY_RE = re.compile(
    rf'name="{PROPERTY_NAME}"[^>]*>\s*<vt:lpwstr>\s*([^<\s]+)\s*</vt:lpwstr>', re.IGNORECASE
)


def read_docx(data: bytes) -> str | None:
    """The code from the custom property, else the marker anywhere in the document's XML parts."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        if "docProps/custom.xml" in names:
            match = PROPERTY_RE.search(archive.read("docProps/custom.xml").decode("utf-8", "replace"))
            if match and is_code(match.group(1).upper()):
                return match.group(1).upper()
        for name in sorted(names, key=lambda n: (not n.startswith("docProps/"), n)):
            if not name.endswith(".xml"):
                continue
            info = archive.getinfo(name)
            if info.file_size > 50 * 1024 * 1024:
                continue
            match = MARK_RE.search(archive.read(name).decode("utf-8", "replace"))
            if match:
                return match.group(1)
    return None
