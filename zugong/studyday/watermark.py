"""Stamping a study material for one reader, and reading the stamp back (泄露追查). Pure functions of bytes:
no database, no request.

Every issued copy carries
- a visible watermark tiled over every page or over the whole image: the ``lines`` given (the reader, the copy
  code, the time, "仅供学习 禁止外传"), light grey and slanted, so that a photo of any part of a page shows it;
- a hidden mark, ``ZUGONG-COPY:<code>``, in more than one place, so that it survives a re-save:
  PDF — the document information (``/ZugongCopy``) and invisible text on every page (text render mode 3);
  Word — a custom document property, the core properties' identifier and a hidden (``w:vanish``) run;
  images — a PNG text chunk or a JPEG comment and EXIF UserComment, and for PNG the least significant bits of
  a few pixels (lost by JPEG compression, kept by any lossless re-save).

``stamp`` raises ``StampError`` for a file it cannot open (damaged, encrypted with a password); the upload
service stamps a probe copy once so that such a file is refused at upload, not at a reader's first view."""

from __future__ import annotations

import io
import math
import re
import zipfile
from functools import lru_cache
from pathlib import Path

PDF, DOCX, IMAGE = "pdf", "docx", "image"
PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
JPEG_TYPE, PNG_TYPE = "image/jpeg", "image/png"

# Copy codes: 8 characters without the ones read wrongly off a photo (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
MARK_PREFIX = "ZUGONG-COPY:"
MARK_RE = re.compile(rf"ZUGONG-COPY:([{CODE_ALPHABET}]{{{CODE_LENGTH}}})")
PDF_KEY = "/ZugongCopy"
PROPERTY_NAME = "ZugongCopy"

# The fonts tried for Chinese text on images, in order (Debian's fonts-noto-cjk, fonts-wqy-*).
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


class StampError(Exception):
    """The file cannot be opened for stamping (damaged, or encrypted with a password)."""


def is_code(value: str) -> bool:
    return len(value) == CODE_LENGTH and all(c in CODE_ALPHABET for c in value)


def marker(code: str) -> str:
    return f"{MARK_PREFIX}{code}"


# ---- what a file is ---------------------------------------------------------------------------------


