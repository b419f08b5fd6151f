"""征求意见 → 问题清单 → 整改清单, the rules: a questionnaire's free-text answers become opinions once (a second
import adds nothing, test ballots never count, no link to a ballot), an issue merges opinions of its own
organization only, 逾期 means not closed and past the deadline, closing needs measures and evidence, reopening a
reason, and every write leaves its audit row."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase

from .. import services
from .. import services_opinions as S
from ..builtins import Kind
from ..models import Issue, IssueEvidence, IssueStep, Opinion
from .test_engine import make

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
DEPARTMENT = [{"kind": "department", "label": "东城街道党工委组织部门"}]


def questionnaire(p, texts, *, live=True, **kw):
    """A 问卷调查 of 东城街道党工委 with one ballot per text (an empty text: a ballot without one)."""
    e = make(p, kind=Kind.QUESTIONNAIRE, subjects=DEPARTMENT, classes=(("群众代表", "1", 50),), **kw)
    if live:
        services.go_live(actor=p.org_admin, evaluation=e)
    _, codes = services.issue_codes(
        actor=p.org_admin, evaluation=e, voter_class=e.voter_classes.get(), count=max(len(texts), 1)
    )
    subject = str(e.subjects.get().pk)
    for code, text in zip(codes, texts, strict=False):
        services.cast_ballot(code=code, answers={subject: {"opinion": text}})
    return e


def opinion(p, **over):
    data = {
        "actor": p.committee_secretary, "org": p.committee, "source": "seminar", "received_on": dt.date(2025, 3, 1),
        "text": "窗口服务态度需要改进",
    } | over  # fmt: skip
    return S.opinion_add(**data)


def issue(p, **over):
    data = {
        "actor": p.committee_secretary, "org": p.committee, "category": "service", "title": "窗口服务态度差",
        "deadline": dt.date(2025, 3, 31), "measures": "开展窗口服务规范培训", "owner_unit": p.unit,
    } | over  # fmt: skip
    return S.issue_create(**data)


class ImportTest(PersonaTestCase):
    def test_it_imports_the_texts_once_and_only_new_ones_later(self):
        e = questionnaire(self.p, ["希望多组织基层调研", "希望多组织基层调研", "", "干部选拔要更公开"])
        self.assertEqual(S.opinions_import_from_evaluation(actor=self.p.committee_secretary, evaluation=e), 3)
        self.assertEqual(S.opinions_import_from_evaluation(actor=self.p.committee_secretary, evaluation=e), 0)
        rows = Opinion.objects.filter(evaluation=e).order_by("text", "id")
        self.assertEqual(
            sorted(rows.values_list("text", flat=True)),
            sorted(["希望多组织基层调研", "希望多组织基层调研", "干部选拔要更公开"]),
        )
        self.assertTrue(all(o.source == "survey" and o.org == self.p.committee for o in rows))
        self.assertTrue(all(o.received_on == timezone.localdate() for o in rows))
        # A ballot cast after the first import: the next import adds exactly its text.
        _, codes = services.issue_codes(
            actor=self.p.org_admin, evaluation=e, voter_class=e.voter_classes.get(), count=1
        )
        services.cast_ballot(
            code=codes[0], answers={str(e.subjects.get().pk): {"opinion": "干部选拔要更公开"}}
        )
        self.assertEqual(S.opinions_import_from_evaluation(actor=self.p.committee_secretary, evaluation=e), 1)
        self.assertEqual(Opinion.objects.filter(evaluation=e, text="干部选拔要更公开").count(), 2)

    def test_it_keeps_no_link_to_a_ballot(self):
        fields = {f.name for f in Opinion._meta.get_fields()}
        self.assertFalse(fields & {"ballot", "answer", "code"})
        self.assertEqual(Opinion._meta.get_field("evaluation").related_model._meta.model_name, "evaluation")

    def test_test_ballots_are_not_imported(self):
        e = questionnaire(self.p, ["试投的意见"], live=False)
        self.assertEqual(S.opinions_import_from_evaluation(actor=self.p.org_admin, evaluation=e), 0)
        self.assertFalse(Opinion.objects.exists())

    def test_it_is_audited(self):
        e = questionnaire(self.p, ["甲意见", "乙意见"])
        S.opinions_import_from_evaluation(actor=self.p.org_admin, evaluation=e)
        self.assertEqual(
            AuditEvent.objects.filter(object_type="evaluations.opinion", kind="create").count(), 2
        )
        event = AuditEvent.objects.get(event=S.EVENT_IMPORTED)
        self.assertEqual(event.detail, {"evaluation": e.pk, "added": 2})

    def test_another_committee_cannot_import(self):
        e = questionnaire(self.p, ["意见"])
        with self.assertRaises(PermissionDenied):
            S.opinions_import_from_evaluation(actor=self.p.other_secretary, evaluation=e)
        self.assertFalse(Opinion.objects.exists())


class OpinionTest(PersonaTestCase):
    def test_a_visit_needs_its_group(self):
        with self.assertRaises(ValidationError) as caught:
            opinion(self.p, source="visit")
        self.assertIn("请填写走访组", str(caught.exception))
        o = opinion(self.p, source="visit", visit_group=" 第二组 ")
        self.assertEqual((o.visit_group, o.source_label), ("第二组", "走访（第二组）"))
        self.assertEqual(opinion(self.p, visit_group="第一组").visit_group, "")  # only a visit has a group

    def test_bad_input_changes_nothing(self):
        for over, message in (
            ({"text": "   "}, "请填写意见内容"),
            ({"source": "wechat"}, "意见来源不正确"),
            ({"received_on": timezone.localdate() + dt.timedelta(days=1)}, "收集日期不能晚于今天"),
        ):
            with self.subTest(message), self.assertRaises(ValidationError) as caught:
                opinion(self.p, **over)
            self.assertIn(message, str(caught.exception))
        with self.assertRaises(PermissionDenied):
            opinion(self.p, org=self.p.other_committee)
        self.assertFalse(Opinion.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(object_type="evaluations.opinion").exists())

    def test_it_is_audited(self):
        o = opinion(self.p)
        row = AuditEvent.objects.get(object_type="evaluations.opinion", object_id=str(o.pk))
        self.assertEqual((row.kind, row.actor_name), ("create", "committee_secretary"))


class IssueTest(PersonaTestCase):
    def test_it_merges_opinions_of_its_own_organization(self):
        a = opinion(self.p)
        b = opinion(self.p, source="visit", visit_group="第三组", org=self.p.branch)
        i = issue(self.p, opinions=[a, b])
        self.assertEqual(set(i.opinions.all()), {a, b})
        self.assertEqual(list(i.steps.values_list("kind", "note")), [("created", "由 2 条意见形成")])
        # An opinion outside the issue's organization (a sibling's) is refused.
        c = opinion(self.p, org=self.p.sibling_branch)
        with self.assertRaises(ValidationError) as caught:
            issue(self.p, org=self.p.branch, opinions=[a, c])
        self.assertIn("不属于该问题所在党组织", str(caught.exception))
        self.assertEqual(Issue.objects.count(), 1)

    def test_another_branch_cannot_use_my_opinions_or_units(self):
        a = opinion(self.p)
        with self.assertRaises(ValidationError):
            S.issue_create(
                actor=self.p.other_secretary, org=self.p.other_branch, category="other", title="问题",
                opinions=[a],
            )  # fmt: skip
        with self.assertRaises(ValidationError):
            S.issue_create(
                actor=self.p.other_secretary, org=self.p.other_branch, category="other", title="问题",
                owner_unit=self.p.unit,
            )  # fmt: skip
        self.assertFalse(Issue.objects.exists())

    def test_overdue_is_not_closed_and_past_the_deadline(self):
        i = issue(self.p, deadline=dt.date(2025, 3, 31))
        self.assertFalse(i.overdue_on(dt.date(2025, 3, 31)))  # the deadline day itself is not overdue
        self.assertTrue(i.overdue_on(dt.date(2025, 4, 1)))
        self.assertEqual(list(Issue.objects.overdue(dt.date(2025, 4, 1))), [i])
        self.assertEqual(list(Issue.objects.overdue(dt.date(2025, 3, 31))), [])
        no_deadline = issue(self.p, deadline=None, title="无时限")
        self.assertFalse(no_deadline.overdue_on(dt.date(2030, 1, 1)))
        S.issue_close(actor=self.p.committee_secretary, issue=i, evidence_text="已培训全体窗口人员")
        i.refresh_from_db()
        self.assertFalse(i.overdue_on(dt.date(2025, 4, 1)))
        self.assertEqual(list(Issue.objects.overdue(dt.date(2025, 4, 1))), [])

    def test_closing_needs_measures_and_evidence(self):
        i = issue(self.p, measures="")
        with self.assertRaises(ValidationError) as caught:
            S.issue_close(actor=self.p.committee_secretary, issue=i, evidence_text="已整改")
        self.assertIn("请先填写整改措施", str(caught.exception))
        S.issue_update(actor=self.p.committee_secretary, issue=i, changes={"measures": "开展培训"})
        for text in ("", "   "):
            with self.assertRaises(ValidationError) as caught:
                S.issue_close(actor=self.p.committee_secretary, issue=i, evidence_text=text)
            self.assertIn("请填写整改完成情况及佐证", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            S.issue_close(
                actor=self.p.committee_secretary, issue=i, evidence_text="已整改",
                evidence_name="报告.pdf", evidence=b"MZ\x90\x00 not a pdf",
            )  # fmt: skip
        self.assertIn("只接受 PDF", str(caught.exception))
        i.refresh_from_db()
        self.assertEqual((i.status, i.closed_on), ("pending", None))
        S.issue_close(
            actor=self.p.committee_secretary, issue=i, evidence_text="培训 3 次，回访满意",
            evidence_name="整改报告.pdf", evidence=PDF,
        )  # fmt: skip
        i.refresh_from_db()
        self.assertEqual(
            (i.status, i.closed_on, i.evidence_name), ("closed", timezone.localdate(), "整改报告.pdf")
        )
        self.assertEqual(bytes(IssueEvidence.objects.get(issue=i).data), PDF)
        name, content_type, data = S.issue_evidence(actor=self.p.committee_secretary, issue=i)
        self.assertEqual((name, content_type, data), ("整改报告.pdf", "application/pdf", PDF))
        with self.assertRaises(PermissionDenied):
            S.issue_evidence(actor=self.p.other_secretary, issue=i)

    def test_the_steps_start_close_reopen(self):
        i = issue(self.p)
        actor = self.p.committee_secretary
        S.issue_start(actor=actor, issue=i)
        with self.assertRaises(ValidationError):
            S.issue_start(actor=actor, issue=i)
        S.issue_close(actor=actor, issue=i, evidence_text="已整改")
        with self.assertRaises(ValidationError) as caught:
            S.issue_update(actor=actor, issue=i, changes={"deadline": dt.date(2025, 5, 1)})
        self.assertIn("不能修改", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            S.issue_reopen(actor=actor, issue=i, reason=" ")
        self.assertIn("请填写重新整改的原因", str(caught.exception))
        S.issue_reopen(actor=actor, issue=i, reason="回访群众不满意")
        i.refresh_from_db()
        self.assertEqual((i.status, i.closed_on, i.evidence_text), ("in_progress", None, "已整改"))
        self.assertEqual(
            list(IssueStep.objects.filter(issue=i).values_list("kind", flat=True)),
            ["created", "started", "closed", "reopened"],
        )
        self.assertEqual(i.steps.last().note, "回访群众不满意")

    def test_every_write_is_audited(self):
        i = issue(self.p)
        actor = self.p.committee_secretary
        S.issue_update(actor=actor, issue=i, changes={"deadline": dt.date(2025, 4, 30), "owner_unit": None})
        S.issue_start(actor=actor, issue=i)
        S.issue_close(actor=actor, issue=i, evidence_text="已整改")
        S.issue_reopen(actor=actor, issue=i, reason="整改不到位")
        rows = AuditEvent.objects.filter(object_type="evaluations.issue", object_id=str(i.pk)).order_by("id")
        self.assertEqual(
            list(rows.values_list("kind", flat=True)), ["create", "update", "update", "update", "update"]
        )
        update = rows[1]
        self.assertEqual(update.before, {"deadline": "2025-03-31", "owner_unit_id": self.p.unit.pk})
        self.assertEqual(update.after, {"deadline": "2025-04-30", "owner_unit_id": None})
        self.assertEqual(rows.last().detail, {"reason": "整改不到位"})
        self.assertEqual(IssueStep.objects.get(issue=i, kind="updated").note, "修改了责任单位、整改时限")

    def test_another_committee_cannot_touch_an_issue(self):
        i = issue(self.p)
        for call in (
            lambda: S.issue_start(actor=self.p.other_secretary, issue=i),
            lambda: S.issue_close(actor=self.p.other_secretary, issue=i, evidence_text="x"),
            lambda: S.issue_update(actor=self.p.other_secretary, issue=i, changes={"measures": "x"}),
        ):
            with self.assertRaises(PermissionDenied):
                call()
        i.refresh_from_db()
        self.assertEqual((i.status, i.measures), ("pending", "开展窗口服务规范培训"))
