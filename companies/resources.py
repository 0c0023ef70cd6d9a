"""Companies to and from spreadsheets: the columns editors import and export in the admin.

One row per company, found by its slug. ``sectors`` lists sector slugs and
``presences`` lists the company's footprint as ``city:kind[:zone]``, both separated by
semicolons::

    sectors: search-ai; internet-services
    presences: beijing:headquarters:zhongguancun; shenzhen:research_lab

Every row is checked as the admin's forms check it (the model's ``full_clean``), so an
editor reads the model's own messages. The admin imports a file only when every row is
valid, in one transaction, saving row by row so that each change has its history entry.
"""

from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import resources, widgets
from import_export.fields import Field
from import_export.instance_loaders import CachedInstanceLoader

from cities.models import City, Zone
from companies.models import Company, Presence, Sector
from hubguide.admin import unique_slug

COLUMNS = (
    "slug",
    "name",
    "name_zh",
    "kind",
    "founded",
    "headquarters",
    "website",
    "summary",
    "body",
    "status",
    "sectors",
    "presences",
)
LIST_SEPARATOR = ";"
PART_SEPARATOR = ":"
IMPORT_REASON = "Imported from a spreadsheet"


def split_list(value):
    """The non-blank items of a ``;``-separated cell, without repeats, in order."""
    if value is None:
        return []
    items = (item.strip() for item in str(value).split(LIST_SEPARATOR))
    return list(dict.fromkeys(item for item in items if item))


def join_list(items):
    return f"{LIST_SEPARATOR} ".join(items)


class YearWidget(widgets.IntegerWidget):
    """A year as a whole number; anything else is a message an editor understands."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if not text.isdigit():
            raise ValueError(_("“%(value)s” is not a year: write it as 1998.") % {"value": text})
        return int(text)


class BlankKeepsWidget(widgets.CharWidget):
    """Text in which a blank cell means “leave as it is” (with ``saves_null_values=False``)."""

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row, **kwargs)
        return value.strip() or None


class SectorSlugsWidget(widgets.ManyToManyWidget):
    """Sector slugs separated by semicolons. An unknown slug is an error, never ignored."""

    def __init__(self):
        super().__init__(Sector, separator=LIST_SEPARATOR, field="slug")

    def clean(self, value, row=None, **kwargs):
        slugs = split_list(value)
        sectors = Sector.objects.in_bulk(slugs, field_name="slug")
        unknown = [slug for slug in slugs if slug not in sectors]
        if unknown:
            raise ValueError(
                " ".join(
                    _("There is no sector with the slug “%(slug)s”.") % {"slug": slug}
                    for slug in unknown
                )
            )
        return [sectors[slug] for slug in slugs]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return join_list(sorted(sector.slug for sector in value.all()))


def presence_spec(city_slug, kind, zone_slug=None):
    parts = [city_slug, kind, zone_slug] if zone_slug else [city_slug, kind]
    return PART_SEPARATOR.join(parts)


class PresencesWidget(widgets.Widget):
    """A company's presences as ``city:kind[:zone]`` items; read by ``CompanyResource``."""

    def render(self, value, obj=None, **kwargs):
        if value is None or value.instance.pk is None:  # a company not saved yet
            return ""
        specs = (
            presence_spec(p.city.slug, p.kind, p.zone.slug if p.zone_id else None)
            for p in value.all()
        )
        return join_list(sorted(specs))


@dataclass
class PlannedPresence:
    """One item of a presences cell, checked: the presence the company should have."""

    text: str
    city: City
    kind: str
    zone: Zone | None

    @property
    def key(self):
        return (self.city.pk, self.kind, self.zone.pk if self.zone else None)


