"""Small helpers for the few queries the ORM cannot say in one statement, and for the
small queries of a page about one row, whose SQL is worth building only once, and
which are worth sending together."""

import datetime
import itertools
import re
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from typing import NamedTuple
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections, router
from django.db.models.query import ModelIterable, get_related_populators
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def compiled(queryset):
    """``(sql, params)`` of ``queryset`` on its own database."""
    return queryset.query.get_compiler(queryset.db).as_sql()


class Statement(NamedTuple):
    """SQL and its parameters (a list for ``%s`` placeholders, a dict for ``%(name)s``),
    for a database: what :func:`shape_of` reads when ``make`` builds SQL of its own
    rather than a queryset."""

    alias: str
    sql: str
    params: list | dict


def statement_of(made):
    """The :class:`Statement` of a queryset, or ``made`` itself when it is one."""
    if isinstance(made, Statement):
        return made
    return Statement(made.db, *compiled(made))


def as_parameter(value, alias):
    """``value`` as Django passes it to the database: a datetime as the backend stores it
    (SQLite: text in UTC), anything else as it is."""
    if isinstance(value, datetime.datetime):
        return connections[alias].ops.adapt_datetimefield_value(value)
    return value


class Shape(NamedTuple):
    """The SQL of a queryset, with the places among its parameters of the values it was
    made from (see :func:`shape_of`): a tuple of places for each value. With
    ``by_name`` (on SQLite), the SQL's placeholders are named (:func:`named_placeholders`)
    and :meth:`bind` gives the parameters by name."""

    alias: str
    sql: str
    params: list
    places: list
    by_name: bool

    def bind(self, values):
        """``(sql, params)`` of the queryset made from ``values`` instead."""
        params = list(self.params)
        for places, value in zip(self.places, values, strict=True):
            parameter = as_parameter(value, self.alias)
            for place in places:
                params[place] = parameter
        if self.by_name:
            return self.sql, {f"p{number}": param for number, param in enumerate(params)}
        return self.sql, params


_PLACEHOLDER = re.compile(r"%%|%s")


def named_placeholders(sql):
    """``sql`` with its ``n``-th ``%s`` written ``%(pn)s`` (``%%`` stays as it is).

    Django's SQLite backend turns ``%s`` into ``?`` with a regular expression on every
    run of a statement: 0.13 ms of a hub page's time went on the 8 kB of SQL of its
    seven queries (6 % of its instructions). Named placeholders it turns into ``:pn``
    by ``%``-formatting, a tenth of the cost. psycopg converts a statement's
    placeholders once and remembers them; given names, it costs it a little more.
    """
    numbers = itertools.count()
    return _PLACEHOLDER.sub(lambda m: m[0] if m[0] == "%%" else f"%(p{next(numbers)})s", sql)


PROBES = {
    str: lambda value: f"{value}\x00other",
    int: lambda value: value + 1,
    datetime.datetime: lambda value: value + datetime.timedelta(seconds=1),
}


def shape_of(make, values, made=None):
    """The :class:`Shape` of ``make(*values)`` (``made``, when already made): a queryset,
    or a :class:`Statement`; so that what ``make`` makes from other values of the same
    types needs no compiling. Or ``None``.

    The places are found by compiling for other values of the same types too: the
    parameters that change with the values, and only those, must be the values
    themselves (a datetime as the database takes it), else (a lookup that transforms its
    value, SQL that differs, a value Django converts) there is no shape. A value may
    stand in several places (a hub in each part of a UNION); two values may not share
    one.
    """
    if not all(type(value) in PROBES for value in values):
        return None
    alias, sql, params = statement_of(make(*values) if made is None else made)
    probes = [PROBES[type(value)](value) for value in values]
    try:
        probe_alias, probe_sql, probe_params = statement_of(make(*probes))
    except (EmptyResultSet, TypeError, ValueError, ValidationError):
        return None  # a value Django converts ("1" for a number) cannot be swapped
    if (alias, sql, len(params)) != (probe_alias, probe_sql, len(probe_params)):
        return None
    changed = {i for i, (a, b) in enumerate(zip(params, probe_params, strict=True)) if a != b}
    places, claimed = [], set()
    for value, probe in zip(values, probes, strict=True):
        value, probe = as_parameter(value, alias), as_parameter(probe, alias)
        found = {
            i
            for i in changed
            if type(params[i]) is type(value) and params[i] == value and probe_params[i] == probe
        }
        if not found or found & claimed:
            return None
        claimed |= found
        places.append(tuple(sorted(found)))
    if claimed != changed:
        return None
    if connections[alias].vendor == "sqlite":
        return Shape(alias, named_placeholders(sql), params, places, by_name=True)
    return Shape(alias, sql, params, places, by_name=False)


