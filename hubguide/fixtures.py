"""Replace the site's content with the fixtures in ``fixtures/``, in one transaction.

This is ``rebuild_db``'s logic. Each record is validated as a form would validate it
(``full_clean``: field validators and ``clean()``; the database enforces the
constraints) and saved normally, not raw, so django-simple-history notes where every
row came from (one entry a row, its many-to-many rows included). A record that cannot
be loaded rolls the whole transaction back and the error names the file, the record
and its slug.
"""

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError, connection, transaction
from django.db.models import FileField, ImageField

from hubguide.history import one_entry
from hubguide.images import ensure_all_renditions, prerender, validate_image_file

LOAD_REASON = "Loaded by rebuild_db"
DELETE_REASON = "Deleted by rebuild_db"

# The content rebuild_db owns, in deletion order: every model comes before the models
# its PROTECT foreign keys point at.
CONTENT_MODELS = [
    "companies.presence",
    "companies.company",
    "companies.sector",
    "cities.figure",
    "cities.policy",
    "cities.zone",
    "cities.city",
    "cities.source",
]


class FixtureError(Exception):
    """A fixture that cannot be loaded; the message says where and why."""


@dataclass
class LoadResult:
    fixtures_dir: Path
    files: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    media: list[str] = field(default_factory=list)
    committed: bool = False
    # Images whose renditions could not be made (their pages then show no image).
    unrendered: list[str] = field(default_factory=list)
    # What has been loaded, by model label and natural key: its primary keys.
    loaded: dict[str, dict[tuple, int]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self):
        return sum(self.counts.values())

    def count_lines(self):
        """``("cities", 5)`` pairs in load order, named as a reader would name them."""
        return [
            (str(apps.get_model(label)._meta.verbose_name_plural), count)
            for label, count in self.counts.items()
        ]


class _CheckOnly(Exception):
    """Raised at the end of a check so that the transaction rolls back."""


def rebuild_content(fixtures_dir=None, *, check=False, storage=None, migrate=None):
    """Delete all content and load every ``*.json`` in ``fixtures_dir``, in name order.

    Then copy ``fixtures_dir/media/`` into ``storage`` (the default storage), replacing
    files of the same name. With ``check=True`` everything is loaded and validated, then
    rolled back, and no media is copied. ``migrate``, a function, is called before the
    load, while the images are drawn. Raises ``FixtureError``.
    """
    started = time.perf_counter()
    fixtures_dir = Path(fixtures_dir or settings.FIXTURES_DIR)
    storage = storage or default_storage
    result = LoadResult(fixtures_dir=fixtures_dir, files=fixture_files(fixtures_dir))
    media_dir = fixtures_dir / "media"
    drawing = None if check else prerender_media(media_dir, storage)
    try:
        if migrate:
            migrate()
        missing = missing_tables()
        if missing:
            raise FixtureError(
                f"The database has no table {', '.join(missing)}: run `python manage.py "
                "migrate` first (rebuild_db does that itself unless given --no-migrate or "
                "--check)."
            )
        with transaction.atomic():
            delete_content()
            for path in result.files:
                _load_file(path, media_dir, storage, result)
            if check:
                raise _CheckOnly
            # Last, so that a bad record leaves the media alone as well as the database.
            result.media = copy_media(media_dir, storage)
        result.committed = True
    except _CheckOnly:
        pass
    finally:
        if drawing:
            drawing.shutdown()
    if result.committed:
        # After the commit: renditions are files, made once, outside the transaction
        # (most were drawn meanwhile: prerender_media).
        result.unrendered = make_renditions(storage)
    result.seconds = time.perf_counter() - started
    return result


def fixture_files(fixtures_dir):
    if not fixtures_dir.is_dir():
        raise FixtureError(f"{fixtures_dir} is not a directory of fixtures.")
    files = sorted(fixtures_dir.glob("*.json"))
    if not files:
        raise FixtureError(f"{fixtures_dir} has no *.json fixtures.")
    return files


def missing_tables():
    existing = set(connection.introspection.table_names())
    tables = [apps.get_model(label)._meta.db_table for label in reversed(CONTENT_MODELS)]
    return [table for table in tables if table not in existing]


def delete_content():
    """Delete every content row, one by one so each history entry says why."""
    for label in CONTENT_MODELS:
        for obj in apps.get_model(label)._default_manager.all():
            obj._change_reason = DELETE_REASON
            obj.delete()


