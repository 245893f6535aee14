"""Residents writing to the site from threads, over HTTP, while a test breaks its servers.

A `Write` is one kind of write a resident makes (sign up, save their profile; later: comment,
contribute). `WriteLoad` runs each kind in a few threads until stopped and records every
attempt; afterwards `Write.missing()` lists the acknowledged writes (a success response was
received) that are not in the database: a lost write.

Adding a kind is one subclass; for writes that insert a row with a unique text, `InsertWrite`
does the check:

    class CommentWrite(InsertWrite):
        name = "comment"
        lookup_sql = "SELECT body FROM projects_comment WHERE body = ANY(%s)"

        def prepare(self, site, index):          # once per thread, before the load
            session = HttpSession(site.url)
            session.login(self.residents[index], PASSWORD)
            return session

        def attempt(self, session, marker):       # one write; (response, acknowledged)
            page = session.get(self.project_path)
            if page.status != 200:
                return page, False
            response = session.post(self.project_path + "commenter/", {"body": marker})
            return response, response.status == 302

        def marker(self, thread, sequence):        # the unique text looked up afterwards
            return f"Commentaire {thread}-{sequence} du test de pannes"
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.faults.harness import HttpSession, Response


@dataclass
class Attempt:
    kind: str
    thread: int
    sequence: int
    marker: str
    started: float
    finished: float = 0.0
    status: int | None = None  # None: no HTTP answer at all (connection refused, reset…)
    acknowledged: bool = False
    retry_after: str = ""
    body: str = ""  # kept for 503s and unexpected answers
    error: str = ""

    @property
    def unavailable(self) -> bool:
        return self.status == 503

    @property
    def unexpected(self) -> bool:
        """Neither acknowledged nor a 503: a 500, a 4xx, a dropped connection."""
        return not self.acknowledged and not self.unavailable

    def __str__(self) -> str:
        answer = self.status if self.status is not None else self.error
        return f"{self.kind}#{self.thread}.{self.sequence} -> {answer} {self.body[:200]!r}"


class Write:
    """One kind of resident write. Subclasses define `name`, `prepare`, `attempt`, `missing`."""

    name = "write"

    def prepare(self, site, index: int):
        """Per-thread state (e.g. a logged-in HttpSession), made before the load starts."""
        return HttpSession(site.url)

    def marker(self, thread: int, sequence: int) -> str:
        return f"faults-{self.name}-{thread}-{sequence}"

    def attempt(self, state, marker: str) -> tuple[Response, bool]:
        """Make one write; return the last response and whether it acknowledges the write."""
        raise NotImplementedError

    def missing(self, db, attempts: list[Attempt]) -> list[str]:
        """The acknowledged writes absent from the database (`db`: a psycopg connection)."""
        raise NotImplementedError


class InsertWrite(Write):
    """A write that inserts a row holding its marker; `lookup_sql` finds markers among
    `%s` (a list)."""

    lookup_sql = ""

    def missing(self, db, attempts: list[Attempt]) -> list[str]:
        acknowledged = [a.marker for a in attempts if a.acknowledged]
        found = {row[0] for row in db.execute(self.lookup_sql, [acknowledged])}
        return sorted(set(acknowledged) - found)


class SignupWrite(InsertWrite):
    """A visitor creates an account at /compte/signup/ (302 to the "check your email" page)."""

    name = "signup"
    lookup_sql = "SELECT email FROM citizens_user WHERE email = ANY(%s)"

    def __init__(self, password: str):
        self.password = password

    def marker(self, thread: int, sequence: int) -> str:
        return f"faults-signup-{thread}-{sequence}@example.org"

    def attempt(self, session: HttpSession, marker: str) -> tuple[Response, bool]:
        # A new visitor each time, who already has the form (and its CSRF cookie) in hand,
        # so that the write itself meets the outage.
        session.forget_all_but("csrftoken")
        if not session.cookie("csrftoken"):
            page = session.get("/compte/signup/")
            if page.status != 200:
                return page, False
        response = session.post(
            "/compte/signup/",
            {
                "email": marker,
                "display_name": "Habitant du test de pannes",
                "password1": self.password,
                "password2": self.password,
            },
        )
        return response, response.status == 302 and "/compte/confirm-email/" in response.location


class ProfileUpdateWrite(Write):
    """A logged-in resident saves their profile at /compte/ with a new display name. Each
    thread is one resident writing in sequence, so the name in the database afterwards must
    be the last acknowledged one or a later one (whose answer was lost in the outage)."""

    name = "profile"
    NAME = re.compile(r"^Profil (\d+)-(\d+)$")

    def __init__(self, residents: list[str], password: str):
        self.residents = residents
        self.password = password

    def prepare(self, site, index: int) -> HttpSession:
        session = HttpSession(site.url)
        response = session.login(self.residents[index], self.password)
        assert response.status == 302, f"login of {self.residents[index]}: {response.status}"
        return session

    def marker(self, thread: int, sequence: int) -> str:
        return f"Profil {thread}-{sequence}"

    def attempt(self, session: HttpSession, marker: str) -> tuple[Response, bool]:
        # The resident has the form in hand (the CSRF cookie was set at login).
        response = session.post(
            "/compte/", {"display_name": marker, "neighbourhood": "", "language": "fr"}
        )
        return response, response.status == 302 and response.location.endswith("/compte/")

    def missing(self, db, attempts: list[Attempt]) -> list[str]:
        last_acknowledged: dict[int, int] = {}
        for attempt in attempts:
            if attempt.acknowledged:
                last_acknowledged[attempt.thread] = max(
                    last_acknowledged.get(attempt.thread, 0), attempt.sequence
                )
        rows = dict(
            db.execute(
                "SELECT email, display_name FROM citizens_user WHERE email = ANY(%s)",
                [self.residents],
            )
        )
        lost = []
        for thread, sequence in last_acknowledged.items():
            stored = self.NAME.match(rows.get(self.residents[thread], ""))
            if not stored or int(stored.group(2)) < sequence:
                lost.append(f"{self.residents[thread]}: saved {sequence}, stored {stored}")
        return lost


class WriteLoad:
    """Runs each write kind in `threads` threads, back to back, until `stop()`; `hold()`
    and `resume()` suspend it between attempts."""

    def __init__(self, site, writes: list[Write], *, threads: int = 2, pause: float = 0.02):
        self.site = site
        self.writes = writes
        self.threads = threads
        self.pause = pause  # between two attempts of a thread: a loaded machine stays usable
        self.attempts: list[Attempt] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._go = threading.Event()  # cleared by pause()
        self._go.set()
        self._in_flight = 0
        self._workers: list[threading.Thread] = []

    def start(self) -> WriteLoad:
        for write in self.writes:
            for index in range(self.threads):
                state = write.prepare(self.site, index)
                thread = threading.Thread(target=self._run, args=(write, index, state), daemon=True)
                self._workers.append(thread)
        for thread in self._workers:
            thread.start()
        return self

    def _run(self, write: Write, index: int, state) -> None:
        sequence = 0
        while not self._stop.is_set():
            with self._lock:
                proceed = self._go.is_set()
                self._in_flight += proceed
            if not proceed:
                self._go.wait(0.1)
                continue
            sequence += 1
            marker = write.marker(index, sequence)
            attempt = Attempt(write.name, index, sequence, marker, started=time.monotonic())
            try:
                response, attempt.acknowledged = write.attempt(state, marker)
            except OSError as error:  # no answer: the site itself failed
                attempt.error = f"{type(error).__name__}: {error}"
            else:
                attempt.status = response.status
                attempt.retry_after = response.headers.get("retry-after", "")
                if not attempt.acknowledged:
                    attempt.body = response.body[:2000]
            attempt.finished = time.monotonic()
            with self._lock:
                self.attempts.append(attempt)
                self._in_flight -= 1
            self._stop.wait(self.pause)

    def hold(self, timeout: float = 60) -> None:
        """Let the attempts in flight finish and start no new one until `resume()`."""
        with self._lock:
            self._go.clear()
        deadline = time.monotonic() + timeout
        while self._in_flight and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not self._in_flight, "attempts still in flight"

    def resume(self) -> None:
        self._go.set()

    def stop(self) -> list[Attempt]:
        self._go.set()
        self._stop.set()
        for thread in self._workers:
            thread.join(60)
        return self.snapshot()

    def snapshot(self, where: Callable[[Attempt], bool] = lambda a: True) -> list[Attempt]:
        with self._lock:
            return [a for a in self.attempts if where(a)]

    def count(self, where: Callable[[Attempt], bool]) -> int:
        return len(self.snapshot(where))

    def each_kind_acknowledged(self, at_least: int, since: float = 0.0) -> bool:
        """Has every kind had `at_least` acknowledged writes started after `since`?"""
        return all(
            self.count(lambda a, w=w: a.kind == w.name and a.acknowledged and a.started >= since)
            >= at_least
            for w in self.writes
        )
