from django.apps import AppConfig

from core import registry


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes et organisations"

    def ready(self):
        from accounts import receivers  # noqa: F401
        from accounts.enums import AuditAction

        registry.contribute(registry.HOME_LINKS, "accounts")
        registry.contribute(registry.AUDIT_ACTIONS, AuditAction)
