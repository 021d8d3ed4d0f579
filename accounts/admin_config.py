"""The admin app with passnum's admin site (INSTALLED_APPS, in place of django.contrib.admin).
Only imports what app loading allows: the site class is named, not imported."""

from django.contrib.admin.apps import AdminConfig


class PassnumAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.PassnumAdminSite"
