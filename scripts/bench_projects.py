#!/usr/bin/env python3
"""Time the project pages on a throwaway PostgreSQL database filled with many projects.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/loos \
        .venv/bin/python scripts/bench_projects.py 10000

Creates a test database (test_<name>), fills it with N projects (and, on one project, 2,000
comments with replies and 5,000 supports), then prints, for each page, the number of SQL
queries and the median time of 20 requests. The test database is dropped at the end.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loos.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

WORDS = (
    "rue école square parc cantine bio solaire panneaux terril vélo trottoir arbres bancs "
    "culture concert théâtre jardin compost quartier gare mairie parking sécurité lumière"
).split()


def fill(n: int):
    import random

    from citizens.models import Neighbourhood, User
    from projects.models import Category, Comment, Project, Status, Support

    rng = random.Random(42)
    hoods = [
        Neighbourhood.objects.create(name=f"Quartier {i}", slug=f"quartier-{i}") for i in range(6)
    ]
    categories, statuses = Category.values, Status.values
    batch = []
    for i in range(n):
        words = rng.sample(WORDS, 6)
        batch.append(
            Project(
                title=f"Projet {i} : {' '.join(words[:3])}",
                slug=f"projet-{i}",
                summary=" ".join(words),
                body=" ".join(rng.choices(WORDS, k=120)),
                category=rng.choice(categories),
                status=rng.choice(statuses),
                neighbourhood=rng.choice(hoods),
                latitude=50.44 + rng.random() * 0.03,
                longitude=2.77 + rng.random() * 0.04,
                support_count=rng.randint(0, 200),
                comment_count=rng.randint(0, 80),
            )
        )
    Project.objects.bulk_create(batch, batch_size=1000)
    main = Project.objects.get(slug="projet-0")
    users = User.objects.bulk_create(
        [User(email=f"u{i}@example.org", display_name=f"Habitant {i}") for i in range(5000)],
        batch_size=1000,
    )
    tops = Comment.objects.bulk_create(
        [
            Comment(project=main, author=users[i], body=f"Avis {i}", reply_count=1)
            for i in range(2000)
        ]
    )
    Comment.objects.bulk_create(
        [
            Comment(project=main, author=users[i + 1], body="Réponse", parent=t)
            for i, t in enumerate(tops)
        ]
    )
    Support.objects.bulk_create([Support(project=main, user=u) for u in users])
    Project.objects.filter(pk=main.pk).update(support_count=5000, comment_count=4000)


def measure(client: Client, url: str) -> tuple[int, float]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    queries = len(ctx.captured_queries)  # before the next request clears the log
    timings = []
    for _ in range(20):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    return queries, statistics.median(timings)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    setup_test_environment()
    config = setup_databases(verbosity=0, interactive=False)
    try:
        start = time.perf_counter()
        fill(n)
        print(f"{n} projects filled in {time.perf_counter() - start:.1f} s ({connection.vendor})")
        client = Client()
        for url in [
            "/",
            "/projets/",
            "/projets/?tri=soutiens",
            "/projets/?q=cantine+bio",
            "/projets/?q=ecole&theme=culture&tri=discussions",
            f"/projets/?page={max(1, n // 40)}",
            "/projets/projet-0/",
            "/projets/projet-0/?ordre=ancien&page=50",
        ]:
            queries, median = measure(client, url)
            print(f"{url:<50} {queries:>3} queries  {median:7.1f} ms (median of 20)")
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
