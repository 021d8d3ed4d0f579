from django.apps import AppConfig

from core import registry


class VouchersConfig(AppConfig):
    name = "vouchers"
    verbose_name = "Carnets et unités"

    def ready(self):
        from vouchers.selectors import (
            beneficiary_activity,
            beneficiary_export_items,
            beneficiary_timeline_items,
        )
        from vouchers.services import allowances_forget
        from vouchers.views import beneficiary_section

        registry.contribute(registry.HOME_LINKS, "vouchers")
        registry.contribute(registry.BENEFICIARY_SECTIONS, beneficiary_section)
        registry.contribute(registry.BENEFICIARY_TIMELINE, beneficiary_timeline_items)
        registry.contribute(registry.BENEFICIARY_ACTIVITY, beneficiary_activity)
        registry.contribute(registry.BENEFICIARY_EXPORT, beneficiary_export_items)
        registry.contribute(registry.BENEFICIARY_ANONYMISED, allowances_forget)
