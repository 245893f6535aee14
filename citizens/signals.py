"""Receivers of the citizens app (connected in CitizensConfig.ready)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import mark_staff_session


@receiver(user_logged_in, dispatch_uid="citizens.mark_staff_session")
def on_login(sender, request, user, **kwargs):
    if request is not None:
        mark_staff_session(request, user)
