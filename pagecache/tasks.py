from celery import shared_task


@shared_task(time_limit=600, soft_time_limit=540)
def content_changes_compact() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): keep the last content change of each object."""
    from .versions import content_changes_compact as compact

    return compact()
