"""The session store: Django's database store, on a table that records each session's account.

Django documents this extension ("Extending database-backed session engines"); it lets account
deletion end a person's sessions with one indexed query (`AccountSession.account_id`).
"""

from django.contrib.sessions.backends.db import SessionStore as DBStore


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
