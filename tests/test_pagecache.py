"""The page cache's declarations (each app's cached_pages.py) tell the truth, and no URL can
make the cache grow beyond the pages that exist.

- Every table and column a cached page reads while it is rendered is covered by what the
  page's kinds declare: a field newly shown on a cached page, without a declaration, fails.
- Every declared table and field, written for real, moves its kind's version: a
  declaration cannot claim a dependency the triggers do not follow.
- Free text and junk in URLs make a bounded number of cache keys.
"""

import re
import uuid
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from citizens.notifications.services import notify
from consultations.models import Contribution
from pagecache import fragments, registry
from pagecache.models import ContentChange
from projects.models import StatusChange
from tests.conftest import login
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    ContributionFactory,
    NeighbourhoodFactory,
    OptionFactory,
    ProjectFactory,
    ProjectUpdateFactory,
    ResidentFactory,
    SynthesisFactory,
)

pytestmark = pytest.mark.django_db

COLUMN = re.compile(r'"(\w+)"\."(\w+)"')
TABLE = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"')
ALWAYS_ALLOWED = {ContentChange._meta.db_table}  # the versions themselves


def world() -> dict:
    """A bit of everything the cached pages show."""
    hood = NeighbourhoodFactory()
    author = ResidentFactory(display_name="Josiane D.")
    project = ProjectFactory(origin="resident", author=author, neighbourhood=hood)
    ProjectFactory()
    commenter = ResidentFactory(display_name="Karim B.")
    comment = CommentFactory(project=project, author=commenter)
    CommentFactory(project=project, author=commenter, parent=comment)
    StatusChange.objects.create(
        project=project, from_status="proposed", to_status="under_study", answer="Étudié"
    )
    opens = timezone.now() - timedelta(days=10)
    closed = ConsultationFactory(project=project, opens_at=opens, closes_at=opens + timedelta(5))
    option = OptionFactory(consultation=closed, label="Des arbres")
    contribution = ContributionFactory(consultation=closed, author=commenter, option=option)
    Contribution.objects.filter(pk=contribution.pk).update(answer="Merci")
    SynthesisFactory(consultation=closed, body="Ce que nous avons entendu")
    open_round = ConsultationFactory(project=project)
    ContributionFactory(consultation=open_round, author=author)
    update = ProjectUpdateFactory(project=project, title="Le chantier démarre")
    update.cited_comments.add(comment)
    contribution.cited_in_updates.add(update)
    reader = ResidentFactory()
    notify(
        recipients=[reader],
        kind="project_comment",
        actor=commenter,
        target=project,
        params={"project": project.title},
    )
    return {"project": project, "closed": closed, "open": open_round, "reader": reader}


def visit_every_cached_page(w: dict) -> None:
    visitor, reader = Client(), login(w["reader"])
    paths = [
        "/",
        "/projets/",
        "/projets/?etat=proposed&tri=soutiens",
        w["project"].get_absolute_url(),
        w["project"].get_absolute_url() + "?ordre=ancien",
        w["closed"].get_absolute_url(),
        w["open"].get_absolute_url(),
    ]
    for path in paths:
        assert visitor.get(path).status_code == 200, path
    for path in (w["project"].get_absolute_url(), w["closed"].get_absolute_url()):
        assert reader.get(path).status_code == 200, path
    assert reader.get("/compte/notifications/").status_code == 200


def allowed_columns(page: registry.Page) -> dict[str, set[str] | None]:
    """Table -> the columns the page's declarations cover (None: all of them)."""
    allowed: dict[str, set[str] | None] = {}
    for _kind, on in registry.dependencies(page.kinds):
        columns = on.columns
        if columns is None or allowed.get(on.table, set()) is None:
            allowed[on.table] = None
            continue
        pk = on.model_class()._meta.pk.column
        allowed.setdefault(on.table, set()).update({pk, *columns, *on.unshown_columns})
    return allowed


def uncovered_reads(page: registry.Page, sqls: list[str]) -> set[str]:
    allowed = allowed_columns(page)
    missing = set()
    for sql in sqls:
        for table in TABLE.findall(sql):
            if table not in allowed and table not in ALWAYS_ALLOWED:
                missing.add(f"{table} (whole table)")
        for table, column in COLUMN.findall(sql):
            if table in ALWAYS_ALLOWED:
                continue
            columns = allowed.get(table, set())
            if columns is not None and column not in columns:
                missing.add(f"{table}.{column}")
    return missing


