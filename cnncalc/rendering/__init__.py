"""Views: records in, text out. `render(record, format, context)` is the only way in: the terminal's table,
JSON, CSV, Markdown or one self-contained HTML page (see `cnncalc.rendering.registry`)."""

from cnncalc.rendering.registry import RenderContext, formats, render, table_rows

__all__ = ["RenderContext", "formats", "render", "table_rows"]