class CompanyResource(resources.ModelResource):
    # An empty spreadsheet cell is None; in a text column it means the empty text.
    WIDGETS_MAP = {
        **resources.ModelResource.WIDGETS_MAP,
        "SlugField": widgets.CharWidget,
        "TextField": widgets.CharWidget,
    }

    founded = Field(attribute="founded", column_name="founded", widget=YearWidget())
    status = Field(
        attribute="status",
        column_name="status",
        widget=BlankKeepsWidget(),
        # Blank: a new company is a draft, an existing one keeps its status.
        saves_null_values=False,
    )
    sectors = Field(attribute="sectors", column_name="sectors", widget=SectorSlugsWidget())
    # Read-only for the library, which cannot assign a reverse relation: the resource
    # checks the cell before the company is saved and applies it afterwards.
    presences = Field(
        attribute="presences", column_name="presences", widget=PresencesWidget(), readonly=True
    )

    class Meta:
        model = Company
        name = _("Companies, with their sectors and presences")
        fields = COLUMNS
        import_order = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("slug",)
        instance_loader_class = CachedInstanceLoader
        clean_model_instances = True
        use_transactions = True
        # Row by row, never in bulk: save() is what records history and runs checks.
        use_bulk = False
        skip_diff = False
        skip_unchanged = True
        report_skipped = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._rows_by_slug = {}
        self._cities = None
        self._zones = None

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        # For the preview: which row of the file and which company each result is about.
        row_result.number = kwargs.get("row_number")
        row_result.slug = row.get("slug") or ""
        row_result.reasons = []
        error = row_result.validation_error
        if error is not None:
            row_result.reasons = (
                list(error.message_dict.items())
                if hasattr(error, "error_dict")
                else [(NON_FIELD_ERRORS, error.messages)]
            )
        return row_result

    def import_instance(self, instance, row, **kwargs):
        """Set the fields, and check the cells the library only reads after saving."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)

        slug = instance.slug
        number = kwargs.get("row_number")
        first = self._rows_by_slug.setdefault(slug, number)
        if slug and first != number:
            errors.setdefault("slug", []).append(
                _("Row %(row)s has this slug too: a company can appear only once.") % {"row": first}
            )
        if "sectors" in row:
            try:
                self.fields["sectors"].clean(row)
            except ValueError as error:
                errors.setdefault("sectors", []).append(str(error))
        instance._planned_presences = None
        if "presences" in row:
            try:
                instance._planned_presences = self.plan_presences(row["presences"])
            except ValidationError as error:
                errors.setdefault("presences", []).extend(error.messages)
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        planned = getattr(instance, "_planned_presences", None)
        if planned is not None and original.pk is not None:
            current = {(p.city_id, p.kind, p.zone_id) for p in original.presences.all()}
            if current != {item.key for item in planned}:
                return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = IMPORT_REASON

    def after_save_instance(self, instance, row, **kwargs):
        planned = getattr(instance, "_planned_presences", None)
        if planned is not None:
            sync_presences(instance, planned)

    def filter_export(self, queryset, **kwargs):
        return queryset.prefetch_related("sectors", "presences__city", "presences__zone")

    def plan_presences(self, value):
        """The presences a cell lists, each checked by ``Presence.full_clean``."""
        if self._cities is None:
            self._cities = City.objects.in_bulk(field_name="slug")
            self._zones = Zone.objects.select_related("city").in_bulk(field_name="slug")
        planned, errors, seen = [], [], set()
        for text in split_list(value):
            parts = [part.strip() for part in text.split(PART_SEPARATOR)]
            if len(parts) not in (2, 3) or not all(parts):
                errors.append(_("“%(item)s” is not city:kind or city:kind:zone.") % {"item": text})
                continue
            city_slug, kind, zone_slug = (*parts, None)[:3]
            city = self._cities.get(city_slug)
            zone = self._zones.get(zone_slug) if zone_slug else None
            problems = []
            if city is None:
                problems.append(
                    _("there is no city with the slug “%(slug)s”.") % {"slug": city_slug}
                )
            if zone_slug and zone is None:
                problems.append(
                    _("there is no zone with the slug “%(slug)s”.") % {"slug": zone_slug}
                )
            if not problems:
                try:
                    Presence(city=city, zone=zone, kind=kind).full_clean(
                        exclude=["company", "slug"], validate_unique=False
                    )
                except ValidationError as error:
                    problems.extend(error.messages)
            if problems:
                errors.append(f"{text}: {' '.join(str(p) for p in problems)}")
                continue
            item = PlannedPresence(text=text, city=city, kind=kind, zone=zone)
            if item.key in seen:
                errors.append(_("%(item)s is listed twice.") % {"item": text})
                continue
            seen.add(item.key)
            planned.append(item)
        if errors:
            raise ValidationError(errors)
        return planned


def sync_presences(company, planned, reason=IMPORT_REASON):
    """Give ``company`` exactly the ``planned`` presences, keeping what it can.

    A presence already there (same city, kind and zone) is left alone, with its
    investment, head count and summary; one in the same city and of the same kind moves
    to the new zone; the others are deleted and the missing ones created. Every change
    is a normal save or delete, so each has its history entry.
    """
    remaining = list(planned)
    existing = list(company.presences.select_related("city", "zone"))

    def take(match):
        for item in remaining:
            if match(item):
                remaining.remove(item)
                return item
        return None

    unmatched = [
        presence
        for presence in existing
        if take(lambda item, p=presence: item.key == (p.city_id, p.kind, p.zone_id)) is None
    ]
    for presence in unmatched:
        item = take(lambda item, p=presence: item.key[:2] == (p.city_id, p.kind))
        presence._change_reason = reason
        if item is None:
            presence.delete()
            continue
        presence.zone = item.zone
        presence.full_clean()
        presence.save()
    for item in remaining:
        presence = Presence(
            company=company,
            city=item.city,
            kind=item.kind,
            zone=item.zone,
            slug=unique_slug(Presence, f"{company.slug} {item.kind} {item.city.slug}"),
        )
        presence.full_clean()
        presence._change_reason = reason
        presence.save()
