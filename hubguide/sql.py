"""Small helpers for the few queries the ORM cannot say in one statement, and for the
small queries of a page about one row, whose SQL is worth building only once."""

import datetime
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import router
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def compiled(queryset):
    """``(sql, params)`` of ``queryset`` on its own database."""
    return queryset.query.get_compiler(queryset.db).as_sql()


class Shape(NamedTuple):
    """The SQL of a queryset, with the places among its parameters of the values it was
    made from (see :func:`shape_of`)."""

    alias: str
    sql: str
    params: list
    places: list

    def bind(self, values):
        """``(sql, params)`` of the queryset made from ``values`` instead."""
        params = list(self.params)
        for place, value in zip(self.places, values, strict=True):
            params[place] = value
        return self.sql, params


PROBES = {str: lambda value: f"{value}\x00other", int: lambda value: value + 1}


def shape_of(make, values, queryset=None):
    """The :class:`Shape` of ``make(*values)`` (``queryset``, when already made), so that
    querysets ``make`` makes from other values of the same types need no compiling; or
    ``None``.

    The places are found by compiling for other values of the same types too: the
    parameters that change with the values, and only those, must be the values
    themselves, else (a lookup that transforms its value, SQL that differs, a value
    Django converts) there is no shape.
    """
    if not all(type(value) in PROBES for value in values):
        return None
    queryset = make(*values) if queryset is None else queryset
    probes = [PROBES[type(value)](value) for value in values]
    sql, params = compiled(queryset)
    try:
        probe_sql, probe_params = compiled(make(*probes))
    except (EmptyResultSet, TypeError, ValueError, ValidationError):
        return None  # a value Django converts ("1" for a number) cannot be swapped
    if sql != probe_sql or len(params) != len(probe_params):
        return None
    changed = {i for i, (a, b) in enumerate(zip(params, probe_params, strict=True)) if a != b}
    places = []
    for value, probe in zip(values, probes, strict=True):
        found = [
            i
            for i in changed
            if type(params[i]) is type(value) and params[i] == value and probe_params[i] == probe
        ]
        if len(found) != 1:
            return None
        places.append(found[0])
    if set(places) != changed:
        return None
    return Shape(queryset.db, sql, params, places)


class Prepared:
    """A query of one fixed shape run with other values each time, whose SQL Django
    builds once per database.

    ``make(*values)`` returns the queryset for ``values`` (strings or integers: a slug,
    a primary key) and must select the columns of its own model only (no
    ``select_related``, ``values()`` or annotations): calling the ``Prepared`` runs its
    :class:`Shape` bound to the values through ``Manager.raw``, which maps the columns
    back by name, and returns the list of rows. Building and compiling a small queryset
    is most of what its query costs Django (about 0.35 ms of a 0.4 ms lookup by slug on
    SQLite). Without a shape (:func:`shape_of`) each call runs the queryset as Django
    builds it; it is only slower.
    """

    def __init__(self, make):
        self.make = make
        self.model = None
        self._shapes = {}

    def __call__(self, *values):
        kinds = tuple(map(type, values))
        shape = None
        if self.model is not None:
            shape = self._shapes.get((router.db_for_read(self.model), kinds))
        if shape is None:
            queryset = self.make(*values)
            self.model, key = queryset.model, (queryset.db, kinds)
            if key not in self._shapes:
                self._shapes[key] = shape_of(self.make, values, queryset)
            shape = self._shapes[key]
            if shape is None:
                return list(queryset)
        manager = self.model._default_manager.db_manager(shape.alias)
        return list(manager.raw(*shape.bind(values)))


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
