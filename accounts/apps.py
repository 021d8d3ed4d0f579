from django.apps import AppConfig

from core import registry


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes et organisations"

    def ready(self):
        from accounts import receivers  # noqa: F401

        registry.contribute(registry.HOME_LINKS, "accounts")
