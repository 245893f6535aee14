from allauth.account.adapter import DefaultAccountAdapter

from loos.enqueue import enqueue_on_commit, run_here


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
        # With the broker down, the email is sent from this request rather than lost: the
        # person is waiting for it (loos.enqueue).
        enqueue_on_commit(
            send_account_email,
            kwargs=kwargs,
            if_broker_down=run_here(send_account_email, kwargs),
        )

    def post_login(self, request, user, **kwargs):
        """Logging in brings back the language saved on the account, on any device."""
        from .language import set_language_cookie

        response = super().post_login(request, user, **kwargs)
        if user.language and user.language != getattr(request, "LANGUAGE_CODE", None):
            set_language_cookie(request, response, user.language)
        return response
