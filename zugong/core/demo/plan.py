"""The shape of the district, decided before anything is written: organizations, units, leadership teams
and how many people each branch holds. Ids are assigned here (from the tables' next free ids), so paths,
secretaries and every foreign key are known in advance. No database access."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import data as D

ROOT_CODE = "SFQ"
ROOT_NAME = "中共示范区委员会"


@dataclass(frozen=True)
class CommitteeSpec:
    name: str
    short: str
    category: str
    main_unit: str
    profile: str  # the people's profile in its units (see data.PROFILES)
    pool: str  # where its units' names come from: "street", "town" or a pool of data
    entity_kind: str  # the 单位类别 of its units
    weight: float
    priority: int

    @classmethod
    def from_row(cls, row: list[str], priority: int | None = None) -> CommitteeSpec:
        *text, weight = row[:8]
        return cls(*text, float(weight), int(row[8]) if priority is None else priority)


def committee_specs() -> list[CommitteeSpec]:
    """All 30 committees in display order: 街道, 镇, then the systems."""
    specs = [
        CommitteeSpec.from_row(D.STREET_ROW.format(s=s).split("|"), p)
        for s, p in zip(D.STREETS, D.STREET_PRIORITY, strict=True)
    ]
    specs += [
        CommitteeSpec.from_row(D.TOWN_ROW.format(s=s).split("|"), p)
        for s, p in zip(D.TOWNS, D.TOWN_PRIORITY, strict=True)
    ]
    return specs + [CommitteeSpec.from_row(row) for row in D.COMMITTEES]


@dataclass(eq=False)
class Org:
    id: int
    parent: Org | None
    org_type: str
    name: str
    short_name: str
    code: str
    category: str
    path: str
    depth: int
    sort_order: int
    founded_on: dt.date
    secretary_id: int | None = None
    kids: int = 0


@dataclass(eq=False)
class UnitPlan:
    id: int
    name: str
    short_name: str
    kind: str
    code: str
    org: Org
    branches: list[Branch] = field(default_factory=list)


@dataclass(eq=False)
class Seat:
    """A seat in a leadership team; ``person_id`` is None when vacant."""

    team_id: int
    title: str
    principal: bool
    rank: str
    post: str
    sort_order: int
    person_id: int | None = None
    started_on: dt.date | None = None


@dataclass(eq=False)
class Branch:
    org: Org
    unit: UnitPlan
    profile: str
    weight: float
    heads: list[Org]  # 党总支/党委 whose secretary is this branch's first member
    min_size: int = 3
    size: int = 0
    first_id: int = 0
    seats: list[Seat] = field(default_factory=list)  # held by the branch's first members, in order


@dataclass(eq=False)
class Team:
    id: int
    unit: UnitPlan
    name: str
    seats: list[Seat]


def apportion(total: int, weights: list[float], mins: list[int]) -> list[int]:
    """Split ``total`` into integer parts ≥ ``mins``, the rest proportional to ``weights`` (largest remainder)."""
    parts = list(mins)
    rest = total - sum(parts)
    if rest <= 0:
        return parts
    shares = [w * rest / sum(weights) for w in weights]
    floors = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: shares[i] - floors[i], reverse=True)
    for i in order[: rest - sum(floors)]:
        floors[i] += 1
    return [p + f for p, f in zip(parts, floors, strict=True)]


def team_seats(unit: UnitPlan, tier: str) -> tuple[int, list[str]]:
    """(how many of the first seats are principal, seat titles) of a unit's leadership team."""
    head = next((title for suffix, title in D.HEADS if unit.name.endswith(suffix)), "主任")
    committee = unit.org.name
    party = "党工委" if committee.endswith("党工委") else ("工委" if committee.endswith("工委") else "党委")
    if tier == "entity":
        if unit.kind == "soe":
            tier = "soe"
        elif unit.name.endswith(("学", "学校")):
            tier = "school"
        elif unit.name.endswith("医院"):
            tier = "hospital"
        else:
            tier = "department" if unit.kind == "department" and unit.name.startswith("区") else "other"
    principals, titles = D.TEAM_SEATS[tier]
    return principals, [t.format(party=party, head=head) for t in titles]


