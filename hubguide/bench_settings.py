"""Production settings plus the bare view, for the gunicorn that ``manage.py bench`` starts."""

from hubguide.settings import *  # noqa: F403

ROOT_URLCONF = "hubguide.bench_urls"
