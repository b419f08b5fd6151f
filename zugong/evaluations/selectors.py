"""The numbers of 测评, from two GROUP BY queries whatever the number of ballots: answers counted by subject,
item, option and voter class; ballots counted by class. Test ballots never count.

Per subject and choice item: counts and shares by class, the share over all ballots, the weighted share
(Σ weight × class share / Σ weights of the classes that voted), 好评率 (the two best grades), the satisfaction
index (%很满意×100 + %满意×80 + %基本满意×60 + %不太满意×30 + %不满意×0) and, on the cadre scale, the flags:
优秀+称职 below 2/3 → 诫勉; 不称职 above 1/3 → 调整. Ratings give their mean."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from . import combined as C
from . import spec as S
from .builtins import Kind
from .models import Answer, Ballot, Evaluation, Subject, VoterClass

TWO_THIRDS = Decimal(2) / Decimal(3)
ONE_THIRD = Decimal(1) / Decimal(3)
PLACES = Decimal("0.0001")


def q4(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def ballots_by_class(evaluation: Evaluation) -> dict[int, int]:
    rows = (
        Ballot.objects.filter(evaluation=evaluation, is_test=False)
        .values("voter_class")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["voter_class"]: r["n"] for r in rows}


def answer_counts(evaluation: Evaluation) -> dict[tuple[int, str, str], dict[int, int]]:
    """(subject, item, option) → {voter class: count}, one GROUP BY."""
    rows = (
        Answer.objects.filter(evaluation=evaluation, ballot__is_test=False)
        .exclude(option="")
        .values_list("subject", "item", "option", "ballot__voter_class")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[tuple[int, str, str], dict[int, int]] = defaultdict(dict)
    for subject, item, option, voter_class, n in rows:
        out[(subject, item, option)][voter_class] = n
    return out


def rating_sums(evaluation: Evaluation) -> dict[tuple[int, str], tuple[int, int]]:
    rows = (
        Answer.objects.filter(evaluation=evaluation, ballot__is_test=False, number__isnull=False)
        .values_list("subject", "item")
        .annotate(n=Count("id"), total=Sum("number"))
        .order_by()
    )
    return {(s, i): (n, total) for s, i, n, total in rows}


def _share(part: int, whole: int) -> Decimal | None:
    return q4(Decimal(part) / Decimal(whole)) if whole else None


def item_result(item: dict, counts: dict[str, dict[int, int]], ballots: dict[int, int], weights) -> dict:
    """One choice item of one subject: options with counts by class, shares and weighted shares."""
    total_ballots = sum(ballots.values())
    options = []
    for option in S.options_of(item):
        by_class = counts.get(option["value"], {})
        n = sum(by_class.values())
        voted = [c for c in weights if ballots.get(c)]
        weight_sum = sum((weights[c] for c in voted), Decimal(0))
        weighted = (
            q4(sum((weights[c] * Decimal(by_class.get(c, 0)) / Decimal(ballots[c]) for c in voted), Decimal(0))
               / weight_sum)
            if weight_sum else None
        )  # fmt: skip
        options.append(
            {
                **option,
                "count": n,
                "share": _share(n, total_ballots),
                "weighted_share": weighted,
                "by_class": {c: {"count": by_class.get(c, 0), "share": _share(by_class.get(c, 0), ballots.get(c, 0))}
                             for c in weights},
            }
        )  # fmt: skip
    result = {"key": item["key"], "label": item["label"], "kind": item["kind"], "options": options}
    answered = sum(o["count"] for o in options)
    result["answered"] = answered
    if item["kind"] in ("grade", "satisfaction") and answered and item["kind"] != "multiple":
        top_two = sum(o["count"] for o in options[:2])
        result["favourable_rate"] = _share(top_two, answered)  # 好评率: 优秀+称职, 好+较好, 很满意+满意
    if item["kind"] == "satisfaction" and answered:
        score = sum(Decimal(o["score"]) * Decimal(o["count"]) for o in options)
        result["satisfaction_index"] = (score / Decimal(answered)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if item["kind"] == "grade" and item.get("scale") == "cadre" and answered:
        shares = {o["value"]: Decimal(o["count"]) / Decimal(answered) for o in options}
        result["admonish"] = shares["excellent"] + shares["competent"] < TWO_THIRDS  # 诫勉
        result["adjust"] = shares["incompetent"] > ONE_THIRD  # 调整
    return result


def results(evaluation: Evaluation) -> dict:
    """Everything the results page, the Word report and the API show: two GROUP BY queries over the ballots and
    the answers (a third for the ratings when the form has any), and the evaluation's classes and subjects."""
    classes = list(VoterClass.objects.filter(evaluation=evaluation))
    weights = {c.pk: c.weight for c in classes}
    ballots = ballots_by_class(evaluation)
    counts = answer_counts(evaluation)
    items = S.items_of(evaluation.spec)
    # A form without a rating item needs no pass over the answers for it.
    ratings = rating_sums(evaluation) if any(i["kind"] == "rating" for i in items) else {}
    subjects = []
    for subject in Subject.objects.filter(evaluation=evaluation):
        rows = []
        for item in items:
            if item["kind"] in S.CHOICE_KINDS:
                per_option = {
                    option: by_class
                    for (s, i, option), by_class in counts.items()
                    if s == subject.pk and i == item["key"]
                }
                rows.append(item_result(item, per_option, ballots, weights))
            elif item["kind"] == "rating":
                n, total = ratings.get((subject.pk, item["key"]), (0, 0))
                mean = (Decimal(total) / Decimal(n)).quantize(Decimal("0.01"), ROUND_HALF_UP) if n else None
                rows.append({"key": item["key"], "label": item["label"], "kind": "rating", "answered": n,
                             "mean": mean, "max": item["max"]})  # fmt: skip
        entry = {"subject": subject, "items": rows}
        if evaluation.kind == Kind.REPORT:
            entry["combined"] = report_combined(evaluation, subject, rows)
        subjects.append(entry)
    turnout = [
        {
            "voter_class": c,
            "ballots": ballots.get(c.pk, 0),
            "expected": c.expected,
            "rate": _share(ballots.get(c.pk, 0), c.expected),
        }
        for c in classes
    ]
    return {
        "evaluation": evaluation,
        "ballots": sum(ballots.values()),
        "turnout": turnout,
        "subjects": subjects,
    }


