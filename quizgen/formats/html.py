"""Self-contained HTML problem sets and keys: <version>/problems.html and <version>/key.html."""
from . import PerVersionTemplates, register


@register
class Html(PerVersionTemplates):
    name = "html"
    extension = "html"
