"""The scope battery: every page, export and API endpoint, tried as a user of another branch and as a
plain member. A URL added to the project without an entry here fails ``test_it_covers_every_url``."""

from __future__ import annotations

import datetime
import io

import openpyxl
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from zugong.accounts.models import LoginLock
from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase
from zugong.imports.models import ImportJob

# Namespaces/prefixes whose URLs are domain endpoints (admin and auth plumbing are tested elsewhere).
DOMAIN_NAMESPACES = (
    "core",
    "orgs",
    "people",
    "accounts",
    "auditlog",
    "imports",
    "dues",
    "training",
    "evaluations",
    "opinions",
    "vote",
    "studyday",
    "mystudy",
    "studychecks",
    "materials",
)
API_PREFIX = "api-"

# URL name -> (kind, target) where kind is:
#   "org"      : takes pk of an organization inside p.committee's subtree
#   "person"   : takes pk of p.alice (a member of p.branch)
#   "unit"/"team"/"position"/"transfer": pk of such a record in p.committee's subtree
#   "lock"     : pk of a login lock (only the 安全管理员 may lift it)
#   "user"     : pk of an account (p.member's; only the 系统管理员 / 安全管理员 manage accounts / grants)
#   "grant"    : pk of a role grant (p.branch_secretary's; only the 安全管理员 removes it)
#   "import"   : pk of an import job uploaded by p.branch_secretary (only its uploader sees it)
#   "dues_payment" / "dues_ledger" / "dues_profile" / "dues_base": p.bob's dues records (p.branch; a plain
#                member sees their own, so the same-branch member test uses bob's, not alice's)
#   "dues_reduction" / "dues_lapse" / "dues_reminder": alice's reduction request, lapse case and reminder
#   "training_cadre" / "training_activity" / "training_entry" / "training_claim" / "training_year": the cadre
#                陈志刚 (东城), an activity of 东城街道党工委 he attended, his entry, claim and year summary
#   "evaluation": a 测评 of 东城街道党工委 (its subject 陈志刚)
#   "opinion" / "issue": an opinion collected by 东城街道党工委 on a visit, and the issue made of it (owner
#                东城街道办事处, closed with an evidence file)
#   "training_import" / "training_reminder": the office's import of his online hours, a 催学 reminder to him
#   "training_rules": a year's credit rules — the district's, read by all training staff, written only by the
#                干部教育科 (test_it_lets_only_the_training_office_write_the_rules)
#   "list"     : no argument; must not show the other side's names
#   "public"   : reachable without scope (login pages, home)
URL_TABLE: dict[str, str] = {
    "accounts:login": "public",
    "accounts:logout": "public",
    "accounts:password_change": "public",
    "accounts:password_change_done": "public",
    "accounts:login_totp": "public",
    "accounts:totp_setup": "list",
    "accounts:locks": "list",
    "accounts:lock_lift": "lock",
    # 三员分立 (the matrix is in test_separation_of_duties): accounts are the 系统管理员's, grants the
    # 安全管理员's; account lists show no person and the grant list no organization.
    "accounts:user_list": "list",
    "accounts:user_create": "list",
    "accounts:user_password_reset": "user",
    "accounts:user_deactivate": "user",
    "accounts:user_reactivate": "user",
    "accounts:grant_list": "list",
    "accounts:grant_user": "user",
    "accounts:grant_remove": "grant",
    "core:home": "list",
    "orgs:tree": "list",
    "orgs:tree_children": "org",
    "orgs:list": "list",
    "orgs:export": "list",
    "orgs:create": "list",
    "orgs:detail": "org",
    "orgs:edit": "org",
    "orgs:move": "org",
    "orgs:dissolve": "org",
    "orgs:restore": "org",
    "orgs:unit_list": "list",
    "orgs:unit_export": "list",
    "orgs:unit_create": "list",
    "orgs:unit_detail": "unit",
    "orgs:unit_edit": "unit",
    "orgs:team_create": "unit",
    "orgs:team_edit": "team",
    "orgs:position_create": "team",
    "orgs:position_edit": "position",
    "orgs:position_delete": "position",
    "people:list": "list",
    "people:export": "list",
    "people:create": "list",
    "people:org_options": "list",
    "people:transfers": "list",
    "people:transfer_export": "list",
    "people:detail": "person",
    "people:edit": "person",
    "people:membership": "person",
    "people:cadre": "person",
    "people:transfer": "person",
    "people:archive": "person",
    "people:restore": "person",
    "people:reveal": "person",
    # The 审计管理员 reads the whole log (test_it_lets_only_the_auditor_read_the_log in auditlog/tests).
    "auditlog:list": "list",
    "auditlog:export": "list",
    "auditlog:detail": "audit",
    # Roster import: the pages of a job are its uploader's only.
    "imports:home": "list",
    "imports:template": "list",
    "imports:history": "list",
    "imports:job": "import",
    "imports:progress": "import",
    "imports:annotated": "import",
    "imports:run": "import",
    # 党费
    "dues:ledger": "list",
    "dues:ledger_export": "list",
    "dues:ledger_generate": "list",
    "dues:ledger_bulk_pay": "list",
    "dues:mine": "list",
    "dues:rule_sets": "list",
    "dues:rule_set_create": "list",
    "dues:approvals": "list",
    "dues:lapses": "list",
    "dues:lapse_flag": "list",
    "dues:person": "person",
    "dues:person_category": "person",
    "dues:person_base": "person",
    "dues:person_pay": "person",
    "dues:person_voluntary": "person",
    "dues:person_prepay": "person",
    "dues:person_reduction": "person",
    "dues:person_remind": "person",
    "dues:receipt": "dues_payment",
    "dues:payment_reverse": "dues_payment",
    "dues:prepay_decide": "dues_payment",
    "dues:reduction_decide": "dues_reduction",
    "dues:lapse_decide": "dues_lapse",
    "dues:lapse_approve": "dues_lapse",
    "dues:report_month": "list",
    "dues:report_month_export": "list",
    "dues:report_month_org": "org",
    "dues:report_month_org_export": "org",
    "dues:report_arrears": "list",
    "dues:report_arrears_export": "list",
    "dues:report_remittance": "list",
    "dues:report_remittance_export": "list",
    "dues:report_statement": "person",
    "dues:report_statement_export": "person",
    "api-dues-ledger-list": "list",
    "api-dues-ledger-detail": "dues_ledger",
    "api-dues-payment-list": "list",
    "api-dues-payment-detail": "dues_payment",
    "api-dues-profile-list": "list",
    "api-dues-profile-detail": "dues_profile",
    "api-dues-income-base-list": "list",
    "api-dues-income-base-detail": "dues_base",
    "api-dues-reduction-list": "list",
    "api-dues-reduction-detail": "dues_reduction",
    "api-dues-reduction-decide": "dues_reduction",
    "api-dues-payment-prepay": "list",
    "api-dues-payment-voluntary": "list",
    "api-dues-payment-decide": "dues_payment",
    "api-dues-payment-reverse": "dues_payment",
    "api-dues-lapse-case-list": "list",
    "api-dues-lapse-case-detail": "dues_lapse",
    "api-dues-lapse-case-decide": "dues_lapse",
    "api-dues-lapse-case-approve": "dues_lapse",
    "api-dues-lapse-case-flag": "list",
    "api-dues-reminder-list": "list",
    "api-dues-reminder-detail": "dues_reminder",
    "api-dues-report-month": "list",
    "api-dues-report-arrears": "list",
    "api-dues-report-remittance": "list",
    "api-dues-report-statement": "person",
    # 累计学分制
    "training:overview": "list",
    "training:progress": "list",
    "training:progress_export": "list",
    "training:cadre": "training_cadre",
    "training:entry_add": "training_cadre",
    "training:units": "list",
    "training:units_export": "list",
    "training:shortfall": "list",
    "training:shortfall_remind": "list",
    "training:shortfall_export": "list",
    "training:year_end_export": "list",
    "training:activities": "list",
    "training:activities_export": "list",
    "training:activity_create": "list",
    "training:activity": "training_activity",
    "training:activity_edit": "training_activity",
    "training:activity_archive": "training_activity",
    "training:activity_attendance": "training_activity",
    "training:entry_archive": "training_entry",
    "training:claims": "list",
    "training:claim": "training_claim",
    "training:claim_decide": "training_claim",
    "training:claim_evidence": "training_claim",
    "training:claim_withdraw": "training_claim",
    "training:mine": "list",
    "training:claim_submit": "list",
    "training:rule_sets": "list",
    "training:rule_set_create": "list",
    "training:rule_set": "training_rules",
    "training:rule_set_close": "training_rules",
    "training:rule_set_recompute": "training_rules",
    "training:import": "list",
    "training:import_template": "list",
    "training:import_batches": "list",
    "api-training-activity-list": "list",
    "api-training-activity-detail": "training_activity",
    "api-training-activity-archive": "training_activity",
    "api-training-activity-attendance": "training_activity",
    "api-training-entry-list": "list",
    "api-training-entry-detail": "training_entry",
    "api-training-entry-archive": "training_entry",
    "api-training-claim-list": "list",
    "api-training-claim-detail": "training_claim",
    "api-training-claim-decide": "training_claim",
    "api-training-claim-evidence": "training_claim",
    "api-training-claim-withdraw": "training_claim",
    "api-training-year-list": "list",
    "api-training-year-detail": "training_year",
    "api-training-year-progress": "list",
    "api-training-report-overview": "list",
    "api-training-report-shortfall": "list",
    "api-training-report-teams": "list",
    "api-training-report-units": "list",
    "api-training-rule-set-list": "list",
    "api-training-rule-set-detail": "training_rules",
    "api-training-rule-set-close": "training_rules",
    "api-training-rule-set-recompute": "training_rules",
    # 测评: staff pages of an evaluation of 东城街道党工委 whose subject is 陈志刚; the voting pages are public
    # (no login: a one-time code opens them; tested in evaluations/tests/test_vote_pages)
    "evaluations:list": "list",
    "evaluations:create": "list",
    "evaluations:detail": "evaluation",
    "evaluations:codes_issue": "evaluation",
    "evaluations:code_void": "evaluation",
    "evaluations:go_live": "evaluation",
    "evaluations:archive": "evaluation",
    "evaluations:results": "evaluation",
    "evaluations:report_scores": "evaluation",
    "evaluations:report_config": "evaluation",
    "evaluations:templates": "list",
    "evaluations:template_create": "list",
    "evaluations:template_edit": "evaluation_template",
    "evaluations:results_report": "evaluation",
    "evaluations:ballots_export": "evaluation",
    "api-evaluation-list": "list",
    "api-evaluation-detail": "evaluation",
    "api-evaluation-codes": "evaluation",
    "api-evaluation-void": "evaluation",
    "api-evaluation-live": "evaluation",
    "api-evaluation-archive": "evaluation",
    "api-evaluation-results": "evaluation",
    # 征求意见 → 问题清单 → 整改清单 of 东城街道党工委
    "opinions:issue_list": "list",
    "opinions:issue_export": "list",
    "opinions:rectification_export": "list",
    "opinions:issue_create": "list",
    "opinions:issue_detail": "issue",
    "opinions:issue_edit": "issue",
    "opinions:issue_start": "issue",
    "opinions:issue_close": "issue",
    "opinions:issue_reopen": "issue",
    "opinions:issue_evidence": "issue",
    "opinions:opinion_list": "list",
    "opinions:opinion_create": "list",
    "opinions:opinion_import": "list",
    "opinions:opinion_detail": "opinion",
    "api-evaluation-opinion-list": "list",
    "api-evaluation-opinion-detail": "opinion",
    "api-evaluation-issue-list": "list",
    "api-evaluation-issue-detail": "issue",
    "api-evaluation-issue-start": "issue",
    "api-evaluation-issue-close": "issue",
    "api-evaluation-issue-reopen": "issue",
    "vote:start": "public",
    "vote:ballot": "public",
    "api-training-import-list": "list",
    "api-training-import-detail": "training_import",
    "api-training-reminder-list": "list",
    "api-training-reminder-detail": "training_reminder",
    # 学习日 and 三会一课: a session of 东城社区第一党支部 that 李建国 (not 王小红) is expected at, his notes and leave,
    #   the branch's plan, a 抽查 of 东城街道党工委 that drew him, a material of 东城街道党工委 and a copy of it
    "studychecks:list": "list",
    "studychecks:create": "list",
    "studychecks:results": "list",
    "studychecks:results_export": "list",
    "studychecks:compliance": "list",
    "studychecks:compliance_export": "list",
    "studychecks:adherence": "list",
    "studychecks:adherence_export": "list",
    "studychecks:requirements": "list",
    "studychecks:detail": "spot_check",
    "studychecks:export": "spot_check",
    "studychecks:verify": "spot_check",
    "studychecks:finish": "spot_check",
    "studychecks:grade": "spot_check_item",
    "api-studyday-spot-check-list": "list",
    "api-studyday-spot-check-draw": "list",
    "api-studyday-spot-check-yearly": "list",
    "api-studyday-spot-check-detail": "spot_check",
    "api-studyday-spot-check-grade": "spot_check",
    "api-studyday-spot-check-finish": "spot_check",
    "api-studyday-spot-check-results": "spot_check",
    "api-studyday-spot-check-verify": "spot_check",
    "api-studyday-compliance-list": "list",
    "api-studyday-adherence-list": "list",
    # materials are read by every member under their organization (王小红 reads 东城街道党工委's): "material" is
    # left out of the same-branch member test; the register and the trace are staff's
    "mystudy:home": "list",
    "mystudy:attendance": "list",
    "mystudy:reminders_read": "list",
    "mystudy:session": "studyday_session",
    "mystudy:signin": "studyday_session",
    "mystudy:notes": "studyday_session",
    "mystudy:leave": "studyday_session",
    "mystudy:notes_file": "studyday_submission",
    "mystudy:leave_withdraw": "studyday_leave",
    "api-studyday-my-session-list": "list",
    "api-studyday-my-leave-request-list": "list",
    "api-studyday-my-session-detail": "studyday_session",
    "api-studyday-my-session-signin": "studyday_session",
    "api-studyday-my-session-notes": "studyday_session",
    "api-studyday-my-session-notes-file": "studyday_session",
    "api-studyday-my-session-leave": "studyday_session",
    "api-studyday-my-leave-request-detail": "studyday_leave",
    "api-studyday-my-leave-request-withdraw": "studyday_leave",
    "api-studyday-attendance-report-list": "list",
    "api-studyday-attendance-report-people": "list",
    "api-studyday-leave-list": "list",
    "api-studyday-leave-detail": "studyday_leave",
    "api-studyday-leave-decide": "studyday_leave",
    "api-studyday-plan-list": "list",
    "api-studyday-plan-detail": "studyday_plan",
    "api-studyday-plan-item-list": "list",
    "api-studyday-plan-item-detail": "studyday_item",
    "api-studyday-session-list": "list",
    "api-studyday-session-detail": "studyday_session",
    "api-studyday-session-attendance": "studyday_session",
    "api-studyday-session-cancel": "studyday_session",
    "api-studyday-session-close": "studyday_session",
    "api-studyday-session-expected": "studyday_session",
    "api-studyday-session-remind": "studyday_session",
    "api-studyday-session-roster": "studyday_session",
    "api-studyday-submission-list": "list",
    "api-studyday-submission-detail": "studyday_submission",
    "api-studyday-submission-file": "studyday_submission",
    "api-studyday-submission-review": "studyday_submission",
    # The working-day calendar is the district's: every staff user reads it, only the 组织部 writes it
    # (studyday/tests/test_api_plans); here only the login is tried ("workday" is no branch's record).
    "api-studyday-workday-list": "list",
    "api-studyday-workday-import": "list",
    "api-studyday-workday-detail": "workday",
    "studyday:home": "list",
    "studyday:plan_list": "list",
    "studyday:plan_create": "list",
    "studyday:session_list": "list",
    "studyday:session_export": "list",
    "studyday:session_create": "list",
    "studyday:session_people": "list",
    "studyday:review_queue": "list",
    "studyday:leave_queue": "list",
    "studyday:stats": "list",
    "studyday:stats_org_export": "list",
    "studyday:stats_person_export": "list",
    "studyday:calendar": "list",
    "studyday:workday_add": "list",
    "studyday:workday_remove": "list",
    "studyday:workdays_import": "list",
    "studyday:plan_detail": "studyday_plan",
    "studyday:plan_item_add": "studyday_plan",
    "studyday:plan_archive": "studyday_plan",
    "studyday:plan_item_edit": "studyday_item",
    "studyday:plan_item_remove": "studyday_item",
    "studyday:session_detail": "studyday_session",
    "studyday:session_edit": "studyday_session",
    "studyday:session_expected": "studyday_session",
    "studyday:session_cancel": "studyday_session",
    "studyday:screen": "studyday_session",
    "studyday:screen_code": "studyday_session",
    "studyday:session_file_upload": "studyday_session",
    "studyday:session_mark": "studyday_session",
    "studyday:session_close": "studyday_session",
    "studyday:session_remind": "studyday_session",
    "studyday:session_file": "studyday_file",
    "studyday:submission": "studyday_submission",
    "studyday:submission_file": "studyday_submission",
    "studyday:leave_decide": "studyday_leave",
    "materials:list": "list",
    "materials:create": "list",
    "materials:register": "list",
    "materials:register_export": "list",
    "materials:trace": "list",
    "materials:detail": "material",
    "materials:view": "material",
    "materials:download": "material",
    "materials:archive": "material",
    "api-studyday-material-list": "list",
    "api-studyday-material-detail": "material",
    "api-studyday-material-download": "material",
    "api-studyday-material-archive": "material",
    "api-studyday-material-copy-list": "list",
    "api-studyday-material-copy-detail": "material_copy",
    "api-studyday-material-copy-trace": "list",
    # API
    "api-root": "list",
    "api-me": "list",
    "api-token": "public",
    "api-schema": "public",
    "api-docs": "public",
    "api-organization-list": "list",
    "api-organization-detail": "org",
    "api-organization-children": "org",
    "api-organization-counts": "org",
    "api-organization-move": "org",
    "api-organization-dissolve": "org",
    "api-organization-restore": "org",
    "api-unit-list": "list",
    "api-unit-detail": "unit",
    "api-leadership-team-list": "list",
    "api-leadership-team-detail": "team",
    "api-person-list": "list",
    "api-person-detail": "person",
    "api-person-archive": "person",
    "api-person-restore": "person",
    "api-person-transfer": "person",
    "api-person-membership": "person",
    "api-person-cadre": "person",
    "api-person-reveal": "person",
    "api-transfer-list": "list",
    "api-transfer-detail": "transfer",
    "api-audit-event-list": "list",
    "api-audit-event-detail": "audit",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, entry


def all_domain_urls():
    return sorted(
        {
            (name, tuple(p.pattern.converters))
            for name, p in _walk(get_resolver().url_patterns)
            if name.split(":")[0] in DOMAIN_NAMESPACES or name.startswith(API_PREFIX)
        }
    )


def test_it_covers_every_url():
    missing = [name for name, _ in all_domain_urls() if name not in URL_TABLE]
    assert not missing, f"add these URLs to the scope battery: {missing}"


OTHER_SIDE = ("王小红", "李建国", "张晓梅", "陈志刚", "东城社区第一党支部", "东城街道办事处")
OBJECT_KINDS = (
    "org",
    "person",
    "unit",
    "team",
    "position",
    "transfer",
    "audit",
    "lock",
    "import",
    "user",
    "grant",
    "dues_payment",
    "dues_ledger",
    "dues_profile",
    "dues_base",
    "dues_reduction",
    "dues_lapse",
    "dues_reminder",
    "training_cadre",
    "training_activity",
    "training_entry",
    "training_claim",
    "training_year",
    "training_import",
    "training_reminder",
    "evaluation",
    "evaluation_template",
    "opinion",
    "issue",
    "studyday_session",
    "studyday_plan",
    "studyday_item",
    "studyday_submission",
    "studyday_leave",
    "studyday_file",
    "spot_check",
    "spot_check_item",
    "material",
    "material_copy",
)
# The audit log names every branch's records, and only the 审计管理员 reads it.
AUDITOR_URLS = ("auditlog:list", "auditlog:export", "api-audit-event-list")
METHODS = ("get", "post", "put", "patch")


def _target(p, kind):
    return {
        "org": p.branch.pk,
        "person": p.alice.pk,
        "unit": p.unit.pk,
        "team": p.team.pk,
        "position": p.team.positions.first().pk,
        "transfer": p.transfer.pk,
        "lock": p.lock.pk,
        "import": p.import_job.pk,
        "user": p.member.pk,
        "grant": p.branch_secretary.grants.get().pk,
        "audit": AuditEvent.objects.order_by("id").values_list("pk", flat=True).first(),
        "dues_payment": p.dues["payment"].pk,
        "dues_ledger": p.dues["ledger"].pk,
        "dues_profile": p.dues["profile"].pk,
        "dues_base": p.dues["base"].pk,
        "dues_reduction": p.dues["reduction"].pk,
        "dues_lapse": p.dues["lapse"].pk,
        "dues_reminder": p.dues["reminder"].pk,
        "training_cadre": p.cadre.pk,
        "training_activity": p.training["activity"].pk,
        "training_entry": p.training["entry"].pk,
        "training_claim": p.training["claim"].pk,
        "training_year": p.training["year"].pk,
        "training_import": p.training["import"].pk,
        "training_reminder": p.training["reminder"].pk,
        "evaluation": p.evaluation.pk,
        "evaluation_template": p.evaluation_template.pk,
        "opinion": p.opinion.pk,
        "issue": p.issue.pk,
        "training_rules": p.training["rules"].year,
        **{kind: row.pk for kind, row in getattr(p, "studyday", {}).items()},
    }[kind]


def _urls(kinds):
    return [name for name, kind in sorted(URL_TABLE.items()) if kind in kinds]


def _body_text(response) -> str:
    """Text of a response, including the cells of an Excel export."""
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        content = b"".join(response.streaming_content) if response.streaming else response.content
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c)
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "ignore")
    return response.content.decode("utf-8", "ignore")


