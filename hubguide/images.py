"""Uploaded images: what we accept, and why the rest is refused."""

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


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
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                kind, (width, height) = image.format, image.size
                if kind not in ALLOWED_FORMATS:
                    raise ValidationError(
                        _("%(format)s images are not accepted; upload a JPEG, PNG or WebP."),
                        params={"format": kind or _("This kind of")},
                        code="image_format",
                    )
                if width * height > settings.MAX_IMAGE_PIXELS:
                    raise ValidationError(
                        _(
                            "This image is %(width)s × %(height)s pixels (%(mp).0f megapixels); "
                            "the limit is %(limit).0f megapixels. Resize it and upload it again."
                        ),
                        params={
                            "width": width,
                            "height": height,
                            "mp": width * height / 1e6,
                            "limit": settings.MAX_IMAGE_PIXELS / 1e6,
                        },
                        code="image_too_many_pixels",
                    )
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(
            _("This image claims to be enormous and looks like a decompression bomb; refused."),
            code="decompression_bomb",
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValidationError(
            _("This file is not an image we can open; upload a JPEG, PNG or WebP."),
            code="not_an_image",
        ) from error
    finally:
        if hasattr(file, "seek"):
            file.seek(position)
