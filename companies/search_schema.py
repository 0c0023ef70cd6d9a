"""Indexes for the directory's search, each backend its own (see companies/search.py).

PostgreSQL: the pg_trgm extension; a stored generated ``search_vector`` (names weight A,
pairs of Chinese characters C, summary weight B) that the database keeps current on
every write, bulk_create and raw SQL included, with a GIN index; GIN trigram indexes on
``name`` and ``name_zh`` for substrings (ILIKE), typo candidates among them.

SQLite: an FTS5 table with the trigram tokenizer over name, Chinese name and summary,
reading its content from ``companies_company`` and kept current by triggers; and an
index on ``name_zh`` for the LIKE of one- and two-character searches.

Both: an index on ``(lower(name), slug)``, the directory's default order.

SQLite cannot alter most columns in place: Django rebuilds the table instead (as
0005_updated_at_index does), and the triggers go with the old table. So after every
``migrate`` (and ``flush``) :func:`restore_sqlite_triggers` puts back any that are
missing, and rebuilds the index they no longer kept current (connected in
companies.apps).

Neither is part of the model state: the model has no field for them. Other backends
get nothing and fall back to plain substring search. Migrations 0004_search_index and
0001_squashed_0010 run ``STATEMENTS`` (:class:`VendorSQL`).
"""

from django.db import connections, router
from django.db.migrations.operations.base import Operation

# The pairs of adjacent Chinese characters of a text, space-separated: 腾讯科技 gives
# "腾讯 讯科 科技". Two characters are the commonest length of a Chinese search (腾讯,
# 阿里, 华为), and too short for a trigram index; as words of the search vector they
# are found through its GIN index.
CJK_BIGRAMS_FUNCTION = """
CREATE FUNCTION companies_cjk_bigrams(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(string_agg(pair, ' '), '')
    FROM (
        SELECT substr(value, i, 2) AS pair
        FROM generate_series(1, char_length(value) - 1) AS i
    ) AS pairs
    WHERE pair ~ '^[㐀-䶿一-鿿豈-﫿]{2}$'
$$
"""

# The directory's default order (and the tie-break of every other): the first page
# without reading and sorting every company.
NAME_ORDER_INDEX = "CREATE INDEX company_name_order_idx ON companies_company (lower(name), slug)"

POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    CJK_BIGRAMS_FUNCTION,
    """
    ALTER TABLE companies_company ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A')
        || setweight(to_tsvector('simple'::regconfig, coalesce(name_zh, '')), 'A')
        || setweight(
            to_tsvector('simple'::regconfig, companies_cjk_bigrams(coalesce(name_zh, ''))), 'C'
        )
        || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
    ) STORED
    """,
    "CREATE INDEX company_search_vector_idx ON companies_company USING gin (search_vector)",
    "CREATE INDEX company_name_trgm_idx ON companies_company USING gin (name gin_trgm_ops)",
    "CREATE INDEX company_name_zh_trgm_idx ON companies_company USING gin (name_zh gin_trgm_ops)",
    NAME_ORDER_INDEX,
    "ANALYZE companies_company",
]

# The extension stays: other tables may have come to use it.
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS company_name_order_idx",
    "DROP INDEX IF EXISTS company_name_zh_trgm_idx",
    "DROP INDEX IF EXISTS company_name_trgm_idx",
    "DROP INDEX IF EXISTS company_search_vector_idx",
    "ALTER TABLE companies_company DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS companies_cjk_bigrams(text)",
]

