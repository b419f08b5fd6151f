"""People of the planned district, generated branch by branch as plain rows (no database access): the
person, their membership (预备/正式党员) and, for those holding a team seat, their cadre record."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate

from zugong.core import idnumber
from zugong.core.strokes import name_key

from . import data as D
from .plan import Branch, DemoPlan


@dataclass(slots=True)
class PersonRow:
    id: int
    name: str
    stroke_key: str
    sex: str
    ethnicity: str
    id_number: str
    birth_date: dt.date
    phone: str
    education: str
    post: str
    rank: str
    archived_days_ago: int | None
    archived_reason: str
    status: str | None  # None: not a party member
    join_date: dt.date | None
    confirmation_date: dt.date | None
    appointed_on: dt.date | None  # set for 区管干部
    rank_since: dt.date | None


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class PeopleMaker:
    """Deterministic given the plan's random generator and ``today``."""

    def __init__(self, rng: random.Random, today: dt.date):
        self.rng, self.today_ord = rng, today.toordinal()
        self.surname_cw = list(accumulate(1 / (i + 8) for i in range(len(D.SURNAMES))))
        self.regions = D.REGIONS_LOCAL + D.REGIONS_OTHER
        self.used: set[int] = set()  # first 17 digits of the numbers given out (~60 MB for 1M people)
        self.keys: dict[str, str] = {}
        self.edu_cw = {k: list(accumulate(p[1])) for k, p in D.PROFILES.items()}

    def name(self, male: bool) -> str:
        rng = self.rng
        pool = D.GIVEN_MALE if male else D.GIVEN_FEMALE
        given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.75 else "")
        return rng.choices(D.SURNAMES, cum_weights=self.surname_cw)[0] + given

    def stroke_key(self, name: str) -> str:
        key = self.keys.get(name)
        if key is None:
            key = self.keys[name] = name_key(name)
        return key

    def id_number(self, birth: dt.date, male: bool) -> str:
        """Birthplace, birth date, then a random 顺序码 of the right parity (odd for men), drawn again on the
        rare clash so that every number is unique."""
        rng = self.rng
        region = rng.choice(D.REGIONS_LOCAL) if rng.random() < 0.8 else rng.choice(self.regions)
        while True:
            number = idnumber.make(region, birth, rng.randrange(500) * 2 + male)
            key = int(number[:17])
            if key not in self.used:
                self.used.add(key)
                return number

    def birth(self, ages: tuple[int, int, int]) -> dt.date:
        lo, hi, mode = ages
        return dt.date.fromordinal(self.today_ord - int(self.rng.triangular(lo, hi + 1, mode) * 365.25))

    def days_ago(self, lo: int, hi: int) -> dt.date:
        return dt.date.fromordinal(self.today_ord - self.rng.randint(lo, hi))

    def membership(self, birth: dt.date, status: str) -> tuple[dt.date, dt.date | None]:
        """(join date, confirmation date): people join at 18 or later; probation lasts one year."""
        if status == "probationary":
            return self.days_ago(1, 364), None
        eighteen = add_years(birth, 18).toordinal()
        latest = self.today_ord - 366  # confirmed by today
        join = dt.date.fromordinal(
            eighteen + int(self.rng.triangular(0, 1, 0.15) * max(0, latest - eighteen))
        )
        return join, add_years(join, 1)

    def branch_people(self, branch: Branch) -> Iterator[PersonRow]:
        rng = self.rng
        ages, _, posts, civil, male_share = D.PROFILES[branch.profile]
        edu_cw = self.edu_cw[branch.profile]
        for ordinal in range(branch.size):
            seat = branch.seats[ordinal] if ordinal < len(branch.seats) else None
            male = rng.random() < (0.75 if seat else male_share)
            archived = None
            if seat or ordinal < 3:  # cadres and a branch's first three (书记, 委员) are full members
                status = "full"
            else:
                roll = rng.random()
                status = None if roll < 0.015 else ("probationary" if roll < 0.05 else "full")
                archived = rng.randint(1, 1500) if rng.random() < 0.008 else None
            appointed = since = None
            if seat:
                birth = self.birth((44, 57, 52) if seat.rank.startswith("county") else (32, 57, 46))
                education = "postgraduate" if rng.random() < 0.35 else "bachelor"
                post, rank = seat.post, seat.rank
                appointed = self.days_ago(60, 6 * 365)
                since = dt.date.fromordinal(appointed.toordinal() - rng.randint(0, 3 * 365))
                seat.started_on = appointed
            else:
                birth = self.birth((20, 35, 26) if status == "probationary" else ages)
                education = rng.choices(D.EDUCATION, cum_weights=edu_cw)[0]
                post = rng.choice(posts) if rng.random() < 0.8 else ""
                rank = "none"
                if civil and branch.profile != "retired":
                    rank = "clerk" if rng.random() < 0.85 else "staff"
            name = self.name(male)
            join, confirmed = self.membership(birth, status) if status else (None, None)
            yield PersonRow(
                id=branch.first_id + ordinal,
                name=name,
                stroke_key=self.stroke_key(name),
                sex="M" if male else "F",
                ethnicity="汉族" if rng.random() < 0.94 else rng.choice(D.MINORITIES),
                id_number=self.id_number(birth, male),
                birth_date=birth,
                phone=f"1{rng.choice('35789')}{rng.randrange(10**9):09d}",
                education=education,
                post=post,
                rank=rank,
                archived_days_ago=archived,
                archived_reason=rng.choice(("去世", "组织关系转出本区")) if archived else "",
                status=status,
                join_date=join,
                confirmation_date=confirmed,
                appointed_on=appointed,
                rank_since=since,
            )


def iter_people(plan: DemoPlan, today: dt.date) -> Iterator[tuple[Branch, PersonRow]]:
    """Every person of the plan, branch after branch; consumes the plan's random generator."""
    maker = PeopleMaker(plan.rng, today)
    for branch in plan.branches:
        for row in maker.branch_people(branch):
            yield branch, row
