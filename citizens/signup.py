"""allauth's signup form, saving the account and its email address in one transaction.

allauth writes the user, then its EmailAddress, each on its own. A database outage between the
two would leave an account that can never be confirmed and that blocks its address. (A module
of its own: allauth imports `citizens.forms.SignupExtraForm` while building its forms, so
`citizens.forms` must not import them.)
"""

from allauth.account.forms import SignupForm
from django.db import transaction


class AtomicSignupForm(SignupForm):
    def save(self, request):
        with transaction.atomic():
            return super().save(request)
