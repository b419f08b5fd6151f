"""The roster sheet's columns and the rules for each cell. Pure functions: what the database knows
(organizations, units, people already on the roll, the importer's scope) is handed in by the caller."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from zugong.core import idnumber
from zugong.people.choices import ETHNICITIES, Education, MembershipStatus, Rank

from .reader import MAX_CELL_CHARS, CellIssue, clean_text, parse_date

SHEET_NAME = "人员名册"
# (header, required, example, note for the template's second sheet)
COLUMNS = [
    ("姓名", True, "刘晓燕", "2–20 个汉字，可含间隔号“·”"),
    (
        "公民身份号码",
        True,
        "110101198503080027",
        "18 位，末位可为 X；请将该列设为“文本”格式，避免 Excel 改成科学计数法",
    ),
    ("民族", False, "汉族", "留空视为汉族"),
    ("学历", False, "大学本科", "、".join(Education.labels)),
    ("联系电话", False, "13800138000", "手机或座机号码"),
    ("家庭住址", False, "示范区幸福路 1 号", ""),
    ("工作单位", False, "城关街道办事处", "单位全称或单位编码"),
    ("职务", False, "科员", ""),
    ("职级", False, "科员", "、".join(Rank.labels)),
    ("所在党组织编码", False, "QW0101", "与“所在党组织”二选一，优先使用编码"),
    ("所在党组织", False, "示范区委/城关街道党工委/康乐社区第一党支部", "从上级到本级的名称，用“/”分隔"),
    ("党员类别", False, "正式党员", "预备党员、正式党员；非党员留空"),
    ("入党日期", False, "2005-07-01", "党员必填"),
    ("转正日期", False, "2006-07-01", "正式党员必填"),
]
HEADERS = [c[0] for c in COLUMNS]
REQUIRED = [c[0] for c in COLUMNS if c[1]]

NAME = re.compile(r"^[\u3400-\u9fff][\u3400-\u9fff·•]{0,18}[\u3400-\u9fff]$|^[A-Za-z][A-Za-z .·-]{1,38}$")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
# Markup and SQL punctuation have no place in a roster's free text; refusing them keeps every later
# page, export and Word report safe by construction (output is escaped as well).
UNSAFE = re.compile(r"[<>;'\"`\\]|--|/\*|\*/|[\x00-\x08\x0b\x0c\x0e-\x1f]")
EDUCATION = {label: value for value, label in Education.choices}
RANK = {label: value for value, label in Rank.choices}
STATUS = {label: value for value, label in MembershipStatus.choices}


@dataclass(slots=True)
class RowData:
    row: int
    name: str = ""
    id_number: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    ethnicity: str = "汉族"
    education: str = ""
    phone: str = ""
    home_address: str = ""
    unit_id: int | None = None
    post: str = ""
    rank: str = Rank.NONE
    org_id: int | None = None
    org_header: str = "所在党组织"  # the column the organization was given in (code or name path)
    status: str = ""
    join_date: dt.date | None = None
    confirmation_date: dt.date | None = None
    issues: list[CellIssue] = field(default_factory=list)


@dataclass
class Lookups:
    """What the database knows, prepared set-based by the caller before validation starts."""

    org_by_code: dict[str, int]
    org_by_path: dict[str, int]  # "名称/名称/名称" -> id
    org_in_scope: Callable[[int], bool]
    org_holds_members: Callable[[int], bool]
    unit_by_key: dict[str, int]  # name or code -> id
    today: dt.date


def _text(
    raw, header: str, issues: list[CellIssue], row: int, *, max_len: int, free_text: bool = True
) -> str:
    if isinstance(raw, str) and raw.startswith("="):
        issues.append(CellIssue(row, header, "单元格含公式，请复制后“选择性粘贴为数值”再导入"))
        return ""
    value = clean_text(raw)
    if len(value) > MAX_CELL_CHARS or len(value) > max_len:
        issues.append(CellIssue(row, header, f"内容过长（{len(value):,} 字），上限 {max_len} 字"))
        return ""
    if free_text and UNSAFE.search(value):
        issues.append(CellIssue(row, header, "含有不允许的字符（< > ; ' \" ` \\ -- 等），请删除后再导入"))
        return ""
    return value


def validate_row(row: int, raw: dict[str, object], look: Lookups) -> RowData:
    d = RowData(row=row)
    issues = d.issues

    def text(header, max_len=60, free_text=True):
        return _text(raw.get(header), header, issues, row, max_len=max_len, free_text=free_text)

    def issue(header, message):
        issues.append(CellIssue(row, header, message))

    # 姓名
    raw_name = raw.get("姓名")
    if isinstance(raw_name, str) and UNSAFE.search(raw_name):
        issue("姓名", "姓名含有不允许的字符（< > ; ' \" 等）")
    else:
        name = text("姓名", 40).replace(" ", "")
        if not name:
            if not any(i.column == "姓名" for i in issues):
                issue("姓名", "姓名必填")
        elif not NAME.match(name):
            issue("姓名", f"姓名“{name[:20]}”不符合要求：应为 2–20 个汉字（可含“·”）")
        d.name = name

    # 公民身份号码
    raw_id = raw.get("公民身份号码")
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        issue(
            "公民身份号码",
            "身份号码被 Excel 存成了数字（如 1.10101E+17），后几位已丢失；请把该列设为“文本”后重新录入",
        )
    else:
        id_text = text("公民身份号码", 40, free_text=False)
        if not id_text:
            if not any(i.column == "公民身份号码" for i in issues):
                issue("公民身份号码", "公民身份号码必填")
        else:
            try:
                d.id_number, d.birth_date, d.sex = idnumber.parse(id_text)
            except ValidationError as exc:
                issue("公民身份号码", exc.messages[0])

    # 民族、学历、电话、住址、职务、职级
    ethnicity = text("民族", 10)
    if ethnicity:
        if ethnicity not in ETHNICITIES and ethnicity + "族" not in ETHNICITIES:
            issue("民族", f"“{ethnicity}”不是 56 个民族之一")
        d.ethnicity = ethnicity if ethnicity in ETHNICITIES else ethnicity + "族"
    education = text("学历", 20)
    if education:
        if education not in EDUCATION:
            issue("学历", f"学历应为：{'、'.join(EDUCATION)}")
        d.education = EDUCATION.get(education, "")
    phone = text("联系电话", 20).replace(" ", "")
    if phone:
        if not PHONE.match(phone):
            issue("联系电话", f"电话“{phone}”格式不正确")
        d.phone = phone
    d.home_address = text("家庭住址", 120)
    d.post = text("职务", 60)
    rank = text("职级", 20)
    if rank:
        if rank not in RANK:
            issue("职级", f"职级应为：{'、'.join(RANK)}")
        d.rank = RANK.get(rank, Rank.NONE)

    # 工作单位
    unit = text("工作单位", 100)
    if unit:
        d.unit_id = look.unit_by_key.get(unit)
        if d.unit_id is None:
            issue("工作单位", f"找不到单位“{unit}”（按单位全称或编码查找）")

    # 所在党组织：编码优先，其次名称路径
    code = text("所在党组织编码", 32)
    # "上级 > 本级" is a common way of writing the path: ">" is allowed here, the rest is not.
    path = text("所在党组织", 300, free_text=False).replace(">", "/")
    if UNSAFE.search(path):
        issue("所在党组织", "含有不允许的字符（< ; ' \" 等）")
        path = ""
    path = "/".join(part.strip() for part in path.split("/") if part.strip())
    header = d.org_header = "所在党组织编码" if code else "所在党组织"
    if code:
        d.org_id = look.org_by_code.get(code)
        if d.org_id is None:
            issue(header, f"找不到编码为“{code}”的党组织")
    elif path:
        d.org_id = look.org_by_path.get(path)
        if d.org_id is None:
            issue(header, f"找不到党组织“{path}”（应为从上级到本级的全称，用“/”分隔）")
    elif not any(i.column in ("所在党组织编码", "所在党组织") for i in issues):
        issue("所在党组织", "请填写所在党组织编码或所在党组织")
    if d.org_id is not None:
        if not look.org_in_scope(d.org_id):
            issue(header, "该党组织不在您的授权范围内")
        elif not look.org_holds_members(d.org_id):
            issue(header, "人员只能隶属于党(工)委、党总支或党支部，且该组织须未撤销")

    # 党籍
    status = text("党员类别", 10)
    if status:
        d.status = STATUS.get(status, "")
        if not d.status:
            issue("党员类别", "党员类别应为“预备党员”或“正式党员”，非党员请留空")
    for header, attr in (("入党日期", "join_date"), ("转正日期", "confirmation_date")):
        value = raw.get(header)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, str) and value.startswith("="):
            issue(header, "单元格含公式，请复制后“选择性粘贴为数值”再导入")
            continue
        try:
            day = parse_date(value)
        except ValueError as exc:
            issue(header, str(exc))
            continue
        if day > look.today:
            issue(header, "日期不能晚于今天")
        setattr(d, attr, day)
    if d.status and d.join_date is None and not any(i.column == "入党日期" for i in issues):
        issue("入党日期", "党员须填写入党日期")
    if (
        d.status == MembershipStatus.FULL
        and d.confirmation_date is None
        and not any(i.column == "转正日期" for i in issues)
    ):
        issue("转正日期", "正式党员须填写转正日期")
    if d.status == MembershipStatus.PROBATIONARY and d.confirmation_date is not None:
        issue("转正日期", "预备党员尚未转正，不应填写转正日期")
    if not d.status and (d.join_date or d.confirmation_date):
        issue("党员类别", "填写了入党日期，但党员类别为空")
    if d.join_date and d.confirmation_date and d.confirmation_date < d.join_date:
        issue("转正日期", "转正日期不能早于入党日期")
    if d.join_date and d.birth_date and d.join_date < _add_years(d.birth_date, 18):
        issue("入党日期", "入党时应年满十八周岁")
    return d


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