def _try_every_method(client, url):
    for method in METHODS:
        response = getattr(client, method)(
            url, {} if method == "post" else None, content_type="application/json"
        )
        if response.status_code not in (403, 404, 405):
            raise AssertionError(f"{method.upper()} {url} -> {response.status_code}")


def _dues_records(p) -> dict:
    """党费 records in p.branch: six months of ledger for 王小红 (3000.01 yuan) and 李建国 (5400), bob's
    payment of this month, alice's reduction request and her six-month lapse case."""
    from zugong.dues import ledger, rules
    from zugong.dues import services as dues
    from zugong.dues.models import DuesProfile, IncomeBase, LapseCase, LedgerEntry

    this_month = rules.month_start(timezone.localdate())
    first = rules.add_months(this_month, -5)
    for person, base in ((p.alice, 300001), (p.bob, 540000)):
        dues.income_base_add(actor=p.org_admin, person=person, effective_month=first, base_fen=base)
    for n in range(6):
        ledger.generate_month(actor=p.org_admin, month=rules.add_months(first, n))
    dues.profile_set(actor=p.org_admin, person=p.bob, category="employed")
    payment = dues.payment_record(
        actor=p.org_admin, person=p.bob, months=[this_month], amount_fen=8100,
        paid_on=timezone.localdate(), method="cash",
    )  # fmt: skip
    reduction = dues.reduction_propose(
        actor=p.branch_secretary, person=p.alice, amount_fen=0, valid_from=this_month, valid_to=this_month,
        reason="生活困难",
    )  # fmt: skip
    dues.lapse_flag(actor=p.org_admin, as_of=this_month)
    reminder = dues.reminder_send(actor=p.branch_secretary, person=p.alice, channel="phone")
    return {
        "reminder": reminder,
        "payment": payment,
        "ledger": LedgerEntry.objects.get(person=p.bob, month=this_month),
        "profile": DuesProfile.objects.get(person=p.bob),
        "base": IncomeBase.objects.filter(person=p.bob).first(),
        "reduction": reduction,
        "lapse": LapseCase.objects.get(person=p.alice),
    }


