"""The session store: Django's database store, on a table that records each session's account.

Django documents this extension ("Extending database-backed session engines"); it lets account
deletion end a person's sessions with one indexed query (`AccountSession.account_id`).
"""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DBStore

from loos.outage import is_database_outage


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        from .models import AccountSession

        return AccountSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.account_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            instance.account_id = None
        return instance

    def save(self, must_create=False):
        try:
            return super().save(must_create=must_create)
        except UpdateError as error:
            # Django reads any database error while updating a session as "deleted by a
            # concurrent logout" (a 400). An unreachable database is an outage: a 503.
            outage = error.__context__
            if not is_database_outage(outage):
                raise
        raise outage
