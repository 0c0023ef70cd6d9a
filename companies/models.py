from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import IsNull
from django.utils.translation import gettext_lazy as _

from cities.formatting import format_figure
from cities.models import City, Source, Zone
from hubguide.history import History
from hubguide.images import SafeImageField, validate_image_file
from hubguide.publishing import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    Publishable,
    SlugModel,
    page_url,
    validate_not_future_year,
    year_range_q,
)

# The order of a hub's or zone's "most notable" presences: cited by a source first, then
# the largest head count, then the largest investment (unknown ones last), then by slug
# (which starts with the company's). Indexed per hub and per zone (Presence.Meta), so a
# page reads the first few of each kind in order at any size.
# The -1 is SQL text, not a parameter: SQLite matches an index on an expression only to
# the same expression, and "COALESCE(headcount, ?)" is not "COALESCE(headcount, -1)".
NOTABLE_ORDER = (
    IsNull(F("source"), True).asc(),
    Coalesce("headcount", RawSQL("-1", ()), output_field=models.BigIntegerField()).desc(),
    Coalesce("investment", RawSQL("-1", ()), output_field=models.FloatField()).desc(),
    F("slug").asc(),
)

# The directory's orders by year founded (companies.filters.ORDERINGS), indexed
# (Company.Meta): a company of unknown year comes last either way (years are 1800 to
# 2100). Literals, as in NOTABLE_ORDER.
FOUNDED_FIRST = Coalesce("founded", RawSQL("9999", ()), output_field=models.IntegerField())
FOUNDED_LAST = Coalesce("founded", RawSQL("0", ()), output_field=models.IntegerField()).desc()

year_validators = [
    MinValueValidator(EARLIEST_YEAR),
    MaxValueValidator(LATEST_YEAR),
    validate_not_future_year,
]


class CompanyKind(models.TextChoices):
    CHINESE = "chinese", _("Chinese company")
    STATE_OWNED = "state_owned", _("State-owned enterprise")
    MULTINATIONAL = "multinational", _("Multinational")


class PresenceKind(models.TextChoices):
    HEADQUARTERS = "headquarters", _("Headquarters")
    RESEARCH_LAB = "research_lab", _("Research lab")
    INNOVATION_CENTRE = "innovation_centre", _("Innovation centre")
    FACTORY = "factory", _("Factory")
    OFFICE = "office", _("Office")


class PresenceState(models.TextChoices):
    OPERATING = "operating", _("Operating")
    PLANNED = "planned", _("Announced")


class Currency(models.TextChoices):
    USD = "usd", _("US dollars")
    CNY = "cny", _("yuan (CNY)")


class Sector(SlugModel):
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)

    history = History()

    class Meta(SlugModel.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{page_url('companies:directory')}?sector={self.slug}"


class Company(Publishable):
    Kind = CompanyKind

    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    founded = models.PositiveSmallIntegerField(
        _("year founded"), null=True, blank=True, validators=year_validators
    )
    headquarters = models.CharField(
        _("headquarters"), max_length=150, blank=True, help_text=_("City and country.")
    )
    sectors = models.ManyToManyField(
        Sector, verbose_name=_("sectors"), blank=True, related_name="companies"
    )
    website = models.URLField(_("website"), max_length=300, blank=True)
    logo = SafeImageField(
        _("logo"),
        upload_to="companies/",
        blank=True,
        width_field="logo_width",
        height_field="logo_height",
        validators=[validate_image_file],
        help_text=_("JPEG, PNG or WebP; at most 10 MB and 40 megapixels. No SVG."),
    )
    logo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_alt = models.CharField(_("logo alt text"), max_length=200, blank=True)
    summary = models.TextField(_("summary"))
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown."))
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="companies"
    )

    history = History(m2m_fields=[sectors, sources])

    class Meta(Publishable.Meta):
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(kind__in=CompanyKind.values), name="companies_company_kind_valid"
            ),
            models.CheckConstraint(
                condition=year_range_q("founded"), name="companies_company_founded_range"
            ),
        ]
        indexes = [
            *Publishable.Meta.indexes,
            models.Index(fields=["name"], name="company_name_idx"),
            # The directory filtered by kind, in name order (company_name_order_idx, made
            # in migration 0004, serves the unfiltered name order): a rare kind is read
            # page by page, not found by walking every company in name order.
            models.Index(F("kind"), Lower("name"), "slug", name="company_kind_name_idx"),
            models.Index(fields=["founded"], name="company_founded_idx"),
            # The directory's orders by year founded (companies.filters.ORDERINGS), read
            # page by page in order rather than sorted whole.
            models.Index(FOUNDED_FIRST, Lower("name"), "slug", name="company_founded_order_idx"),
            models.Index(FOUNDED_LAST, Lower("name"), "slug", name="company_newest_order_idx"),
            # Which companies a visitor may see, in id order, without reading their rows
            # (long texts: 14,000 rows are 1,600 pages): the count of the directory's
            # result walks the companies by id beside their sector links and presences.
            # A hub and a sector at 500,000 companies on PostgreSQL: 14 → 7 ms.
            models.Index(fields=["id", "status", "publish_at"], name="company_visible_idx"),
        ]

    url_name = "companies:company_detail"

    def __str__(self):
        return self.name

    def clean(self):
        if self.logo and not self.logo_alt.strip():
            raise ValidationError(
                {"logo_alt": _("Describe the logo for people who cannot see it.")}
            )