def _training_records(p) -> dict:
    """累计学分制 records in 东城: this year's rules, an activity of 东城街道党工委 that 陈志刚 attended, his
    pending claim with its certificate, and his year summary."""
    from zugong.accounts.models import RoleGrant, User
    from zugong.core.roles import Role
    from zugong.training import services as training
    from zugong.training.models import CreditEntry, CreditYear, Reminder

    today = timezone.localdate()
    rules = training.open_rule_set(today.year)
    activity = training.create_activity(
        actor=p.org_admin,
        data={
            "title": "东城街道处级干部专题培训", "category": "party_school", "organizer": "区委党校",
            "org": p.committee, "start_date": today, "end_date": today, "days": "1",
        },
    )  # fmt: skip
    training.record_attendance(actor=p.org_admin, activity=activity, person_ids=[p.cadre.pk])
    cadre_user = User.objects.create_user(username="cadre", display_name="cadre", person=p.cadre)
    RoleGrant.objects.create(user=cadre_user, role=Role.MEMBER, organization=p.sibling_branch)
    claim = training.submit_claim(
        actor=cadre_user,
        data={
            "category": "lecture",
            "title": "专题讲座",
            "organizer": "区委组织部",
            "date": today,
            "items": "1",
        },
        evidence_name="听课证明.pdf",
        evidence=b"%PDF-1.4\n%%EOF\n",
    )
    from zugong.training import services_import
    from zugong.training.tests.test_import import line, xlsx

    batch = services_import.run_import(
        actor=p.org_admin, data=xlsx([line(p.cadre, "党史专题", 45, date=today)]), file_name="网络学院.xlsx"
    )
    training.send_reminders(
        actor=p.org_admin, year=today.year, person_ids=[p.cadre.pk], channel="system",
        today=datetime.date(today.year, 7, 1),
    )  # fmt: skip
    return {
        "import": batch,
        "reminder": Reminder.objects.get(person=p.cadre),
        "rules": rules,
        "activity": activity,
        "entry": CreditEntry.objects.get(person=p.cadre, activity=activity),
        "claim": claim,
        "year": CreditYear.objects.get(person=p.cadre, year=today.year),
    }


