"""The 测评 engine's rules with their numbers: forms checked, one-time codes (hash only, once, void), test mode
purged on going live, the window, and the tally: shares by class, weighted shares, 好评率, the satisfaction
index (%很满意×100 + %满意×80 + %基本满意×60 + %不太满意×30 + %不满意×0), 优秀+称职 < 2/3 → 诫勉, 不称职 > 1/3 → 调整,
turnout."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase

from .. import selectors, services
from ..builtins import BUILTIN, Kind, sandu_spec
from ..models import Answer, Ballot, BallotCode, Evaluation
from ..services import BallotRefused
from ..spec import check_spec


def make(p, kind=Kind.CADRE, classes=(("班子成员", "1", 10),), subjects=None, **kw) -> Evaluation:
    now = timezone.now()
    return services.create_evaluation(
        actor=p.org_admin,
        org=kw.pop("org", p.committee),
        title="2025年度干部民主测评",
        kind=kind,
        opens_at=kw.pop("opens_at", now - dt.timedelta(hours=1)),
        closes_at=kw.pop("closes_at", now + dt.timedelta(hours=2)),
        subjects=subjects or [{"kind": "person", "label": "陈志刚", "person": p.cadre}],
        voter_classes=[{"name": n, "weight": w, "expected": e} for n, w, e in classes],
        **kw,
    )


def cadre_vote(overall, item="good"):
    return {k: item for k in ("de", "neng", "qin", "ji", "lian")} | {"overall": overall}


class SpecTest(PersonaTestCase):
    def test_the_builtins_are_valid_and_three_du_is_configurable(self):
        self.assertEqual(
            [i["label"] for i in BUILTIN[Kind.CADRE]["sections"][0]["items"]], ["德", "能", "勤", "绩", "廉"]
        )
        spec = sandu_spec((("participation", "参与度"), ("credibility", "公信度")))
        labels = [i["label"] for i in spec["sections"][0]["items"]]
        self.assertEqual(labels[:2], ["对组织部门工作的参与度", "对组织部门工作的公信度"])

    def test_it_reports_every_problem_of_a_form(self):
        with self.assertRaises(ValidationError) as caught:
            check_spec({"sections": [{"title": "一", "items": [
                {"key": "Bad", "label": "甲", "kind": "single", "options": ["只有一个"]},
                {"key": "b", "label": "", "kind": "vote"},
                {"key": "c", "label": "评分", "kind": "rating", "max": 1000},
            ]}]})  # fmt: skip
        problems = caught.exception.message_dict["spec"]
        self.assertEqual(len(problems), 5, problems)
        self.assertTrue(any("选项应为 2–30 个" in p for p in problems))


class CodesTest(PersonaTestCase):
    def test_only_hashes_are_kept_and_the_batch_is_audited(self):
        e = make(self.p)
        batch, codes = services.issue_codes(
            actor=self.p.org_admin, evaluation=e, voter_class=e.voter_classes.get(), count=50
        )
        self.assertEqual((len(codes), len(set(codes)), batch.count), (50, 50, 50))
        self.assertTrue(all(len(c) == 10 and not set(c) & set("01OIL") for c in codes))
        stored = set(BallotCode.objects.values_list("code_hash", flat=True))
        self.assertEqual(stored, {services.code_hash(c) for c in codes})
        self.assertFalse(stored & set(codes))
        self.assertEqual(
            AuditEvent.objects.filter(event="evaluation_codes_issued", object_id=str(batch.pk)).count(), 1
        )

    def test_another_committee_cannot_issue_codes(self):
        e = make(self.p)
        with self.assertRaises(PermissionDenied):
            services.issue_codes(
                actor=self.p.other_secretary, evaluation=e, voter_class=e.voter_classes.get(), count=5
            )
        self.assertFalse(BallotCode.objects.exists())


class CastTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.e = make(cls.p)
        services.go_live(actor=cls.p.org_admin, evaluation=cls.e)
        cls.e.refresh_from_db()
        _, cls.codes = services.issue_codes(
            actor=cls.p.org_admin, evaluation=cls.e, voter_class=cls.e.voter_classes.get(), count=5
        )
        cls.subject = cls.e.subjects.get()

    def ballot(self, **answers):
        return {str(self.subject.pk): answers or cadre_vote("excellent")}

    def test_a_code_votes_once(self):
        before = AuditEvent.objects.count()
        services.cast_ballot(code=self.codes[0].lower(), answers=self.ballot())
        with self.assertRaises(BallotRefused) as caught:
            services.cast_ballot(code=self.codes[0], answers=self.ballot())
        self.assertIn("已经使用过", str(caught.exception))
        self.assertEqual(Ballot.objects.count(), 1)
        self.assertEqual(Answer.objects.count(), 6)
        self.assertEqual(AuditEvent.objects.count(), before)  # nothing beside the ballot's time

    def test_void_invalid_and_incomplete_ballots_change_nothing(self):
        services.void_code(actor=self.p.org_admin, evaluation=self.e, code=self.codes[1])
        for code, message in ((self.codes[1], "已作废"), ("ABCDEFGHJK", "测评码无效")):
            with self.assertRaises(BallotRefused) as caught:
                services.cast_ballot(code=code, answers=self.ballot())
            self.assertIn(message, str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            services.cast_ballot(code=self.codes[2], answers=self.ballot(de="good"))
        self.assertIn("请完成对“陈志刚”的“能”", str(caught.exception))
        with self.assertRaises(ValidationError):
            services.cast_ballot(code=self.codes[2], answers=self.ballot(**cadre_vote("best")))
        self.assertFalse(Ballot.objects.exists())
        self.assertEqual(BallotCode.objects.get(code_hash=services.code_hash(self.codes[2])).state, "unused")

    def test_the_window(self):
        Evaluation.objects.filter(pk=self.e.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
        with self.assertRaises(BallotRefused) as caught:
            services.cast_ballot(code=self.codes[3], answers=self.ballot())
        self.assertIn("已结束", str(caught.exception))
        Evaluation.objects.filter(pk=self.e.pk).update(
            opens_at=timezone.now() + dt.timedelta(hours=1), closes_at=timezone.now() + dt.timedelta(hours=2)
        )
        with self.assertRaises(BallotRefused) as caught:
            services.cast_ballot(code=self.codes[3], answers=self.ballot())
        self.assertIn("尚未开始", str(caught.exception))


class AnonymityTest(PersonaTestCase):
    """Someone reading the whole database cannot join a ballot to its code or voter."""

    def test_nothing_joins_a_ballot_to_a_code(self):
        e = make(self.p)
        services.go_live(actor=self.p.org_admin, evaluation=e)
        _, codes = services.issue_codes(
            actor=self.p.org_admin, evaluation=e, voter_class=e.voter_classes.get(), count=3
        )
        subject = e.subjects.get()
        for code in codes:
            services.cast_ballot(code=code, answers={str(subject.pk): cadre_vote("competent")})
        tables = {m: [f.column for f in m._meta.concrete_fields] for m in (Ballot, Answer, BallotCode)}
        self.assertEqual(tables[Ballot], ["id", "evaluation_id", "voter_class_id", "cast_on", "is_test"])
        self.assertEqual(
            tables[BallotCode], ["id", "batch_id", "evaluation_id", "voter_class_id", "code_hash", "state"]
        )
        self.assertNotIn("ballot_id", tables[BallotCode])
        for model in tables:
            kinds = {f.get_internal_type() for f in model._meta.concrete_fields}
            self.assertNotIn("DateTimeField", kinds, model)
        ids = list(Ballot.objects.values_list("id", flat=True))
        self.assertTrue(all(i.version == 4 for i in ids))  # random, not sequential
        audit_text = " ".join(str(row) for row in AuditEvent.objects.values_list("object_id", "detail"))
        for ballot_id in ids:
            self.assertNotIn(str(ballot_id), audit_text)
        for code in codes:
            self.assertNotIn(services.code_hash(code), audit_text)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {BallotCode._meta.db_table}")
            dumped = " ".join(str(v) for row in cursor.fetchall() for v in row)
        self.assertFalse(any(str(i) in dumped for i in ids))
        self.assertFalse(any(code in dumped for code in codes))


class TestModeTest(PersonaTestCase):
    def test_test_ballots_never_count_and_are_purged_on_going_live(self):
        e = make(self.p)
        vc = e.voter_classes.get()
        _, codes = services.issue_codes(actor=self.p.org_admin, evaluation=e, voter_class=vc, count=2)
        subject = e.subjects.get()
        services.cast_ballot(code=codes[0], answers={str(subject.pk): cadre_vote("excellent")})
        self.assertEqual(selectors.results(e)["ballots"], 0)
        self.assertEqual(Ballot.objects.filter(is_test=True).count(), 1)
        result = services.go_live(actor=self.p.org_admin, evaluation=e)
        self.assertEqual(result, {"test_ballots_deleted": 1, "codes_voided": 2})
        self.assertFalse(Ballot.objects.exists() or Answer.objects.exists())
        with self.assertRaises(BallotRefused):
            services.cast_ballot(code=codes[1], answers={str(subject.pk): cadre_vote("excellent")})


class TallyTest(PersonaTestCase):
    def vote(self, e, voter_class, answers_list):
        _, codes = services.issue_codes(
            actor=self.p.org_admin, evaluation=e, voter_class=voter_class, count=len(answers_list)
        )
        subject = e.subjects.get()
        for code, answers in zip(codes, answers_list, strict=True):
            services.cast_ballot(code=code, answers={str(subject.pk): answers})

    def item(self, e, key):
        return next(i for i in selectors.results(e)["subjects"][0]["items"] if i["key"] == key)

    def live(self, **kw):
        e = make(self.p, **kw)
        services.go_live(actor=self.p.org_admin, evaluation=e)
        return e

    def test_favourable_rate_and_the_admonish_flag(self):
        """4 优秀 + 1 称职 + 3 基本称职 + 1 不称职 of 9: 优秀+称职 5/9 < 2/3 → 诫勉; 不称职 1/9 ≤ 1/3."""
        e = self.live()
        grades = ["excellent"] * 4 + ["competent"] + ["basic"] * 3 + ["incompetent"]
        self.vote(e, e.voter_classes.get(), [cadre_vote(g) for g in grades])
        overall = self.item(e, "overall")
        self.assertEqual(overall["favourable_rate"], Decimal("0.5556"))
        self.assertEqual((overall["admonish"], overall["adjust"]), (True, False))
        self.assertEqual([o["count"] for o in overall["options"]], [4, 1, 3, 1])

    def test_the_adjust_flag_above_one_third(self):
        """不称职 4 of 9 > 1/3 → 调整; exactly 3 of 9 is not above."""
        e = self.live()
        self.vote(e, e.voter_classes.get(), [cadre_vote(g) for g in ["excellent"] * 6 + ["incompetent"] * 3])
        self.assertEqual(
            (self.item(e, "overall")["admonish"], self.item(e, "overall")["adjust"]), (False, False)
        )
        self.vote(e, e.voter_classes.get(), [cadre_vote("incompetent")])
        self.assertTrue(self.item(e, "overall")["adjust"])  # 4 of 10

    def test_the_satisfaction_index(self):
        """5 很满意, 3 满意, 1 基本满意, 1 不满意 of 10: 50×100% + 30×80% + 10×60% + 10×0% = 80.00."""
        e = self.live(kind=Kind.SANDU, subjects=[{"kind": "department", "label": "区委组织部"}])
        levels = ["very_satisfied"] * 5 + ["satisfied"] * 3 + ["basically_satisfied", "dissatisfied"]
        answers = [{"awareness": v, "satisfaction": v, "recognition": v} for v in levels]
        self.vote(e, e.voter_classes.get(), answers)
        satisfaction = self.item(e, "satisfaction")
        self.assertEqual(satisfaction["satisfaction_index"], Decimal("80.00"))
        self.assertEqual(satisfaction["favourable_rate"], Decimal("0.8000"))

    def test_weighted_shares_and_turnout(self):
        """分管领导 (weight 3): 2 ballots 优秀; 干部职工代表 (weight 1): 2 ballots 称职. 优秀's plain share is 2/4 =
        0.5, its weighted share (3 × 1 + 1 × 0) / 4 = 0.75. Turnout 2 of 4 expected = 0.5 and 2 of 2 = 1."""
        e = self.live(classes=(("分管领导", "3", 2), ("干部职工代表", "1", 4)))
        leaders, staff = e.voter_classes.order_by("position")
        self.vote(e, leaders, [cadre_vote("excellent")] * 2)
        self.vote(e, staff, [cadre_vote("competent")] * 2)
        excellent = self.item(e, "overall")["options"][0]
        self.assertEqual((excellent["share"], excellent["weighted_share"]), (Decimal("0.5"), Decimal("0.75")))
        self.assertEqual(excellent["by_class"][leaders.pk], {"count": 2, "share": Decimal("1")})
        turnout = {t["voter_class"].name: t["rate"] for t in selectors.results(e)["turnout"]}
        self.assertEqual(turnout, {"分管领导": Decimal("1"), "干部职工代表": Decimal("0.5")})
