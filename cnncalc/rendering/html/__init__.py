"""One self-contained HTML page per record, from Jinja2 templates with autoescaping on.

    page("analyze.html", report, RenderContext(command="cnncalc analyze resnet18 --format html"))

is what `render(record, "html", context)` calls with the template the record's view names (`View.page`). The page
inlines its CSS and JS (assets/), draws its charts as inline SVG, embeds the record as JSON and needs no network.

The package: `assemble` (the environment, the assets, the page), `tracking` (which fields a template read; the rest
go under "More in the record"), `tables` and `charts` (what the macros lay out; `svg`, the builder that escapes
every text), `format` (values as text, over `cnncalc.numbers`), and one module of display values per page
(`analyze`, `designs`, `profile`, `sweep`, `fit`, `validate`, with `memory` shared by two).
"""

from cnncalc.rendering.html.assemble import page

__all__ = ["page"]
