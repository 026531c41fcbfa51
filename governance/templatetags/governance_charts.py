from django import template
from django.utils.safestring import SafeString

from governance import charts
from governance.figures import Table

register = template.Library()


@register.simple_tag
def chart(table: Table) -> SafeString:
    """The table's chart as inline SVG (nothing for a table without one)."""
    return charts.render(table)
