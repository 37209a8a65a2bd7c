"""Markdown problem sets and keys: <version>/problems.md and <version>/key.md, with their pictures as SVG files
beside them (<version>/pictures/), since Markdown renderers show an image file but not inline SVG."""
from . import PerVersionTemplates, picture_name, register


@register
class Markdown(PerVersionTemplates):
    name = "markdown"
    help = 'problem sets and keys in Markdown, with their pictures as SVG files'
    writes = 'handout/<version>/problems.md, keys/<version>/key.md'
    extension = "md"

    def pictures(self, quizset, version, renderer):
        files = {}
        for q in version.questions:
            for key in (False, True):
                svg = renderer.svg(q, quizset.language, key)
                if svg:
                    files[picture_name(q, key)] = str(svg)
        return files
