"""A form's items as a JSON document, its check, and the scales.

    {"sections": [{"title": "测评项目", "items": [
        {"key": "de", "label": "德", "kind": "grade", "scale": "team", "required": true},
        {"key": "overall", "label": "总体评价", "kind": "grade", "scale": "cadre", "required": true},
        {"key": "why", "label": "意见建议", "kind": "text", "required": false}]}]}

Kinds: ``grade`` (one of a scale: a named one or the item's own ``options``), ``satisfaction`` (the five levels
of the 组织工作满意度民意调查), ``single``, ``multiple`` (``options``, at most ``max`` chosen), ``rating`` (whole
number 1…``max``) and ``text``. An option is ``{"value": …, "label": …}``; a satisfaction option also carries
the score of the satisfaction index."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

KINDS = {
    "grade": "等次",
    "satisfaction": "满意度",
    "single": "单选",
    "multiple": "多选",
    "rating": "评分",
    "text": "文字意见",
}
CHOICE_KINDS = ("grade", "satisfaction", "single", "multiple")

# 干部民主测评: 优秀/称职/基本称职/不称职; 班子及德能勤绩廉各项: 好/较好/一般/差.
SCALES: dict[str, list[dict]] = {
    "cadre": [
        {"value": "excellent", "label": "优秀"},
        {"value": "competent", "label": "称职"},
        {"value": "basic", "label": "基本称职"},
        {"value": "incompetent", "label": "不称职"},
    ],
    "team": [
        {"value": "good", "label": "好"},
        {"value": "fairly_good", "label": "较好"},
        {"value": "fair", "label": "一般"},
        {"value": "poor", "label": "差"},
    ],
}
# The national 组织工作满意度民意调查's index: %很满意×100 + %满意×80 + %基本满意×60 + %不太满意×30 + %不满意×0.
SATISFACTION = [
    {"value": "very_satisfied", "label": "很满意", "score": 100},
    {"value": "satisfied", "label": "满意", "score": 80},
    {"value": "basically_satisfied", "label": "基本满意", "score": 60},
    {"value": "not_very_satisfied", "label": "不太满意", "score": 30},
    {"value": "dissatisfied", "label": "不满意", "score": 0},
]
KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_ITEMS = 200
MAX_OPTIONS = 30


def options_of(item: dict) -> list[dict]:
    """The options a choice item offers (empty for rating and text)."""
    if item["kind"] == "satisfaction":
        return SATISFACTION
    if item["kind"] == "grade" and item.get("scale") in SCALES:
        return SCALES[item["scale"]]
    return item.get("options", [])


def items_of(spec: dict) -> list[dict]:
    return [item for section in spec["sections"] for item in section["items"]]


def _check_options(raw, where: str, problems: list[str]) -> list[dict]:
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_OPTIONS:
        problems.append(f"{where}的选项应为 2–{MAX_OPTIONS} 个")
        return []
    out, seen = [], set()
    for n, option in enumerate(raw, start=1):
        if isinstance(option, str):
            option = {"value": f"o{n}", "label": option}
        value = str(option.get("value", "")) if isinstance(option, dict) else ""
        label = " ".join(str(option.get("label", "")).split()) if isinstance(option, dict) else ""
        if not KEY.fullmatch(value) or not label or len(label) > 100:
            problems.append(f"{where}第 {n} 个选项不正确（须有代码和不超过 100 字的名称）")
            continue
        if value in seen:
            problems.append(f"{where}的选项代码“{value}”重复")
        seen.add(value)
        out.append({"value": value, "label": label})
    return out


def check_spec(spec) -> dict:
    """The form as stored: every problem reported at once (Chinese), or the normalized document."""
    problems: list[str] = []
    if not isinstance(spec, dict) or not isinstance(spec.get("sections"), list) or not spec["sections"]:
        raise ValidationError({"spec": "表单至少要有一个部分。"})
    sections, keys = [], set()
    for s_no, section in enumerate(spec["sections"], start=1):
        if not isinstance(section, dict) or not isinstance(section.get("items"), list):
            problems.append(f"第 {s_no} 部分格式不正确")
            continue
        title = " ".join(str(section.get("title", "")).split())[:100]
        items = []
        for i_no, item in enumerate(section["items"], start=1):
            where = f"第 {s_no} 部分第 {i_no} 项"
            if not isinstance(item, dict):
                problems.append(f"{where}格式不正确")
                continue
            key, kind = str(item.get("key", "")), item.get("kind")
            label = " ".join(str(item.get("label", "")).split())
            if not KEY.fullmatch(key):
                problems.append(f"{where}的代码应为小写字母开头的字母、数字或下划线（不超过 40 个）")
            elif key in keys:
                problems.append(f"{where}的代码“{key}”重复")
            keys.add(key)
            if not label or len(label) > 200:
                problems.append(f"{where}须有不超过 200 字的题目")
            if kind not in KINDS:
                problems.append(f"{where}的题型不正确（可选：{'、'.join(KINDS.values())}）")
                continue
            out = {"key": key, "label": label, "kind": kind, "required": bool(item.get("required", True))}
            if kind == "grade":
                if item.get("scale") in SCALES:
                    out["scale"] = item["scale"]
                else:
                    out["options"] = _check_options(item.get("options"), where, problems)
            elif kind in ("single", "multiple"):
                out["options"] = _check_options(item.get("options"), where, problems)
                if kind == "multiple":
                    most = item.get("max", len(out["options"]))
                    if not isinstance(most, int) or isinstance(most, bool) or not 1 <= most <= MAX_OPTIONS:
                        problems.append(f"{where}最多可选项数不正确")
                    out["max"] = most if isinstance(most, int) else len(out["options"])
            elif kind == "rating":
                most = item.get("max", 10)
                if not isinstance(most, int) or isinstance(most, bool) or not 2 <= most <= 100:
                    problems.append(f"{where}的满分应为 2–100 的整数")
                out["max"] = most
            elif kind == "text":
                out["required"] = bool(item.get("required", False))
            items.append(out)
        sections.append({"title": title, "items": items})
    if len(keys) > MAX_ITEMS:
        problems.append(f"表单不能超过 {MAX_ITEMS} 项")
    if not keys:
        problems.append("表单至少要有一项")
    if problems:
        raise ValidationError({"spec": problems})
    return {"sections": sections}


# ---- the department's own forms, typed one item a line ---------------------------------------------------
#   【部分标题】                          a section
#   题目｜等次｜好/较好/一般/差             one of the options (等次 alone: 好/较好/一般/差; 干部等次: 优秀/称职/基本称职/不称职)
#   题目｜满意度                           很满意 … 不满意
#   题目｜单选｜甲/乙/丙    题目｜多选｜甲/乙/丙｜最多2
#   题目｜评分｜10                         a whole number 1–10
#   题目｜文字                             free text (选填 unless 必填)
# A trailing ｜必填 or ｜选填 overrides the default (choices and ratings are required, texts optional).

LINE_KINDS = {"等次": "grade", "干部等次": "grade", "满意度": "satisfaction", "单选": "single", "多选": "multiple",
              "评分": "rating", "文字": "text"}  # fmt: skip
KIND_WORDS = {
    "satisfaction": "满意度",
    "single": "单选",
    "multiple": "多选",
    "rating": "评分",
    "text": "文字",
}


def parse_lines(text: str) -> dict:
    """The form typed one item a line (see above) as a checked spec; every bad line named with its number."""
    sections: list[dict] = []
    problems: list[str] = []
    n_item = 0
    for number, raw in enumerate(str(text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if (line.startswith("【") and line.endswith("】")) or line.startswith("#"):
            sections.append({"title": line.strip("【】#").strip(), "items": []})
            continue
        parts = [p.strip() for p in line.replace("|", "｜").split("｜")]
        required = None
        if parts[-1] in ("必填", "选填"):
            required = parts.pop() == "必填"
        if len(parts) < 2 or parts[1] not in LINE_KINDS:
            problems.append(f"第 {number} 行：应为“题目｜题型…”，题型为{'、'.join(LINE_KINDS)}之一")
            continue
        n_item += 1
        label, word, rest = parts[0], parts[1], parts[2:]
        item: dict = {"key": f"q{n_item}", "label": label, "kind": LINE_KINDS[word]}
        if word == "干部等次":
            item["scale"] = "cadre"
        elif word == "等次":
            if rest:
                item["options"] = [o for o in rest[0].split("/") if o.strip()]
            else:
                item["scale"] = "team"
        elif word in ("单选", "多选"):
            item["options"] = [o for o in (rest[0] if rest else "").split("/") if o.strip()]
            if word == "多选" and len(rest) > 1 and rest[1].startswith("最多") and rest[1][2:].isdigit():
                item["max"] = int(rest[1][2:])
        elif word == "评分":
            item["max"] = int(rest[0]) if rest and rest[0].isdigit() else 10
        if required is not None:
            item["required"] = required
        if not sections:
            sections.append({"title": "", "items": []})
        sections[-1]["items"].append(item)
    if problems:
        raise ValidationError({"lines": problems})
    try:
        return check_spec({"sections": sections})
    except ValidationError as exc:
        raise ValidationError({"lines": exc.message_dict.get("spec", exc.messages)})


def to_lines(spec: dict) -> str:
    """A spec typed back one item a line (the editor's starting point)."""
    out = []
    for section in spec["sections"]:
        if section["title"]:
            out.append(f"【{section['title']}】")
        for item in section["items"]:
            kind = item["kind"]
            if kind == "grade":
                if item.get("scale") == "cadre":
                    parts = [item["label"], "干部等次"]
                elif item.get("scale") == "team":
                    parts = [item["label"], "等次"]
                else:
                    parts = [item["label"], "等次", "/".join(o["label"] for o in item["options"])]
            elif kind in ("single", "multiple"):
                parts = [item["label"], KIND_WORDS[kind], "/".join(o["label"] for o in item["options"])]
                if kind == "multiple":
                    parts.append(f"最多{item['max']}")
            elif kind == "rating":
                parts = [item["label"], "评分", str(item["max"])]
            else:
                parts = [item["label"], KIND_WORDS[kind]]
            default = kind != "text"
            if item["required"] != default:
                parts.append("必填" if item["required"] else "选填")
            out.append("｜".join(parts))
    return "\n".join(out)
