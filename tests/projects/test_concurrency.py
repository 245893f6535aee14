"""Double clicks against PostgreSQL: simultaneous requests from one resident count once."""

import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

from projects import services
from projects.models import Comment, Follow, Project, Support
from tests.conftest import login
from tests.factories import ProjectFactory, ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count: int, target) -> list:
    """Start `count` threads at the same instant; each has its own database connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def worker(index: int):
        try:
            barrier.wait(timeout=10)
            results[index] = target()
        except Exception as exc:  # reported by the test, never swallowed
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    return results


@pytest.mark.parametrize("path,model,counter", [
    ("soutenir", Support, "support_count"),
    ("suivre", Follow, "follower_count"),
])  # fmt: skip
def test_simultaneous_clicks_from_one_resident_count_once(path, model, counter):
    project = ProjectFactory()
    resident = ResidentFactory()
    assert connection.vendor == "postgresql"
    clients = iter([login(resident) for _ in range(4)])  # four tabs, one resident
    lock = threading.Lock()

    def click():
        with lock:
            client = next(clients)
        return client.post(f"/projets/{project.slug}/{path}/").status_code

    statuses = run_together(4, click)
    assert statuses == [302] * 4
    assert model.objects.filter(project=project, user=resident).count() == 1
    assert getattr(Project.objects.get(pk=project.pk), counter) == 1


def test_a_second_insert_waiting_on_the_first_is_turned_into_already_supported():
    """Deterministic interleaving: the first transaction holds its new row while the second
    tries to insert the same one; the second waits, then gets "already there"."""
    project = ProjectFactory()
    resident = ResidentFactory()
    first_inserted = threading.Event()
    release_first = threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                outcome["first"] = services.support_add(project=project, user=resident)
                first_inserted.set()
                release_first.wait(10)
        finally:
            connection.close()

    def second():
        try:
            first_inserted.wait(10)
            outcome["second"] = services.support_add(project=project, user=resident)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_inserted.wait(10)
    time.sleep(0.5)  # the second insert is now blocked on the unique index
    assert "second" not in outcome
    release_first.set()
    for thread in threads:
        thread.join(30)
    close_old_connections()
    assert outcome == {"first": True, "second": False}
    assert Support.objects.filter(project=project).count() == 1
    assert Project.objects.get(pk=project.pk).support_count == 1


def test_simultaneous_support_and_withdrawal_leave_counter_and_rows_in_step():
    project = ProjectFactory()
    residents = ResidentFactory.create_batch(6)
    for resident in residents[:3]:
        services.support_add(project=project, user=resident)
    queue = list(residents)
    lock = threading.Lock()

    def toggle():
        with lock:
            resident = queue.pop()
        if residents.index(resident) < 3:
            return services.support_remove(project=project, user=resident)
        return services.support_add(project=project, user=resident)

    run_together(6, toggle)
    assert Project.objects.get(pk=project.pk).support_count == Support.objects.count() == 3


def test_simultaneous_submits_of_one_comment_post_it_once():
    project = ProjectFactory()
    resident = ResidentFactory()
    clients = iter([login(resident) for _ in range(3)])
    lock = threading.Lock()

    def submit():
        with lock:
            client = next(clients)
        return client.post(f"/projets/{project.slug}/commenter/", {"body": "Un banc ?"})

    responses = run_together(3, submit)
    assert [r.status_code for r in responses] == [302] * 3
    assert Comment.objects.filter(project=project).count() == 1
    assert Project.objects.get(pk=project.pk).comment_count == 1
