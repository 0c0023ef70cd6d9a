from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.formatting import format_figure
from hubguide.history import History
from hubguide.images import SafeImageField, validate_image_file
from hubguide.publishing import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    Publishable,
    SlugModel,
    validate_not_future_year,
    year_range_q,
)

year_validators = [MinValueValidator(EARLIEST_YEAR), MaxValueValidator(LATEST_YEAR)]


class Region(models.TextChoices):
    NORTH = "north", _("North China")
    NORTHEAST = "northeast", _("Northeast China")
    EAST = "east", _("East China")
    SOUTH = "south", _("South China")
    CENTRAL = "central", _("Central China")
    SOUTHWEST = "southwest", _("Southwest China")
    NORTHWEST = "northwest", _("Northwest China")


class Standing(models.TextChoices):
    FRONTRUNNER = "frontrunner", _("Frontrunner")
    RISING = "rising", _("Rising hub")


class ZoneKind(models.TextChoices):
    SPECIAL_ECONOMIC_ZONE = "sez", _("Special economic zone")
    HIGH_TECH_ZONE = "hitech", _("National high-tech industrial development zone")
    SCIENCE_PARK = "science_park", _("Science park")
    ECONOMIC_REGION = "economic_region", _("Economic region")


class PolicyLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")


class FigureUnit(models.TextChoices):
    PEOPLE = "people", _("people")
    PERCENT = "percent", _("per cent")
    PERCENT_OF_GDP = "percent_gdp", _("per cent of GDP")
    CNY = "cny", _("yuan (CNY)")
    USD = "usd", _("US dollars")
    RANK = "rank", _("rank")
    COUNT = "count", _("count")


class FigureKind(models.TextChoices):
    ACTUAL = "actual", _("Actual")
    TARGET = "target", _("Target")
    ESTIMATE = "estimate", _("Estimate")


class FigureQualifier(models.TextChoices):
    EXACT = "", _("exactly")
    ABOUT = "about", _("about")
    OVER = "over", _("over")
    UNDER = "under", _("under")


class Source(SlugModel):
    """Where a figure or claim comes from."""

    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=300)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    note = models.TextField(
        _("note"), blank=True, help_text=_("How reliable it is, what period it covers.")
    )

    history = History()

    class Meta(SlugModel.Meta):
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["title"]

    def __str__(self):
        return f"{self.publisher}: {self.title}" if self.publisher else self.title


class City(Publishable):
    Region = Region

    Standing = Standing

    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    province = models.CharField(
        _("province"), max_length=100, help_text=_("Province or municipality, e.g. Guangdong.")
    )
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)
    nickname = models.CharField(
        _("nickname"),
        max_length=150,
        blank=True,
        help_text=_("How the city is known, e.g. “the Silicon Valley of the north”."),
    )
    standing = models.CharField(_("standing"), max_length=20, choices=Standing.choices)
    summary = models.TextField(_("summary"), help_text=_("One or two sentences for lists."))
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown."))
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    hero_image = SafeImageField(
        _("hero image"),
        upload_to="cities/",
        blank=True,
        width_field="hero_width",
        height_field="hero_height",
        validators=[validate_image_file],
        help_text=_("JPEG, PNG or WebP; at most 10 MB and 40 megapixels."),
    )
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_alt = models.CharField(
        _("hero image alt text"),
        max_length=250,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    hero_credit = models.CharField(_("hero image credit"), max_length=200, blank=True)
    hero_licence = models.CharField(_("hero image licence"), max_length=100, blank=True)
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="cities"
    )

    history = History(m2m_fields=[sources])

    class Meta(Publishable.Meta):
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["name"]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(region__in=Region.values), name="cities_city_region_valid"
            ),
            models.CheckConstraint(
                condition=Q(standing__in=Standing.values), name="cities_city_standing_valid"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="cities_city_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="cities_city_longitude_range",
            ),
        ]

    url_name = "cities:city_detail"

    def __str__(self):
        return self.name

    def clean(self):
        if self.hero_image and not self.hero_alt.strip():
            raise ValidationError(
                {"hero_alt": _("Describe the hero image for people who cannot see it.")}
            )


