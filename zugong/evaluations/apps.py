from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "zugong.evaluations"
    verbose_name = "测评"