def _is_docx(data: bytes) -> bool:
    """A Word document: a zip holding word/document.xml, without macros (a .docm renamed is not one)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                return False
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return False
            types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError):
        return False
    return b"macroEnabled" not in types


def sniff(data: bytes) -> tuple[str, str] | None:
    """(kind, content type) of a PDF, a Word .docx, a JPEG or a PNG, by the first bytes; None otherwise."""
    if data.startswith(b"%PDF-"):
        return PDF, PDF_TYPE
    if data.startswith(b"\xff\xd8\xff"):
        return IMAGE, JPEG_TYPE
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return IMAGE, PNG_TYPE
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return DOCX, DOCX_TYPE
    return None


# ---- the two entry points -----------------------------------------------------------------------------


def stamp(kind: str, data: bytes, *, lines: list[str], code: str) -> bytes:
    """The file with the visible watermark (``lines``) and the hidden mark of ``code``."""
    if not is_code(code):
        raise ValueError(f"not a copy code: {code!r}")
    lines = [line for line in (str(x).strip() for x in lines) if line]
    stampers = {PDF: _stamp_pdf, IMAGE: _stamp_image}
    if kind == DOCX:
        from .watermark_docx import stamp_docx

        stampers[DOCX] = stamp_docx
    if kind not in stampers:
        raise ValueError(f"unknown kind: {kind!r}")
    try:
        return stampers[kind](data, lines, code)
    except (StampError, ImportError, NameError):
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure means "cannot be stamped"
        raise StampError(str(exc) or type(exc).__name__) from exc


def read_mark(data: bytes) -> str | None:
    """The copy code hidden in a (stamped, possibly re-saved) file, or None when there is none."""
    found = sniff(data or b"")
    readers = []
    if found is not None:
        kind, content_type = found
        if kind == PDF:
            readers.append(_read_pdf)
        elif kind == DOCX:
            from .watermark_docx import read_docx

            readers.append(read_docx)
        else:
            readers.append(_read_image)
    readers.append(_read_raw)
    for reader in readers:
        try:
            code = reader(data)
        except Exception:  # noqa: BLE001, S112 - a damaged leaked file: try the next way
            continue
        if code:
            return code
    return None


def _read_raw(data: bytes) -> str | None:
    match = MARK_RE.search(data.decode("latin-1"))
    return match.group(1) if match else None


# ---- PDF ----------------------------------------------------------------------------------------------

CJK_PDF_FONT = "STSong-Light"


@lru_cache(maxsize=1)
def _pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_PDF_FONT))
    return CJK_PDF_FONT


def _pdf_overlay(width: float, height: float, lines: list[str], code: str):
    """One page of ``width`` × ``height`` points: the lines tiled at 30°, light grey and translucent, and
    the marker as invisible text."""
    from pypdf import PdfReader
    from reportlab.lib.colors import Color
    from reportlab.pdfgen import canvas

    font = _pdf_font()
    size = max(8.0, min(14.0, min(width, height) / 45))
    leading = size * 1.5
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(width, height), pageCompression=1)
    c.setTitle("")
    block_w = max(c.stringWidth(line, font, size) for line in lines) if lines else 0
    step_x = block_w + size * 6
    step_y = leading * len(lines) + size * 5
    c.saveState()
    c.setFillColor(Color(0.5, 0.5, 0.5, alpha=0.22))
    c.setFont(font, size)
    c.translate(width / 2, height / 2)
    c.rotate(30)
    reach = math.hypot(width, height) / 2 + max(step_x, step_y)
    row = 0
    y = -reach
    while y <= reach:
        x = -reach + (step_x / 2 if row % 2 else 0)
        while x <= reach:
            for i, line in enumerate(lines):
                c.drawCentredString(x, y - i * leading, line)
            x += step_x
        y += step_y
        row += 1
    c.restoreState()
    # The hidden mark: invisible text (render mode 3) that text extraction and search still find.
    text = c.beginText(2, 2)
    text.setTextRenderMode(3)
    text.setFont("Helvetica", 4)
    text.textOut(marker(code))
    c.drawText(text)
    c.showPage()
    c.save()
    return PdfReader(io.BytesIO(out.getvalue())).pages[0]


def _stamp_pdf(data: bytes, lines: list[str], code: str) -> bytes:
    from pypdf import PasswordType, PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise StampError("PDF 文件设有打开密码")
    if not reader.pages:
        raise StampError("PDF 文件没有页面")
    writer = PdfWriter(clone_from=reader)
    overlays: dict[tuple[float, float], object] = {}
    for page in writer.pages:
        box = page.mediabox
        key = (round(float(box.width), 2), round(float(box.height), 2))
        if key not in overlays:
            overlays[key] = _pdf_overlay(key[0], key[1], lines, code)
        page.merge_translated_page(overlays[key], float(box.left), float(box.bottom), over=True)
        page.compress_content_streams()
    writer.add_metadata({PDF_KEY: code})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _read_pdf(data: bytes) -> str | None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")
    value = str((reader.metadata or {}).get(PDF_KEY) or "").strip().upper()
    if is_code(value):
        return value
    pages = list(reader.pages)
    for page in pages[:3] + pages[-2:]:
        match = MARK_RE.search(page.extract_text() or "")
        if match:
            return match.group(1)
    return None


# ---- images -------------------------------------------------------------------------------------------

PNG_KEY = PROPERTY_NAME
EXIF_IFD, USER_COMMENT = 0x8769, 0x9286
LSB_MAGIC = b"ZG"
LSB_BYTES = len(LSB_MAGIC) + CODE_LENGTH


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """The first CJK TrueType/OpenType font found on this machine (None: only ASCII can be drawn)."""
    for candidate in CJK_FONTS:
        if Path(candidate).is_file():
            return candidate
    for folder in ("/usr/share/fonts", "/usr/local/share/fonts"):
        root = Path(folder)
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                name = path.name.lower()
                if path.suffix.lower() in (".ttc", ".ttf", ".otf") and ("cjk" in name or "wqy" in name):
                    return str(path)
    return None


def _image_font(size: int, lines: list[str]):
    """(font, lines to draw): a CJK font when there is one, else Pillow's own font with ASCII only."""
    from PIL import ImageFont

    path = cjk_font_path()
    if path is not None:
        try:
            return ImageFont.truetype(path, size), lines
        except OSError:
            pass
    ascii_lines = ["FOR STUDY ONLY - DO NOT DISTRIBUTE"]
    for line in lines:
        kept = "".join(ch for ch in line if ch.isascii()).strip()
        if kept and kept not in ascii_lines:
            ascii_lines.append(kept)
    return ImageFont.load_default(size=size), ascii_lines


ANGLE = 30


