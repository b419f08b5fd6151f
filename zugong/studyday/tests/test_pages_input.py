"""Odd ids in query strings and forms never give a 500: a digit that is not ASCII (``"²".isdigit()`` is True but
``int("²")`` fails) is ignored or refused, and an id too big for the database (``10**30`` overflows SQLite
in an ``__in`` lookup) is refused with “人员编号不正确”."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from ..forms import MAX_ID, ExpectedForm, parse_id
from .test_pages_base import StudyPagesTestCase

ODD = ("²", "١٢", "12²", str(10**30), str(MAX_ID + 1), "-3", "0", " ", "9" * 5000)


class ParseIdTest(StudyPagesTestCase):
    def test_it_takes_only_small_positive_ascii_numbers(self):
        self.assertEqual((parse_id("12"), parse_id(" 7 "), parse_id(MAX_ID)), (12, 7, MAX_ID))
        for value in (*ODD, None, ""):
            with self.subTest(value=value[:20] if isinstance(value, str) else value):
                self.assertIsNone(parse_id(value))

    def test_the_id_list_refuses_a_huge_id(self):
        for value in ("²", str(10**30), str(MAX_ID + 1)):
            with self.subTest(value=value):
                form = ExpectedForm({"person_ids": [str(self.p.alice.pk), value]})
                self.assertFalse(form.is_valid())
                self.assertEqual(form.errors["person_ids"], ["人员编号不正确。"])


class OddQueryStringTest(StudyPagesTestCase):
    def test_pages_ignore_an_odd_id_in_the_query_string(self):
        client = self.client
        client.force_login(self.p.org_admin)
        urls = [
            reverse("studyday:review_queue") + "?session={}",
            reverse("studyday:session_people") + "?org={}",
            reverse("studyday:session_create") + "?org={}",
            reverse("studyday:session_create") + "?item={}",
            reverse("studychecks:create") + "?copy={}",
            reverse("materials:register") + "?material={}",
            reverse("materials:register_export") + "?material={}",
            reverse("materials:create") + "?session={}",
        ]
        for url in urls:
            for value in ODD[:6]:
                with self.subTest(url=url, value=value):
                    response = client.get(url.format(value))
                    self.assertEqual(response.status_code, 200)

    def test_the_expected_list_refuses_a_huge_person_id_in_chinese(self):
        client = self.as_secretary()
        s = self.now_session
        before = sorted(s.attendance.values_list("person_id", flat=True))
        for value in ("²", str(10**30)):
            with self.subTest(value=value):
                response = client.post(
                    reverse("studyday:session_expected", args=[s.pk]),
                    {"person_ids": [self.p.alice.pk, value]},
                )
                self.assertContains(response, "人员编号不正确。")
        self.assertEqual(sorted(s.attendance.values_list("person_id", flat=True)), before)

    def test_a_huge_plan_item_in_the_new_session_form_is_refused(self):
        client = self.as_secretary()
        response = client.post(
            reverse("studyday:session_create"),
            {"kind": "study_day", "org": self.p.branch.pk, "title": "学习日",
             "starts_at": "2026-03-05T14:30", "ends_at": "2026-03-05T16:30", "late_after": 10,
             "signin_before": 30, "expected_mode": "members", "plan_item": str(10**30)},
        )  # fmt: skip
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "学习计划安排不存在或已归档。")


class OddApiQueryTest(StudyPagesTestCase):
    def test_the_compliance_api_refuses_an_odd_org_in_chinese(self):
        api = APIClient()
        api.force_authenticate(self.p.branch_secretary)
        for value in ("²", str(10**30)):
            with self.subTest(value=value):
                response = api.get(reverse("api-studyday-compliance-list") + f"?org={value}")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn("组织不存在或不在您的授权范围内", response.content.decode())

    def test_api_id_filters_refuse_a_huge_id_in_chinese(self):
        api = APIClient()
        api.force_authenticate(self.p.org_admin)
        for name, param, text in (
            ("api-studyday-leave-list", "session", "会议活动编号不正确。"),
            ("api-studyday-submission-list", "person", "党员编号不正确。"),
            ("api-studyday-material-copy-list", "material", "学习资料编号不正确。"),
        ):
            for value in (str(10**30), "²"):
                with self.subTest(name=name, value=value):
                    response = api.get(reverse(name) + f"?{param}={value}")
                    self.assertEqual(response.status_code, 400, response.content)
                    self.assertIn(text, response.content.decode())
