"""Every staff page renders for the branch secretary and shows what the rule says; the landing page counts
what waits; the plan shows the moved date; the session page its figures and roster."""

from __future__ import annotations

from django.urls import reverse

from .test_pages_base import OTHER_NAMES, StudyPagesTestCase


class PagesRenderTest(StudyPagesTestCase):
    def pages(self) -> dict[str, str]:
        s, p = self.now_session, self.plan
        return {
            "home": reverse("studyday:home"),
            "plan_list": reverse("studyday:plan_list"),
            "plan_create": reverse("studyday:plan_create"),
            "plan_detail": reverse("studyday:plan_detail", args=[p.pk]),
            "plan_item_add": reverse("studyday:plan_item_add", args=[p.pk]),
            "plan_archive": reverse("studyday:plan_archive", args=[p.pk]),
            "plan_item_edit": reverse("studyday:plan_item_edit", args=[self.item.pk]),
            "plan_item_remove": reverse("studyday:plan_item_remove", args=[self.item.pk]),
            "session_list": reverse("studyday:session_list"),
            "session_create": reverse("studyday:session_create"),
            "session_create_item": reverse("studyday:session_create") + f"?item={self.item.pk}",
            "session_people": reverse("studyday:session_people") + f"?org={self.p.branch.pk}",
            "session_detail": reverse("studyday:session_detail", args=[s.pk]),
            "session_detail_past": reverse("studyday:session_detail", args=[self.past_session.pk]),
            "session_edit": reverse("studyday:session_edit", args=[s.pk]),
            "session_expected": reverse("studyday:session_expected", args=[s.pk]),
            "session_cancel": reverse("studyday:session_cancel", args=[s.pk]),
            "screen": reverse("studyday:screen", args=[s.pk]),
            "review_queue": reverse("studyday:review_queue"),
            "submission": reverse("studyday:submission", args=[self.submission.pk]),
            "leave_queue": reverse("studyday:leave_queue"),
            "leave_decide": reverse("studyday:leave_decide", args=[self.leave.pk]),
            "stats": reverse("studyday:stats"),
            "stats_people": reverse("studyday:stats") + "?view=people",
            "calendar": reverse("studyday:calendar") + "?year=2026",
        }

    def test_it_renders_every_page_for_the_branch_secretary(self):
        client = self.as_secretary()
        for name, url in self.pages().items():
            with self.subTest(name=name):
                response = client.get(url)
                self.assertEqual(response.status_code, 200, url)
                body = response.content.decode()
                for other in OTHER_NAMES:
                    self.assertNotIn(other, body)

    def test_the_landing_page_counts_what_waits(self):
        response = self.as_secretary().get(reverse("studyday:home"))
        self.assertContains(response, '<span class="stat" id="count-review">1</span>', html=True)
        self.assertContains(response, '<span class="stat" id="count-leave">1</span>', html=True)
        self.assertContains(response, "支部学习日（进行中）")
        for name in ("studychecks:list", "studychecks:compliance", "materials:list"):
            self.assertContains(response, reverse(name))

    def test_the_plan_marks_the_moved_date(self):
        response = self.as_secretary().get(reverse("studyday:plan_detail", args=[self.plan.pk]))
        self.assertContains(response, "原定 10月1日 → 顺延")
        self.assertContains(response, "2026年10月2日")
        self.assertContains(response, f"{reverse('studyday:session_create')}?item={self.item.pk}")

    def test_the_session_page_shows_figures_roster_and_leave(self):
        response = self.as_secretary().get(reverse("studyday:session_detail", args=[self.next_session.pk]))
        self.assertContains(response, "王小红")
        self.assertContains(response, "李建国")
        self.assertContains(response, f'name="status_{self.p.alice.pk}"')
        self.assertContains(response, "出差在外")
        self.assertEqual(response.context["summary"]["expected"], 2)

    def test_the_new_session_form_is_prefilled_from_a_plan_date(self):
        response = self.as_secretary().get(reverse("studyday:session_create") + f"?item={self.item.pk}")
        form = response.context["form"]
        self.assertEqual(form["kind"].value(), "study_day")
        self.assertEqual(form["org"].value(), self.p.branch.pk)
        self.assertEqual(form["plan_item"].value(), self.item.pk)
        self.assertContains(response, 'value="2026-10-02T14:30"')
        self.assertContains(response, 'value="2026-10-02T16:30"')
        self.assertEqual(form["place"].value(), None)
