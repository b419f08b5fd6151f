"""The person list: scope, search, filters, 姓氏笔画 order, pagination, htmx partial, query count."""

import datetime as dt
import re

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zugong.core import idnumber
from zugong.core.testing import PersonaTestCase, create_person
from zugong.people.choices import Rank, Sex
from zugong.people.models import Person

LIST = reverse("people:list")
ROW_NAME = re.compile(r'<a href="/people/\d+/">([^<]+)</a>')


def make_person(name, org, seq, **kw):
    birth = kw.pop("birth_date", dt.date(1990, 1, 1))
    return create_person(
        name=name,
        org=org,
        org_path=org.path,
        id_number=idnumber.make("110102", birth, seq),
        birth_date=birth,
        sex=Sex.MALE if seq % 2 else Sex.FEMALE,
        **kw,
    )


class ListTestCase(PersonaTestCase):
    def names(self, user, **params):
        """Names in table order on the page ``user`` gets for ``params``."""
        self.login(user)
        response = self.client.get(LIST, params)
        self.assertEqual(response.status_code, 200)
        return ROW_NAME.findall(response.content.decode())


class ScopeTest(ListTestCase):
    def test_it_shows_a_branch_secretary_only_the_branch(self):
        self.assertEqual(set(self.names(self.p.branch_secretary)), {"王小红", "李建国"})

    def test_it_shows_a_committee_secretary_the_subtree(self):
        self.assertEqual(
            set(self.names(self.p.committee_secretary)), {"王小红", "李建国", "张晓梅", "陈志刚"}
        )

    def test_it_shows_the_org_admin_all_five(self):
        self.assertEqual(len(self.names(self.p.org_admin)), 5)

    def test_it_shows_a_plain_member_only_themself(self):
        self.assertEqual(self.names(self.p.member), ["王小红"])

    def test_it_shows_the_system_roles_nobody(self):
        self.assertEqual(self.names(self.p.auditor), [])

    def test_it_ignores_an_org_filter_outside_the_scope(self):
        self.assertEqual(self.names(self.p.branch_secretary, org=self.p.other_branch.pk), [])
        body = self.client.get(LIST, {"org": self.p.other_branch.pk}).content.decode()
        self.assertNotIn("西城社区党支部", body)

    def test_it_redirects_an_anonymous_visitor_to_login(self):
        response = self.client.get(LIST)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])