def copy_media(media_dir, storage):
    """Copy ``media_dir/**`` into ``storage`` under the same names; return the names."""
    names = []
    for name in media_names(media_dir):
        path = media_dir / name
        # Delete first: saving over an existing name would give the copy a suffix.
        if storage.exists(name):
            storage.delete(name)
        with path.open("rb") as handle:
            saved = storage.save(name, File(handle, name=path.name))
        if saved != name:
            raise FixtureError(f"{path}: the storage saved it as {saved}, not {name}.")
        names.append(name)
    return names


def prerender_media(media_dir, storage):
    """Draw the renditions of the shipped images while the database migrates and loads
    (in threads; Pillow works outside the GIL). Should the load fail, they are files
    derived from the shipped images, named by their content, which the next rebuild
    finds made."""
    names = media_names(media_dir)  # what is not an image is passed over
    if not names:
        return None
    # Every core but one: that one migrates and loads meanwhile.
    workers = max(1, (os.cpu_count() or 1) - 1)
    return prerender(names, FileSystemStorage(location=media_dir), storage, workers=workers)


def media_names(media_dir):
    """The files under ``media_dir``, as storage names, in order."""
    if not media_dir.is_dir():
        return []
    return sorted(p.relative_to(media_dir).as_posix() for p in media_dir.rglob("*") if p.is_file())


def make_renditions(storage):
    """Make the renditions of every image the content names, in ``storage``; return the
    names of the images that could not be read."""
    fieldfiles = []
    for label in CONTENT_MODELS:
        model = apps.get_model(label)
        for model_field in model._meta.concrete_fields:
            if not isinstance(model_field, ImageField):
                continue
            names = (
                model._default_manager.exclude(**{model_field.attname: ""})
                .order_by()
                .values_list(model_field.attname, flat=True)
                .distinct()
            )
            for name in names:
                fieldfile = model_field.attr_class(None, model_field, name)
                fieldfile.storage = storage
                fieldfiles.append(fieldfile)
    return ensure_all_renditions(fieldfiles)


def _display(path):
    try:
        return path.resolve().relative_to(Path(settings.BASE_DIR).resolve()).as_posix()
    except ValueError:
        return str(path)


