"""Private storage for exported reports: outside MEDIA_ROOT and static, never served directly."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under settings.PRIVATE_MEDIA_ROOT, read at use time (tests point it elsewhere)."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        import os

        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no public URL; a view serves them to their owner.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()
