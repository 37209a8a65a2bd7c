"""Markdown problem sets and keys: <version>/problems.md and <version>/key.md."""
from . import PerVersionTemplates, register


@register
class Markdown(PerVersionTemplates):
    name = "markdown"
    extension = "md"
