"""Writing the planned district: set-based, in batches, every row written once (COPY on PostgreSQL,
bulk_create elsewhere), then the personas' accounts and one audit event."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from zugong.accounts.models import RoleGrant, User
from zugong.core import audit, bulk, crypto, idnumber
from zugong.orgs.models import LeadershipTeam, Organization, TeamPosition, Unit
from zugong.people.choices import Rank
from zugong.people.models import ID_NUMBER_CONTEXT, PHONE_CONTEXT, CadreRecord, Membership, Person

from .people import iter_people
from .plan import DemoPlan

BATCH = 10_000
TABLES = {"org": Organization, "unit": Unit, "team": LeadershipTeam, "person": Person,
          "membership": Membership, "cadre": CadreRecord}  # fmt: skip


class Writer:
    """Collects rows (tuples in ``attnames`` order) and writes them ``batch`` at a time (``core.bulk``).
    Fields not named take their model default; an unnamed primary key is left to the database."""

    def __init__(self, model, attnames: list[str], use_copy: bool, batch: int = BATCH):
        self.columns = bulk.Columns(model, attnames)
        self.use_copy, self.batch = use_copy, batch
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.use_copy:
            bulk.copy_rows(self.columns, self.rows)
        else:
            bulk.create_objects(self.columns, self.rows)
        self.count += len(self.rows)
        self.rows = []


def next_ids() -> dict[str, int]:
    return {key: (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1 for key, model in TABLES.items()}


def write_structure(plan: DemoPlan, use_copy: bool, now: dt.datetime) -> None:
    orgs = Writer(Organization, ["id", "created_at", "updated_at", "parent_id", "org_type", "category", "code",
                                 "name", "short_name", "founded_on", "secretary_id", "status", "path", "depth",
                                 "sort_order"], use_copy)  # fmt: skip
    for o in plan.orgs:
        parent = o.parent.id if o.parent else None
        orgs.add((o.id, now, now, parent, o.org_type, o.category, o.code, o.name, o.short_name, o.founded_on,
                  o.secretary_id, "active", o.path, o.depth, o.sort_order))  # fmt: skip
    orgs.flush()
    units = Writer(Unit, ["id", "created_at", "updated_at", "name", "short_name", "kind", "code", "organization_id"],
                   use_copy)  # fmt: skip
    for u in plan.units:
        units.add((u.id, now, now, u.name, u.short_name, u.kind, u.code, u.org.id))
    units.flush()
    teams = Writer(LeadershipTeam, ["id", "created_at", "updated_at", "unit_id", "name", "is_district_managed"],
                   use_copy)  # fmt: skip
    for t in plan.teams:
        teams.add((t.id, now, now, t.unit.id, t.name, True))
    teams.flush()


def write_people(plan: DemoPlan, today: dt.date, use_copy: bool, now: dt.datetime, log) -> dict[str, int]:
    people = Writer(Person, ["id", "created_at", "updated_at", "archived_at", "archived_reason", "name",
                             "name_stroke_key", "sex", "ethnicity", "id_number_enc", "id_number_hash",
                             "id_number_masked", "id_tail", "birth_date", "phone_enc", "phone_hash", "phone_masked",
                             "education", "unit_id", "post", "rank", "org_id", "org_path", "party_status",
                             "is_district_cadre"], use_copy)  # fmt: skip
    # Personal data is written encrypted, as the services write it; the ciphers are keyed once.
    id_cipher, phone_cipher = crypto.ColumnCipher(ID_NUMBER_CONTEXT), crypto.ColumnCipher(PHONE_CONTEXT)
    mask, mask_phone = idnumber.mask, idnumber.mask_phone
    members = Writer(Membership, ["id", "created_at", "updated_at", "person_id", "status", "join_date",
                                  "confirmation_date"], use_copy)  # fmt: skip
    cadres = Writer(CadreRecord, ["id", "created_at", "updated_at", "person_id", "is_district_managed", "rank",
                                  "post", "appointed_on", "rank_since"], use_copy)  # fmt: skip
    membership_id, cadre_id = plan.ids["membership"], plan.ids["cadre"]
    started = time.monotonic()
    for done, (branch, p) in enumerate(iter_people(plan, today), start=1):
        archived_at = now - dt.timedelta(days=p.archived_days_ago) if p.archived_days_ago else None
        number, phone = p.id_number, p.phone
        people.add((p.id, now, now, archived_at, p.archived_reason, p.name, p.stroke_key, p.sex, p.ethnicity,
                    id_cipher.encrypt(number), id_cipher.blind_index(number), mask(number), number[-4:],
                    p.birth_date, phone_cipher.encrypt(phone), phone_cipher.blind_index(phone), mask_phone(phone),
                    p.education, branch.unit.id, p.post, p.rank, branch.org.id, branch.org.path, p.status or "",
                    bool(p.appointed_on)))  # fmt: skip
        if p.status:
            members.add((membership_id, now, now, p.id, p.status, p.join_date, p.confirmation_date))
            membership_id += 1
        if p.appointed_on:
            cadres.add((cadre_id, now, now, p.id, True, p.rank, p.post, p.appointed_on, p.rank_since))
            cadre_id += 1
        if done % 100_000 == 0:
            log(f"  人员 {done:,} / {plan.members:,}（{time.monotonic() - started:.0f} 秒）")
    for writer in (people, members, cadres):
        writer.flush()
    return {"people": people.count, "memberships": members.count, "cadres": cadres.count}


def write_positions(plan: DemoPlan, use_copy: bool, now: dt.datetime) -> int:
    positions = Writer(TeamPosition, ["created_at", "updated_at", "team_id", "title", "person_id", "rank",
                                      "is_principal", "sort_order", "started_on"], use_copy)  # fmt: skip
    for team in plan.teams:
        for s in team.seats:
            label = Rank(s.rank).label
            positions.add(
                (now, now, team.id, s.title, s.person_id, label, s.principal, s.sort_order, s.started_on)
            )
    positions.flush()
    return positions.count


def create_accounts(plan: DemoPlan, personas, password: str) -> None:
    hashed = make_password(password)  # hashed once: Argon2 is slow on purpose
    for p in personas:
        user = User.objects.create(
            username=p.username,
            password=hashed,
            display_name=p.label,
            person_id=plan.persona_people.get(p.person) if p.person else None,
            is_staff=p.staff,
            must_change_password=False,
        )
        RoleGrant.objects.create(user=user, role=p.role, organization_id=plan.persona_orgs[p.org].id)


def build(*, members: int, seed: int, today: dt.date, use_copy: bool, personas, password: str,
          log: Callable[[str], None]) -> dict:  # fmt: skip
    started = time.monotonic()
    now = timezone.now()
    with transaction.atomic():
        plan = DemoPlan(members, seed, next_ids())
        log(f"规划：{len(plan.orgs):,} 个党组织，{len(plan.units):,} 个单位，{len(plan.teams):,} 个领导班子")
        write_structure(plan, use_copy, now)
        counts = write_people(plan, today, use_copy, now, log)
        counts["positions"] = write_positions(plan, use_copy, now)
        with connection.cursor() as cursor:  # explicit ids were written: move the id sequences past them
            for sql in connection.ops.sequence_reset_sql(no_style(), [*TABLES.values(), TeamPosition]):
                cursor.execute(sql)
        create_accounts(plan, personas, password)
        counts.update(orgs=len(plan.orgs), units=len(plan.units), teams=len(plan.teams))
        audit.record_event(
            actor=None, event="demo_built", detail={"seed": seed, "members": members, **counts}
        )
        log(f"写入完成（{time.monotonic() - started:.1f} 秒）")
    if connection.vendor == "postgresql":
        # Fresh planner statistics and (outside a transaction) visibility map for the bulk-loaded tables.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for model in [*TABLES.values(), TeamPosition]:
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
        log(f"{command} 完成（{time.monotonic() - started:.1f} 秒）")
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts
