from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.display_name = data.get("display_name") or user.email.split("@")[0]
        user.neighbourhood = data.get("neighbourhood")
        if getattr(request, "LANGUAGE_CODE", None) in ("fr", "en"):
            user.language = request.LANGUAGE_CODE
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix, email, context):
        """Render in the request, send from a Celery worker so SMTP never slows a page."""
        from .tasks import send_account_email

        message = self.render_mail(template_prefix, email, context)
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            None,
        )
        kwargs = {
            "subject": message.subject,
            "body": message.body,
            "html": html,
            "to": list(message.to),
            "from_email": message.from_email,
        }
        transaction.on_commit(lambda: send_account_email.delay(**kwargs))

    def post_login(self, request, user, **kwargs):
        """Logging in brings back the language saved on the account, on any device."""
        from .language import set_language_cookie

        response = super().post_login(request, user, **kwargs)
        if user.language and user.language != getattr(request, "LANGUAGE_CODE", None):
            set_language_cookie(request, response, user.language)
        return response