def _image_tile(lines: list[str], size: int):
    """(block, its unrotated width and height): the lines as one translucent grey block (with a faint light
    outline, so that it shows on dark parts too), rotated ``ANGLE``°."""
    from PIL import Image, ImageDraw

    font, lines = _image_font(size, lines)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    stroke = max(1, size // 16)
    boxes = [probe.textbbox((0, 0), line, font=font, stroke_width=stroke) for line in lines]
    leading = int(size * 1.45)
    width = max(b[2] - b[0] for b in boxes) + 2 * stroke + 4
    height = leading * len(lines) + 2 * stroke + 4
    tile = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(tile)
    for i, line in enumerate(lines):
        line_w = boxes[i][2] - boxes[i][0]
        draw.text(
            ((width - line_w) / 2, stroke + i * leading),
            line,
            font=font,
            fill=(110, 110, 110, 90),
            stroke_width=stroke,
            stroke_fill=(255, 255, 255, 55),
        )
    return tile.rotate(ANGLE, expand=True, resample=Image.Resampling.BICUBIC), width, height


def _embed_lsb(image, code: str) -> None:
    """The marker in the lowest bit of the blue channel of pixels spread along the first rows."""
    bits = [(byte >> (7 - i)) & 1 for byte in LSB_MAGIC + code.encode() for i in range(8)]
    width, height = image.size
    if width * height < len(bits) * 4:
        return
    pixels = image.load()
    stride = max(1, min(4, (width * height) // len(bits)))
    for n, bit in enumerate(bits):
        x, y = (n * stride) % width, (n * stride) // width
        pixel = list(pixels[x, y])
        pixel[2] = (pixel[2] & ~1) | bit
        pixels[x, y] = tuple(pixel)


def _read_lsb(image) -> str | None:
    image = image.convert("RGB")
    width, height = image.size
    count = LSB_BYTES * 8
    if width * height < count * 4:
        return None
    pixels = image.load()
    stride = max(1, min(4, (width * height) // count))
    raw = bytearray()
    for n in range(LSB_BYTES):
        byte = 0
        for i in range(8):
            k = (n * 8 + i) * stride
            byte = (byte << 1) | (pixels[k % width, k // width][2] & 1)
        raw.append(byte)
    if not raw.startswith(LSB_MAGIC):
        return None
    value = raw[len(LSB_MAGIC) :].decode("ascii", "replace")
    return value if is_code(value) else None


def _stamp_image(data: bytes, lines: list[str], code: str) -> bytes:
    from PIL import Image, ImageOps
    from PIL.PngImagePlugin import PngInfo

    source = Image.open(io.BytesIO(data))
    fmt = source.format
    if fmt not in ("JPEG", "PNG"):
        raise StampError("只支持 JPG、PNG 图片")
    source.load()
    has_alpha = source.mode in ("RGBA", "LA") or (source.mode == "P" and "transparency" in source.info)
    image = ImageOps.exif_transpose(source).convert("RGBA")
    width, height = image.size
    size = max(12, min(64, min(width, height) // 24))
    tile, block_w, block_h = _image_tile(lines, size)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    # A grid in the slanted frame (rows along the text), mapped onto the image: blocks never run into
    # each other, and every part of the image is near one.
    step_u, step_v = block_w + size * 4, block_h + size * 3
    cos, sin = math.cos(math.radians(ANGLE)), math.sin(math.radians(ANGLE))
    reach = math.hypot(width, height) / 2 + max(step_u, step_v)
    rows = int(reach // step_v) + 1
    cols = int(reach // step_u) + 1
    for j in range(-rows, rows + 1):
        for i in range(-cols, cols + 1):
            u, v = (i + (0.5 if j % 2 else 0)) * step_u, j * step_v
            x = round(width / 2 + u * cos + v * sin - tile.width / 2)
            y = round(height / 2 - u * sin + v * cos - tile.height / 2)
            if x >= width or y >= height or x + tile.width <= 0 or y + tile.height <= 0:
                continue
            overlay.alpha_composite(tile, (max(x, 0), max(y, 0)), (max(-x, 0), max(-y, 0)))
    stamped = Image.alpha_composite(image, overlay)
    out = io.BytesIO()
    mark = marker(code)
    if fmt == "JPEG":
        stamped = stamped.convert("RGB")
        exif = Image.Exif()
        exif.get_ifd(EXIF_IFD)[USER_COMMENT] = b"ASCII\x00\x00\x00" + mark.encode()
        stamped.save(out, "JPEG", quality=90, comment=mark.encode(), exif=exif)
    else:
        stamped = stamped if has_alpha else stamped.convert("RGB")
        _embed_lsb(stamped, code)
        info = PngInfo()
        info.add_text(PNG_KEY, mark)
        stamped.save(out, "PNG", pnginfo=info, optimize=False)
    return out.getvalue()


def _read_image(data: bytes) -> str | None:
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    texts = []
    for key in (PNG_KEY, "comment", "Comment"):
        value = image.info.get(key)
        if value:
            texts.append(value.decode("latin-1") if isinstance(value, bytes) else str(value))
    user_comment = image.getexif().get_ifd(EXIF_IFD).get(USER_COMMENT)
    if user_comment:
        texts.append(user_comment.decode("latin-1") if isinstance(user_comment, bytes) else str(user_comment))
    for text in texts:
        match = MARK_RE.search(text)
        if match:
            return match.group(1)
    return _read_lsb(image)
