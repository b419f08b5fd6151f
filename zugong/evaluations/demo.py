"""Demo data of 测评 (``build_demo`` calls ``seed`` after the district): a finished 干部民主测评 of three
cadres of a 党(工)委 with two voter classes, a "三度"测评 of the department still open, and a questionnaire in test
mode. Ballots are cast through ``services.cast_ballot`` (as a voter would), so the numbers are real; five
unused codes of the open evaluation are returned for ``build_demo`` to print (they exist nowhere else), so
the voting page can be tried."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from zugong.accounts.models import User
from zugong.orgs.models import Organization, OrgType
from zugong.people.models import CadreRecord

from . import services
from .builtins import Kind
from .models import Evaluation

SEED = 2026
OFFICE = "zzb_admin"  # the 组织部管理员 persona
CADRE_GRADES = ["excellent"] * 6 + ["competent"] * 3 + ["basic"]
ITEM_GRADES = ["good"] * 6 + ["fairly_good"] * 3 + ["fair"]
SATISFACTION = ["very_satisfied"] * 5 + ["satisfied"] * 3 + ["basically_satisfied", "not_very_satisfied"]


def _cast(evaluation, voter_class, count: int, answer, rng: random.Random, keep: int = 0) -> list[str]:
    """``count`` ballots of ``voter_class``; returns ``keep`` codes left unused."""
    _, codes = services.issue_codes(
        actor=evaluation.created_by, evaluation=evaluation, voter_class=voter_class, count=count + keep
    )
    subjects = list(evaluation.subjects.all())
    for code in codes[:count]:
        services.cast_ballot(code=code, answers={str(s.pk): answer(rng) for s in subjects})
    return codes[count:]


def _cadre_answer(rng):
    return {k: rng.choice(ITEM_GRADES) for k in ("de", "neng", "qin", "ji", "lian")} | {
        "overall": rng.choice(CADRE_GRADES)
    }


def _sandu_answer(rng):
    return {k: rng.choice(SATISFACTION) for k in ("awareness", "satisfaction", "recognition")} | {
        "opinion": rng.choice(["", "", "希望进一步简化党员组织关系转接手续。", "建议多组织基层干部培训。"])
    }


def seed(*, today: dt.date | None = None) -> dict:
    """Returns what was written; nothing when there is no organization admin or evaluations exist."""
    office = User.objects.filter(username=OFFICE).first()
    root = Organization.objects.filter(parent__isnull=True).order_by("pk").first()
    if office is None or root is None or Evaluation.objects.exists():
        return {}
    rng = random.Random(SEED)
    now = timezone.now()
    committee = Organization.objects.filter(org_type=OrgType.COMMITTEE).order_by("path").first() or root
    cadres = list(
        CadreRecord.objects.filter(is_district_managed=True, person__org_path__startswith=committee.path)
        .select_related("person")
        .order_by("person_id")[:3]
    )
    counts = {"evaluations": 0, "ballots": 0}
    if cadres:
        e = services.create_evaluation(
            actor=office, org=committee, title=f"{committee.name}领导干部年度民主测评", kind=Kind.CADRE,
            opens_at=now - dt.timedelta(days=10), closes_at=now + dt.timedelta(days=20),
            subjects=[{"kind": "person", "label": c.person.name, "person": c.person} for c in cadres],
            voter_classes=[{"name": "班子成员", "weight": 2, "expected": 8},
                           {"name": "干部职工代表", "weight": 1, "expected": 40}],
        )  # fmt: skip
        services.go_live(actor=office, evaluation=e)
        leaders, staff = e.voter_classes.order_by("position")
        _cast(e, leaders, 7, _cadre_answer, rng)
        _cast(e, staff, 34, _cadre_answer, rng)
        counts["evaluations"] += 1
        counts["ballots"] += 41
    sandu = services.create_evaluation(
        actor=office, org=root, title=f"{today.year if today else now.year}年组织工作“三度”测评", kind=Kind.SANDU,
        opens_at=now - dt.timedelta(days=2), closes_at=now + dt.timedelta(days=30),
        subjects=[{"kind": "department", "label": "区委组织部"}],
        voter_classes=[{"name": "党员代表", "weight": 1, "expected": 80}],
    )  # fmt: skip
    services.go_live(actor=office, evaluation=sandu)
    unused = _cast(sandu, sandu.voter_classes.get(), 52, _sandu_answer, rng, keep=5)
    counts["evaluations"] += 1
    counts["ballots"] += 52
    services.create_evaluation(
        actor=office, org=root, title="基层党建工作问卷（试用）", kind=Kind.QUESTIONNAIRE,
        opens_at=now, closes_at=now + dt.timedelta(days=7),
        subjects=[{"kind": "department", "label": "区委组织部"}],
        voter_classes=[{"name": "党员", "weight": 1, "expected": 100}],
    )  # fmt: skip
    counts["evaluations"] += 1
    counts["codes"] = unused  # plain codes: only in this answer
    return counts
