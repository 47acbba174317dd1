"""Terminal tables (cnncalc/rendering/terminal.py) fit the width: no cell cut, no line too wide; numbers shorten before
columns go, lowest priority first; piped output prints every column whole at its natural width. Widths are measured
on the printed lines (rich's cell_len) and worked out by hand for a table of known cells."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator

import pytest
import torch
from rich.cells import cell_len
from torch import nn

import cnncalc
from cnncalc.cli import main
from cnncalc.errors import UnknownNameError
from cnncalc.numbers import si
from cnncalc.rendering import RenderContext
from cnncalc.rendering import terminal as fit
from cnncalc.rendering.terminal import Cell, Column, FitTable, Layout, View, number
from cnncalc.rendering.views.model import report_table

# -- the layout, on a table of known widths ----------------------------------------------------------------------

# name "alpha" 5 | big 1,234,567,890 13 (short "1.23 G" 6) | small 9,876,543 9 (short "9.88 M" 6) | note "xx" 4
# (its header); borders and padding of 4 boxed columns: 3·4 + 1 = 13, so the natural width is 5+13+9+4 + 13 = 44
COLUMNS = (Column("name", 1), number("big", 2), number("small", 3), Column("note", 4))
ROWS = [["alpha", 1_234_567_890, 9_876_543, "xx"]]


def spec() -> FitTable:
    return FitTable(COLUMNS, ROWS)


def names(table: FitTable, indices: tuple[int, ...] | frozenset[int]) -> set[str]:
    return {table.columns[i].name for i in indices}


def test_si_keeps_three_significant_digits() -> None:
    assert [si(n) for n in (0, 795, 999, 1_000, 9_408, 999_499, 999_500)] == \
        ["0", "795", "999", "1 k", "9.41 k", "999 k", "1 M"]
    assert si(11_689_512) == "11.7 M" and si(4_089_184_256) == "4.09 G" and si(118_013_952) == "118 M"


def test_natural_width_is_the_sum_of_the_cells_and_borders() -> None:
    table = spec()
    assert table.natural_layout().width == 44
    text = fit.render_text(table)  # piped: the natural width
    assert max(cell_len(line) for line in text.splitlines()) == 44
    assert "1,234,567,890" in text and "9,876,543" in text and "hidden" not in text


def test_numbers_shorten_lowest_priority_first_before_any_column_goes() -> None:
    table = spec()
    assert table.layout(44) == Layout((0, 1, 2, 3), (5, 13, 9, 4), frozenset(), (), 44)
    # 43: small shortened (9 → 6): 5+13+6+4 + 13 = 41
    at43 = table.layout(43)
    assert names(table, at43.short) == {"small"} and at43.dropped == () and at43.width == 41
    # 40: big too (13 → 6): 5+6+6+4 + 13 = 34
    at40 = table.layout(40)
    assert names(table, at40.short) == {"small", "big"} and at40.dropped == () and at40.width == 34
    # 37 would hold three columns whole (5+13+9 + 10 = 37), but four shortened (34) come first
    at37 = table.layout(37)
    assert at37.dropped == () and names(table, at37.short) == {"small", "big"}
    # 33: four do not fit even shortened; three (chrome 10) whole: 5+13+9 + 10 = 37, small short: 34,
    # big short too: 27 ≤ 33
    at33 = table.layout(33)
    assert names(table, at33.dropped) == {"note"} and names(table, at33.short) == {"small", "big"}
    assert at33.width == 27


@pytest.mark.parametrize("width", [44, 43, 40, 34, 33, 30])
def test_rendered_lines_never_pass_the_width(width: int) -> None:
    text = fit.render_text(spec(), width)
    assert max(cell_len(line) for line in text.splitlines()) <= width
    assert "…" not in text
    if width < 34:
        assert "hidden to fit: note" in " ".join(text.split())
    if width < 44:
        assert "Shortened (M = 10⁶" in " ".join(text.split())


def test_columns_shortened_together_go_as_one() -> None:
    cols = (Column("name", 1), Column("a", 2, "right", together="x"), Column("b", 3, "right", together="x"))
    table = FitTable(cols, [["n", Cell("1,234,567", "1.23 M"), Cell("7,654,321", "7.65 M")]])
    natural = table.natural_layout().width  # "name" 4, 9 and 9, and 3·3 + 1 = 10: 32
    assert natural == 32
    assert names(table, table.layout(natural - 1).short) == {"a", "b"}


def test_wrapping_text_breaks_at_spaces_never_inside_a_name() -> None:
    cols = (Column("module", 1), Column("note", 2, wrap=True), Column("inputs", 3, wrap=True))
    rows = [["features.denseblock4", "a long reconciliation note that wraps", "1x3x512x512, 1x3x512x512"]]
    table = FitTable(cols, rows)
    # module 20, note ≥ 14 ("reconciliation"), inputs ≥ 12 (one shape), borders 10: 56 at the least
    text = fit.render_text(table, 60)
    assert max(cell_len(line) for line in text.splitlines()) <= 60
    assert "features.denseblock4" in text and text.count("1x3x512x512") == 2  # whole, on two lines
    assert "reconciliation" in text


def test_view_picks_and_orders_columns_and_wide_shows_all() -> None:
    picked = fit.render_text(FitTable(COLUMNS, ROWS, view=View(columns=("small", "NAME"))), 80)
    header = next(line for line in picked.splitlines() if "name" in line)
    assert header.index("small") < header.index("name") and "big" not in picked
    wide = fit.render_text(FitTable(COLUMNS, ROWS, view=View(wide=True)))  # --wide: at the natural width
    assert "1,234,567,890" in wide and "note" in wide and "hidden" not in wide


def test_unknown_column_names_what_is_accepted() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown column 'flops'.*known: big, name, note, small"):
        fit.parse_columns("name,flops", fit.column_names(spec()))
    assert fit.parse_columns("name, big", fit.column_names(spec())) == ("name", "big")
    assert fit.parse_columns("", fit.column_names(spec())) is None


def test_text_is_whole_at_its_natural_width_and_columns_are_checked() -> None:
    text = fit.render_text(spec())  # no width: as when piped
    assert "1,234,567,890" in text and "note" in text
    with pytest.raises(UnknownNameError):
        fit.check_columns(spec(), ["nope"])


# -- every command, on a terminal of 80, 100 and 120 columns, and piped ----------------------------------------------

COMMANDS = {
    "analyze": ["analyze", "resnet18", "--depth", "2"],
    "models": ["models"],
    "validate": ["validate", "lenet5"],
    "compare": ["compare", "xception-dw", "standard", "--cin", "3", "--cout", "256"],
    "layer": ["layer", "inception"],
    "designs": ["designs"],
    "sweep": ["sweep", "se", "--vary", "reduction=2,4,8", "--cin", "64"],
    "profile": ["profile", "lenet5", "--min-time", "0.02", "--warmup", "1", "--per-layer"],
}


def known_columns(command: str) -> tuple[str, ...]:
    """The names the CLI checks --columns against, per command (the lists renderers export)."""
    from cnncalc.rendering.views import layers, model, profile

    return {
        "analyze": fit.column_names(model.REPORT_COLUMNS, model.TRAINING_COLUMNS),
        "models": fit.column_names(model.MODELS_COLUMNS), "validate": fit.column_names(model.VALIDATE_COLUMNS),
        "compare": fit.column_names(layers.compare_columns(["xception-dw", "standard"])),
        "layer": fit.column_names(layers.OPS_COLUMNS), "designs": fit.column_names(layers.DESIGN_COLUMNS),
        "sweep": layers.SWEEP_COLUMN_NAMES,
        "profile": fit.column_names(profile.RUN_TABLE_COLUMNS, profile.LAYER_TABLE_COLUMNS),
    }[command]


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[FitTable, Layout]]]:
    """Every (table, layout) the command printed."""
    seen: list[tuple[FitTable, Layout]] = []
    original = FitTable.layout

    def spy(self: FitTable, width: int, view: fit.View | None = None) -> Layout:
        result = original(self, width, view)
        if width > 1:  # not the measurement of the narrowest form
            seen.append((self, result))
        return result

    monkeypatch.setattr(FitTable, "layout", spy)
    yield seen


def run(capsys: pytest.CaptureFixture[str], argv: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    if argv[0] == "profile":  # the 256 MiB copy that measures the bandwidth is not what is tested here
        devices = importlib.import_module("cnncalc.devices")
        monkeypatch.setattr(devices, "measure_cpu_bandwidth", lambda megabytes=256: 20e9)
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def no_ellipsis(out: str) -> None:
    """No '…' anywhere: nothing is cut (the convention line has none either, so none can be mistaken)."""
    assert "…" not in out


@pytest.mark.parametrize("width", [80, 100, 120])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_terminal_tables_fit(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                             layouts: list[tuple[FitTable, Layout]], command: str, width: int) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(fit, "is_terminal", lambda file: True)  # capsys is a pipe; this is a terminal that wide
    out = run(capsys, COMMANDS[command], monkeypatch)
    assert max(cell_len(line) for line in out.splitlines()) <= width
    no_ellipsis(out)
    flat = " ".join(out.split())
    assert layouts
    for table, layout in layouts:
        assert layout.width <= width
        kept = [table.columns[i] for i in layout.columns]
        gone = [table.columns[i] for i in layout.dropped]
        # the columns shown are the high-priority ones; a note names the others
        if gone:
            assert max(c.priority for c in kept) <= min(c.priority for c in gone), (kept, gone)
            assert "hidden to fit: " + ", ".join(c.name for c in gone) in flat
        if layout.short:
            assert "Shortened" in flat
        for c in kept if table.show_header else []:
            for word in (c.name if c.header is None else c.header).split():
                assert word in out


def test_analyze_at_80_keeps_what_a_module_costs(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 layouts: list[tuple[FitTable, Layout]]) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(fit, "is_terminal", lambda file: True)
    out = run(capsys, COMMANDS["analyze"], monkeypatch)
    table, layout = next((t, lay) for t, lay in layouts if "module" in t.names)
    assert [table.columns[i].name for i in layout.columns] == ["module", "type", "output", "params", "MACs", "FLOPs"]
    assert "hidden to fit: traffic, FLOP/B, out bytes, RF" in " ".join(out.split())
    assert "9,408" in out  # conv1's params, whole: params is shortened last
    assert "1×64×112×112" in out and "AdaptiveAvgPool2d" in out


class GeneralizedDetectionTransform(nn.Module):  # a detector's long type names, as torchvision's
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 256, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class FeaturePyramidNetworkHead(nn.Sequential):
    pass


def test_analyze_at_80_drops_a_long_type_before_macs(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """With type names as long as a detector's, module, type, output, params, MACs and FLOPs cannot all fit 80
    columns: the type goes (the module's name says which row it is), MACs and FLOPs stay."""
    model = FeaturePyramidNetworkHead(GeneralizedDetectionTransform(), nn.Conv2d(256, 256, 3, padding=1))
    text = fit.render_text(report_table(cnncalc.analyze(model, (1, 3, 64, 64)), 3, RenderContext(width=80)), 80)
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    header = next(line for line in text.splitlines() if "module" in line)
    assert "MACs" in header and "FLOPs" in header and "type" not in header
    assert "hidden to fit: type" in " ".join(text.split())
    # the second conv: 3·3·256·256 = 589,824 weights at 64·64 = 4,096 positions: 2,415,919,104 MACs
    assert "2,415,919,104" in text or "2.42 G" in text


@pytest.mark.parametrize("command", list(COMMANDS))
def test_piped_tables_print_whole(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                  layouts: list[tuple[FitTable, Layout]], command: str) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # ignored: capsys is not a terminal
    out = run(capsys, COMMANDS[command], monkeypatch)
    no_ellipsis(out)
    assert "hidden to fit" not in out and "Shortened" not in out
    assert layouts
    for table, layout in layouts:
        assert layout.dropped == () and layout.short == frozenset()
        assert len(layout.columns) == len(table.columns)
        if table.selectable:  # what --columns accepts names every column printed
            assert set(table.names) <= set(known_columns(command))
    if command == "analyze":
        assert max(cell_len(line) for line in out.splitlines()) > 80
        assert "118,013,952" in out and "out bytes" in out and "627×627" in out  # conv1's MACs; the fc's RF
    if command == "models":
        assert "Gradient-based learning applied to document recognition" in out  # the paper, on one line


def test_ratios_that_round_to_one_read_as_percentages() -> None:
    """(2+1)-D against 3-D at 64→64, 3×3×3: 110,880 against 110,592 params; ×1.0026 would print as '×1' and
    '1× more'. The difference is 288 / 110,592 = 0.26%."""
    from cnncalc.numbers import compare_phrase, ratio

    assert ratio(110_880, 110_592) == "+0.26%" and ratio(110_592, 110_880) == "−0.26%"
    assert compare_phrase(110_880, 110_592, "params") == "0.26% more params"
    assert compare_phrase(110_592, 110_880, "params") == "0.26% fewer params"
    assert ratio(2_000, 1_000) == "×2" and ratio(1_000, 64_000) == "÷64" and ratio(5, 5) == "×1"