class Layout:
    """Which columns of a query make which instance: Django's own map
    (``compiler.select`` and ``compiler.klass_info``, what ``ModelIterable`` reads off
    the compiler after running the query), taken once from a compiled queryset, with
    what ``ModelIterable`` derives from it on every run: the model's column names, the
    populators of the related rows, and the converters of the values (per connection:
    a backend's converters are its connection's methods)."""

    def __init__(self, query, select, klass_info, fetch_mode, alias):
        self.query, self.select, self.klass_info = query, select, klass_info
        self.fetch_mode, self.model = fetch_mode, klass_info["model"]
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1]
        self.columns = slice(first, last + 1)
        self.names = [column.target.attname for column, _, _ in select[self.columns]]
        self.populators = get_related_populators(klass_info, select, alias, fetch_mode)
        self._converters = WeakKeyDictionary()

    def converters(self, compiler):
        found = self._converters.get(compiler.connection)
        if found is None:
            found = compiler.get_converters([column for column, _, _ in self.select])
            self._converters[compiler.connection] = found
        return found


def layout_of(queryset):
    """The :class:`Layout` of a queryset of model instances, with or without
    ``select_related``; ``None`` for one with anything else that ``ModelIterable`` would
    add to the rows (annotations, known related objects): ``Manager.raw`` reads those."""
    query = queryset.query
    if queryset._iterable_class is not ModelIterable:
        return None
    if queryset._known_related_objects or query.annotation_select or query.extra_select:
        return None
    compiler = query.get_compiler(queryset.db)
    compiler.setup_query()
    return Layout(query, compiler.select, compiler.klass_info, queryset._fetch_mode, queryset.db)


def built(alias, layout, rows):
    """The instances of ``rows``, each with its related rows if any, built as
    ``ModelIterable`` builds them from the same columns (:class:`Layout`)."""
    connection = connections[alias]
    compiler = connection.ops.compiler("SQLCompiler")(layout.query, connection, alias)
    converters = layout.converters(compiler)
    if converters:
        rows = compiler.apply_converters(rows, converters)
    model, names, columns = layout.model, layout.names, layout.columns
    populators, fetch_mode = layout.populators, layout.fetch_mode
    found = []
    for row in rows:
        instance = model.from_db(alias, names, row[columns], fetch_mode=fetch_mode)
        for populator in populators:
            populator.populate(row, instance)
        found.append(instance)
    return found


class Pending(NamedTuple):
    """A query to run (a :class:`Statement`), and ``finish``, which makes the result of
    its rows. With no statement the result is made already: ``finish(None)`` gives it.
    :func:`together` runs them."""

    statement: Statement | None
    finish: Callable


def done(result):
    """A :class:`Pending` whose result is known: nothing left to run."""
    return Pending(None, lambda _rows: result)


def together(*pendings):
    """The results of :class:`Pending` queries, in their order: on PostgreSQL (psycopg
    3) the statements for one database go to it at once, in a pipeline, and their rows
    come back in one round trip; elsewhere each waits for the one before.

    For the queries of a page that none of them needs the result of: each still counts
    as a query, but they wait for the database once. A round trip to PostgreSQL costs
    about 0.25 ms over the development machines' loopback, and more across a network,
    between several app servers and the database they share.
    """
    rows = [None] * len(pendings)
    by_database = {}
    for number, pending in enumerate(pendings):
        if pending.statement is not None:
            by_database.setdefault(pending.statement.alias, []).append(number)
    for alias, numbers in by_database.items():
        statements = [pendings[number].statement for number in numbers]
        for number, fetched in zip(numbers, fetch_all(connections[alias], statements), strict=True):
            rows[number] = fetched
    return [pending.finish(fetched) for pending, fetched in zip(pendings, rows, strict=True)]


def fetch_all(connection, statements):
    """The rows of each statement, run on ``connection``: in one pipeline where the
    driver has them (psycopg 3 on a libpq that supports it)."""
    if len(statements) > 1 and can_pipeline(connection):
        # A cursor per statement: each holds its rows until the pipeline is done.
        with ExitStack() as stack:
            cursors = [stack.enter_context(connection.cursor()) for _ in statements]
            with connection.wrap_database_errors, connection.connection.pipeline():
                for cursor, statement in zip(cursors, statements, strict=True):
                    cursor.execute(statement.sql, statement.params)
            return [cursor.fetchall() for cursor in cursors]
    found = []
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.sql, statement.params)
            found.append(cursor.fetchall())
    return found


def can_pipeline(connection):
    if connection.vendor != "postgresql" or not hasattr(connection.connection, "pipeline"):
        return False
    import psycopg  # noqa: PLC0415 - only with the backend that has it

    return psycopg.Pipeline.is_supported()