class Presence(SlugModel):
    """A company's footprint in a hub: headquarters, lab, centre, factory or office."""

    Kind = PresenceKind

    State = PresenceState

    Currency = Currency

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="presences"
    )
    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="presences"
    )
    zone = models.ForeignKey(
        Zone,
        verbose_name=_("zone"),
        on_delete=models.PROTECT,
        related_name="presences",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OPERATING
    )
    opened = models.PositiveSmallIntegerField(
        _("year opened"), null=True, blank=True, validators=year_validators
    )
    investment = models.DecimalField(
        _("investment"),
        max_digits=18,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    investment_currency = models.CharField(
        _("investment currency"), max_length=3, choices=Currency.choices, blank=True
    )
    headcount = models.PositiveIntegerField(_("head count"), null=True, blank=True)
    headcount_is_minimum = models.BooleanField(
        _("head count is a minimum"), default=False, help_text=_("Tick for “over 5,000”.")
    )
    summary = models.TextField(_("summary"), blank=True)
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        related_name="presences",
        null=True,
        blank=True,
    )

    history = History()

    class Meta(SlugModel.Meta):
        verbose_name = _("presence")
        verbose_name_plural = _("presences")
        ordering = ["company__name", "city__name", "kind"]
        constraints = [
            *SlugModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(kind__in=PresenceKind.values), name="companies_presence_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=PresenceState.values), name="companies_presence_state_valid"
            ),
            models.CheckConstraint(
                condition=year_range_q("opened"), name="companies_presence_opened_range"
            ),
            models.CheckConstraint(
                condition=Q(investment__isnull=True) | Q(investment__gte=0),
                name="companies_presence_investment_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(investment__isnull=True) | ~Q(investment_currency=""),
                name="companies_presence_investment_has_currency",
                violation_error_message=_("An investment needs its currency."),
            ),
            models.CheckConstraint(
                condition=Q(investment_currency__in=["", *Currency.values]),
                name="companies_presence_currency_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["city", "kind"], name="presence_city_kind_idx"),
            # Whether a company has a presence in a hub (of a kind, in a zone), answered
            # from the index alone: the directory's hub filter tests it company by company.
            models.Index(
                fields=["company", "city", "kind", "zone"], name="presence_company_city_idx"
            ),
            # A hub's or a zone's most notable presences of a kind, read in order.
            models.Index(F("city"), F("kind"), *NOTABLE_ORDER, name="presence_city_notable_idx"),
            models.Index(F("zone"), F("kind"), *NOTABLE_ORDER, name="presence_zone_notable_idx"),
        ]

    def __str__(self):
        return f"{self.company} — {self.get_kind_display()}, {self.city}"

    def get_absolute_url(self):
        return f"{self.company.get_absolute_url()}#presence-{self.slug}"

    def clean(self):
        errors = {}
        if self.zone_id and self.city_id and self.zone.city_id != self.city_id:
            errors["zone"] = _("%(zone)s is in %(zone_city)s, not in %(city)s.") % {
                "zone": self.zone,
                "zone_city": self.zone.city,
                "city": self.city,
            }
        if self.investment is not None and not self.investment_currency:
            errors["investment_currency"] = _("Say which currency the investment is in.")
        if errors:
            raise ValidationError(errors)

    def display_investment(self):
        if self.investment is None:
            return ""
        return format_figure(self.investment, self.investment_currency)

    def display_headcount(self):
        if self.headcount is None:
            return ""
        text = f"{self.headcount:,}"
        return _("over %(count)s") % {"count": text} if self.headcount_is_minimum else text
