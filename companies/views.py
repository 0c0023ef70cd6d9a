"""The company directory, its exports, and the company page.

Lists run a fixed number of queries however many companies match: the result's size
and its facet counts come in one query, the choices of the form are read once each,
and a page's sectors and hubs are those choices, named by one query of ids each
(:func:`label_companies`; exports read them through ``Prefetch`` objects that already
hide unpublished hubs).
"""

from urllib.parse import urlencode

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.views.generic import DetailView, View
from django_filters.views import FilterView

from cities.models import Source
from cities.views import PublishedObjectMixin, by_slug, hide_invisible_zones, shown_to, sources_of
from companies import exports
from companies.filters import (
    COUNT_LIMIT,
    SORT_CHOICES,
    CompanyFilter,
    default_sort,
    in_visible_hub,
)
from companies.models import Company, Presence, Sector
from hubguide.publishing import PUBLIC_LINK_FIELDS, is_staff, published_q
from hubguide.sql import Prepared

PRESENCE_KIND_ORDER = {kind: position for position, kind in enumerate(Presence.Kind.values)}


def sectors_prefetch():
    return Prefetch("sectors", queryset=Sector.objects.only("slug", "name").order_by("name"))


def hubs_prefetch(user):
    """A company's presences in hubs ``user`` may see, as ``company.listed_presences``."""
    return Prefetch(
        "presences",
        queryset=Presence.objects.filter(in_visible_hub(is_staff(user)))
        .select_related("city")
        .only("company", "city", "city__slug", "city__name")
        .order_by("city__name", "slug"),
        to_attr="listed_presences",
    )


def label_companies(companies, sectors, hubs):
    """Set each company's ``sector_list`` and ``hubs``: of the rows ``sectors`` and
    ``hubs`` (the form's choices, in name order; the hubs those the viewer may see),
    those its sector links and presences name. Two queries of ids, none without
    companies: the rows are in memory already, and a prefetch would read them again
    for every company."""
    if not companies:
        return
    ids = [company.pk for company in companies]
    links = Company.sectors.through.objects.filter(company_id__in=ids)
    presences = Presence.objects.filter(company_id__in=ids).order_by()
    sectors_of = set(links.values_list("company_id", "sector_id"))
    hubs_of = set(presences.values_list("company_id", "city_id"))
    for company in companies:
        company.sector_list = [row for row in sectors if (company.pk, row.pk) in sectors_of]
        company.hubs = [row for row in hubs if (company.pk, row.pk) in hubs_of]


def resolve_page_number(requested, num_pages):
    """``(page number, notice or "")`` for a requested page, which may be anything.

    Not a number → the first page; beyond the last → the last page; each with a notice
    saying so. A filtered list shrinks under a shared link; an error page would be a
    poor answer to a link that worked yesterday.
    """
    requested = (requested or "").strip()
    if not requested:
        return 1, ""
    try:
        number = int(requested)
    except ValueError:
        return 1, _("That page number is not a number; here is the first page.")
    if number < 1:
        return 1, _("Pages are numbered from 1; here is the first page.")
    if number > num_pages:
        return num_pages, _(
            "There is no page %(requested)s of these results; here is page %(last)s, the last."
        ) % {"requested": number, "last": num_pages}
    return number, ""


def canonical_query(filterset, page_number):
    """The query string that names this result: valid filters only, defaults left out."""
    params = {
        name: getattr(value, "slug", value)
        for name, value in filterset.applied.items()
        if not (name == "sort" and value == default_sort(filterset.query))
    }
    if page_number > 1:
        params["page"] = page_number
    return urlencode(params)


def narrowed_url(request, **changes):
    """What ``{% querystring name=value page=None %}`` gives, for links a page repeats:
    this result with ``changes`` to its filters, from its first page."""
    query = request.GET.copy()
    query.pop("page", None)
    for name, value in changes.items():
        query[name] = value
    return f"?{query.urlencode()}"


class CompanyFilterMixin:
    filterset_class = CompanyFilter

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        # Bound even when empty: the default order is part of the filter set.
        kwargs["data"] = self.request.GET
        return kwargs


