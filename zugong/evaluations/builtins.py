"""The built-in forms: 干部民主测评 (德、能、勤、绩、廉 + 总体评价), 班子测评, "三度"测评 (知晓度、满意度、认可度 by
default — configurable), 组工干部形象 (the 五个模范 as its dimensions), 述职评议, and a blank questionnaire. Each is
a spec (``spec.check_spec``) that an evaluation copies and may change."""

from __future__ import annotations

from django.db import models

from .spec import check_spec


class Kind(models.TextChoices):
    CADRE = "cadre", "干部民主测评"
    TEAM = "team", "班子测评"
    SANDU = "sandu", "“三度”测评"
    IMAGE = "image", "组工干部形象测评"
    REPORT = "report", "述职评议"
    QUESTIONNAIRE = "questionnaire", "问卷调查"


def _grades(pairs, scale):
    return [{"key": k, "label": label, "kind": "grade", "scale": scale} for k, label in pairs]


OPINION = {"key": "opinion", "label": "意见和建议", "kind": "text", "required": False}
SANDU_DIMENSIONS = (("awareness", "知晓度"), ("satisfaction", "满意度"), ("recognition", "认可度"))
# “五个模范”: 讲政治、重公道、业务精、作风好、纪律严.
IMAGE_DIMENSIONS = (
    ("politics", "讲政治的模范"),
    ("fairness", "重公道的模范"),
    ("competence", "业务精的模范"),
    ("conduct", "作风好的模范"),
    ("discipline", "纪律严的模范"),
)


def sandu_spec(dimensions=SANDU_DIMENSIONS) -> dict:
    """ "三度": one satisfaction item per dimension (the names are the department's: 参与度, 公信度 …)."""
    items = [
        {"key": key, "label": f"对组织部门工作的{label}", "kind": "satisfaction"} for key, label in dimensions
    ]
    return check_spec({"sections": [{"title": "“三度”测评", "items": [*items, OPINION]}]})


BUILTIN: dict[str, dict] = {
    Kind.CADRE: {
        "sections": [
            {
                "title": "分项评价",
                "items": _grades(
                    (("de", "德"), ("neng", "能"), ("qin", "勤"), ("ji", "绩"), ("lian", "廉")), "team"
                ),
            },
            {
                "title": "总体评价",
                "items": [
                    {"key": "overall", "label": "总体评价", "kind": "grade", "scale": "cadre"},
                    OPINION,
                ],
            },
        ]
    },
    Kind.TEAM: {
        "sections": [
            {
                "title": "领导班子",
                "items": _grades(
                    (
                        ("politics", "政治思想建设"),
                        ("leadership", "领导能力"),
                        ("results", "工作实绩"),
                        ("integrity", "党风廉政建设"),
                        ("overall", "总体评价"),
                    ),
                    "team",
                )
                + [OPINION],
            }
        ]
    },
    Kind.SANDU: sandu_spec(),
    Kind.IMAGE: {
        "sections": [
            {
                "title": "组工干部形象",
                "items": [{"key": k, "label": label, "kind": "satisfaction"} for k, label in IMAGE_DIMENSIONS]
                + [OPINION],
            }
        ]
    },
    Kind.REPORT: {
        "sections": [
            {
                "title": "书记抓基层党建工作述职评议",
                "items": [{"key": "overall", "label": "综合评价", "kind": "grade", "scale": "team"}, OPINION],
            }
        ]
    },
    Kind.QUESTIONNAIRE: {"sections": [{"title": "问卷", "items": [OPINION]}]},
}
BUILTIN = {kind: check_spec(spec) for kind, spec in BUILTIN.items()}
