"""Set-based inserts of many rows: COPY on PostgreSQL, ``bulk_create`` elsewhere.

``bulk_create`` on PostgreSQL sends each column as an array that psycopg quotes element by element in
Python, which costs more than the rows' own work for an import of 100,000 people. COPY streams the rows
in the text format instead. Rows are tuples in the order of the ``attnames`` given; the model's other
fields take their defaults; the primary key is either named (explicit ids) or left to the database.

Callers that need the new ids (to link memberships to people, to audit them) ask ``insert`` for them:
on PostgreSQL they are drawn from the table's sequence in one statement, elsewhere ``bulk_create``
returns them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models

# Field types whose Python values the database driver takes as they are; others go through the field.
PLAIN_FIELDS = (
    models.AutoField, models.BigAutoField, models.CharField, models.TextField, models.DateField, models.DateTimeField,
    models.BooleanField, models.IntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
    models.ForeignKey, models.OneToOneField,
)  # fmt: skip


def uses_copy() -> bool:
    return connection.vendor == "postgresql"


class Columns:
    """The columns of ``model`` written for ``attnames``, then every other non-key field with its default."""

    def __init__(self, model: type[models.Model], attnames: list[str]):
        self.model, self.attnames = model, list(attnames)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in attnames if name not in fields]
        if unknown:
            raise ValueError(f"{model._meta.label} has no fields {unknown}")
        self.extra = [f for name, f in fields.items() if name not in attnames and not f.primary_key]
        self.fields = [fields[name] for name in attnames] + self.extra
        self.prep = [i for i, f in enumerate(self.fields) if type(f) not in PLAIN_FIELDS]

    def defaults(self) -> tuple:
        return tuple(f.get_default() for f in self.extra)


def copy_rows(columns: Columns, rows: Iterable[tuple], *, prepared: bool = False) -> None:
    """COPY ``rows`` into the model's table (PostgreSQL). ``prepared``: the values are in the database's
    form already (JSON as text, say), no field converts them."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in columns.fields)
    sql = f"COPY {quote(columns.model._meta.db_table)} ({names}) FROM STDIN"
    defaults, prep, fields = columns.defaults(), ([] if prepared else columns.prep), columns.fields
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            values = row + defaults
            if prep:
                values = list(values)
                for i in prep:
                    values[i] = fields[i].get_db_prep_save(values[i], connection)
            copy.write_row(values)


def create_objects(columns: Columns, rows: list[tuple], batch_size: int = 2000) -> list[models.Model]:
    """``bulk_create`` of the rows (the path off PostgreSQL); the objects come back with their ids."""
    names = columns.attnames + [f.attname for f in columns.extra]
    defaults = columns.defaults()
    model = columns.model
    objs = [model(**dict(zip(names, row + defaults, strict=True))) for row in rows]
    models.QuerySet(model).bulk_create(objs, batch_size=batch_size)
    return objs


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` ids drawn from the table's sequence (PostgreSQL), in one statement."""
    if count == 0:
        return []
    pk = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert(model: type[models.Model], attnames: list[str], rows: Iterable[tuple], count: int) -> list[int]:
    """Insert ``count`` rows (without the primary key) and return their new ids, in order. ``rows`` may
    be a generator: on PostgreSQL each row is made while the server takes in the ones before it."""
    if not count:
        return []
    if uses_copy():
        ids = reserve_ids(model, count)
        columns = Columns(model, [model._meta.pk.attname, *attnames])
        copy_rows(columns, ((pk, *row) for pk, row in zip(ids, rows, strict=True)))
        return ids
    return [obj.pk for obj in create_objects(Columns(model, attnames), list(rows))]


def insert_objects(objs: list[models.Model]) -> None:
    """Insert unsaved objects of one model, set-based; each gets its id, as ``bulk_create`` gives them.
    Every concrete field is written as the object holds it (``auto_now``/``auto_now_add`` filled in)."""
    if not objs:
        return
    model = type(objs[0])
    if not uses_copy():
        models.QuerySet(model).bulk_create(objs, batch_size=2000)
        return
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for f in stamped:
        for obj in objs:
            f.pre_save(obj, add=True)
    if isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
        for obj, new_id in zip(objs, reserve_ids(model, len(objs)), strict=True):
            setattr(obj, pk.attname, new_id)
    # (otherwise the key is the object's own, e.g. a one-to-one primary key: written as it is)
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    columns = Columns(model, [pk.attname, *(f.attname for f in fields)])
    attnames = columns.attnames
    copy_rows(columns, [tuple(getattr(obj, name) for name in attnames) for obj in objs])
