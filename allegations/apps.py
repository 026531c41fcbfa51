from django.apps import AppConfig


class AllegationsConfig(AppConfig):
    name = "allegations"
    verbose_name = "Concerns about adults"
