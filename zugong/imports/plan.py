"""The checked rows of an upload, kept with the job so that the import does not read and check the file
a second time.

An upload is checked row by row when it arrives; the import runs later (a preview, then the real run).
The rows' checks depend on the file and on what the database knew (organizations, their paths and the
importer's scope, units, today's date): ``basis`` is a digest of all of that. When the import starts,
inside its transaction, the basis is computed again; only when it is unchanged are the kept rows used,
and the checks against the people already on the roll (which may have changed meanwhile) are run again
in any case. Otherwise the file is read and checked anew.

The rows hold ID numbers in clear, so they are kept as the file is: compressed JSON sealed with SM4-GCM.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import zlib
from dataclasses import dataclass, field

from zugong.core import crypto

from . import rules
from .reader import CellIssue

FORMAT = 2  # bump when RowData or the rules change what a checked row means
PLAN_CONTEXT = "imports.importjob.plan"
MASKS = {h: 1 << i for i, h in enumerate(rules.HEADERS)}


@dataclass
class Plan:
    """The outcome of reading and checking a whole file; ``good`` only counts when ``issues`` is empty."""

    row_count: int = 0
    issues: list[CellIssue] = field(default_factory=list)
    # (row data, ID blind index, headers with a non-empty cell)
    good: list[tuple[rules.RowData, str, frozenset]] = field(default_factory=list)
    existing: dict[str, int] = field(default_factory=dict)  # ID blind index -> person pk
    org_paths: dict[int, str] = field(default_factory=dict)
    basis: str = ""
    reused: bool = False

    @property
    def new_count(self) -> int:
        return sum(1 for _, h, _ in self.good if h not in self.existing)

    @property
    def updated_count(self) -> int:
        return len(self.good) - self.new_count


def basis_of(*, actor_id: int, sha256: str, look: rules.Lookups, org_paths: dict[int, str], scope: list[int],
             holds: list[int]) -> str:  # fmt: skip
    """A digest of everything a row's checks depend on besides the roll of people."""
    material = [
        FORMAT, actor_id, sha256, look.today.isoformat(), sorted(look.org_by_code.items()),
        sorted(look.org_by_path.items()), sorted(org_paths.items()), sorted(scope), sorted(holds),
        sorted(look.unit_by_key.items()),
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(material, ensure_ascii=False).encode()).hexdigest()


def _day(value: dt.date | None) -> int | None:
    return value.toordinal() if value is not None else None


def _date(value: int | None) -> dt.date | None:
    return dt.date.fromordinal(value) if value is not None else None


def seal(plan: Plan) -> str:
    """The plan's rows, one JSON line each, compressed as they are made (no second copy of the rows in
    memory), then encrypted. Only a plan without issues is kept."""
    packer = zlib.compressobj(1)
    parts = [packer.compress(json.dumps(plan.row_count).encode() + b"\n")]
    for d, digest, present in plan.good:
        line = [
            d.row, d.name, d.id_number, _day(d.birth_date), d.sex, d.ethnicity, d.education, d.phone,
            d.home_address, d.unit_id, d.post, d.rank, d.org_id, d.status, _day(d.join_date),
            _day(d.confirmation_date), digest, sum(MASKS.get(h, 0) for h in present), d.org_header,
        ]  # fmt: skip
        parts.append(packer.compress(json.dumps(line, ensure_ascii=False).encode() + b"\n"))
    parts.append(packer.flush())
    return crypto.encrypt(base64.b64encode(b"".join(parts)).decode(), context=PLAN_CONTEXT)


def _lines(blob: bytes):
    """The decompressed lines, a piece at a time."""
    unpacker, rest = zlib.decompressobj(), b""
    for start in range(0, len(blob), 1 << 20):
        rest += unpacker.decompress(blob[start : start + (1 << 20)])
        *lines, rest = rest.split(b"\n")
        yield from lines
    rest += unpacker.flush()
    yield from (line for line in rest.split(b"\n") if line)


def unseal(token: str, *, basis: str, org_paths: dict[int, str]) -> Plan:
    lines = _lines(base64.b64decode(crypto.decrypt(token, context=PLAN_CONTEXT)))
    plan = Plan(row_count=json.loads(next(lines)), org_paths=org_paths, basis=basis, reused=True)
    presents: dict[int, frozenset] = {}
    for line in lines:
        (number, name, id_number, birth, sex, ethnicity, education, phone, address, unit_id, post, rank, org_id,
         status, joined, confirmed, digest, mask, org_header) = json.loads(line)  # fmt: skip
        present = presents.get(mask)
        if present is None:
            present = presents[mask] = frozenset(h for h, bit in MASKS.items() if mask & bit)
        d = rules.RowData(
            row=number, name=name, id_number=id_number, birth_date=_date(birth), sex=sex, ethnicity=ethnicity,
            education=education, phone=phone, home_address=address, unit_id=unit_id, post=post, rank=rank,
            org_id=org_id, org_header=org_header, status=status, join_date=_date(joined),
            confirmation_date=_date(confirmed),
        )  # fmt: skip
        plan.good.append((d, digest, present))
    return plan
