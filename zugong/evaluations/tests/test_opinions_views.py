"""The 征求意见 and 问题清单 pages: 录入, import from a questionnaire, 转为问题, the list's filters and red overdue
rows, close and reopen behind a confirmation, the two Excel exports with their columns and rows; a secretary of
another branch gets 404 on every record and sees nothing in lists and exports; bad input is a Chinese message
and changes nothing."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase

from .. import services_opinions as S
from ..models import Issue, Opinion
from .test_opinions_services import PDF, questionnaire

TODAY = timezone.localdate()
PAST = TODAY - dt.timedelta(days=10)
FUTURE = TODAY + dt.timedelta(days=30)


def sheet(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(content), read_only=True).active
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


class Base(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.seminar = S.opinion_add(
            actor=p.org_admin, org=p.committee, source="seminar", received_on=PAST, text="窗口办事要跑多次",
            submitted_by="李建国",
        )  # fmt: skip
        cls.visit = S.opinion_add(
            actor=p.org_admin, org=p.committee, source="visit", visit_group="第二组", received_on=PAST,
            text="社区活动阵地利用率低",
        )  # fmt: skip
        cls.late = S.issue_create(
            actor=p.org_admin, org=p.committee, category="work_style", title="办事跑多次", opinions=[cls.seminar, cls.visit],
            owner_unit=p.unit, deadline=PAST, measures="推行一次办结",
        )  # fmt: skip
        cls.done = S.issue_create(
            actor=p.org_admin, org=p.committee, category="service", title="阵地利用率低", opinions=[cls.visit],
            deadline=PAST, measures="错时开放活动室",
        )  # fmt: skip
        S.issue_close(
            actor=p.org_admin, issue=cls.done, evidence_text="活动室晚间开放", closed_on=TODAY,
            evidence_name="照片.pdf", evidence=PDF,
        )  # fmt: skip
        cls.open = S.issue_create(
            actor=p.org_admin, org=p.committee, category="ability", title="业务培训不足", deadline=FUTURE,
        )  # fmt: skip
        cls.theirs = S.issue_create(
            actor=p.org_admin, org=p.other_committee, category="other", title="西城的问题", deadline=PAST,
        )  # fmt: skip

    def setUp(self):
        self.client.force_login(self.p.committee_secretary)


class IssueListTest(Base):
    def test_it_lists_flags_overdue_rows_red_and_sorts_by_deadline(self):
        response = self.client.get(reverse("opinions:issue_list"))
        self.assertEqual(response.status_code, 200)
        rows = list(response.context["page"])
        self.assertEqual(rows, [self.late, self.done, self.open])  # by deadline, then id
        self.assertEqual(response.content.decode().count('class="table-danger issue-overdue"'), 1)
        self.assertNotContains(response, "西城的问题")
        self.assertEqual(response.context["counts"]["overdue"], 1)
        rows = list(self.client.get(reverse("opinions:issue_list"), {"sort": "-deadline"}).context["page"])
        self.assertEqual(rows, [self.open, self.done, self.late])

    def test_it_filters(self):
        url = reverse("opinions:issue_list")
        for params, expected in (
            ({"overdue": "1"}, [self.late]),
            ({"status": "closed"}, [self.done]),
            ({"category": "ability"}, [self.open]),
            ({"owner_unit": self.p.unit.pk}, [self.late]),
            ({"q": "阵地"}, [self.done]),
        ):
            with self.subTest(params):
                self.assertEqual(list(self.client.get(url, params).context["page"]), expected)

    def test_a_bad_filter_shows_nothing_and_says_why(self):
        response = self.client.get(reverse("opinions:issue_list"), {"status": "whatever"})
        self.assertEqual(list(response.context["page"]), [])
        self.assertContains(response, "筛选条件有误")
        # Another branch's unit is not a valid choice.
        response = self.client.get(reverse("opinions:issue_list"), {"owner_unit": self.p.other_unit.pk})
        self.assertEqual(list(response.context["page"]), [])

    def test_another_branch_sees_nothing(self):
        self.client.force_login(self.p.other_secretary)
        response = self.client.get(reverse("opinions:issue_list"))
        self.assertEqual(list(response.context["page"]), [])
        for name in ("issue_export", "rectification_export"):
            rows = sheet(self.client.get(reverse(f"opinions:{name}")))
            self.assertEqual(len(rows), 2, rows)  # the watermark and the header only
        response = self.client.get(reverse("opinions:opinion_list"))
        self.assertEqual(list(response.context["page"]), [])

    def test_a_plain_member_and_the_auditor_are_refused(self):
        for user in (self.p.member, self.p.auditor):
            self.client.force_login(user)
            for name in ("issue_list", "opinion_list", "issue_export", "issue_create"):
                with self.subTest(user=user.username, name=name):
                    self.assertEqual(self.client.get(reverse(f"opinions:{name}")).status_code, 403)


class ExportTest(Base):
    def test_the_issue_list(self):
        response = self.client.get(reverse("opinions:issue_export"))
        self.assertEqual(response.status_code, 200)
        rows = sheet(response)
        self.assertIn("导出人", rows[0][0])
        self.assertEqual(rows[1], ("问题", "类别", "来源", "责任单位", "整改时限", "状态", "是否逾期"))
        self.assertEqual(
            rows[2:],
            [
                (
                    "办事跑多次",
                    "工作作风",
                    "座谈会、走访（第二组）",
                    "东城街道办事处",
                    dt.datetime.combine(PAST, dt.time()),
                    "待整改",
                    "是",
                ),
                (
                    "阵地利用率低",
                    "服务质量",
                    "走访（第二组）",
                    None,
                    dt.datetime.combine(PAST, dt.time()),
                    "已整改",
                    "否",
                ),
                (
                    "业务培训不足",
                    "业务能力",
                    "其他",
                    None,
                    dt.datetime.combine(FUTURE, dt.time()),
                    "待整改",
                    "否",
                ),
            ],
        )
        event = AuditEvent.objects.filter(event="export").latest("id")
        self.assertEqual((event.detail["what"], event.detail["rows"]), ("evaluations.issues", 3))

    def test_the_rectification_list_follows_the_filter(self):
        response = self.client.get(reverse("opinions:rectification_export"), {"status": "closed"})
        rows = sheet(response)
        self.assertEqual(rows[1], ("问题", "整改措施", "责任单位", "时限", "完成情况", "完成日期", "佐证"))
        self.assertEqual(
            rows[2:],
            [("阵地利用率低", "错时开放活动室", None, dt.datetime.combine(PAST, dt.time()), "已整改",
              dt.datetime.combine(TODAY, dt.time()), "活动室晚间开放（附件：照片.pdf）")],
        )  # fmt: skip
        rows = sheet(self.client.get(reverse("opinions:rectification_export"), {"overdue": "1"}))
        self.assertEqual(rows[2][4], "待整改（已逾期）")

    def test_a_bad_filter_goes_back_to_the_list(self):
        response = self.client.get(reverse("opinions:issue_export"), {"category": "nope"})
        self.assertRedirects(response, reverse("opinions:issue_list") + "?category=nope")


class OpinionPagesTest(Base):
    def test_it_lists_searches_and_filters_by_source_and_group(self):
        url = reverse("opinions:opinion_list")
        self.assertEqual(set(self.client.get(url).context["page"]), {self.seminar, self.visit})
        for params, expected in (
            ({"q": "李建国"}, [self.seminar]),
            ({"source": "visit"}, [self.visit]),
            ({"visit_group": "第二组"}, [self.visit]),
            ({"visit_group": "第一组"}, []),
        ):
            with self.subTest(params):
                self.assertEqual(list(self.client.get(url, params).context["page"]), expected)
        self.assertContains(self.client.get(url), 'action="/evaluations/issues/new/"')

    def test_it_records_an_opinion(self):
        response = self.client.post(
            reverse("opinions:opinion_create"),
            {"org": self.p.branch.pk, "source": "visit", "visit_group": "第一组", "received_on": TODAY.isoformat(),
             "text": "希望增加党员活动经费"},
        )  # fmt: skip
        o = Opinion.objects.latest("id")
        self.assertRedirects(response, reverse("opinions:opinion_detail", args=[o.pk]))
        self.assertEqual(
            (o.org, o.visit_group, o.created_by), (self.p.branch, "第一组", self.p.committee_secretary)
        )

    def test_bad_input_is_a_message_and_changes_nothing(self):
        before = Opinion.objects.count()
        for over, message in (
            ({"text": ""}, "请填写意见内容"),
            ({"visit_group": ""}, "来源为“走访”时请填写走访组"),
            ({"received_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "收集日期不能晚于今天"),
            ({"org": self.p.other_committee.pk}, "选择一个有效的选项"),
        ):
            data = {"org": self.p.committee.pk, "source": "visit", "visit_group": "第一组",
                    "received_on": TODAY.isoformat(), "text": "意见"} | over  # fmt: skip
            with self.subTest(message):
                response = self.client.post(reverse("opinions:opinion_create"), data)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, message)
        self.assertEqual(Opinion.objects.count(), before)

    def test_it_imports_a_questionnaire_once(self):
        e = questionnaire(self.p, ["多开展谈心谈话", "多开展谈心谈话"])
        url = reverse("opinions:opinion_import")
        response = self.client.post(url, {"evaluation": e.pk}, follow=True)
        self.assertContains(response, "导入 2 条文字意见")
        response = self.client.post(url, {"evaluation": e.pk}, follow=True)
        self.assertContains(response, "没有新的文字意见可导入")
        self.assertEqual(Opinion.objects.filter(evaluation=e).count(), 2)
        self.client.force_login(self.p.other_secretary)
        response = self.client.post(url, {"evaluation": e.pk}, follow=True)
        self.assertContains(response, "所选测评不存在或不在您的授权范围内")

    def test_convert_to_an_issue(self):
        url = reverse("opinions:issue_create")
        response = self.client.get(url, {"opinions": [self.seminar.pk, self.visit.pk]})
        self.assertContains(response, "来源意见（2 条）")
        self.assertEqual(response.context["form"].initial["org"], self.p.committee.pk)
        response = self.client.post(
            url,
            {"org": self.p.committee.pk, "category": "work_style", "title": "办事效率低", "opinions": [self.seminar.pk],
             "owner_unit": self.p.unit.pk, "deadline": FUTURE.isoformat(), "measures": ""},
        )  # fmt: skip
        i = Issue.objects.latest("id")
        self.assertRedirects(response, reverse("opinions:issue_detail", args=[i.pk]))
        self.assertEqual(list(i.opinions.all()), [self.seminar])

    def test_another_branch_cannot_convert_my_opinions(self):
        self.client.force_login(self.p.other_secretary)
        before = Issue.objects.count()
        response = self.client.post(
            reverse("opinions:issue_create"),
            {
                "org": self.p.other_branch.pk,
                "category": "other",
                "title": "偷来的问题",
                "opinions": [self.seminar.pk],
            },
        )
        self.assertContains(response, "所选意见不存在或不在您的授权范围内")
        self.assertEqual(Issue.objects.count(), before)
        response = self.client.get(reverse("opinions:issue_create"), {"opinions": [self.seminar.pk]})
        self.assertNotContains(response, "窗口办事要跑多次")


class IssuePagesTest(Base):
    def test_the_detail_shows_the_steps_and_the_confirmations(self):
        response = self.client.get(reverse("opinions:issue_detail", args=[self.late.pk]))
        self.assertContains(response, "由 2 条意见形成")
        self.assertContains(response, "座谈会、走访（第二组）")
        self.assertContains(response, 'data-confirm="确定开始整改吗？"')
        response = self.client.get(reverse("opinions:issue_close", args=[self.late.pk]))
        self.assertContains(response, 'data-confirm="确定该问题已整改完成、予以销号吗？"')
        response = self.client.get(reverse("opinions:issue_reopen", args=[self.done.pk]))
        self.assertContains(response, 'data-confirm="确定将该问题重新列为整改中吗？"')

    def test_edit_start_close_reopen(self):
        pk = self.open.pk
        response = self.client.post(
            reverse("opinions:issue_edit", args=[pk]),
            {
                "category": "ability",
                "title": "业务培训不足",
                "measures": "每月一次业务培训",
                "deadline": FUTURE.isoformat(),
            },
        )
        self.assertRedirects(response, reverse("opinions:issue_detail", args=[pk]))
        self.client.post(reverse("opinions:issue_start", args=[pk]))
        upload = SimpleUploadedFile("培训记录.pdf", PDF, content_type="application/pdf")
        response = self.client.post(
            reverse("opinions:issue_close", args=[pk]),
            {"evidence_text": "已培训 2 次", "closed_on": TODAY.isoformat(), "evidence": upload},
        )
        self.assertRedirects(response, reverse("opinions:issue_detail", args=[pk]))
        issue = Issue.objects.get(pk=pk)
        self.assertEqual((issue.status, issue.evidence_name), ("closed", "培训记录.pdf"))
        response = self.client.get(reverse("opinions:issue_evidence", args=[pk]))
        self.assertEqual((response.status_code, response.content), (200, PDF))
        response = self.client.post(reverse("opinions:issue_reopen", args=[pk]), {"reason": "回访不满意"})
        self.assertRedirects(response, reverse("opinions:issue_detail", args=[pk]))
        self.assertEqual(Issue.objects.get(pk=pk).status, "in_progress")

    def test_closing_without_evidence_is_refused_and_changes_nothing(self):
        url = reverse("opinions:issue_close", args=[self.late.pk])
        for data, message in (
            ({"evidence_text": "", "closed_on": TODAY.isoformat()}, "请填写整改完成情况及佐证"),
            ({"evidence_text": "已整改", "closed_on": (TODAY + dt.timedelta(days=2)).isoformat()}, "完成日期不能晚于今天"),
            (
                {"evidence_text": "已整改", "closed_on": TODAY.isoformat(),
                 "evidence": SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00", content_type="application/pdf")},
                "只接受 PDF",
            ),
        ):  # fmt: skip
            with self.subTest(message):
                response = self.client.post(url, data)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, message, status_code=400)
        self.late.refresh_from_db()
        self.assertEqual((self.late.status, self.late.closed_on), ("pending", None))
        # Starting without measures is refused too.
        response = self.client.post(reverse("opinions:issue_start", args=[self.open.pk]), follow=True)
        self.assertContains(response, "请先填写整改措施")
        self.assertEqual(Issue.objects.get(pk=self.open.pk).status, "pending")

    def test_another_branch_gets_404_everywhere(self):
        self.client.force_login(self.p.other_secretary)
        for name in ("issue_detail", "issue_edit", "issue_close", "issue_reopen", "issue_evidence"):
            with self.subTest(name):
                self.assertEqual(
                    self.client.get(reverse(f"opinions:{name}", args=[self.done.pk])).status_code, 404
                )
        for name, data in (
            ("issue_start", {}),
            ("issue_close", {"evidence_text": "x", "closed_on": TODAY.isoformat()}),
            ("issue_reopen", {"reason": "x"}),
            ("issue_edit", {"category": "other", "title": "改掉"}),
        ):
            with self.subTest(name):
                self.assertEqual(
                    self.client.post(reverse(f"opinions:{name}", args=[self.late.pk]), data).status_code, 404
                )
        self.assertEqual(
            self.client.get(reverse("opinions:opinion_detail", args=[self.seminar.pk])).status_code, 404
        )
        self.late.refresh_from_db()
        self.assertEqual((self.late.status, self.late.title), ("pending", "办事跑多次"))
