"""Small helpers for the few queries the ORM cannot say in one statement."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def compiled(queryset):
    """``(sql, params)`` of ``queryset`` on its own database."""
    return queryset.query.get_compiler(queryset.db).as_sql()


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