def chart_data(data: dict) -> list[dict]:
    """For the results page's charts: per subject, the share of each option of its choice items (the first
    grade or satisfaction item that is an overall judgement, else the first choice item)."""
    charts = []
    for n, row in enumerate(data["subjects"]):
        choice = [i for i in row["items"] if i["kind"] in S.CHOICE_KINDS and i.get("answered")]
        if not choice:
            continue
        item = next((i for i in choice if i["key"] == "overall"), choice[0])
        charts.append(
            {
                "id": f"chart-{n}",
                "title": f"{row['subject'].label}·{item['label']}",
                "names": [o["label"] for o in item["options"]],
                "values": [o["count"] for o in item["options"]],
            }
        )
    return charts


def report_combined(evaluation: Evaluation, subject: Subject, rows: list[dict]) -> dict:
    """述职评议: each part's score (the department's, and 民主评议 from the ballots), the combined score and
    its grade (``combined.combined``)."""
    config = C.config_of(evaluation.spec)
    item = next((r for r in rows if r["key"] == config["item"]), None) or next(
        (r for r in rows if r["kind"] == "grade"), None
    )  # a form of the department's own: its first grade item
    parts = {
        c["key"]: (C.democratic_score(item, config) if c["key"] == C.DEMOCRATIC
                   else (Decimal(subject.scores[c["key"]]) if c["key"] in (subject.scores or {}) else None))
        for c in config["components"]
    }  # fmt: skip
    result = C.combined(parts, config)
    result["parts"] = [{**c, "score": parts[c["key"]]} for c in config["components"]]
    return result