def test_every_table_and_column_a_cached_page_reads_is_declared():
    w = world()
    recorded: list = []
    fragments._recorders.append(recorded)
    try:
        visit_every_cached_page(w)
    finally:
        fragments._recorders.remove(recorded)
    seen = {page.name for page, _sqls in recorded}
    assert seen == {page.name for page in registry.pages()}, "a cached page is not visited"
    problems = {}
    for page, sqls in recorded:
        missing = uncovered_reads(page, sqls)
        if missing:
            problems.setdefault(page.name, set()).update(missing)
    assert not problems, f"read by a cached page, declared by none of its kinds: {problems}"


def test_a_dependency_another_app_declares_on_a_kind_is_needed(monkeypatch):
    """The project page shows consultations' parts (projects/page_parts.py): without the
    tables consultations declares on the project kind (pagecache.extend), its reads are
    uncovered, so the check above fails on a missing extension."""
    w = world()
    assert any(on.table == "consultations_consultation" for on in registry._extensions["project"])
    monkeypatch.setattr(registry, "_extensions", {})
    recorded: list = []
    fragments._recorders.append(recorded)
    try:
        Client().get(w["project"].get_absolute_url())
    finally:
        fragments._recorders.remove(recorded)
    missing = set().union(*(uncovered_reads(page, sqls) for page, sqls in recorded))
    assert "consultations_consultation (whole table)" in missing
    assert "consultations_contribution_cited_in_updates (whole table)" in missing


def test_a_kind_is_extended_only_once_it_is_registered():
    with pytest.raises(ValueError):
        registry.extend("nosuchkind", [registry.On("projects.Comment", key="project_id")])


# --- a declaration cannot lie ----------------------------------------------------------------


def _new_value(field: models.Field) -> str | None:
    """SQL that changes this column's value, or None when the column is not one to change."""
    column = connection.ops.quote_name(field.column)
    if field.primary_key or isinstance(field, (models.JSONField,)) or field.is_relation:
        if field.is_relation and field.many_to_one:
            target = field.related_model._meta.db_table
            # Our own table and column names only.
            return f"(SELECT id FROM {target} WHERE id IS DISTINCT FROM {column} LIMIT 1)"  # noqa: S608
        return None
    if isinstance(field, models.BooleanField):
        return f"NOT {column}"
    if isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
        return f"{column} + 1"
    if isinstance(field, models.DateTimeField):
        return f"COALESCE({column}, now()) + interval '1 hour'"
    if isinstance(field, models.DateField):
        return f"COALESCE({column}, current_date) + 1"
    if isinstance(field, (models.CharField, models.TextField)):
        size = min(field.max_length or 32, 32)
        return f"left(md5(random()::text), {size})"
    return None


def _writes(on: registry.On) -> list[tuple[str, str]]:
    """(what, SQL with %s for a row id): an update of each declared field, or of one column
    when the whole table is declared, or a delete for a table of links."""
    model = on.model_class()
    table = model._meta.db_table
    pk = model._meta.pk.column
    fields = (
        [model._meta.get_field(name) for name in on.fields]
        if on.fields is not None
        else [f for f in model._meta.concrete_fields if not f.is_relation]
    )
    writes = []
    for field in fields:
        value = _new_value(field)
        if value is not None:
            column = connection.ops.quote_name(field.column)
            update = f"UPDATE {table} SET {column} = {value} WHERE {pk} = %s"  # noqa: S608
            writes.append((field.name, update))
            if on.fields is None:
                break
    if not writes:
        writes.append(("delete", f"DELETE FROM {table} WHERE {pk} = %s"))  # noqa: S608
    return writes


def _max_version(kind: registry.Kind) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(version) FROM pagecache_contentchange WHERE kind = %s", [kind.name]
        )
        return cursor.fetchone()[0] or 0


def test_every_declared_dependency_moves_its_version():
    world()
    failures = []
    for kind, on in registry.dependencies(registry.kinds()):
        model = on.model_class()
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True)[:50])
        assert ids, f"{kind}: no {on.table} row to write in the test world"
        for what, sql in _writes(on):
            moved = False
            for pk in ids:
                before = _max_version(kind)
                with connection.cursor() as cursor:
                    cursor.execute("SAVEPOINT declared_write")
                    cursor.execute(sql, [pk])
                    moved = _max_version(kind) > before
                    cursor.execute("ROLLBACK TO SAVEPOINT declared_write")
                if moved:
                    break
            if not moved:
                failures.append(f"{kind}: writing {on.table} ({what}) moves no version")
    assert not failures, failures


