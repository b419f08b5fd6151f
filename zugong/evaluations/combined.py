"""述职评议's combined score (书记抓基层党建工作述职评议考核): the department scores the written report and the
on-site report (0–100) for each secretary; the attendees' 民主评议 gives the third part — each grade of the
综合评价 item scored (好 100, 较好 85, 一般 70, 差 50 by default) and weighted by the voter classes' weights; the
parts are weighted (20 / 30 / 50 by default) into the combined score, and the score into a grade (≥ 90 好,
≥ 80 较好, ≥ 60 一般, else 差). The weights, grade scores and bands are the evaluation's (``spec["combined"]``,
copied from ``DEFAULT`` when the evaluation is created; 【地方】 numbers)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

DEMOCRATIC = "democratic"
DEFAULT = {
    "item": "overall",
    "components": [
        {"key": "written", "label": "书面述职", "weight": 20},
        {"key": "onsite", "label": "现场述职", "weight": 30},
        {"key": DEMOCRATIC, "label": "民主评议", "weight": 50},
    ],
    "grade_scores": {"good": 100, "fairly_good": 85, "fair": 70, "poor": 50},
    "grades": [[90, "好"], [80, "较好"], [60, "一般"], [0, "差"]],
}
TWO = Decimal("0.01")


def config_of(spec: dict) -> dict:
    return spec.get("combined") or DEFAULT


def check_config(config) -> dict:
    """The weights are positive and sum to 100; every band is a number; one component is 民主评议."""
    try:
        components = [
            {"key": str(c["key"]), "label": str(c["label"])[:20], "weight": Decimal(str(c["weight"]))}
            for c in config["components"]
        ]
        scores = {str(k): Decimal(str(v)) for k, v in config["grade_scores"].items()}
        grades = sorted(([Decimal(str(b)), str(g)[:10]] for b, g in config["grades"]), reverse=True)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        raise ValidationError({"combined": "综合评分设置格式不正确。"})
    if sum(c["weight"] for c in components) != 100 or any(c["weight"] <= 0 for c in components):
        raise ValidationError({"combined": "各部分权重应大于 0，合计 100。"})
    if DEMOCRATIC not in {c["key"] for c in components}:
        raise ValidationError({"combined": "综合评分须包含民主评议。"})
    if not grades or grades[-1][0] != 0:
        raise ValidationError({"combined": "等次分数线须以 0 分为最低一档。"})
    return {
        "item": str(config.get("item", "overall")),
        "components": [{**c, "weight": int(c["weight"]) if c["weight"] == int(c["weight"]) else str(c["weight"])}
                       for c in components],
        "grade_scores": {k: int(v) if v == int(v) else str(v) for k, v in scores.items()},
        "grades": [[int(b) if b == int(b) else str(b), g] for b, g in grades],
    }  # fmt: skip


def democratic_score(item_result: dict | None, config: dict) -> Decimal | None:
    """Σ weighted share × grade score over the item's options; None without ballots."""
    if not item_result or not item_result.get("answered"):
        return None
    scores = config["grade_scores"]
    total = Decimal(0)
    for option in item_result["options"]:
        share = option.get("weighted_share")
        if share is None:
            share = option.get("share") or Decimal(0)
        total += Decimal(share) * Decimal(str(scores.get(option["value"], 0)))
    return total.quantize(TWO, ROUND_HALF_UP)


def grade_of(score: Decimal, config: dict) -> str:
    for bound, grade in sorted(config["grades"], key=lambda g: Decimal(str(g[0])), reverse=True):
        if score >= Decimal(str(bound)):
            return grade
    return config["grades"][-1][1]


def combined(parts: dict[str, Decimal | None], config: dict) -> dict:
    """``parts``: each component's score (None when not given yet). The combined score and its grade when
    every part is there; otherwise None and the labels of the parts missing."""
    missing = [c["label"] for c in config["components"] if parts.get(c["key"]) is None]
    if missing:
        return {"score": None, "grade": "", "missing": missing}
    score = sum(
        (Decimal(str(c["weight"])) * Decimal(parts[c["key"]]) for c in config["components"]), Decimal(0)
    ) / Decimal(100)
    score = score.quantize(TWO, ROUND_HALF_UP)
    return {"score": score, "grade": grade_of(score, config), "missing": []}