def _evaluation_record(p):
    """A 干部民主测评 of 东城街道党工委 with 陈志刚 as its subject, codes issued and one ballot cast."""
    from zugong.evaluations import services as evaluations

    now = timezone.now()
    evaluation = evaluations.create_evaluation(
        actor=p.org_admin, org=p.committee, title="东城街道干部民主测评", kind="cadre",
        opens_at=now - datetime.timedelta(hours=1), closes_at=now + datetime.timedelta(days=1),
        subjects=[{"kind": "person", "label": "陈志刚", "person": p.cadre}],
        voter_classes=[{"name": "干部职工代表", "weight": 1, "expected": 10}],
    )  # fmt: skip
    _, codes = evaluations.issue_codes(
        actor=p.org_admin, evaluation=evaluation, voter_class=evaluation.voter_classes.get(), count=2
    )
    answers = {k: "good" for k in ("de", "neng", "qin", "ji", "lian")} | {"overall": "excellent"}
    evaluations.cast_ballot(code=codes[0], answers={str(evaluation.subjects.get().pk): answers})
    return evaluation


def _opinion_records(p):
    """An opinion of 东城街道党工委 from a grassroots visit naming 陈志刚 and 王小红, and the issue made of it: owner
    东城街道办事处, closed with a PDF as evidence."""
    from zugong.evaluations import services_opinions as opinions

    today = timezone.localdate()
    opinion = opinions.opinion_add(
        actor=p.org_admin, org=p.committee, source="visit", visit_group="第一组", received_on=today,
        text="陈志刚同志所在街道办事效率有待提高", submitted_by="王小红",
    )  # fmt: skip
    issue = opinions.issue_create(
        actor=p.org_admin, org=p.committee, category="work_style", title="陈志刚所在街道办事效率不高",
        opinions=[opinion], owner_unit=p.unit, deadline=today, measures="东城街道办事处推行一次办结",
    )  # fmt: skip
    opinions.issue_close(
        actor=p.org_admin, issue=issue, evidence_text="东城街道办事处已整改，王小红回访满意",
        evidence_name="整改报告.pdf", evidence=b"%PDF-1.4\n%%EOF\n",
    )  # fmt: skip
    return opinion, issue