class DemoPlan:
    def __init__(self, members: int, seed: int, ids: dict[str, int]):
        self.members, self.seed = members, seed
        self.rng = random.Random(seed)
        self.ids = dict(ids)
        self.orgs: list[Org] = []
        self.units: list[UnitPlan] = []
        self.branches: list[Branch] = []
        self.teams: list[Team] = []
        self.persona_orgs: dict[str, Org] = {}
        self.persona_people: dict[str, int] = {}
        self._plan()

    def next_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def add_org(
        self, parent: Org | None, org_type: str, name: str, short: str = "", category: str = ""
    ) -> Org:
        pk = self.next_id("org")
        founded = dt.date(self.rng.randint(1978, 2020), self.rng.randint(1, 12), self.rng.randint(1, 28))
        if parent is None:
            code, path, depth, order = ROOT_CODE, f"{pk:08d}/", 1, 0
        else:
            parent.kids += 1
            width = 2 if parent.parent is None else 3
            code, path = f"{parent.code}{parent.kids:0{width}d}", f"{parent.path}{pk:08d}/"
            depth, order = parent.depth + 1, parent.kids
        org = Org(pk, parent, org_type, name[:100], (short or name)[:40], code, category, path, depth, order,
                  founded)  # fmt: skip
        self.orgs.append(org)
        return org

    def add_unit(self, name: str, kind: str, org: Org, short: str = "") -> UnitPlan:
        unit = UnitPlan(
            self.next_id("unit"), name, (short or name)[:40], kind, f"U{len(self.units) + 1:06d}", org
        )
        self.units.append(unit)
        return unit

    def add_branch(
        self,
        parent: Org,
        name: str,
        unit: UnitPlan,
        profile: str,
        weight: float = 1.0,
        heads: Iterable[Org] = (),
    ) -> Branch:
        org = self.add_org(parent, "branch", name, name.removeprefix(unit.short_name))
        retired = "离退休" in name
        branch = Branch(
            org, unit, "retired" if retired else profile, weight * (1.3 if retired else 1), list(heads)
        )
        unit.branches.append(branch)
        self.branches.append(branch)
        return branch

    def entity_names(self, spec: CommitteeSpec, count: int, dealt: dict[str, list[str]]) -> list[str]:
        if spec.pool in dealt:  # communities and villages are dealt out of one shuffled pool
            names = []
            for i in range(count):
                if dealt[spec.pool]:
                    names.append(dealt[spec.pool].pop())
                else:  # only a very large build runs out of invented names
                    stem = self.rng.choice(D.COMMUNITY_STEMS if spec.pool == "street" else D.VILLAGE_STEMS)
                    names.append(f"{stem}{D.cn_number(i + 1)}{'社区' if spec.pool == 'street' else '村'}")
            return names
        pool = getattr(D, spec.pool)
        return [
            pool[i % len(pool)] + (f"（{i // len(pool) + 1}）" if i >= len(pool) else "")
            for i in range(count)
        ]

    def add_entity(self, committee: Org, spec: CommitteeSpec, name: str, size: int) -> None:
        """A unit with its party organization: one 党支部, a 党总支 of up to 7, or a 党委 of 党总支s."""
        unit = self.add_unit(name, spec.entity_kind, committee)
        profile = "village" if spec.pool == "town" else spec.profile
        names = D.BRANCH_NAMES.get(profile, [])

        def branch_name(k: int) -> str:
            return f"{name}{names[k] if size <= len(names) else '第' + D.cn_number(k + 1)}党支部"

        if size == 1:
            unit.org = self.add_branch(committee, f"{name}党支部", unit, profile).org
        elif size <= 7:
            unit.org = general = self.add_org(committee, "general_branch", f"{name}党总支")
            for k in range(size):
                self.add_branch(general, branch_name(k), unit, profile, heads=[general] if k == 0 else [])
        else:
            category = {"community": "社区党委", "village": "村党委", "school": "学校党委", "hospital": "医院党委",
                        "company": "企业党委"}.get(profile, "基层党委")  # fmt: skip
            unit.org = party = self.add_org(committee, "committee", f"{name}党委", "", category)
            k = 0
            while k < size:
                chunk = min(size - k, self.rng.randint(4, 8))
                general = self.add_org(
                    party, "general_branch", f"{name}第{D.cn_number(party.kids + 1)}党总支"
                )
                for j in range(chunk):
                    heads = ([party] if k == 0 else []) + ([general] if j == 0 else [])
                    self.add_branch(general, branch_name(k), unit, profile, heads=heads)
                    k += 1

    def _plan(self) -> None:
        rng, n = self.rng, self.members
        specs = committee_specs()
        n_committees = min(len(specs), max(3, round(n / 200)))
        chosen = sorted(sorted(specs, key=lambda s: s.priority)[:n_committees], key=specs.index)
        # About 20 people a branch (25 for the benchmark sizes), and at least 4 branches a committee.
        n_branches = max(4 * n_committees + 1, round(n / (20 if n < 200_000 else 25)))
        dealt = {
            "street": [s + t for t in D.COMMUNITY_SUFFIXES for s in D.COMMUNITY_STEMS if s[-1] != t[0]],
            "town": [s + "村" for s in D.VILLAGE_STEMS],
        }
        for pool in dealt.values():
            rng.shuffle(pool)

        root = self.add_org(None, "district", ROOT_NAME, "示范区委")
        self.persona_orgs["root"] = root
        district_unit = self.add_unit("示范区委、区政府", "department", root, "区委区政府")
        main_units: list[tuple[UnitPlan, str]] = []
        entity_units: list[list[UnitPlan]] = []
        per_committee = apportion(n_branches, [s.weight for s in chosen], [4] * len(chosen))
        for ci, (spec, n_b) in enumerate(zip(chosen, per_committee, strict=True)):
            committee = self.add_org(root, "committee", spec.name, spec.short, spec.category)
            local = spec.pool in ("street", "town")
            main = self.add_unit(spec.main_unit, "street" if local else "department", committee,
                                 spec.short if local else spec.main_unit)  # fmt: skip
            main_units.append((main, spec.pool if local else "main"))
            first_unit = len(self.units)
            self.add_branch(committee, f"{main.short_name}机关党支部", main, "organ", 1.5, heads=[committee])
            left = n_b - 1
            if spec.pool == "DEPARTMENTS":  # the district leaders' own branch
                self.add_branch(committee, "区级领导干部党支部", district_unit, "organ")
                left -= 1
            cap = 80 if local or spec.pool in ("SCHOOLS", "PRIVATE", "PARK") else len(getattr(D, spec.pool))
            n_entities = min(cap, max(1, round(left / 1.5)), left)
            mins = [1] * n_entities
            if ci == 0:
                mins[0] = 3  # the personas' branch sits in a 党总支 of the first 党工委
            sizes = apportion(left, [rng.expovariate(1.0) for _ in range(n_entities)], mins)
            for name, size in zip(self.entity_names(spec, n_entities, dealt), sizes, strict=True):
                self.add_entity(committee, spec, name, size)
            entity_units.append(self.units[first_unit:])
            if ci == 0:
                self.persona_orgs["committee"] = committee
                branch = next(b for b in self.branches if b.org.parent.org_type == "general_branch")
                branch.min_size = 8
                self.persona_orgs["branch"] = branch.org
            if ci == 1:
                other = next(b for b in self.branches[-(n_b - 1) :] if b.profile != "organ")
                other.min_size = 4
                self.persona_orgs["other_branch"] = other.org
        self._plan_teams(district_unit, main_units, entity_units)
        self._plan_sizes()
        self._plan_groups()

    def _add_team(self, unit: UnitPlan, name: str, principals: int, titles: list[str], tier: str) -> int:
        """A team whose seats are held by the first members of the unit's branches; returns seats filled."""
        team = Team(self.next_id("team"), unit, name, [])
        filled = 0
        for i, title in enumerate(titles):
            principal = i < principals
            if tier == "district":
                rank = "county_principal" if principal else "county_deputy"
            else:
                rank = "township_principal" if principal else "township_deputy"
            post = title if tier == "district" else f"{unit.short_name}{title}"
            seat = Seat(team.id, title, principal, rank, post[:100], i)
            team.seats.append(seat)
            if principal or self.rng.random() >= 0.04:  # about one deputy seat in 25 is vacant
                unit.branches[filled % len(unit.branches)].seats.append(seat)
                filled += 1
        self.teams.append(team)
        return filled

    def _plan_teams(self, district_unit, main_units, entity_units) -> None:
        cadres = 0
        for name, principals, titles in D.DISTRICT_TEAMS:
            cadres += self._add_team(district_unit, name, int(principals), D.words(titles), "district")
        for unit, tier in main_units:
            cadres += self._add_team(unit, f"{unit.short_name}领导班子", *team_seats(unit, tier), tier)
        # Then the units' own teams, one committee after another, until about one person in 12 is a 区管干部.
        queues = [
            [u for u in units if u.kind in ("department", "soe", "institution")] for units in entity_units
        ]
        target = round(self.members / 12)
        while cadres < target and any(queues):
            for queue in queues:
                if queue and cadres < target:
                    unit = queue.pop(0)
                    cadres += self._add_team(
                        unit, f"{unit.short_name}领导班子", *team_seats(unit, "entity"), "entity"
                    )
        for branch in self.branches:
            branch.min_size = max(branch.min_size, len(branch.seats) + 2)

    def _plan_sizes(self) -> None:
        weights = [b.weight * self.rng.uniform(0.4, 1.6) for b in self.branches]
        sizes = apportion(self.members, weights, [b.min_size for b in self.branches])
        next_person = self.ids["person"]
        for branch, size in zip(self.branches, sizes, strict=True):
            branch.size, branch.first_id = size, next_person
            next_person += size
            for org in [branch.org, *branch.heads]:
                org.secretary_id = branch.first_id
            for i, seat in enumerate(branch.seats):
                seat.person_id = branch.first_id + i
        self.ids["person"] = next_person
        root = self.persona_orgs["root"]
        root.secretary_id = self.teams[0].seats[0].person_id  # 区委书记
        by_org = {b.org.id: b for b in self.branches}
        branch = by_org[self.persona_orgs["branch"].id]
        self.persona_people = {
            "committee_secretary": self.persona_orgs["committee"].secretary_id,
            "branch_secretary": branch.first_id,
            "branch_org_committee": branch.first_id + 1,
            "member": branch.first_id + 2,
            "other_member": by_org[self.persona_orgs["other_branch"].id].first_id + 2,
        }

    def _plan_groups(self) -> None:
        """党小组 in some larger branches (and in the personas' branch)."""
        for branch in self.branches:
            if branch.org is self.persona_orgs["branch"] or (branch.size >= 15 and self.rng.random() < 0.08):
                for g in range(2 if branch.size < 30 else 3):
                    short = f"第{D.cn_number(g + 1)}党小组"
                    self.add_org(branch.org, "group", f"{branch.org.name}{short}", short)