class SearchAndFilterTest(ListTestCase):
    def test_it_finds_by_name(self):
        self.assertEqual(self.names(self.p.org_admin, q="小红"), ["王小红"])
        self.assertEqual(self.names(self.p.org_admin, q="王"), ["王小红"])

    def test_it_finds_by_the_last_4_of_the_id_number(self):
        tail = self.p.dave.reveal_id_number()[-4:]
        self.assertEqual(self.names(self.p.org_admin, q=tail), ["赵立新"])
        # Out of scope, the same tail finds nobody.
        self.assertEqual(self.names(self.p.branch_secretary, q=tail), [])

    def test_it_finds_by_the_full_id_number_in_full_width_digits(self):
        full_width = self.p.bob.reveal_id_number().translate(
            str.maketrans("0123456789", "０１２３４５６７８９")
        )
        self.assertEqual(self.names(self.p.org_admin, q=full_width), ["李建国"])

    def test_it_filters_by_org_subtree(self):
        self.assertEqual(
            set(self.names(self.p.org_admin, org=self.p.committee.pk)),
            {"王小红", "李建国", "张晓梅", "陈志刚"},
        )
        self.assertEqual(
            set(self.names(self.p.org_admin, org=self.p.general_branch.pk)), {"王小红", "李建国"}
        )

    def test_it_shows_the_chosen_orgs_name(self):
        self.login(self.p.org_admin)
        body = self.client.get(LIST, {"org": self.p.sibling_branch.pk}).content.decode()
        self.assertIn("范围：东城街道机关党支部及下级组织", body)

    def test_it_filters_by_membership_status(self):
        self.assertEqual(self.names(self.p.org_admin, status="probationary"), ["张晓梅"])
        self.assertEqual(len(self.names(self.p.org_admin, status="full")), 4)
        make_person("钱非党", self.p.branch, 901)
        self.assertEqual(self.names(self.p.org_admin, status="none"), ["钱非党"])

    def test_it_filters_by_rank_and_district_managed(self):
        self.assertEqual(self.names(self.p.org_admin, rank=Rank.CLERK), ["李建国"])
        self.assertEqual(self.names(self.p.org_admin, district_managed="true"), ["陈志刚"])

    def test_it_hides_archived_people_unless_asked(self):
        Person.objects.filter(pk=self.p.bob.pk).update(archived_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        self.assertEqual(self.names(self.p.branch_secretary), ["王小红"])
        self.assertEqual(self.names(self.p.branch_secretary, archived="true"), ["李建国"])

    def test_it_reports_a_bad_filter_value_in_chinese(self):
        self.login(self.p.org_admin)
        body = self.client.get(LIST, {"rank": "bogus"}).content.decode()
        self.assertIn("筛选条件有误", body)


class SortTest(ListTestCase):
    SURNAMES = ["欧", "张", "李", "司", "王", "马", "上", "丁"]

    def setUp(self):
        for i, surname in enumerate(self.SURNAMES):
            make_person(f"{surname}测试", self.p.other_branch, 100 + i, birth_date=dt.date(1970 + i, 1, 1))

    def test_it_orders_by_surname_strokes_by_default(self):
        names = self.names(self.p.other_secretary, q="测试")
        self.assertEqual(
            names, ["丁测试", "上测试", "马测试", "王测试", "司测试", "李测试", "张测试", "欧测试"]
        )

    def test_it_reverses_the_stroke_order(self):
        names = self.names(self.p.other_secretary, q="测试", sort="-stroke")
        self.assertEqual(
            names, ["欧测试", "张测试", "李测试", "司测试", "王测试", "马测试", "上测试", "丁测试"]
        )

    def test_it_sorts_by_birth_date(self):
        # Born 1970 (欧) … 1977 (丁): the order of creation, oldest first.
        self.assertEqual(self.names(self.p.other_secretary, q="测试", sort="birth")[:2], ["欧测试", "张测试"])
        self.assertEqual(
            self.names(self.p.other_secretary, q="测试", sort="-birth")[:2], ["丁测试", "上测试"]
        )

    def test_it_sorts_by_creation(self):
        self.assertEqual(self.names(self.p.other_secretary, q="测试", sort="-created")[0], "丁测试")


@override_settings(ZUGONG_PAGE_SIZE=3)
class PaginationTest(ListTestCase):
    def setUp(self):
        for i in range(5):
            make_person(f"丁{'一二三四五'[i]}", self.p.other_branch, 200 + i)

    def test_it_pages_by_the_page_size(self):
        # 5 new + 赵立新 = 6 people in 西城社区党支部: pages of 3, 3.
        first = self.names(self.p.other_secretary)
        second = self.names(self.p.other_secretary, page=2)
        self.assertEqual(len(first), 3)
        self.assertEqual(len(second), 3)
        self.assertEqual(set(first) & set(second), set())
        body = self.client.get(LIST).content.decode()
        self.assertIn("1 / 2", body)
        self.assertIn("共 6 条", body)

    def test_it_keeps_the_filters_in_the_page_links(self):
        self.login(self.p.other_secretary)
        body = self.client.get(LIST, {"q": "丁"}).content.decode()
        self.assertIn("共 5 条", body)
        self.assertIn("?q=%E4%B8%81&amp;page=2", body)


class HtmxAndPerformanceTest(ListTestCase):
    def test_it_returns_only_the_table_to_htmx(self):
        self.login(self.p.org_admin)
        response = self.client.get(LIST, {"q": "王"}, headers={"HX-Request": "true"})
        body = response.content.decode()
        self.assertIn('id="person-table"', body)
        self.assertNotIn("<html", body)
        self.assertIn("王小红", body)
        self.assertIn("HX-Request", response["Vary"])

    def test_it_returns_the_whole_page_to_a_history_restore(self):
        self.login(self.p.org_admin)
        response = self.client.get(LIST, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
        self.assertIn("<html", response.content.decode())

    def test_it_masks_id_numbers_and_phones(self):
        self.login(self.p.branch_secretary)
        body = self.client.get(LIST).content.decode()
        self.assertNotIn(self.p.alice.reveal_id_number(), body)
        self.assertIn(self.p.alice.id_number_masked, body)
        self.assertNotIn("13800138000", body)
        self.assertIn("138****8000", body)

    def test_it_reads_a_page_with_a_constant_number_of_queries(self):
        self.login(self.p.org_admin)
        self.client.get(LIST)  # warm the session and grants
        with CaptureQueriesContext(connection) as five:
            self.client.get(LIST)
        for i in range(20):
            make_person(f"冯{i}", self.p.branch, 300 + i, unit=self.p.unit)
        with CaptureQueriesContext(connection) as twenty_five:
            self.client.get(LIST)
        self.assertEqual(len(twenty_five), len(five))
        # The count comes from the paginator without the row joins; the rows come in one query.
        person_selects = [q["sql"] for q in twenty_five if 'FROM "people_person"' in q["sql"]]
        self.assertEqual(len(person_selects), 2, person_selects)


class PathPrefixTest(PersonaTestCase):
    def test_it_selects_the_same_subtree_as_startswith(self):
        from zugong.core.scope import path_prefix_q
        from zugong.orgs.models import Organization

        for org in Organization.objects.all():
            expected = set(Person.objects.filter(org_path__startswith=org.path).values_list("pk", flat=True))
            got = set(Person.objects.filter(path_prefix_q("org_path", org.path)).values_list("pk", flat=True))
            self.assertEqual(got, expected, org.name)
        # 东城街道党工委's subtree: 4 people; 西城: 1.
        self.assertEqual(Person.objects.filter(path_prefix_q("org_path", self.p.committee.path)).count(), 4)
        self.assertEqual(
            Person.objects.filter(path_prefix_q("org_path", self.p.other_committee.path)).count(), 1
        )
