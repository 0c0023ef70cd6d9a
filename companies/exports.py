"""The directory's current result as CSV or JSON: every page of it, streamed, in the
order of its pages.

Exports are open data: they hold published companies only, whoever downloads them,
and list the published hubs each is present in. Staff, who also see drafts on the
directory's pages, get their result less the drafts, and the download link says how
many companies that is (companies.views.ExportView).
"""

import csv

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse

COLUMNS = [
    "slug",
    "name",
    "name_zh",
    "kind",
    "founded",
    "headquarters",
    "sectors",
    "cities",
    "website",
    "url",
]
CSV_LIST_SEPARATOR = "; "
FILENAME = "hubguide-companies"
CHUNK_SIZE = 500
# Excel reads a CSV file as the local code page unless it starts with a byte order
# mark; without it every Chinese name arrives as mojibake.
UTF8_BOM = "\ufeff"
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def company_record(company, request):
    """One company as an export row. Expects ``company.listed_presences`` prefetched."""
    hubs = []
    for presence in company.listed_presences:
        if presence.city.name not in hubs:
            hubs.append(presence.city.name)
    return {
        "slug": company.slug,
        "name": company.name,
        "name_zh": company.name_zh,
        "kind": company.kind,
        "founded": company.founded,
        "headquarters": company.headquarters,
        "sectors": [sector.name for sector in company.sectors.all()],
        "cities": hubs,
        "website": company.website,
        "url": request.build_absolute_uri(company.get_absolute_url()),
    }


def records(queryset, request):
    # iterator() with a chunk size keeps memory flat and still honours prefetch_related.
    for company in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield company_record(company, request)


def neutralise_formula(value):
    """A cell a spreadsheet would evaluate gets a leading apostrophe, and stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list):
        value = CSV_LIST_SEPARATOR.join(value)
    return neutralise_formula(value)


class _Echo:
    """A file-like object whose write() hands the line back, for csv.writer."""

    def write(self, value):
        return value


def csv_lines(queryset, request):
    writer = csv.writer(_Echo())
    yield UTF8_BOM + writer.writerow(COLUMNS)
    for record in records(queryset, request):
        yield writer.writerow([csv_cell(record[column]) for column in COLUMNS])


def json_chunks(queryset, request):
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    yield f'{{"count": {queryset.count()}, "results": ['

    separator = "\n"
    for record in records(queryset, request):
        yield separator + encoder.encode(record)
        separator = ",\n"
    yield "\n]}\n"


def attachment(response, extension):
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}.{extension}"'
    return response


def csv_response(queryset, request):
    response = StreamingHttpResponse(
        csv_lines(queryset, request), content_type="text/csv; charset=utf-8"
    )
    return attachment(response, "csv")


def json_response(queryset, request):
    response = StreamingHttpResponse(
        json_chunks(queryset, request), content_type="application/json"
    )
    return attachment(response, "json")
