"""The roster import end to end: services and pages, as the branch secretary of 东城社区第一党支部."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from zugong.core import audit
from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase, create_person
from zugong.imports import services
from zugong.imports.models import ImportJob
from zugong.imports.services import ELSEWHERE, build_lookups
from zugong.orgs.models import Unit
from zugong.people.models import Membership, Person

from .helpers import member, new_id, row, upload, workbook


class ImportTestCase(PersonaTestCase):
    def post(self, data: bytes, *, dry_run: bool, user=None, name="名册.xlsx"):
        user = user or self.p.branch_secretary
        if self.client.session.get("_auth_user_id") != str(user.pk):
            self.login(user)
        form = {"file": upload(data, name)}
        if dry_run:
            form["dry_run"] = "on"
        return self.client.post(reverse("imports:home"), form)

    def last_job(self) -> ImportJob:
        return ImportJob.objects.order_by("-id").first()


class GoodFileTest(ImportTestCase):
    def good_file(self):
        alice_id = self.p.alice.reveal_id_number()
        return workbook(
            [
                member(
                    "刘晓燕",
                    new_id(11),
                    "T010101",
                    联系电话="13912345678",
                    家庭住址="和平路1号",
                    工作单位="U01",
                ),
                row(
                    姓名="孙立",
                    公民身份号码=new_id(13),
                    所在党组织="示范区委/东城街道党工委/东城社区党总支/东城社区第一党支部",
                ),
                member("王小红", alice_id, "T010101", 职务="社区主任", 党员类别="正式党员"),
            ]
        )

    def test_it_imports_new_people_and_updates_one_keyed_on_the_id_number(self):
        before = Person.objects.count()
        response = self.post(self.good_file(), dry_run=False)
        job = self.last_job()
        self.assertRedirects(response, reverse("imports:job", args=[job.pk]))
        self.assertEqual((job.status, job.new_count, job.updated_count, job.error_count), ("done", 2, 1, 0))
        self.assertEqual(Person.objects.count(), before + 2)

        liu = Person.objects.get(name="刘晓燕")
        self.assertEqual(liu.reveal_id_number(), new_id(11))
        self.assertNotIn(new_id(11), liu.id_number_enc)
        self.assertEqual(liu.id_number_masked, new_id(11)[:3] + "*" * 11 + new_id(11)[-4:])
        self.assertEqual(
            (liu.id_tail, liu.reveal_phone(), liu.phone_masked),
            (new_id(11)[-4:], "13912345678", "139****5678"),
        )
        self.assertEqual(liu.reveal_home_address(), "和平路1号")
        self.assertEqual((liu.org, liu.org_path, liu.unit), (self.p.branch, self.p.branch.path, self.p.unit))
        self.assertEqual((liu.party_status, liu.birth_date, liu.sex), ("full", dt.date(1988, 5, 4), "M"))
        self.assertTrue(liu.name_stroke_key)
        self.assertEqual(liu.membership.join_date, dt.date(2012, 7, 1))
        sun = Person.objects.get(name="孙立")
        self.assertEqual((sun.party_status, sun.org), ("", self.p.branch))
        self.assertFalse(Membership.objects.filter(person=sun).exists())

        self.p.alice.refresh_from_db()
        self.assertEqual(self.p.alice.post, "社区主任")
        self.assertEqual(self.p.alice.reveal_phone(), "13800138000")  # an empty cell keeps the roll's value
        self.assertEqual(self.p.alice.unit, self.p.unit)
        self.assertEqual(self.p.alice.membership.join_date, dt.date(2012, 7, 1))
        self.assertEqual(job.payload_enc, "")  # the clear file is dropped once imported

    def test_it_writes_nothing_on_a_dry_run_and_imports_on_confirmation(self):
        self.login(self.p.branch_secretary)  # (a login is itself audited)
        before, audit_before = Person.objects.count(), AuditEvent.objects.count()
        self.post(self.good_file(), dry_run=True)
        job = self.last_job()
        self.assertEqual((job.status, job.new_count, job.updated_count), ("previewed", 2, 1))
        self.assertEqual(Person.objects.count(), before)
        self.assertEqual(AuditEvent.objects.count(), audit_before)
        page = self.client.get(reverse("imports:job", args=[job.pk]))
        self.assertContains(page, "确认导入")
        self.client.post(reverse("imports:run", args=[job.pk]))
        job.refresh_from_db()
        self.assertEqual(job.status, "done")
        self.assertEqual(Person.objects.count(), before + 2)
        # A second confirmation (double click) imports nothing more.
        self.client.post(reverse("imports:run", args=[job.pk]))
        self.assertEqual(Person.objects.count(), before + 2)

    def test_it_audits_the_import_and_the_chain_still_verifies(self):
        self.post(self.good_file(), dry_run=False)
        job = self.last_job()
        event = AuditEvent.objects.get(event="import")
        self.assertEqual(
            (event.detail["sha256"], event.detail["new"], event.detail["updated"], event.actor_name),
            (job.sha256, 2, 1, "branch_secretary"),
        )
        created = AuditEvent.objects.filter(kind="create", object_type="people.person")
        self.assertEqual(created.count(), 2)
        self.assertNotIn(new_id(11), str(created.first().after))  # masked
        updated = AuditEvent.objects.get(kind="update", object_type="people.person")
        self.assertEqual(updated.after, {"post": "社区主任"})
        # New rows are written as tuples and audited from them: the rows say what ``snapshot`` says of
        # the records as they are in the database.
        for entry in created:
            person = Person.objects.get(pk=entry.object_id)
            self.assertEqual((entry.after, entry.object_repr), (audit.snapshot(person), str(person)))
        liu = Membership.objects.get(person__name="刘晓燕")
        entry = AuditEvent.objects.get(kind="create", object_type="people.membership", object_id=str(liu.pk))
        self.assertEqual((entry.after, entry.object_repr), (audit.snapshot(liu), str(liu)))
        call_command("audit_verify")  # exits non-zero (SystemExit) on a broken chain

    def test_it_reuses_the_checked_rows_and_checks_the_roll_again(self):
        self.post(self.good_file(), dry_run=True)
        job = self.last_job()
        self.assertTrue(job.plan_enc and job.plan_basis)
        self.assertNotIn(new_id(11), job.plan_enc)  # sealed like the file
        # Someone puts 刘晓燕 on the roll of another branch between the preview and the import.
        create_person(
            name="刘晓燕",
            org=self.p.other_branch,
            id_number=new_id(11),
            birth_date=dt.date(1988, 5, 4),
            sex="F",
        )
        self.client.post(reverse("imports:run", args=[job.pk]))
        job.refresh_from_db()
        self.assertEqual(job.status, "invalid")
        self.assertEqual(job.issues[0]["message"], ELSEWHERE)
        self.assertFalse(Person.objects.filter(name="孙立").exists())

    def test_it_checks_the_file_anew_when_what_the_rows_depend_on_changed(self):
        self.post(self.good_file(), dry_run=True)
        job = self.last_job()
        basis = job.plan_basis
        Unit.objects.filter(code="U01").update(code="U01-OLD")  # the unit code in the file is gone
        self.client.post(reverse("imports:run", args=[job.pk]))
        job.refresh_from_db()
        self.assertNotEqual(build_lookups(self.p.branch_secretary, job.sha256)[2], basis)
        self.assertEqual(job.status, "invalid")
        self.assertIn("找不到单位“U01”", job.issues[0]["message"])

    def test_it_serves_the_template(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(reverse("imports:template"))
        wb = load_workbook(io.BytesIO(response.content), read_only=True)
        self.assertIn("人员名册", wb.sheetnames)

    def test_it_lists_the_users_own_jobs(self):
        self.post(self.good_file(), dry_run=True)
        page = self.client.get(reverse("imports:history"))
        self.assertContains(page, "名册.xlsx")
        self.login(self.p.org_committee_member)
        self.assertNotContains(self.client.get(reverse("imports:history")), "名册.xlsx")


class BadRowsTest(ImportTestCase):
    def assert_nothing_written(self, before):
        self.assertEqual(Person.objects.count(), before)
        self.assertFalse(AuditEvent.objects.filter(event="import").exists())

    def issues(self, job):
        return {(i["row"], i["column"], i["message"]) for i in job.issues}

    def test_it_writes_nothing_when_one_row_is_bad_and_reports_every_bad_row(self):
        before = Person.objects.count()
        data = workbook(
            [
                member("刘晓燕", new_id(11), "T010101"),
                member("孙立", new_id(13)[:-1] + "0", "T010101"),  # wrong check digit
                member("周明", new_id(15), "T010101", 入党日期="2099-01-01"),
                member("吴芳", new_id(17), "NOPE"),
            ]
        )
        response = self.post(data, dry_run=False)
        job = self.last_job()
        self.assertEqual(job.status, "invalid")
        self.assert_nothing_written(before)
        got = self.issues(job)
        self.assertIn((3, "公民身份号码", "公民身份号码校验位不正确，请核对。"), got)
        self.assertIn((4, "入党日期", "日期不能晚于今天"), got)
        self.assertIn((5, "所在党组织编码", "找不到编码为“NOPE”的党组织"), got)
        self.assertFalse(any(r == 2 for r, _, _ in got))
        page = self.client.get(response["Location"])
        self.assertContains(page, "校验未通过")
        self.assertContains(page, "公民身份号码校验位不正确")

        annotated = self.client.get(reverse("imports:annotated", args=[job.pk]))
        ws = load_workbook(io.BytesIO(b"".join(annotated.streaming_content)), read_only=True)["人员名册"]
        notes = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
        self.assertIsNone(notes[0])
        self.assertIn("校验位不正确", notes[1])
        self.assertIn("不能晚于今天", notes[2])
        self.assertIn("NOPE", notes[3])

    def test_it_reports_both_rows_of_a_duplicate_id(self):
        before = Person.objects.count()
        self.post(
            workbook([member("刘晓燕", new_id(11), "T010101"), member("孙立", new_id(11), "T010101")]),
            dry_run=False,
        )
        job = self.last_job()
        self.assert_nothing_written(before)
        self.assertEqual(
            self.issues(job),
            {
                (2, "公民身份号码", "与第 3 行的公民身份号码重复"),
                (3, "公民身份号码", "与第 2 行的公民身份号码重复"),
            },
        )

    def test_it_refuses_a_branch_outside_the_importers_scope(self):
        before = Person.objects.count()
        self.post(workbook([member("刘晓燕", new_id(11), "T0201")]), dry_run=False)  # 西城社区党支部
        self.assert_nothing_written(before)
        ((r, column, _),) = self.issues(self.last_job())
        self.assertEqual((r, column), (2, "所在党组织编码"))

    def test_it_refuses_a_person_registered_in_another_branch(self):
        before = Person.objects.count()
        dave_id = self.p.dave.reveal_id_number()
        self.post(workbook([member("赵立新", dave_id, "T010101")]), dry_run=False)
        self.assert_nothing_written(before)
        self.assertEqual(self.issues(self.last_job()), {(2, "公民身份号码", services.ELSEWHERE)})
        self.p.dave.refresh_from_db()
        self.assertEqual(self.p.dave.org, self.p.other_branch)

    def test_it_refuses_to_move_a_person_between_branches(self):
        self.login(self.p.committee_secretary)
        carol_id = self.p.carol.reveal_id_number()  # 东城街道机关党支部
        self.post(
            workbook([member("张晓梅", carol_id, "T010101")]), dry_run=False, user=self.p.committee_secretary
        )
        # Reported under the column the row named the branch in: the code here, the name path below.
        self.assertEqual(self.issues(self.last_job()), {(2, "所在党组织编码", services.MOVED)})
        path = "示范区委/东城街道党工委/东城社区党总支/东城社区第一党支部"
        by_path = row(姓名="张晓梅", 公民身份号码=carol_id, 所在党组织=path)
        self.post(workbook([by_path]), dry_run=False, user=self.p.committee_secretary)
        self.assertEqual(self.issues(self.last_job()), {(2, "所在党组织", services.MOVED)})

    def test_it_refuses_an_archived_person(self):
        from zugong.people.services import person_archive

        person_archive(actor=self.p.org_admin, person=self.p.bob, reason="调离")
        self.post(workbook([member("李建国", self.p.bob.reveal_id_number(), "T010101")]), dry_run=False)
        self.assertEqual(self.issues(self.last_job()), {(2, "公民身份号码", services.ARCHIVED)})


class JobVisibilityTest(ImportTestCase):
    def test_it_hides_a_job_from_everyone_but_its_uploader(self):
        self.post(workbook([member("刘晓燕", new_id(11), "T010101")]), dry_run=True)
        job = self.last_job()
        for user in (self.p.other_secretary, self.p.org_committee_member):
            self.login(user)
            for name in ("imports:job", "imports:annotated", "imports:progress"):
                self.assertEqual(self.client.get(reverse(name, args=[job.pk])).status_code, 404)
            self.assertEqual(self.client.post(reverse("imports:run", args=[job.pk])).status_code, 404)
        job.refresh_from_db()
        self.assertEqual(job.status, "previewed")

    def test_it_refuses_a_plain_member_and_the_three_administrators(self):
        for user in (self.p.member, self.p.sysadmin, self.p.auditor):
            self.login(user)
            self.assertEqual(self.client.get(reverse("imports:home")).status_code, 403)


class ProgressTest(ImportTestCase):
    def test_it_shows_progress_while_importing_and_reloads_when_done(self):
        self.post(workbook([member("刘晓燕", new_id(11), "T010101")]), dry_run=True)
        job = self.last_job()
        ImportJob.objects.filter(pk=job.pk).update(status="importing")
        services._progress[job.pk] = ("写入", 1000, 4000)
        try:
            page = self.client.get(reverse("imports:job", args=[job.pk]))
            self.assertContains(page, 'hx-trigger="every 1s"')
            box = self.client.get(reverse("imports:progress", args=[job.pk]))
            self.assertContains(box, 'max="4000" value="1000"')
        finally:
            services._progress.pop(job.pk)
        ImportJob.objects.filter(pk=job.pk).update(status="done")
        done = self.client.get(reverse("imports:progress", args=[job.pk]))
        self.assertEqual((done.status_code, done["HX-Refresh"]), (204, "true"))

    def test_it_runs_a_long_file_in_a_background_thread(self):
        """Only the hand-off is tested here (a thread's connection cannot see the test's transaction)."""
        from unittest import mock

        self.post(workbook([member("刘晓燕", new_id(11), "T010101")]), dry_run=True)
        job = self.last_job()
        with (
            self.settings(ZUGONG_IMPORT_THREAD_ROWS=0),
            mock.patch.object(services.threading, "Thread") as thread,
        ):
            self.client.post(reverse("imports:run", args=[job.pk]))
        thread.return_value.start.assert_called_once()
        job.refresh_from_db()
        self.assertEqual(job.status, "importing")
        self.assertContains(self.client.get(reverse("imports:job", args=[job.pk])), "正在")
