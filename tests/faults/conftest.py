"""Fixtures of the fault tests: throwaway servers, removed after each test."""

import pytest

from tests.faults.harness import LiveServerProcess, ThrowawayPostgres, ThrowawayRedis


@pytest.fixture
def throwaway_postgres():
    with ThrowawayPostgres() as pg:
        yield pg


@pytest.fixture
def throwaway_redis():
    with ThrowawayRedis() as redis:
        yield redis


@pytest.fixture
def site_process():
    """Build (not start) site processes; every one is stopped after the test."""
    sites: list[LiveServerProcess] = []

    def build(**kwargs) -> LiveServerProcess:
        site = LiveServerProcess(**kwargs)
        sites.append(site)
        return site

    yield build
    for site in sites:
        site.stop()