class Zone(Publishable):
    """A high-tech or economic zone inside a city."""

    Kind = ZoneKind

    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="zones"
    )
    name = models.CharField(_("name"), max_length=150)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    short_name = models.CharField(
        _("abbreviation"), max_length=20, blank=True, help_text=_("e.g. CDHT, XHTZ.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    established = models.PositiveSmallIntegerField(
        _("year established"),
        null=True,
        blank=True,
        validators=[*year_validators, validate_not_future_year],
    )
    national_rank = models.PositiveSmallIntegerField(
        _("national rank"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Rank among China's state-level zones of its kind, where known."),
    )
    summary = models.TextField(_("summary"))
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown."))
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="zones"
    )

    history = History(m2m_fields=[sources])

    class Meta(Publishable.Meta):
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["city__name", "name"]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(kind__in=ZoneKind.values), name="cities_zone_kind_valid"
            ),
            models.CheckConstraint(
                condition=year_range_q("established"), name="cities_zone_established_range"
            ),
            models.CheckConstraint(
                condition=Q(national_rank__isnull=True) | Q(national_rank__gte=1),
                name="cities_zone_rank_positive",
            ),
        ]

    url_name = "cities:zone_detail"

    def __str__(self):
        return self.name


class Policy(Publishable):
    """A national, provincial or municipal programme, and the hubs it touches."""

    Level = PolicyLevel

    name = models.CharField(_("name"), max_length=150)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    launched = models.PositiveSmallIntegerField(
        _("year launched"),
        null=True,
        blank=True,
        validators=[*year_validators, validate_not_future_year],
    )
    summary = models.TextField(_("summary"))
    body = models.TextField(_("body"), blank=True, help_text=_("Markdown."))
    cities = models.ManyToManyField(
        City, verbose_name=_("cities"), blank=True, related_name="policies"
    )
    zones = models.ManyToManyField(
        Zone, verbose_name=_("zones"), blank=True, related_name="policies"
    )
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="policies"
    )

    history = History(m2m_fields=[cities, zones, sources])

    class Meta(Publishable.Meta):
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["launched", "name"]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(level__in=PolicyLevel.values), name="cities_policy_level_valid"
            ),
            models.CheckConstraint(
                condition=year_range_q("launched"), name="cities_policy_launched_range"
            ),
        ]

    url_name = "cities:policy_detail"

    def __str__(self):
        return self.name


class Figure(SlugModel):
    """One number about a city, with its unit, year and source."""

    Unit = FigureUnit

    Kind = FigureKind

    Qualifier = FigureQualifier

    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="figures"
    )
    label = models.CharField(
        _("label"), max_length=150, help_text=_("What is measured, e.g. “IT industry revenue”.")
    )
    qualifier = models.CharField(
        _("qualifier"), max_length=10, choices=Qualifier.choices, blank=True, default=""
    )
    value = models.DecimalField(
        _("value"), max_digits=20, decimal_places=3, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ACTUAL)
    year = models.PositiveSmallIntegerField(
        _("year"),
        validators=year_validators,
        help_text=_("The year the number describes (for a target, the year it is due)."),
    )
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="figures"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_key = models.BooleanField(
        _("key figure"), default=False, help_text=_("Shown with the city in lists.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = History()

    class Meta(SlugModel.Meta):
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        ordering = ["city__name", "position", "label"]
        constraints = [
            *SlugModel.Meta.constraints,
            models.CheckConstraint(condition=Q(value__gte=0), name="cities_figure_value_gte_0"),
            models.CheckConstraint(
                condition=Q(unit__in=FigureUnit.values), name="cities_figure_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=FigureKind.values), name="cities_figure_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(qualifier__in=FigureQualifier.values),
                name="cities_figure_qualifier_valid",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=EARLIEST_YEAR, year__lte=LATEST_YEAR),
                name="cities_figure_year_range",
            ),
        ]
        indexes = [models.Index(fields=["city", "is_key"], name="figure_city_key_idx")]

    def __str__(self):
        return f"{self.city}: {self.label} ({self.year})"

    def get_absolute_url(self):
        return f"{self.city.get_absolute_url()}#figure-{self.slug}"

    def clean(self):
        if self.kind != self.Kind.TARGET and self.year and self.year > timezone.now().year:
            raise ValidationError(
                {
                    "year": _(
                        "%(year)s is in the future: only a target can be dated in the future."
                    )
                    % {"year": self.year}
                }
            )

    def display_value(self):
        return format_figure(self.value, self.unit, self.qualifier)
