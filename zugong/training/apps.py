from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "zugong.training"
    verbose_name = "累计学分制"