class Prepared:
    """A query of one fixed shape run with other values each time, whose SQL Django
    builds once per database.

    ``make(*values)`` returns the queryset for ``values`` (strings, integers or
    datetimes: a slug, a primary key, the time now) of model instances, with or without
    ``select_related`` (no ``values()`` or annotations). Calling the ``Prepared`` runs
    its :class:`Shape` bound to the values and returns the list of rows, with their
    related rows, as Django's ``ModelIterable`` builds them (:func:`built`; a
    third faster than ``Manager.raw``, which maps the columns back by name). Building and
    compiling a small queryset is most of what its query costs Django (about 0.35 ms of
    a 0.4 ms lookup by slug on SQLite; 0.3 of 0.5 ms for presences with their hub, zone
    and source). Without a shape (:func:`shape_of`) each call runs the queryset as
    Django builds it; it is only slower.
    """

    def __init__(self, make):
        self.make = make
        self.model = None
        self._prepared = {}

    def __call__(self, *values):
        (result,) = together(self.pending(*values))
        return result

    def pending(self, *values):
        """The query for ``values`` as a :class:`Pending`, to run with others
        (:func:`together`)."""
        kinds = tuple(map(type, values))
        prepared = self._prepared.get((self.alias(), kinds))
        if prepared is None:
            made = self.make(*values)
            key = (self.alias(made), kinds)
            if key not in self._prepared:
                shape = shape_of(self.make, values, made)
                self._prepared[key] = shape and self.prepare(shape, made)
            prepared = self._prepared[key]
            if prepared is None:
                return self.unprepared(made)
        return self.bound(prepared, values)

    def alias(self, made=None):
        """The database the query runs on: ``made``'s, or where its model is read."""
        if made is not None:
            self.model = made.model
            return made.db
        return None if self.model is None else router.db_for_read(self.model)

    def prepare(self, shape, queryset):
        return shape, layout_of(queryset)

    def unprepared(self, queryset):
        return done(list(queryset))

    def bound(self, prepared, values):
        shape, layout = prepared
        if layout is not None:
            statement = Statement(shape.alias, *shape.bind(values))
            return Pending(statement, partial(built, shape.alias, layout))
        manager = self.model._default_manager.db_manager(shape.alias)
        return done(list(manager.raw(*shape.bind(values))))


def rows_of(statement):
    """A :class:`Pending` query whose result is the rows of ``statement``, as the cursor
    gives them."""
    return Pending(statement, list)


class PreparedSQL(Prepared):
    """SQL of one fixed shape, which ``make(*values)`` builds as a :class:`Statement`
    (a UNION of querysets, say), built once per database and kinds of values and then
    bound to the values of each call, as :class:`Prepared` binds a queryset's. Its
    result is the statement's rows, as the cursor gives them."""

    database = None  # where the statement was last built for

    def alias(self, made=None):
        if made is not None:
            self.database = made.alias
        return self.database

    def prepare(self, shape, statement):
        return shape

    def unprepared(self, statement):
        return rows_of(statement)

    def bound(self, shape, values):
        return rows_of(Statement(shape.alias, *shape.bind(values)))


class PreparedFamily:
    """A ``kind`` (:class:`Prepared` or :class:`PreparedSQL`) of ``make`` for each set of
    its first arguments, such as the audience or the filters applied, which change the
    SQL: ``family(staff)(pk, now)`` runs the one for ``staff``, made on first use."""

    def __init__(self, kind, make):
        self.kind, self.make = kind, make
        self._members = {}

    def __call__(self, *fixed):
        if fixed not in self._members:
            self._members[fixed] = self.kind(partial(self.make, *fixed))
        return self._members[fixed]


def prepared_for_audience(make):
    """``query(staff, now)``: the :class:`Pending` query of the rows of the queryset
    ``make(staff, now)`` for visitors and ``make(staff)`` for staff (who see every row,
    whatever the time), each :class:`Prepared`, its SQL built once per audience and bound
    to the time now; a page runs it with its others (:func:`together`).

    For the small lists that every page of a kind reads among the rows one may see (the
    directory's choices, the hubs on the home page): building such a query costs Django
    more than running it (the directory's zones: 1.0 ms to build, 0.2 ms to run).
    """
    family = PreparedFamily(Prepared, make)
    return lambda staff, now: family(True).pending() if staff else family(False).pending(now)


def union_all(parts):
    """``(sql, params)``: each ``(template, params, (query_sql, query_params))`` of
    ``parts`` with the query's SQL (see :func:`compiled`) in the template's ``{}``
    (``params`` come before the query's), joined by UNION ALL. Sliced and ordered
    querysets are fine, on SQLite too, when each template selects FROM the query as a
    subquery."""
    texts, all_params = [], []
    for template, params, (sql, query_params) in parts:
        texts.append(template.format(sql))
        all_params.extend([*params, *query_params])
    return " UNION ALL ".join(texts), all_params


def as_datetime(value):
    """A datetime read by a raw cursor: SQLite gives text, PostgreSQL a datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and settings.USE_TZ and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value
