"""Uploaded images: what we accept and why the rest is refused; the sizes we serve.

Uploads are checked on their way in (``validate_image_file``). Visitors get renditions:
each image in a few widths, as WebP and as JPEG for browsers without WebP, stripped of
metadata and converted to sRGB. They are made once, by ``rebuild_db`` or on the first
view of a page that shows the image, and stored beside the originals under
``renditions/``; their names carry a hash of the original's name and size, so an image
replaced under the same name gets new ones. The cache remembers which renditions exist,
so showing an image costs one cache lookup and no storage access.

When a row lets go of an image (an editor uploads another, clears the field or deletes
the row), its renditions are deleted and forgotten once the transaction commits, unless
another row still shows that file. The original itself stays while any row or any
version in the history names it: the admin's revert brings it back.
"""

import contextlib
import hashlib
import io
import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, router, transaction
from django.db.models import signals
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError, WebPImagePlugin  # noqa: F401
from simple_history.models import HistoricalChanges

try:
    from PIL import ImageCms
except ImportError:  # a Pillow built without LittleCMS: colours are then left as they are
    ImageCms = None

logger = logging.getLogger(__name__)

# The only decoders Pillow may try on an upload. Phones write JPEGs that carry a second
# (depth or preview) picture: the JPEG decoder opens those too, as format "MPO".
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")

# What an editor may try instead, recognised by the first bytes so the refusal can
# name it: (test on the file's first KB, name for the message).
_OTHER_FORMATS = (
    (lambda head: b"<svg" in head.lower(), _("SVG drawings")),
    (lambda head: head.startswith(b"GIF8"), _("GIF images")),
    (lambda head: head[4:12] in {b"ftypheic", b"ftypheix", b"ftypmif1"}, _("HEIC photos")),
    (lambda head: head[4:12] in {b"ftypavif", b"ftypavis"}, _("AVIF images")),
    (lambda head: head.startswith((b"II*\0", b"MM\0*")), _("TIFF images")),
    (lambda head: head.startswith(b"BM"), _("BMP images")),
    (lambda head: head.startswith(b"%PDF"), _("PDF documents")),
)


