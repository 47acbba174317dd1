"""Views: records in, tables / JSON / CSV / Markdown out."""

from cnncalc.render.formats import Format, to_csv, to_json, to_markdown

__all__ = ["Format", "to_csv", "to_json", "to_markdown"]
