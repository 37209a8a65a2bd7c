"""Rendering: Jinja2 templates turn drafts into question records and pages (renderer), and draw the
pictures and animations of the sliding kernel (pictures)."""