def _evaluation_template(p):
    """A form of 东城街道党工委's own, about 陈志刚's work."""
    from zugong.evaluations import services as evaluations

    return evaluations.save_template(
        actor=p.org_admin, name="东城街道测评表", kind="cadre", org=p.committee,
        lines="陈志刚同志的工作作风｜等次\n意见建议｜文字",
    )  # fmt: skip


def _studyday_records(p) -> dict:
    """学习日 records of 东城社区第一党支部: a 主题党日 open now that 李建国 (his own account) signed in to and handed
    notes in for, a 党课 next week he asked leave for, the branch's first-quarter plan, an attachment; a 抽查 of
    东城街道党工委 that drew him; a material of 东城街道党工委 and the copy its branch secretary took."""
    from zugong.accounts.models import RoleGrant, User
    from zugong.core.roles import Role
    from zugong.studyday import (
        services,
        services_attendance,
        services_checks,
        services_materials,
        services_notes,
        signin,
    )
    from zugong.studyday.tests.test_watermark import make_pdf

    now, today = timezone.now(), timezone.localdate()
    bob = User.objects.create_user(username="bob", display_name="bob", person=p.bob)
    RoleGrant.objects.create(user=bob, role=Role.MEMBER, organization=p.branch)

    def session(kind, title, start):
        return services.create_session(
            actor=p.org_admin, org=p.branch, kind=kind, person_ids=[p.bob.pk],
            data={"title": title, "starts_at": start, "ends_at": start + datetime.timedelta(hours=2),
                  "expected_mode": "chosen", "place": "东城社区党员活动室"},
        )  # fmt: skip

    held = session("theme_day", "东城社区第一党支部主题党日", now - datetime.timedelta(minutes=10))
    services_attendance.sign_in(actor=bob, session_id=held.pk, code=signin.current_code(held.pk)[0])
    submission = services_notes.submit_notes(
        actor=bob, session=held, notes="李建国的笔记", reflection="李建国的心得体会：要把学习成果落到实处。"
    )
    lecture = session("party_lecture", "东城社区第一党支部党课", now + datetime.timedelta(days=7))
    leave = services_attendance.request_leave(actor=bob, session=lecture, reason="李建国出差")
    plan = services.create_plan(actor=p.org_admin, org=p.branch, year=today.year, quarter=1)
    file = services.add_session_file(
        actor=p.org_admin, session=held, name="会议记录.pdf", data=b"%PDF-1.4\n%%EOF\n"
    )
    check = services_checks.draw_spot_check(
        actor=p.org_admin, org=p.committee, title="东城街道党工委笔记抽查", date_from=today - datetime.timedelta(days=30),
        date_to=today, organizations=[p.branch], size=1,
    )  # fmt: skip
    material = services_materials.material_upload(
        actor=p.org_admin,
        org=p.committee,
        title="东城街道党工委学习资料",
        file_name="学习资料.pdf",
        data=make_pdf(),
    )
    copy = services_materials.copy_issue(actor=p.branch_secretary, material=material, purpose="download")
    from zugong.core.models import WorkdayOverride

    return {
        "workday": WorkdayOverride.objects.create(
            date=datetime.date(2026, 10, 1), kind="holiday", name="国庆节"
        ),
        "studyday_session": held,
        "studyday_plan": plan,
        "studyday_item": plan.items.first(),
        "studyday_submission": submission,
        "studyday_leave": leave,
        "studyday_file": file,
        "spot_check": check,
        "spot_check_item": check.items.get(),
        "material": material,
        "material_copy": copy.copy,
    }