def _load_file(path, media_dir, storage, result):
    name = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError(f"{name}: cannot be read: {exc}") from exc
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FixtureError(
            f"{name}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from exc
    if not isinstance(records, list):
        raise FixtureError(f"{name}: expected a JSON list of records.")
    for number, record in enumerate(records, 1):
        _check_shape(record, f"{name}, record {number}")

    # The deserializer takes one record at a time, as each is loaded: a record may name
    # one loaded above it. ``resolved[n]``: the fields of record n it found loaded.
    resolved = []
    objects = serializers.deserialize(
        "python",
        (_with_loaded_keys(record, result.loaded, resolved) for record in records),
        handle_forward_references=False,
    )
    for number, record in enumerate(records, 1):
        where = f'{name}, record {number} ({record["model"]} "{record["fields"]["slug"]}")'
        try:
            deserialized = next(objects)
        except Exception as exc:  # the deserializer raises all sorts
            raise FixtureError(f"{where}: {_explain_deserialization(record, exc)}") from exc
        obj = deserialized.object
        if obj.pk is not None:
            raise FixtureError(f"{where}: an earlier record already has this slug.")
        file_fields = _check_files(obj, media_dir, storage, where)
        try:
            # File fields are checked above, against the shipped file: cleaning them
            # here would read them from storage, where they may not be yet. Constraints
            # are left to the database, which refuses a row that breaks one (reported
            # below): the fields' validators and clean() say the same more helpfully,
            # and a duplicate slug is caught above, while Django would check each
            # constraint with a query of its own, a third of the load's queries.
            # A reference found among the rows loaded names a row that exists: Django
            # would check that with a query per reference.
            obj.full_clean(
                exclude=[*file_fields, *resolved[number - 1]], validate_constraints=False
            )
            obj._change_reason = LOAD_REASON
            with one_entry(obj):
                obj.save()
                for field_name, values in deserialized.m2m_data.items():
                    getattr(obj, field_name).add(*values)  # a new row: nothing to replace
        except ValidationError as exc:
            raise FixtureError(f"{where}: {_validation_message(exc)}") from exc
        except DatabaseError as exc:
            raise FixtureError(f"{where}: the database refused it: {exc}") from exc
        label = obj._meta.label_lower
        result.counts[label] = result.counts.get(label, 0) + 1
        result.loaded.setdefault(label, {})[obj.natural_key()] = obj.pk


def _with_loaded_keys(record, loaded, resolved):
    """``record`` with each reference to a row loaded earlier (``loaded``: model label →
    natural key → primary key) given as that row's primary key; appends to ``resolved``
    the names of the fields so given.

    The rows loaded so far are all the content there is (``delete_content`` emptied the
    tables in this transaction): a reference found among them needs no query to find its
    row, nor one to check that the row exists. One not found is left as it is, for the
    deserializer to look up, and to fail on with the message the record deserves.
    """
    model = apps.get_model(record["model"])
    fields, names = dict(record["fields"]), []
    for name, value in fields.items():
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not model_field.is_relation:
            continue
        keys = loaded.get(model_field.related_model._meta.label_lower, {})
        values = value if model_field.many_to_many else [value]
        if not isinstance(values, list):
            continue
        pks = [keys.get(tuple(key)) if isinstance(key, list) else None for key in values]
        if pks and None not in pks:
            fields[name] = pks if model_field.many_to_many else pks[0]
            names.append(name)
    resolved.append(names)
    return {**record, "fields": fields}


def _check_shape(record, where):
    if not isinstance(record, dict):
        raise FixtureError(f"{where}: expected an object with “model” and “fields”.")
    label = record.get("model")
    fields = record.get("fields")
    if label not in CONTENT_MODELS:
        raise FixtureError(
            f"{where}: model {label!r} is not content rebuild_db manages "
            f"({', '.join(sorted(CONTENT_MODELS))})."
        )
    if not isinstance(fields, dict) or not fields.get("slug"):
        raise FixtureError(f"{where} ({label}): needs “fields” with a “slug”.")
    if "pk" in record:
        raise FixtureError(
            f'{where} ({label} "{fields["slug"]}"): has a "pk"; fixtures use natural keys '
            "(the slug) only."
        )


def _explain_deserialization(record, exc):
    """Say which field of the record the deserializer choked on, if we can tell."""
    model = apps.get_model(record["model"])
    try:
        for name, value in record["fields"].items():
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                return f"{model._meta.label_lower} has no field {name!r}."
            if not model_field.is_relation:
                try:
                    model_field.to_python(value)
                except ValidationError as error:
                    return f"{name}: {' '.join(error.messages)}"
                continue
            keys = value if model_field.many_to_many else [value]
            for key in keys or []:
                if key is None and model_field.null:
                    continue
                if not isinstance(key, list):
                    return f'{name}: expected a natural key like ["slug"], found {key!r}.'
                target = model_field.related_model
                try:
                    target._default_manager.get_by_natural_key(*key)
                except ObjectDoesNotExist:
                    slug = f'"{key[0]}"' if len(key) == 1 else repr(key)
                    return (
                        f"{name}: there is no {target._meta.verbose_name} with the slug {slug} "
                        "(it must come earlier in this file, or in a file that loads earlier)."
                    )
    except (DatabaseError, TypeError):
        pass
    return str(exc)


def _check_files(obj, media_dir, storage, where):
    """Validate each file a record names; return the names of its file fields."""
    file_fields = [f for f in obj._meta.concrete_fields if isinstance(f, FileField)]
    for model_field in file_fields:
        name = getattr(obj, model_field.attname).name
        if not name:
            continue
        shipped = media_dir / name
        if shipped.is_file():
            try:
                with shipped.open("rb") as handle:
                    validate_image_file(File(handle, name=name))
            except ValidationError as error:
                raise FixtureError(
                    f"{where}: {model_field.name}: {_display(shipped)}: {' '.join(error.messages)}"
                ) from error
        elif not storage.exists(name):
            raise FixtureError(
                f"{where}: {model_field.name}: {name} is neither in {_display(media_dir)}/ "
                "nor in the media storage."
            )
    return [f.name for f in file_fields]


def _validation_message(exc):
    if hasattr(exc, "error_dict"):
        return "; ".join(
            " ".join(messages) if name == "__all__" else f"{name}: {' '.join(messages)}"
            for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)
