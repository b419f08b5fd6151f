from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zugong.accounts"
    label = "accounts"
    verbose_name = "账号与授权"

    def ready(self):
        from . import signals  # noqa: F401 - connects the login/logout audit receivers
