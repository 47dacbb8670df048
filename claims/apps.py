from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"
    verbose_name = "Registry"

    def ready(self) -> None:
        from claims import signals

        signals.connect()