# --- bounded keys ----------------------------------------------------------------------------


def page_keys() -> int:
    cache = caches["pages"]
    client = cache._cache.get_client(write=True)
    pattern = f"{cache.key_prefix}:*{fragments.PREFIX}:*"
    return sum(1 for _key in client.scan_iter(match=pattern, count=1000))


def junk(index: int) -> str:
    word = uuid.uuid4().hex
    return [f"page={index + 7}", f"page={word}", f"{word}={index}", f"page=1&{word}=x"][index % 4]


def test_searches_and_junk_query_strings_make_a_bounded_number_of_keys(settings):
    settings.PAGECACHE_TEXT_SLOTS = 16
    w = world()
    visitor, reader = Client(), login(w["reader"])
    for index in range(1000):
        assert (
            visitor.get("/projets/", {"q": f"jardin {uuid.uuid4().hex} {index}"}).status_code == 200
        )
    # A thousand different searches share the 16 slots of the list's first page.
    searches = page_keys()
    assert 1 <= searches <= 16
    visitor.get("/projets/?page=1&tri=soutiens")
    assert page_keys() == searches + 1
    for index in range(1000):
        reader.get(f"/compte/notifications/?{junk(index)}")
        visitor.get(f"{w['project'].get_absolute_url()}?{junk(index)}")
        visitor.get(f"{w['closed'].get_absolute_url()}?{junk(index)}")
    # Notifications (1), the project page and its story (2), the round page and its list of
    # contributions (2): page 1 of each, whatever was asked.
    assert page_keys() == searches + 1 + 1 + 2 + 2


def test_a_cached_search_is_served_only_for_the_same_text(settings):
    settings.PAGECACHE_TEXT_SLOTS = 1  # every search in the same slot
    ProjectFactory(title="Jardin partagé des Oiseaux")
    ProjectFactory(title="Cour de l'école Basly")
    visitor = Client()
    for _ in range(2):  # rendered, then from the cache
        page = visitor.get("/projets/", {"q": "jardin"}).content.decode()
        assert "Jardin partagé des Oiseaux" in page and "Cour de l" not in page
    assert page_keys() == 1
    page = visitor.get("/projets/", {"q": "école"}).content.decode()
    assert "Cour de l&#x27;école Basly" in page and "Jardin partagé" not in page
    page = visitor.get("/projets/", {"q": "jardin"}).content.decode()
    assert "Jardin partagé des Oiseaux" in page
    assert page_keys() == 1


def test_a_key_refuses_free_text():
    page = registry.pages()[0]
    with pytest.raises(ValueError):
        fragments.key_for(page, 1, ("jardin partagé",))
    with pytest.raises(ValueError):
        fragments.key_for(page, "1; DROP", ())
    assert fragments.key_for(page, "3-4", (12, True, "recent")).endswith(":3-4:12:1:recent")


# --- one source for the triggers -------------------------------------------------------------


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall()}


def test_the_triggers_are_those_the_declarations_ask_for_and_no_other():
    from pagecache import triggers

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pagecache_gone_0_x() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN RETURN NULL; END $$;"
            "CREATE TRIGGER pagecache_gone_0_x AFTER INSERT ON projects_comment"
            " FOR EACH ROW EXECUTE FUNCTION pagecache_gone_0_x()"
        )
    triggers.install(connection)
    names = _triggers()
    assert set(triggers.wanted()) <= names
    assert "pagecache_gone_0_x" not in names  # no longer declared: dropped
    assert not {name for name in names if name.startswith("loos_")}  # the hand-written ones


# --- what a hit costs ------------------------------------------------------------------------


def test_a_logged_out_hit_costs_one_light_query():
    w = world()
    paths = [
        "/",
        "/projets/",
        "/projets/?theme=culture&tri=soutiens&page=1",
        w["project"].get_absolute_url(),
        w["closed"].get_absolute_url(),
        w["open"].get_absolute_url() + "?page=1",
    ]
    visitor = Client()
    for path in paths:
        visitor.get(path)  # rendered and stored
        with CaptureQueriesContext(connection) as captured:
            assert visitor.get(path).status_code == 200
        assert len(captured.captured_queries) == 1, (path, captured.captured_queries)
