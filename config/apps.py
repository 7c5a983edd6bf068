"""The admin app, with the site's own admin site (config.auth.AdminSite) as its default."""
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "config.auth.AdminSite"