SQLITE_TRIGGERS = {
    "companies_company_fts_insert": """
    CREATE TRIGGER companies_company_fts_insert AFTER INSERT ON companies_company BEGIN
        INSERT INTO companies_company_fts (rowid, name, name_zh, summary)
        VALUES (new.id, new.name, new.name_zh, new.summary);
    END
    """,
    "companies_company_fts_delete": """
    CREATE TRIGGER companies_company_fts_delete AFTER DELETE ON companies_company BEGIN
        INSERT INTO companies_company_fts (companies_company_fts, rowid, name, name_zh, summary)
        VALUES ('delete', old.id, old.name, old.name_zh, old.summary);
    END
    """,
    "companies_company_fts_update": """
    CREATE TRIGGER companies_company_fts_update
    AFTER UPDATE OF id, name, name_zh, summary ON companies_company BEGIN
        INSERT INTO companies_company_fts (companies_company_fts, rowid, name, name_zh, summary)
        VALUES ('delete', old.id, old.name, old.name_zh, old.summary);
        INSERT INTO companies_company_fts (rowid, name, name_zh, summary)
        VALUES (new.id, new.name, new.name_zh, new.summary);
    END
    """,
}
SQLITE_REBUILD = "INSERT INTO companies_company_fts (companies_company_fts) VALUES ('rebuild')"
SQLITE_INDEXES = {
    # Words of one or two characters are looked for with LIKE: scanning this index
    # costs a fraction of scanning the table.
    "company_name_zh_idx": "CREATE INDEX company_name_zh_idx ON companies_company (name_zh)",
    "company_name_order_idx": NAME_ORDER_INDEX,
}

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE companies_company_fts USING fts5(
        name, name_zh, summary,
        content='companies_company', content_rowid='id', tokenize='trigram'
    )
    """,
    *SQLITE_TRIGGERS.values(),
    SQLITE_REBUILD,
    *SQLITE_INDEXES.values(),
]

SQLITE_BACKWARD = [
    *(f"DROP INDEX IF EXISTS {name}" for name in SQLITE_INDEXES),
    "DROP TRIGGER IF EXISTS companies_company_fts_update",
    "DROP TRIGGER IF EXISTS companies_company_fts_delete",
    "DROP TRIGGER IF EXISTS companies_company_fts_insert",
    "DROP TABLE IF EXISTS companies_company_fts",
]

STATEMENTS = {
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_BACKWARD),
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
}


class VendorSQL(Operation):
    """A migration's SQL for some database vendors, ``{vendor: (forward, backward)}``
    lists of statements, and nothing for the others.

    Unlike ``RunPython``, which first renders every model of the migration state again
    (about 70 ms each time on a new database's migrate), it leaves the state alone, as
    ``RunSQL`` does.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, statements):
        self.statements = statements

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.statements], {})

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(app_label, schema_editor, 0)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(app_label, schema_editor, 1)

    def _run(self, app_label, schema_editor, direction):
        connection = schema_editor.connection
        if not router.allow_migrate(connection.alias, app_label):
            return
        for sql in self.statements.get(connection.vendor, ((), ()))[direction]:
            schema_editor.execute(sql, params=None)

    def describe(self):
        return f"SQL for {', '.join(sorted(self.statements))}"


# GIN indexes take new rows into a pending list, which every search reads whole until it
# is merged (past gin_pending_list_limit, by VACUUM or by autovacuum's ANALYZE). The
# default limit, 4 MB, let a bulk load of companies add 10 ms to each search (two
# trigram indexes of 400–500 pending pages at 500,000 companies); at 256 kB the list a
# search reads stays under 1 ms, and a bulk load still merges in batches.
GIN_INDEXES = ("company_search_vector_idx", "company_name_trgm_idx", "company_name_zh_trgm_idx")
GIN_PENDING_LIST_KB = 256


PENDING_LIST_STATEMENTS = {
    "postgresql": (
        [
            f"ALTER INDEX {name} SET (gin_pending_list_limit = {GIN_PENDING_LIST_KB})"
            for name in GIN_INDEXES
        ],
        [f"ALTER INDEX {name} RESET (gin_pending_list_limit)" for name in GIN_INDEXES],
    )
}


def merge_pending_lists(using):
    """Merge the rows a bulk load left pending into the GIN indexes, as VACUUM would
    (PostgreSQL; elsewhere nothing)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in GIN_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])


def restore_sqlite_triggers(using, **kwargs):
    """Put back the FTS triggers and the index a rebuilt ``companies_company`` lost, and
    bring the FTS index up to date; nothing when all are there (or the table is not).
    A ``post_migrate`` receiver for the companies app (companies.apps)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE name = 'companies_company_fts' "
            "OR (type IN ('trigger', 'index') AND tbl_name = 'companies_company')"
        )
        present = {row[0] for row in cursor.fetchall()}
        if "companies_company_fts" not in present:
            return
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(SQLITE_TRIGGERS[name])
        if missing:
            cursor.execute(SQLITE_REBUILD)
        for name, sql in SQLITE_INDEXES.items():
            if name not in present:
                cursor.execute(sql)