class ScopeBattery(PersonaTestCase):
    """Built once per class (setUpTestData); each URL is a subTest."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from zugong.people.services import person_transfer

        # A transfer inside 东城 (p.committee's subtree), for the transfer endpoints.
        cls.p.transfer = person_transfer(
            actor=cls.p.org_admin,
            person=cls.p.bob,
            to_org=cls.p.sibling_branch,
            transfer_date=datetime.date(2024, 1, 5),
        )
        cls.p.lock = LoginLock.objects.create(kind="account", key="member", since=timezone.now(), failures=5)
        cls.p.import_job = ImportJob.objects.create(
            created_by=cls.p.branch_secretary, file_name="名册.xlsx", sha256="0" * 64, status="previewed"
        )
        cls.p.dues = _dues_records(cls.p)
        cls.p.training = _training_records(cls.p)
        cls.p.evaluation = _evaluation_record(cls.p)
        cls.p.evaluation_template = _evaluation_template(cls.p)
        cls.p.opinion, cls.p.issue = _opinion_records(cls.p)
        cls.p.studyday = _studyday_records(cls.p)

    def _object_urls(self, kinds=OBJECT_KINDS):
        return [(name, reverse(name, args=[_target(self.p, URL_TABLE[name])])) for name in _urls(kinds)]

    def test_it_hides_records_from_a_secretary_of_another_branch(self):
        self.client.force_login(self.p.other_secretary)
        for name, url in self._object_urls():
            with self.subTest(name=name):
                _try_every_method(self.client, url)

    def test_it_hides_records_from_a_plain_member_of_another_branch(self):
        self.client.force_login(self.p.other_member)
        for name, url in self._object_urls():
            with self.subTest(name=name):
                _try_every_method(self.client, url)

    def test_it_hides_organization_records_from_a_plain_member_of_the_same_branch(self):
        """A plain 党员 sees their own person record only, nothing of their organization."""
        self.client.force_login(self.p.member)
        for name, url in self._object_urls(tuple(k for k in OBJECT_KINDS if k not in ("person", "material"))):
            with self.subTest(name=name):
                _try_every_method(self.client, url)

    def test_it_lets_a_plain_member_change_nothing_on_their_own_record(self):
        self.client.force_login(self.p.member)
        for name in _urls(("person",)):
            url = reverse(name, args=[self.p.alice.pk])
            with self.subTest(name=name):
                for method in ("post", "put", "patch"):
                    response = getattr(self.client, method)(
                        url, {"name": "改名"}, content_type="application/json"
                    )
                    self.assertIn(response.status_code, (403, 404, 405), f"{method.upper()} {url}")
        self.p.alice.refresh_from_db()
        self.assertEqual(self.p.alice.name, "王小红")

    def test_it_lists_nothing_of_another_branch(self):
        for persona in ("other_secretary", "other_member", "sysadmin", "secadmin", "auditor"):
            self.client.force_login(getattr(self.p, persona))
            for name in _urls(("list",)):
                if persona == "auditor" and name in AUDITOR_URLS:
                    continue
                with self.subTest(name=name, persona=persona):
                    response = self.client.get(reverse(name))
                    # (405: an action that only takes a POST, such as the API's 预交 or 生成预警; 302: a
                    # cadre's own page sends others away; 400: a report that needs a parameter)
                    self.assertIn(response.status_code, (200, 302, 400, 403, 405))
                    body = _body_text(response)
                    for other_side in OTHER_SIDE:
                        self.assertNotIn(other_side, body)

    def test_it_requires_login(self):
        self.client.logout()
        for name, kind in sorted(URL_TABLE.items()):
            if kind == "public":
                continue
            url = reverse(name) if kind == "list" else reverse(name, args=[_target(self.p, kind)])
            with self.subTest(name=name):
                response = self.client.get(url)
                self.assertIn(response.status_code, (302, 401, 403, 405))
                if response.status_code == 302:
                    self.assertIn("/accounts/login/", response["Location"])

    def test_it_lets_only_the_training_office_write_the_rules(self):
        """The rules are the district's: staff of any branch read them, a plain member does not, and only the
        干部教育科 (the district's 组织部管理员) changes, recomputes or closes a year."""
        rules = self.p.training["rules"]
        written = AuditEvent.objects.filter(object_type__startswith="training.")
        before = (rules.total_credits, rules.closed, written.count())
        for persona in ("other_secretary", "other_member", "member", "committee_secretary"):
            self.client.force_login(getattr(self.p, persona))
            for name in _urls(("training_rules",)):
                url = reverse(name, args=[rules.year])
                with self.subTest(name=name, persona=persona):
                    for method in ("post", "put", "patch"):
                        response = getattr(self.client, method)(
                            url, {"total_credits": "1"}, content_type="application/json"
                        )
                        self.assertIn(response.status_code, (403, 404, 405), f"{method.upper()} {url}")
                    if persona in ("other_member", "member"):
                        self.assertIn(self.client.get(url).status_code, (403, 404, 405))
        rules.refresh_from_db()
        self.assertEqual((rules.total_credits, rules.closed, written.count()), before)
