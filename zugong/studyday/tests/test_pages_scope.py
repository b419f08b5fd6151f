"""The scope of the staff pages: every record URL refuses (403/404/405) a secretary and a member of another
branch, a plain member of the same branch (even on their own notes: theirs are on their own pages) and the
三员, for every method, and changes nothing; every list refuses a plain member and the 三员 (403) and shows a
secretary of another branch none of this branch's names. A URL added without an entry here fails."""

from __future__ import annotations

from django.urls import get_resolver, reverse

from zugong.core.models import AuditEvent

from ..models import LeaveRequest, PlanItem, Session, StudyPlan, Submission
from .test_pages_base import OUR_NAMES, StudyPagesTestCase, workbook_text

URLS = {
    "home": "list",
    "plan_list": "list",
    "plan_create": "list",
    "plan_detail": "plan",
    "plan_item_add": "plan",
    "plan_archive": "plan",
    "plan_item_edit": "item",
    "plan_item_remove": "item",
    "session_list": "list",
    "session_export": "list",
    "session_create": "list",
    "session_people": "list",
    "session_detail": "session",
    "session_edit": "session",
    "session_expected": "session",
    "session_cancel": "session",
    "session_file_upload": "session",
    "session_mark": "session",
    "session_close": "session",
    "session_remind": "session",
    "screen": "session",
    "screen_code": "session",
    "session_file": "file",
    "review_queue": "list",
    "submission": "submission",
    "submission_file": "submission",
    "leave_queue": "list",
    "leave_decide": "leave",
    "stats": "list",
    "stats_org_export": "list",
    "stats_person_export": "list",
    "calendar": "list",
    "workday_add": "list",
    "workday_remove": "list",
    "workdays_import": "list",
}
METHODS = ("get", "post", "put", "patch")
# What a POST would change, were it let through.
POST_DATA = {
    "reason": "越权", "decision": "approve", "comment": "越权", "title": "越权", "topic": "越权",
    "date": "2026-10-02", "kind": "holiday", "name": "越权", "text": "2026-10-02 休 越权",
}  # fmt: skip


def studyday_names() -> set[str]:
    resolver = get_resolver().namespace_dict["studyday"][1]
    return {p.name for p in resolver.url_patterns if getattr(p, "name", None)}


class ScopeTest(StudyPagesTestCase):
    def target(self, kind: str) -> int:
        return {
            "plan": self.plan.pk,
            "item": self.item.pk,
            "session": self.now_session.pk,
            "file": self.file.pk,
            "submission": self.submission.pk,
            "leave": self.leave.pk,
        }[kind]

    def record_urls(self):
        return [
            (name, reverse(f"studyday:{name}", args=[self.target(kind)]))
            for name, kind in URLS.items()
            if kind != "list"
        ]

    def state(self):
        return (
            list(StudyPlan.objects.values_list("archived_at", "title")),
            list(PlanItem.objects.values_list("date", "topic")),
            list(Session.objects.values_list("archived_at", "closed_at", "title")),
            list(LeaveRequest.objects.values_list("status")),
            list(Submission.objects.values_list("status")),
            AuditEvent.objects.exclude(event="login").count(),
        )

    def test_it_covers_every_url(self):
        self.assertEqual(studyday_names() - set(URLS), set(), "add these URLs to the scope test")

    def test_it_hides_records_from_outsiders(self):
        before = self.state()
        for persona in ("other_secretary", "other_member", "member", "sysadmin", "auditor"):
            self.client.force_login(getattr(self.p, persona))
            for name, url in self.record_urls():
                for method in METHODS:
                    with self.subTest(persona=persona, name=name, method=method):
                        data = POST_DATA if method == "post" else None
                        response = getattr(self.client, method)(url, data)
                        self.assertIn(response.status_code, (403, 404, 405), f"{method.upper()} {url}")
        self.assertEqual(self.state(), before)

    def test_the_member_gets_404_on_records_and_403_on_lists(self):
        self.client.force_login(self.p.member)
        for name, url in self.record_urls():
            if name in ("session_file_upload", "session_mark", "session_close", "session_remind"):
                continue  # POST only: 405 for a GET
            with self.subTest(name=name):
                self.assertEqual(self.client.get(url).status_code, 404)
        for name in ("home", "plan_list", "session_list", "review_queue", "leave_queue", "stats", "calendar"):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(f"studyday:{name}")).status_code, 403)

    def test_lists_refuse_members_and_system_roles(self):
        lists = [name for name, kind in URLS.items() if kind == "list"]
        for persona in ("member", "other_member", "sysadmin", "secadmin", "auditor"):
            self.client.force_login(getattr(self.p, persona))
            for name in lists:
                with self.subTest(persona=persona, name=name):
                    self.assertIn(self.client.get(reverse(f"studyday:{name}")).status_code, (403, 405))

    def test_lists_show_another_branch_nothing_of_ours(self):
        self.client.force_login(self.p.other_secretary)
        for name, kind in URLS.items():
            if kind != "list":
                continue
            url = reverse(f"studyday:{name}")
            if name == "session_people":
                url += f"?org={self.p.branch.pk}"
            with self.subTest(name=name):
                response = self.client.get(url)
                self.assertIn(response.status_code, (200, 403, 405))
                if "spreadsheetml" in response.get("Content-Type", ""):
                    text = workbook_text(response)
                else:
                    text = response.content.decode("utf-8", "ignore")
                for ours in OUR_NAMES:
                    self.assertNotIn(ours, text)

    def test_it_requires_login(self):
        self.client.logout()
        for name, kind in URLS.items():
            url = (
                reverse(f"studyday:{name}")
                if kind == "list"
                else reverse(f"studyday:{name}", args=[self.target(kind)])
            )
            with self.subTest(name=name):
                response = self.client.get(url)
                self.assertIn(response.status_code, (302, 405))
                if response.status_code == 302:
                    self.assertIn("/accounts/login/", response["Location"])
