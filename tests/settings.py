"""The test suite's few overrides of hubguide.settings, in one place."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-deployment-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="hubguide-test-media-"))
os.environ.setdefault("DJANGO_STATIC_ROOT", tempfile.mkdtemp(prefix="hubguide-test-static-"))

from hubguide.settings import *  # noqa: E402, F403
from hubguide.settings import STORAGES  # noqa: E402

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SECURE_HSTS_SECONDS = 0
