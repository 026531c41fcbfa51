"""The form renderer: Django's own widgets from its Jinja2 templates, any other from its engine.

Django's template engine resolves every variable of a widget's template through several lookups;
a select renders one template per option. Its Jinja2 copies of the same templates give the same
HTML several times faster (bench/README.md). Widgets that only have a Django template (the
admin's, a package's) are rendered by Django's engine, as before.
"""

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property


class FastRenderer(Jinja2):
    @cached_property
    def django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name: str):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)