class DirectoryView(CompanyFilterMixin, FilterView):
    """``/companies/``: search, filters, order and pages, all in the query string."""

    model = Company
    paginate_by = 20
    template_name = "companies/directory.html"

    def get_queryset(self):
        return Company.objects.visible_to(self.request.user)

    def get(self, request, *args, **kwargs):
        """Show the result of the fields that validated, beside the errors of the rest.

        django-filter's strict mode would answer an empty page to one bad value; here
        ``founded_min=x`` is reported next to its field while the hub, sector and
        search the reader also asked for still apply.
        """
        self.filterset = self.get_filterset(self.get_filterset_class())
        # The result's size and its facet counts beside the choices of the form, in one
        # query whatever the size of the data (see CompanyFilter.settle).
        self.filterset.settle()
        self.object_list = self.filterset.qs
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        return self.render_to_response(context)

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        paginator.count = self.filterset.result_count
        number, self.page_notice = resolve_page_number(
            self.request.GET.get(self.page_kwarg), paginator.num_pages
        )
        page = paginator.page(number)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        companies = list(context["object_list"])
        filterset = self.filterset
        fields = filterset.form.fields
        label_companies(companies, fields["sector"].rows, fields["city"].rows)
        for sector in {sector for company in companies for sector in company.sector_list}:
            sector.narrowed_url = narrowed_url(self.request, sector=sector.slug)
        searching = bool(filterset.query)
        if context["is_paginated"]:
            context["page_range"] = context["paginator"].get_elided_page_range(
                context["page_obj"].number, on_each_side=2, on_ends=1
            )
        query_string = canonical_query(filterset, context["page_obj"].number)
        context.update(
            canonical_url=self.request.build_absolute_uri(
                self.request.path + (f"?{query_string}" if query_string else "")
            ),
            companies=companies,
            result_count=filterset.result_count,
            count_capped=filterset.count_capped,
            count_limit=COUNT_LIMIT,
            too_many_to_rank=filterset.too_many_to_rank,
            # Exports hold published companies only: for staff, say how many.
            export_count=filterset.published_count,
            facets_missing=filterset.facets is None or None in filterset.facets.values(),
            active_filters=filterset.active_filters(),
            query=filterset.query,
            page_notice=self.page_notice,
            has_errors=bool(filterset.form.errors),
            invalid_filters=[
                {"field": filterset.form[name], "remove": {name: None, "page": None}}
                for name in filterset.form.errors
                if name in filterset.form.fields
            ],
            sort_links=[
                {"value": value, "label": label, "current": value == filterset.sort_order}
                for value, label in SORT_CHOICES
                if searching or value != "relevance"
            ],
        )
        return context


class ExportView(View):
    """The directory's current result (same query string), every page, in the order of
    its pages, published only: for staff, what they see less the drafts, as many as the
    directory's download link says. Each company lists the published hubs it is in."""

    export = None

    def get(self, request, *args, **kwargs):
        queryset = Company.objects.visible_to(request.user).prefetch_related(
            sectors_prefetch(), hubs_prefetch(None)
        )
        filterset = CompanyFilter(request.GET, queryset=queryset, request=request)
        filterset.settle(facets=False)
        return self.export(filterset.qs.filter(published_q()), request)


class CSVExportView(ExportView):
    export = staticmethod(exports.csv_response)


class JSONExportView(ExportView):
    export = staticmethod(exports.json_response)


# What a presence's card on the company page shows: the presence, and of its hub, zone
# and source what their links and citation need (a hub's profile is long).
PRESENCE_CARD_FIELDS = (
    *(field.name for field in Presence._meta.concrete_fields),
    *(f"{hub}__{name}" for hub in ("city", "zone") for name in PUBLIC_LINK_FIELDS),
    "zone__short_name",
    *(f"source__{field.name}" for field in Source._meta.concrete_fields),
)


class CompanyDetailView(PublishedObjectMixin, DetailView):
    """A company and what belongs to it, each by a plain query by the company's slug, all
    run together (see the docstring of ``cities.views``)."""

    model = Company
    lookup = by_slug(Company)
    related = {
        "presences": Prepared(
            lambda slug: (
                Presence.objects.filter(company__slug=slug)
                .order_by()
                .select_related("city", "zone", "source")
                .only(*PRESENCE_CARD_FIELDS)
            )
        ),
        "sectors": Prepared(
            lambda slug: Sector.objects.filter(companies__slug=slug).order_by("name")
        ),
        "sources": sources_of("companies__slug"),
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, related = self.request.user, self.related_rows
        context["sectors"], context["sources"] = related["sectors"], related["sources"]
        # A company is in a few hubs: those a visitor may not see (in_visible_hub) are left
        # out here, which costs Django less than a subquery in the query.
        presences = shown_to(
            user, related["presences"], lambda presence: presence.city.is_published
        )
        context["presences"] = sorted(
            hide_invisible_zones(presences, user),
            key=lambda presence: (presence.city.name, PRESENCE_KIND_ORDER.get(presence.kind, 99)),
        )
        return context
