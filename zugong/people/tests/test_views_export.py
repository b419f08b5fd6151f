"""Excel export of the person list: same filter, within scope, masked, watermarked, audited."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase

HEADERS = [
    "姓名",
    "性别",
    "民族",
    "公民身份号码",
    "出生日期",
    "所在党组织",
    "党员类别",
    "入党日期",
    "转正日期",
    "工作单位",
    "职务",
    "职级",
    "区管干部",
    "联系电话",
]


def sheet_rows(response):
    body = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(body), read_only=True).active
    return [list(row) for row in ws.iter_rows(values_only=True)]


class PersonExportTest(PersonaTestCase):
    def test_it_exports_a_real_xlsx_of_the_scope(self):
        self.login(self.p.branch_secretary)
        response = self.client.get(reverse("people:export"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        rows = sheet_rows(response)
        watermark, headers, data = rows[0], rows[1], rows[2:]
        self.assertIn("导出人：branch_secretary", watermark[0])
        self.assertIn("导出时间：", watermark[0])
        self.assertEqual(headers, HEADERS)
        self.assertEqual(len(data), 2)
        by_name = {row[0]: row for row in data}
        self.assertEqual(set(by_name), {"王小红", "李建国"})
        alice = by_name["王小红"]
        self.assertEqual(alice[3], self.p.alice.id_number_masked)
        self.assertEqual(alice[3][:3] + "*" * 11, self.p.alice.reveal_id_number()[:3] + "*" * 11)
        self.assertEqual(
            (alice[1], alice[5], alice[6], alice[12]), ("女", "东城社区第一党支部", "正式党员", "否")
        )
        self.assertEqual(by_name["李建国"][11], "科员")
        self.assertEqual(alice[13], "138****8000")
        body = "\n".join(str(c) for row in rows for c in row if c)
        self.assertNotIn(self.p.alice.reveal_id_number(), body)
        self.assertNotIn("13800138000", body)

    def test_it_audits_the_export_with_the_row_count(self):
        self.login(self.p.committee_secretary)
        self.client.get(reverse("people:export"), {"status": "full"})
        event = AuditEvent.objects.get(event="export")
        self.assertEqual(event.actor, self.p.committee_secretary)
        self.assertEqual(event.detail["rows"], 3)  # 王小红, 李建国, 陈志刚: 张晓梅 is probationary
        self.assertEqual(event.detail["filter"], "status=full")

    def test_it_applies_the_list_filter(self):
        self.login(self.p.org_admin)
        rows = sheet_rows(self.client.get(reverse("people:export"), {"district_managed": "true"}))
        self.assertEqual([r[0] for r in rows[2:]], ["陈志刚"])
        self.assertEqual(rows[2][12], "是")

    def test_it_refuses_a_plain_member(self):
        self.login(self.p.member)
        self.assertEqual(self.client.get(reverse("people:export")).status_code, 403)
        self.assertFalse(AuditEvent.objects.filter(event="export").exists())

    def test_it_reads_the_rows_without_one_query_per_person(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.login(self.p.org_admin)
        self.client.get(reverse("people:list"))
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(reverse("people:export"))
            b"".join(response.streaming_content)
        person_selects = [q for q in queries if 'FROM "people_person"' in q["sql"]]
        self.assertEqual(len(person_selects), 1)


class TransferExportTest(PersonaTestCase):
    def test_it_exports_the_visible_transfers(self):
        self.login(self.p.committee_secretary)
        self.client.post(
            reverse("people:transfer", args=[self.p.bob.pk]),
            {
                "to_org": self.p.sibling_branch.pk,
                "transfer_date": "2024-05-01",
                "reason": "调动",
                "confirm": "1",
            },
        )
        rows = sheet_rows(self.client.get(reverse("people:transfer_export")))
        self.assertEqual(rows[1][:5], ["姓名", "公民身份号码", "转接类型", "转出组织", "转入组织"])
        self.assertEqual(rows[2][0], "李建国")
        self.assertEqual(rows[2][1], self.p.bob.id_number_masked)
        self.assertEqual(AuditEvent.objects.get(event="export").detail["rows"], 1)
        self.login(self.p.other_secretary)
        self.assertEqual(len(sheet_rows(self.client.get(reverse("people:transfer_export")))), 2)
