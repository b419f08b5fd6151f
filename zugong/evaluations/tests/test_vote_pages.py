"""The public voting pages (/v/): an anonymous voter types or scans a 测评码, answers every subject and submits
once. The pages are never cached, send no referrer and never write the code to the request log."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zugong.core.testing import PersonaTestCase

from .. import services
from ..builtins import Kind
from ..models import Answer, Ballot, BallotCode, Evaluation
from ..views_vote import DRAFT_PREFIX
from .test_engine import cadre_vote, make

QUESTIONNAIRE = {
    "sections": [
        {
            "title": "问卷",
            "items": [
                {
                    "key": "often",
                    "label": "参加组织生活的频次",
                    "kind": "single",
                    "options": ["每月", "每季度"],
                },
                {
                    "key": "topics",
                    "label": "希望学习的内容",
                    "kind": "multiple",
                    "max": 2,
                    "options": ["理论", "业务", "法规"],
                },
                {"key": "score", "label": "总体打分", "kind": "rating", "max": 10},
                {"key": "why", "label": "意见建议", "kind": "text", "required": False},
            ],
        }
    ]
}


def url(code):
    return reverse("vote:ballot", kwargs={"code": code})


def fields(subject, answers: dict) -> dict:
    return {f"s{subject.pk}__{key}": value for key, value in answers.items()}


class VotePagesTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.e = make(
            p,
            subjects=[
                {"kind": "person", "label": "陈志刚", "person": p.cadre},
                {"kind": "person", "label": "李建国", "person": p.bob},
            ],
        )
        services.go_live(actor=p.org_admin, evaluation=cls.e)
        _, cls.codes = services.issue_codes(
            actor=p.org_admin, evaluation=cls.e, voter_class=cls.e.voter_classes.get(), count=6
        )
        cls.first, cls.second = list(cls.e.subjects.order_by("position"))

    def full(self, first="excellent", second="competent", **extra):
        return (
            fields(self.first, cadre_vote(first) | {"opinion": "工作扎实"})
            | fields(self.second, cadre_vote(second, item="fairly_good"))
            | extra
        )

    def assert_private(self, response):
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(response["Referrer-Policy"], "same-origin")

    # ---- /v/ ------------------------------------------------------------------------------------------------

    def test_the_start_page_takes_a_code_from_anyone(self):
        response = self.client.get(reverse("vote:start"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "进入投票")
        self.assertContains(response, 'name="code"')
        self.assertContains(response, "csrfmiddlewaretoken")
        self.assert_private(response)

        response = self.client.post(reverse("vote:start"), {"code": " abcd-2345 ef "})
        self.assertRedirects(response, url("ABCD2345EF"), fetch_redirect_response=False)
        self.assert_private(response)
        response = self.client.get(reverse("vote:start"), {"code": self.codes[0].lower()})
        self.assertRedirects(response, url(self.codes[0]), fetch_redirect_response=False)

    def test_an_empty_or_malformed_code_is_told_clearly(self):
        for data in ({"code": "  "}, {}):
            response = self.client.post(reverse("vote:start"), data)
            self.assertContains(response, "请输入测评码", status_code=400)
        response = self.client.get(reverse("vote:start"), {"code": ""})
        self.assertContains(response, "请输入测评码", status_code=400)
        response = self.client.post(reverse("vote:start"), {"code": "AB/CD?"})
        self.assertContains(response, "测评码只含字母和数字", status_code=400)

    # ---- /v/<code>/: refused -------------------------------------------------------------------------------

    def test_an_invalid_code(self):
        with self.assertNoLogs("django", level="WARNING"):  # the path (the code) is not logged
            response = self.client.get(url("ABCDEFGHJK"))
        self.assertContains(response, "测评码无效，请核对后重新输入。", status_code=404)
        self.assertNotContains(response, "data-vote-clear", status_code=404)
        self.assert_private(response)

    def test_a_used_code(self):
        services.cast_ballot(code=self.codes[0], answers={
            str(self.first.pk): cadre_vote("excellent"), str(self.second.pk): cadre_vote("competent"),
        })  # fmt: skip
        response = self.client.get(url(self.codes[0]))
        self.assertContains(response, "该测评码已经使用过", status_code=410)
        self.assertContains(response, f'data-vote-clear="{DRAFT_PREFIX}{self.codes[0]}"', status_code=410)
        self.assertNotContains(response, "投票成功", status_code=410)

    def test_a_void_code(self):
        services.void_code(actor=self.p.org_admin, evaluation=self.e, code=self.codes[1])
        response = self.client.get(url(self.codes[1]))
        self.assertContains(response, "该测评码已作废", status_code=410)

    def test_a_closed_evaluation(self):
        Evaluation.objects.filter(pk=self.e.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
        response = self.client.get(url(self.codes[0]))
        self.assertContains(response, "本次测评已结束。", status_code=410)
        response = self.client.post(url(self.codes[0]), self.full())
        self.assertContains(response, "本次测评已结束。", status_code=410)
        self.assertFalse(Ballot.objects.exists())

    def test_an_evaluation_not_yet_open(self):
        now = timezone.now()
        Evaluation.objects.filter(pk=self.e.pk).update(
            opens_at=now + dt.timedelta(hours=1), closes_at=now + dt.timedelta(hours=2)
        )
        response = self.client.get(url(self.codes[0]))
        self.assertContains(response, "本次测评尚未开始")

    # ---- /v/<code>/: the ballot ----------------------------------------------------------------------------

    def test_the_form_for_an_anonymous_voter(self):
        response = self.client.get(url(self.codes[0]))
        self.assertEqual(response.status_code, 200)  # no redirect to the login page
        self.assert_private(response)
        self.assertContains(response, "2025年度干部民主测评")
        self.assertContains(response, "班子成员")
        self.assertContains(response, "第 1 / 2 个")
        self.assertContains(response, "第 2 / 2 个")
        self.assertContains(response, 'data-draft-key="zugong.vote.')
        self.assertContains(response, "vote.js")
        self.assertContains(response, "街道党工委书记")  # the cadre's post beside the name
        html = response.content.decode()
        self.assertEqual(html.count('<section class="vote-subject'), 2)
        for s in (self.first, self.second):
            for key in ("de", "neng", "qin", "ji", "lian", "overall"):
                self.assertIn(f'name="s{s.pk}__{key}"', html)
            self.assertIn(f'<textarea class="form-control" name="s{s.pk}__opinion"', html)
        self.assertIn('maxlength="2000"', html)
        self.assertNotIn("style=", html)  # the Content-Security-Policy refuses inline style
        self.assertNotIn("<script>", html)

    def test_a_lowercase_address_goes_to_the_one_address_of_the_code(self):
        code = self.codes[0]
        response = self.client.get(url(f"{code[:5].lower()}-{code[5:].lower()}"))
        self.assertRedirects(response, url(code), fetch_redirect_response=False)

    def test_a_ballot_is_cast_once(self):
        code = self.codes[0]
        response = self.client.post(url(code), self.full())
        self.assertRedirects(response, url(code), fetch_redirect_response=False)
        self.assert_private(response)
        ballot = Ballot.objects.get()
        self.assertEqual((ballot.voter_class, ballot.is_test), (self.e.voter_classes.get(), False))
        rows = set(Answer.objects.filter(ballot=ballot).values_list("subject_id", "item", "option", "text"))
        expected = (
            {(self.first.pk, k, "good", "") for k in ("de", "neng", "qin", "ji", "lian")}
            | {(self.first.pk, "overall", "excellent", ""), (self.first.pk, "opinion", "", "工作扎实")}
            | {(self.second.pk, k, "fairly_good", "") for k in ("de", "neng", "qin", "ji", "lian")}
            | {(self.second.pk, "overall", "competent", "")}
        )
        self.assertEqual(rows, expected)
        self.assertEqual(BallotCode.objects.get(code_hash=services.code_hash(code)).state, "used")

        # After the redirect: the thanks, and the phone's draft is cleared.
        response = self.client.get(url(code))
        self.assertContains(response, "投票成功，感谢参与。")
        self.assertContains(response, f'data-vote-clear="{DRAFT_PREFIX}{code}"')
        self.assert_private(response)
        # Once only: a reload says the code is used.
        self.assertContains(self.client.get(url(code)), "已经使用过", status_code=410)

        response = self.client.post(url(code), self.full(first="basic"))
        self.assertContains(response, "该测评码已经使用过", status_code=410)
        self.assertNotContains(response, "投票成功", status_code=410)
        self.assertEqual(Ballot.objects.count(), 1)
        self.assertEqual(Answer.objects.count(), len(expected))

    def test_a_missing_item_comes_back_with_the_choices_kept(self):
        code = self.codes[0]
        data = self.full()
        del data[f"s{self.second.pk}__lian"]
        with self.assertNoLogs("django", level="WARNING"):
            response = self.client.post(url(code), data)
        self.assertContains(response, "请完成对“李建国”的“廉”。", status_code=400)
        self.assertContains(response, 'id="vote-error"', status_code=400)
        self.assertContains(response, 'data-restore="0"', status_code=400)
        html = response.content.decode()
        self.assertIn(
            f'id="s{self.first.pk}__overall__excellent" value="excellent" autocomplete="off" checked', html
        )
        self.assertIn(
            f'id="s{self.second.pk}__de__fairly_good" value="fairly_good" autocomplete="off" checked', html
        )
        self.assertIn("工作扎实</textarea>", html)
        self.assertFalse(Ballot.objects.exists())
        self.assertEqual(BallotCode.objects.get(code_hash=services.code_hash(code)).state, "unused")

    def test_a_wrong_option_changes_nothing(self):
        response = self.client.post(url(self.codes[0]), self.full(first="best"))
        self.assertContains(response, "的选择不正确", status_code=400)
        self.assertFalse(Ballot.objects.exists())

    def test_csrf_is_checked_for_anonymous_voters_without_logging_the_code(self):
        client = Client(enforce_csrf_checks=True)
        code = self.codes[0]
        with self.assertNoLogs("django", level="WARNING"):
            response = client.post(url(code), self.full())
        self.assertContains(response, "页面已过期", status_code=403)
        self.assert_private(response)
        self.assertFalse(Ballot.objects.exists())
        page = client.get(url(code))  # the cookie and the form's token
        token = page.context["csrf_token"]
        response = client.post(url(code), self.full() | {"csrfmiddlewaretoken": str(token)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Ballot.objects.count(), 1)


class QuestionnaireTest(PersonaTestCase):
    """Single and multiple choice, a rating and a text, as the fields of the form carry them."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.e = make(
            p,
            kind=Kind.QUESTIONNAIRE,
            spec=QUESTIONNAIRE,
            subjects=[{"kind": "department", "label": "区委组织部"}],
        )
        _, cls.codes = services.issue_codes(
            actor=p.org_admin, evaluation=cls.e, voter_class=cls.e.voter_classes.get(), count=3
        )
        cls.subject = cls.e.subjects.get()

    def test_the_widgets(self):
        response = self.client.get(url(self.codes[0]))
        self.assertContains(response, "试用")  # test mode is said on the page
        self.assertContains(response, 'type="checkbox"')
        self.assertContains(response, 'data-max="2"')
        self.assertContains(response, 'type="number"')
        self.assertContains(response, 'max="10"')
        self.assertContains(response, 'type="range"')

    def test_a_rating_must_be_a_whole_number(self):
        for bad in ("3.5", "七", "1_0", "-2"):
            data = fields(self.subject, {"often": "o1", "topics": ["o1"], "score": bad})
            response = self.client.post(url(self.codes[0]), data)
            self.assertContains(response, "“总体打分”的评分应为 1–10 的整数。", status_code=400)
            self.assertContains(response, f'value="{bad}"', status_code=400)
        response = self.client.post(
            url(self.codes[0]), fields(self.subject, {"often": "o1", "topics": ["o2"], "score": "11"})
        )
        self.assertContains(response, "评分应为 1–10 的整数", status_code=400)
        response = self.client.post(
            url(self.codes[0]),
            fields(self.subject, {"often": "o1", "topics": ["o1", "o2", "o3"], "score": "8"}),
        )
        self.assertContains(response, "“希望学习的内容”最多选 2 项。", status_code=400)
        self.assertFalse(Ballot.objects.exists())

    def test_lists_numbers_and_text(self):
        data = fields(
            self.subject, {"often": "o2", "topics": ["o1", "o3"], "score": " 8 ", "why": "  多开讲座 "}
        )
        response = self.client.post(url(self.codes[0]), data)
        self.assertEqual(response.status_code, 302)
        ballot = Ballot.objects.get()
        self.assertTrue(ballot.is_test)
        rows = sorted(Answer.objects.filter(ballot=ballot).values_list("item", "option", "number", "text"))
        self.assertEqual(
            rows,
            [
                ("often", "o2", None, ""),
                ("score", "", 8, ""),
                ("topics", "o1", None, ""),
                ("topics", "o3", None, ""),
                ("why", "", None, "多开讲座"),
            ],
        )

    def test_an_empty_optional_text_is_left_out(self):
        data = fields(self.subject, {"often": "o1", "topics": ["o2"], "score": "10", "why": "   "})
        self.assertEqual(self.client.post(url(self.codes[1]), data).status_code, 302)
        self.assertFalse(Answer.objects.filter(item="why").exists())
