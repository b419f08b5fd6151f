from django.apps import AppConfig


class AuditlogConfig(AppConfig):
    name = "zugong.auditlog"
    label = "auditlog"
    verbose_name = "审计管理"
