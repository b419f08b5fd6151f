from django.apps import AppConfig


class StudydayConfig(AppConfig):
    name = "zugong.studyday"
    verbose_name = "星期四学习日与三会一课"
