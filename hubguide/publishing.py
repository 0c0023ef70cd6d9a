"""What every public model shares: a draft/published state and a slug as natural key."""

import datetime
from functools import cache, lru_cache
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

EARLIEST_YEAR = 1800
LATEST_YEAR = 2100


def validate_not_future_year(value):
    if value is not None and value > timezone.now().year:
        raise ValidationError(
            _("%(year)s is in the future; enter the year it actually happened."),
            params={"year": value},
            code="future_year",
        )


def year_range_q(field):
    """A condition keeping ``field`` (nullable) within the years the guide can talk about."""
    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__gte": EARLIEST_YEAR, f"{field}__lte": LATEST_YEAR}
    )


class SlugQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


# What a link to a public row needs (``.only()``): its name, its address, and whether a
# visitor may follow it (``is_published``, ``draft_badge``).
PUBLIC_LINK_FIELDS = ("name", "slug", "status", "publish_at")


def published_q(prefix="", now=None):
    """The condition "published, and its time has come" (``now``, by default the time
    now), on the model reached by ``prefix`` ("company__"), or on the queryset's own
    model; a join, not a subquery, so that a query can stop at its first rows."""
    return Q(**{f"{prefix}status": Status.PUBLISHED}) & (
        Q(**{f"{prefix}publish_at__isnull": True})
        | Q(**{f"{prefix}publish_at__lte": timezone.now() if now is None else now})
    )


def is_staff(user):
    return user is not None and user.is_active and user.is_staff


class PublishableQuerySet(SlugQuerySet):
    def published(self, now=None):
        return self.filter(published_q(now=now))

    def visible(self, staff, now=None):
        """Everything for staff (who preview drafts); only the rows published by ``now``
        (by default the time now) for visitors."""
        return self if staff else self.published(now)

    def visible_to(self, user, now=None):
        return self.visible(is_staff(user), now)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


SLUG_PLACEHOLDER = "__slug__"


def page_url(viewname):
    """``reverse(viewname)`` of an address without arguments, reversed once per view name
    (and script prefix and URLconf). Every page links to the same few sections, and each
    reverse() costs more than the rest of the link's rendering: the nine in the site's
    header and footer were half the cost of rendering base.html."""
    return _reversed(viewname, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


def slug_url(viewname, slug):
    """``reverse(viewname, kwargs={"slug": slug})``, a dozen times faster: the address is
    reversed once per view name (and script prefix and URLconf), then the slug put in.
    Pages link to dozens of companies and zones; each reverse() walks the URL patterns."""
    return slug_urls(viewname)(slug)


def slug_urls(viewname):
    """``slug_url`` of ``viewname`` as a function of the slug, for a list of links: the
    script prefix and URLconf of the request, in context-local storage that costs a few
    microseconds a look, are looked up once (a hub page links to sixty companies and
    zones)."""
    pattern = _reversed(
        viewname, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, with_slug=True
    )
    return lambda slug: pattern.replace(SLUG_PLACEHOLDER, quote(slug, safe=""), 1)


@lru_cache(maxsize=128)
def _reversed(viewname, script_prefix, urlconf, with_slug=False):
    kwargs = {"slug": SLUG_PLACEHOLDER} if with_slug else None
    return reverse(viewname, kwargs=kwargs, urlconf=urlconf)


class SlugModel(models.Model):
    """A model whose slug is its natural key, so fixtures never depend on primary keys."""

    slug = models.SlugField(
        _("slug"),
        max_length=100,
        help_text=_("Lower-case words joined by hyphens; used in the page's address."),
    )

    objects = SlugQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="%(app_label)s_%(class)s_slug_unique"),
        ]

    def natural_key(self):
        return (self.slug,)

    def _get_FIELD_display(self, field):
        """What ``get_<field>_display()`` gives, from a map of the field's choices made once
        per field. Django's makes it on every call, hashing each lazy label, which
        translates it: about 45 µs for a hub's region, and a hub page shows half a dozen.
        The labels stay lazy in the map, so each is translated when it is shown."""
        value = getattr(self, field.attname)
        return force_str(choice_labels(field).get(make_hashable(value), value), strings_only=True)


@cache
def choice_labels(field):
    """A field's choices as a map from each value to its (lazy) label."""
    return dict(make_hashable(field.flatchoices))


class Publishable(SlugModel):
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text=_("Drafts are visible to staff only."),
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("Optional: a published item stays hidden until this time."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    objects = PublishableQuerySet.as_manager()

    # The view of the row's own page, whose address is the row's slug (see slug_urls).
    url_name = None

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="%(app_label)s_%(class)s_slug_unique"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
        ]
        # Scheduled items only: the page cache asks when the next one comes out.
        indexes = [
            models.Index(
                fields=["publish_at"],
                condition=Q(publish_at__isnull=False),
                name="%(app_label)s_%(class)s_pub_at",
            ),
        ]

    def get_absolute_url(self):
        return slug_url(self.url_name, self.slug)

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED and (
            self.publish_at is None or self.publish_at <= timezone.now()
        )


def current_year():
    return datetime.date.today().year
