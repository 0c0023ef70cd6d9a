"""Write the published content back as fixtures: ``export_fixtures``'s logic.

The output is what ``rebuild_db`` loads, in the shape of the shipped ``fixtures/``: one
numbered file per model, natural keys (slugs) instead of primary keys, records in slug
order, fields in the order the model declares them, many-to-many keys sorted, no
timestamps (the database sets them on load), and the media the records name in
``media/`` under the same relative paths.

What is written: every source and sector (reference data, with no draft state; the
directory lists every sector), the cities, zones, policies and companies whose status
is published (a scheduled one too: it stays scheduled after a rebuild), and the rows
that hang off them. A row whose required link points at something not written (a
figure of a draft city, a presence of a draft company) is left out; an optional link to
something not written (a presence's draft zone) is written as null, as visitors see it.

Everything is written to a staging directory first; the old files are replaced only
once every file and every image is in place, so a failure leaves them as they were.
"""

import json
import os
import shutil
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

from hubguide.publishing import Publishable, Status

# The files rebuild_db loads, in its load order: each model after those it points at.
FIXTURE_FILES = [
    ("01_sources.json", "cities.source"),
    ("02_cities.json", "cities.city"),
    ("03_zones.json", "cities.zone"),
    ("04_policies.json", "cities.policy"),
    ("05_figures.json", "cities.figure"),
    ("06_sectors.json", "companies.sector"),
    ("07_companies.json", "companies.company"),
    ("08_presences.json", "companies.presence"),
]
OMITTED_FIELDS = {"created_at", "updated_at"}
MEDIA_DIR = "media"
CHUNK_SIZE = 2000


class ExportError(Exception):
    """The export cannot be written; the message says why. Nothing was replaced."""


@dataclass
class ExportResult:
    output_dir: Path
    counts: dict[str, int] = field(default_factory=dict)
    media: list[str] = field(default_factory=list)
    other_files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self):
        return sum(self.counts.values())

    def count_lines(self):
        """``("cities", 5)`` pairs in file order, named as a reader would name them."""
        return [
            (str(apps.get_model(label)._meta.verbose_name_plural), count)
            for label, count in self.counts.items()
        ]