def validate_image_file(value):
    """Accept a JPEG, PNG or WebP Pillow can open, within the size and pixel limits."""
    if not value or getattr(value, "_committed", False):
        # Already in storage (loaded from the database or a fixture): checked on its way in.
        return
    size = value.size
    if size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("This file is %(size)s; images may be at most %(limit)s."),
            params={
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.MAX_UPLOAD_BYTES),
            },
            code="file_too_large",
        )
    file = value.file if hasattr(value, "file") else value
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(1024)
        file.seek(0)
        try:
            image = Image.open(file, formats=ACCEPTED_FORMATS)
        except UnidentifiedImageError as error:
            raise _not_accepted(head) from error
        with image:
            _check_pixels(image.size, size)
            image.verify()
        # verify() checks a PNG's structure but not a JPEG's or a WebP's: decode the
        # picture too (a JPEG at an eighth of its size, which still reads every byte), so
        # that a truncated upload is refused now rather than failing on a visitor's view.
        file.seek(0)
        with Image.open(file, formats=ACCEPTED_FORMATS) as image:
            width, height = image.size
            image.draft(None, (max(1, width // 8), max(1, height // 8)))
            image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        # Above twice Pillow's own limit, Image.open refuses before we see the size.
        raise _bomb(_claimed_pixels(error), size) from error
    except Exception as error:
        # Whatever a decoder raises on a hostile or broken file means the same to an editor.
        raise ValidationError(
            _(
                "This image is damaged or incomplete (perhaps the upload was cut short); "
                "open it, save it again as a JPEG, PNG or WebP and upload that."
            ),
            code="damaged_image",
        ) from error
    finally:
        if hasattr(file, "seek"):
            file.seek(position)


def _check_pixels(dimensions, size):
    width, height = dimensions
    pixels = width * height
    if pixels <= settings.MAX_IMAGE_PIXELS:
        return
    if Image.MAX_IMAGE_PIXELS and pixels > Image.MAX_IMAGE_PIXELS:
        # Pillow has only warned (it refuses above twice its limit). No camera makes such
        # a file within the upload limit: say what it is.
        raise _bomb(pixels, size)
    raise ValidationError(
        _(
            "This image is %(width)s × %(height)s pixels (%(mp).0f megapixels); "
            "the limit is %(limit).0f megapixels. Resize it and upload it again."
        ),
        params={
            "width": width,
            "height": height,
            "mp": pixels / 1e6,
            "limit": settings.MAX_IMAGE_PIXELS / 1e6,
        },
        code="image_too_many_pixels",
    )


def _claimed_pixels(error):
    found = re.search(r"\((\d+) pixels\)", str(error))
    return int(found.group(1)) if found else None


def _bomb(pixels, size):
    params = {"limit": f"{settings.MAX_IMAGE_PIXELS / 1e6:.0f}", "size": filesizeformat(size)}
    if pixels:
        params["mp"] = f"{pixels / 1e6:,.0f}"
        message = _(
            "This image says it is %(mp)s megapixels, in a file of only %(size)s: far beyond "
            "the limit of %(limit)s megapixels. Files like this (“decompression bombs”) "
            "exhaust the server's memory when opened, so it was refused. Upload an image of "
            "at most %(limit)s megapixels."
        )
    else:
        message = _(
            "This image says it is far larger than the limit of %(limit)s megapixels, in a "
            "file of only %(size)s. Files like this (“decompression bombs”) exhaust the "
            "server's memory when opened, so it was refused. Upload an image of at most "
            "%(limit)s megapixels."
        )
    return ValidationError(message, params=params, code="decompression_bomb")


def _not_accepted(head):
    head = head.lstrip()
    for looks_like, kind in _OTHER_FORMATS:
        if looks_like(head):
            return ValidationError(
                _("%(kind)s are not accepted; save it as a JPEG, PNG or WebP and upload that."),
                params={"kind": kind},
                code="image_format",
            )
    return ValidationError(
        _("This file is not an image we can open; upload a JPEG, PNG or WebP."),
        code="not_an_image",
    )


class ImageUploadField(forms.ImageField):
    """A form field that refuses a bad upload with our reasons, not Django's.

    ``forms.ImageField`` opens the upload before the model's validators run and says only
    "not an image or a corrupted image" for an SVG, a HEIC photo or a decompression bomb.
    Admins use it through ``formfield_overrides = {models.ImageField: {"form_class":
    ImageUploadField}}``.
    """

    def to_python(self, data):
        if isinstance(data, UploadedFile):
            validate_image_file(data)
        return super().to_python(data)


# Renditions

RENDITION_WIDTHS = (480, 960, 1600)
RENDITIONS_DIR = "renditions"
# Lossy settings that keep photos and flat illustrations clean. WebP's method 4 is its
# default effort; 6 takes three times as long for files under a tenth smaller.
ENCODERS = {
    "webp": ("WEBP", "webp", {"quality": 80, "method": 4}),
    "jpeg": ("JPEG", "jpg", {"quality": 82, "optimize": True, "progressive": True}),
}
# Which renditions exist is remembered this long; after that, one look at the storage.
CACHE_SECONDS = 24 * 60 * 60
# A missing or unreadable original is not looked for again for this long.
MISSING_CACHE_SECONDS = 60
FALLBACK_WIDTH = 960

# EXIF orientation → the transposition that shows the picture upright.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION = 0x0112

# What goes wrong with an original we cannot (or should not) read.
RENDITION_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    SuspiciousFileOperation,
    Image.DecompressionBombError,
)


@dataclass(frozen=True)
class Rendition:
    """One stored size of an image in one format."""

    name: str
    width: int
    height: int
    format: str  # "webp" or "jpeg"
    url: str = ""


@dataclass(frozen=True)
class RenditionSet:
    """An image's renditions, as ``<picture>`` wants them.

    ``width`` and ``height`` are the original's, upright: the ratio the browser reserves.
    """

    width: int
    height: int
    renditions: tuple[Rendition, ...]

    def of(self, kind):
        return [r for r in self.renditions if r.format == kind]

    @property
    def webp(self):
        return self.of("webp")

    @property
    def jpeg(self):
        return self.of("jpeg")

    @property
    def webp_srcset(self):
        return _srcset(self.webp)

    @property
    def jpeg_srcset(self):
        return _srcset(self.jpeg)

    @property
    def src(self):
        """The JPEG for browsers that read no ``srcset``: 960 wide, or the nearest below."""
        jpegs = self.jpeg
        fitting = [r for r in jpegs if r.width <= FALLBACK_WIDTH]
        return fitting[-1] if fitting else jpegs[0]

    @property
    def largest_jpeg(self):
        return self.jpeg[-1]


def _srcset(renditions):
    return ", ".join(f"{r.url} {r.width}w" for r in renditions)


def rendition_set(fieldfile, width=None, height=None):
    """The renditions of an uploaded image, or None when its original cannot be read.

    ``width`` and ``height`` are the original's as the database stores them. When the
    cache says the renditions exist, this touches neither the storage nor the image;
    otherwise it makes the missing ones now (the first view of a new upload pays for it).
    """
    return rendition_sets([(fieldfile, width, height)])[0]


def rendition_sets(images):
    """:func:`rendition_set` of each ``(fieldfile, width, height)`` of ``images``, in their
    order, asking the cache once for them all: a page of cards has an image on each card,
    and with Redis each question is a round trip (about 0.3 ms here, for one key or five).
    """
    wanted = [
        (fieldfile.storage, fieldfile.name, _cache_key(fieldfile.storage, fieldfile.name, w, h))
        if fieldfile and getattr(fieldfile, "name", None)
        else None
        for fieldfile, w, h in images
    ]
    keys = [want[2] for want in wanted if want is not None]
    entries = cache.get_many(keys) if keys else {}
    found = []
    for want in wanted:
        if want is None:
            found.append(None)
            continue
        storage, name, key = want
        if key not in entries:
            entries[key] = _made_entry(storage, name, key)
        entry = entries[key]
        found.append(None if entry.get("missing") else _rendition_set(storage, entry))
    return found


def _made_entry(storage, name, key):
    """The cache entry of an original the cache does not know: its renditions, made now
    if missing, or ``{"missing": True}`` for an original that cannot be read; either way
    remembered under ``key`` (the pages' key), the second for a short while only."""
    entry = _make(storage, name)
    if entry is None:
        entry = {"missing": True}
        cache.set(key, entry, MISSING_CACHE_SECONDS)
    else:
        cache.set(key, entry, CACHE_SECONDS)
    return entry


def ensure_renditions(fieldfile):
    """Make whichever renditions of ``fieldfile`` its storage lacks; return them all.

    Smallest first, WebP before JPEG. Raises ``OSError`` (or another of
    ``RENDITION_ERRORS``) when the original is missing or cannot be read.
    """
    entry = _ensure(fieldfile.storage, fieldfile.name)
    return list(_rendition_set(fieldfile.storage, entry).renditions)


def ensure_all_renditions(fieldfiles, workers=None):
    """``ensure_renditions`` for many images, a few at a time.

    Returns the names of the originals that could not be read; the rest have renditions.
    """

    def ensure(fieldfile):
        try:
            ensure_renditions(fieldfile)
        except RENDITION_ERRORS:
            logger.warning("No renditions for %s: the original cannot be read.", fieldfile.name)
            return fieldfile.name
        return None

    with _drawing_pool(workers) as pool:
        return [name for name in pool.map(ensure, fieldfiles) if name]


def prerender(names, source, storage, workers=None):
    """Start making, in ``storage``, the renditions of the images ``names`` of ``source``
    before the originals are copied there (the renditions of a file are named after its
    name and size, the same in both). Returns the executor: ``shutdown()`` waits for it.

    ``rebuild_db`` starts this before it loads the database, so that the images are
    drawn while the rows go in. An image that cannot be read is skipped here, and
    reported by ``ensure_all_renditions`` afterwards.
    """

    def ensure(name):
        with contextlib.suppress(*RENDITION_ERRORS):
            _ensure(storage, name, source=source)

    pool = _drawing_pool(workers)
    for name in names:
        pool.submit(ensure, name)
    return pool


def _drawing_pool(workers=None):
    """Threads that draw renditions a few at a time: Pillow works outside the GIL."""
    return ThreadPoolExecutor(max_workers=workers or min(4, os.cpu_count() or 1))


def rendition_name(name, digest, width, kind):
    """``renditions/cities/chengdu-1a2b3c4d-960.webp`` for ``cities/chengdu.jpg``."""
    path = PurePosixPath(name)
    extension = ENCODERS[kind][1]
    return str(
        PurePosixPath(RENDITIONS_DIR, path.parent, f"{path.stem}-{digest}-{width}.{extension}")
    )


def rendition_widths(original_width):
    """The widths to make: never wider than the original, which is the largest when narrower
    than the largest standard width."""
    largest = min(original_width, RENDITION_WIDTHS[-1])
    return sorted({w for w in RENDITION_WIDTHS if w < largest} | {largest})


def _make(storage, name):
    try:
        return _ensure(storage, name)
    except RENDITION_ERRORS as error:
        logger.warning("No renditions for %s: %s", name, error)
        return None


def _ensure(storage, name, source=None):
    """Check (and make) the renditions in storage; remember them in the cache; return the
    cache entry. The original is read from ``source`` (another storage holding the same
    file under the same name) when given."""
    source = source or storage
    size = source.size(name)
    with source.open(name, "rb") as handle, Image.open(handle, formats=ACCEPTED_FORMATS) as image:
        orientation, entry = _plan(name, size, image)
        missing = [row for row in entry["renditions"] if not storage.exists(row[0])]
        if missing:
            _render(image, orientation, missing, storage)
    # The key the pages use, with the dimensions the database stores (upright or not).
    cache.set(_cache_key(storage, name, *image.size), entry, CACHE_SECONDS)
    return entry


def _plan(name, size, image):
    """The EXIF orientation of an open original, and its cache entry: its upright width
    and height and the renditions it gets, named after its name and ``size`` in bytes."""
    digest = hashlib.sha256(f"{name}\0{size}".encode()).hexdigest()[:8]
    raw_width, raw_height = image.size
    if raw_width * raw_height > settings.MAX_IMAGE_PIXELS:
        raise ValueError(f"{raw_width} × {raw_height} pixels is over the limit")
    orientation = _orientation(image)
    width, height = (raw_height, raw_width) if orientation >= 5 else (raw_width, raw_height)
    plan = [
        (rendition_name(name, digest, w, kind), w, max(1, round(height * w / width)), kind)
        for kind in ENCODERS
        for w in rendition_widths(width)
    ]
    return orientation, {"width": width, "height": height, "renditions": plan}


def _rendition_set(storage, entry):
    url = storage.url  # once: each look into the lazy default storage raises inside
    return RenditionSet(
        width=entry["width"],
        height=entry["height"],
        renditions=tuple(
            Rendition(name, w, h, kind, url(name)) for name, w, h, kind in entry["renditions"]
        ),
    )


def _cache_key(storage, name, width, height):
    where = f"{type(storage).__qualname__}:{getattr(storage, 'location', '')}"
    ident = hashlib.sha256(f"{where}\0{name}\0{width}x{height}".encode()).hexdigest()
    return f"renditions:v1:{ident}"


def _orientation(image):
    """The EXIF orientation, from what Pillow read with the header (never decoding)."""
    raw = image.info.get("exif")
    if not raw:
        return 1
    try:
        exif = Image.Exif()
        exif.load(raw)
        orientation = int(exif.get(_EXIF_ORIENTATION, 1))
    except (ValueError, TypeError, SyntaxError, OSError):
        return 1
    return orientation if orientation in _TRANSPOSE else 1


def _render(image, orientation, missing, storage):
    largest = max(w for _, w, _, _ in missing)
    scale = largest / (image.size[1] if orientation >= 5 else image.size[0])
    # A JPEG decodes at 1/2, 1/4 or 1/8 of its size for a fraction of the work.
    image.draft(None, (max(1, round(image.size[0] * scale)), max(1, round(image.size[1] * scale))))
    image.load()
    upright = image.transpose(_TRANSPOSE[orientation]) if orientation in _TRANSPOSE else image
    picture = _to_srgb(upright)
    picture.info = {}  # no EXIF, XMP, ICC profile or comment reaches a visitor
    sizes = {}
    for name, width, height, kind in missing:
        sizes.setdefault((width, height), []).append((name, kind))
    # Largest first, each size drawn once, from the one before it (no visible difference
    # from drawing it from the original, for a fraction of the work), then written in
    # every format.
    for size, outputs in sorted(sizes.items(), reverse=True):
        if picture.size != size:
            picture = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        flat = None
        for name, kind in outputs:
            source = picture
            if kind == "jpeg" and picture.mode == "RGBA":
                if flat is None:
                    # JPEG has no transparency: put the picture on white, as on paper.
                    flat = Image.new("RGB", picture.size, "white")
                    flat.paste(picture, mask=picture.getchannel("A"))
                source = flat
            pillow_format, _, options = ENCODERS[kind]
            buffer = io.BytesIO()
            source.save(buffer, pillow_format, **options)
            _store(storage, name, buffer.getvalue())


def _to_srgb(image):
    """RGB (or RGBA when the picture has transparency), converted to sRGB when it carries
    another colour profile (iPhones write Display P3; cameras Adobe RGB)."""
    transparent = image.mode in {"RGBA", "LA", "PA", "La", "RGBa"} or ("transparency" in image.info)
    mode = "RGBA" if transparent else "RGB"
    profile = image.info.get("icc_profile")
    if profile and ImageCms is not None:
        try:
            if image.mode not in {"RGB", "RGBA", "CMYK"}:
                image = image.convert(mode)
            return ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode=mode,
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as error:
            logger.info("Colour profile ignored: %s", error)
    return image if image.mode == mode else image.convert(mode)


def _store(storage, name, data):
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        # Another server made the same rendition a moment ago; theirs is as good as ours.
        storage.delete(saved)


# Renditions of images no row shows any more


@dataclass(frozen=True)
class StoredRenditions:
    """The renditions an original has in storage and the cache keys that remember them.

    Read when a row lets go of the original (``stored_renditions``), inside its
    transaction, and discarded after the commit (``discard_renditions``): by then the
    file under that name may be another one (rebuild_db copies the fixtures' images over
    theirs) or gone, and could no longer say which renditions were its own.
    """

    storage: object
    name: str
    renditions: frozenset[str]
    cache_keys: frozenset[str]


def stored_renditions(storage, name, width=None, height=None):
    """The renditions of the original ``name`` as it is now; ``width`` and ``height`` are
    its dimensions as the database stores them (the pages' cache key). Names come from
    the original's header or, when it cannot be read, from what the cache remembers."""
    keys = {_cache_key(storage, name, width, height)}
    renditions = set()
    with contextlib.suppress(*RENDITION_ERRORS):
        (raw_width, raw_height), renditions = _renditions_of(storage, name)
        keys.add(_cache_key(storage, name, raw_width, raw_height))
    for entry in cache.get_many(keys).values():
        renditions.update(row[0] for row in entry.get("renditions", ()))
    return StoredRenditions(storage, name, frozenset(renditions), frozenset(keys))


def discard_renditions(stored, using=None):
    """Delete the renditions in ``stored`` (``stored_renditions``) that no row shows any
    more and forget them in the cache; delete the original too when neither a row nor a
    version in the history names it. Return the names deleted.

    A row that still names the same file keeps its renditions; one that names another
    file under that name (rebuild_db replaced it) keeps only the new file's.
    """
    storage, name = stored.storage, stored.name
    shown = set()
    named = _named_by_a_row(name, using)
    if named:
        with contextlib.suppress(*RENDITION_ERRORS):
            shown = _renditions_of(storage, name)[1]
        if stored.renditions <= shown:
            return []
    doomed = sorted(stored.renditions - shown)
    if not named and not _named_by_a_row(name, using, history=True):
        doomed.append(name)
    for doomed_name in doomed:
        storage.delete(doomed_name)
    # Forgotten after the deletes: a view that drew them again in between would otherwise
    # leave the cache naming deleted files.
    cache.delete_many(list(stored.cache_keys))
    if doomed:
        logger.info("Deleted what no row shows any more: %s", ", ".join(doomed))
    return doomed


def _renditions_of(storage, name):
    """The stored width and height of the original ``name`` and its renditions' names."""
    size = storage.size(name)
    with storage.open(name, "rb") as handle, Image.open(handle, formats=ACCEPTED_FORMATS) as image:
        entry = _plan(name, size, image)[1]
        return image.size, {row[0] for row in entry["renditions"]}


def _named_by_a_row(name, using=None, history=False):
    """Whether a row (with ``history``: a django-simple-history version of a row) names
    the stored image ``name`` in a ``SafeImageField``, in any model."""
    for model in apps.get_models():
        past = issubclass(model, HistoricalChanges)
        if past != history:
            continue
        for field in (model.instance_type if past else model)._meta.concrete_fields:
            if not isinstance(field, SafeImageField):
                continue
            manager = model._base_manager.db_manager(using or router.db_for_read(model))
            if manager.filter(**{field.attname: name}).exists():
                return True
    return False


class SafeImageField(models.ImageField):
    """An ImageField whose reading of dimensions cannot be crashed by the file it reads.

    Django reads an image's width and height as soon as a file is assigned, before any
    validator runs; a decompression bomb or a broken or missing file would raise there.
    Here the dimensions are left empty instead, and ``validate_image_file`` explains.

    When a saved row's image changes (a new upload, or cleared) or the row is deleted, the
    old image's renditions are discarded after the commit (``discard_renditions``).
    """

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        if not cls._meta.abstract:
            signals.post_save.connect(self._release_replaced, sender=cls)
            signals.post_delete.connect(self._release_deleted, sender=cls)

    def pre_save(self, model_instance, add):
        file = super().pre_save(model_instance, add)  # stores a new upload
        model_instance.__dict__.pop(self._replaced_key, None)
        if not add:
            before = self._stored_before(model_instance)
            if before and before[0] and before[0] != file.name:
                # Read now: after the commit the file under that name may be another.
                model_instance.__dict__[self._replaced_key] = stored_renditions(
                    self.storage, *before
                )
        return file

    def update_dimension_fields(self, instance, force=False, *args, **kwargs):
        try:
            super().update_dimension_fields(instance, force, *args, **kwargs)
        except (Image.DecompressionBombError, OSError, SyntaxError, ValueError):
            for name in (self.width_field, self.height_field):
                if name:
                    setattr(instance, name, None)

    @property
    def _replaced_key(self):
        return f"_replaced_{self.attname}"

    def _stored_before(self, instance):
        """``(name, width, height)`` of the image the row has in the database, or None."""
        model = type(instance)
        columns = [c for c in (self.attname, self.width_field, self.height_field) if c]
        row = (
            model._base_manager.db_manager(router.db_for_write(model, instance=instance))
            .filter(pk=instance.pk)
            .values(*columns)
            .first()
        )
        if row is None:
            return None
        return row[self.attname], row.get(self.width_field), row.get(self.height_field)

    def _release_replaced(self, sender, instance, using, **kwargs):
        stored = instance.__dict__.pop(self._replaced_key, None)
        if stored:
            self._discard_on_commit(stored, using)

    def _release_deleted(self, sender, instance, using, **kwargs):
        deferred = instance.get_deferred_fields()
        if self.attname in deferred:
            return
        name = getattr(instance, self.attname).name
        if not name:
            return
        width, height = (
            getattr(instance, column) if column and column not in deferred else None
            for column in (self.width_field, self.height_field)
        )
        self._discard_on_commit(stored_renditions(self.storage, name, width, height), using)

    def _discard_on_commit(self, stored, using):
        # robust: the row is saved by then; a storage error must not turn that into a 500.
        transaction.on_commit(partial(discard_renditions, stored, using), using=using, robust=True)