def export_content(output_dir=None, *, storage=None):
    """Write the published content and its media into ``output_dir``; see the module.

    Replaces the numbered ``*.json`` files and ``media/`` of ``output_dir`` (default:
    ``settings.FIXTURES_DIR``) and leaves any other file alone. Raises ``ExportError``.
    """
    started = time.perf_counter()
    output_dir = Path(output_dir or settings.FIXTURES_DIR)
    storage = storage or default_storage
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        # Inside the output directory, so that the final renames stay on one file system.
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=output_dir))
    except OSError as exc:
        raise ExportError(f"Cannot write to {output_dir}: {exc}") from exc
    result = ExportResult(output_dir=output_dir)
    try:
        writer = _FixtureWriter(staging, storage)
        with _snapshot():
            for name, label in FIXTURE_FILES:
                result.counts[label] = writer.write_file(staging / name, label)
        result.media = writer.copy_media(staging / MEDIA_DIR)
        _replace(staging, output_dir)
    except OSError as exc:
        raise ExportError(f"Cannot write the fixtures into {output_dir}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    ours = {name for name, _label in FIXTURE_FILES}
    result.other_files = sorted(p.name for p in output_dir.glob("*.json") if p.name not in ours)
    result.seconds = time.perf_counter() - started
    return result


@contextmanager
def _snapshot():
    """On PostgreSQL, read everything from one snapshot, taking no locks.

    Elsewhere each query reads the latest data: SQLite's transactions here begin
    IMMEDIATE and would hold the write lock against editors for the whole export.
    Either way the files stay consistent, because a row is written only when the rows
    it points at have been written (see ``_FixtureWriter``).
    """
    if connection.vendor != "postgresql":
        yield
        return
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _replace(staging, output_dir):
    for name, _label in FIXTURE_FILES:
        os.replace(staging / name, output_dir / name)
    media, new_media = output_dir / MEDIA_DIR, staging / MEDIA_DIR
    if media.exists():
        # Moved into the staging directory, which is deleted afterwards.
        os.replace(media, staging / "old-media")
    if new_media.exists():
        os.replace(new_media, media)


def export_fields(model):
    """The fields a fixture records, in the order the model declares them."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.serialize and not f.primary_key and f.name not in OMITTED_FIELDS
    ]
    fields += list(model._meta.local_many_to_many)
    return sorted(fields, key=lambda f: f.creation_counter)


class _FixtureWriter:
    def __init__(self, staging, storage):
        self.staging = staging
        self.storage = storage
        # label -> {pk: slug} of every row written so far: what later rows may point at.
        self.written = defaultdict(dict)
        self.media = {}  # file name -> where it was named, for messages

    def write_file(self, path, label):
        model = apps.get_model(label)
        fields = export_fields(model)
        links = {f.name: self._m2m_links(f) for f in fields if f.many_to_many}
        queryset = model._default_manager.order_by("slug")
        if issubclass(model, Publishable):
            queryset = queryset.filter(status=Status.PUBLISHED)
        count = 0
        with path.open("w", encoding="utf-8", newline="\n") as out:
            out.write("[")
            for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
                record = self._record(obj, label, fields, links)
                if record is None:
                    continue
                out.write(",\n" if count else "\n")
                out.write(_record_text(label, record))
                self.written[label][obj.pk] = obj.slug
                count += 1
            out.write("\n]\n" if count else "]\n")
        return count

    def _m2m_links(self, m2m_field):
        """``{pk: [related pk, …]}`` for one many-to-many field, in one query."""
        through = m2m_field.remote_field.through
        source = m2m_field.m2m_column_name()
        target = m2m_field.m2m_reverse_name()
        links = defaultdict(list)
        for own, other in through._default_manager.values_list(source, target):
            links[own].append(other)
        return links

    def _record(self, obj, label, fields, links):
        """The fixture fields of ``obj``, or None when a required link is not written."""
        record = {}
        for model_field in fields:
            name = model_field.name
            if model_field.many_to_many:
                written = self.written[model_field.related_model._meta.label_lower]
                slugs = sorted(written[pk] for pk in links[name].get(obj.pk, ()) if pk in written)
                record[name] = [[slug] for slug in slugs]
            elif model_field.is_relation:
                pk = getattr(obj, model_field.attname)
                slug = self.written[model_field.related_model._meta.label_lower].get(pk)
                if pk is not None and slug is None and not model_field.null:
                    return None
                record[name] = [slug] if slug else None
            elif isinstance(model_field, models.FileField):
                file_name = getattr(obj, name).name or ""
                if file_name:
                    self.media.setdefault(file_name, f'{label} "{obj.slug}", {name}')
                record[name] = file_name
            else:
                record[name] = _plain(model_field.value_from_object(obj))
        return record

    def copy_media(self, media_dir):
        names = []
        for name, where in sorted(self.media.items()):
            target = media_dir / name
            if not target.resolve().is_relative_to(media_dir.resolve()):
                raise ExportError(f"{where}: {name} is not a path inside the media directory.")
            if not self.storage.exists(name):
                raise ExportError(f"{where}: {name} is not in the media storage.")
            target.parent.mkdir(parents=True, exist_ok=True)
            with self.storage.open(name, "rb") as source, target.open("wb") as copy:
                shutil.copyfileobj(source, copy)
            names.append(name)
        return names


def _plain(value):
    if isinstance(value, Decimal):
        # 280000000, not the stored 280000000.000
        return format(value.normalize(), "f")
    return value


def _dump(value):
    return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)


def _record_text(label, record):
    lines = [f"      {_dump(name)}: {_dump(value)}" for name, value in record.items()]
    fields = ",\n".join(lines)
    return f'  {{\n    "model": {_dump(label)},\n    "fields": {{\n{fields}\n    }}\n  }}'
