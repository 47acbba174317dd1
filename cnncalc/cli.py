"""The command line: parses, calls the library, hands records to a renderer. No logic lives here."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import IO, Annotated, Any

import typer

from cnncalc.errors import CnncalcError
from cnncalc.render.formats import Format

try:
    from typer._click.exceptions import ClickException
except ImportError:  # typer < 0.16 depends on click itself
    from click.exceptions import ClickException  # type: ignore[no-redef, import-not-found, assignment, unused-ignore]

app = typer.Typer(
    name="cnncalc",
    help="What a convolutional network costs: params, MACs, FLOPs, memory, receptive field.\n\n"
         "MACs are multiply-accumulates; FLOPs = 2 × MACs + other arithmetic.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

PAIR = "N or per axis"
Cin = Annotated[str | None, typer.Option("--cin", metavar="N", help="Input channels.", show_default=False)]
Cout = Annotated[str | None, typer.Option("--cout", metavar="N", help="Output channels.", show_default=False)]
Kernel = Annotated[str | None, typer.Option("--kernel", "-k", metavar=PAIR,
                                            help="Kernel size: one number or one per axis, e.g. 3, 1x7, 3x3x3 "
                                                 "(default 3).")]
Stride = Annotated[str | None, typer.Option("--stride", metavar=PAIR, help="Stride (default 1).")]
Padding = Annotated[str | None, typer.Option("--padding", metavar=PAIR,
                                             help="Zero padding (default dilation·(k−1)/2, 'same').")]
Dilation = Annotated[str | None, typer.Option("--dilation", metavar=PAIR, help="Dilation (default 1).")]
Groups = Annotated[str | None, typer.Option("--groups", metavar="N", help="Groups (group conv default 2).")]
Reduction = Annotated[str | None, typer.Option("--reduction", metavar="N", help="SE reduction ratio r (default 16).")]
Mid = Annotated[str | None, typer.Option("--mid", metavar="N", help="Bottleneck width (default cout/4).")]
Size = Annotated[str, typer.Option("--size", metavar="N|HxW|DxHxW",
                                   help="Input size: one number is a square 2-D map (a cube or a length with "
                                        "--dims); HxW is 2-D; DxHxW (or TxHxW) is 3-D.")]
Dims = Annotated[str | None, typer.Option("--dims", metavar="1|2|3",
                                          help="Spatial axes: 1 (signals), 2 (images, the default) or 3 "
                                               "(volumes, video).", show_default=False)]
Batch = Annotated[str, typer.Option("--batch", metavar="N", help="Batch size.")]
Bias = Annotated[bool, typer.Option("--bias/--no-bias", help="Bias on the convolutions.")]
DTypeOpt = Annotated[str, typer.Option("--dtype", metavar="DTYPE",
                                                help="float32, float16, bfloat16 or float64.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
WideOpt = Annotated[bool, typer.Option("--wide", help="Every column, whole, at its natural width (as when piped).")]
ColumnsOpt = Annotated[str | None, typer.Option("--columns", metavar="A,B,…", show_default=False,
                                                help="Only these table columns, in this order (names as in the "
                                                     "header).")]
OutOpt = Annotated[str | None, typer.Option("--output", "-o", metavar="FILE", show_default=False,
                                            help="Write the output (any format) to FILE instead of stdout "
                                                 "(- is stdout).")]


def _options(arguments: dict[str, Any]) -> Any:
    """The layer options among a command's arguments (named as the flags), validated."""
    from cnncalc import layer_options
    from cnncalc.layers.options import OPTION_NAMES

    return layer_options(**{k: v for k, v in arguments.items() if k in OPTION_NAMES})


class _Document:
    """Where the document goes: the real stdout. While a command works, everything else written to stdout (a
    package's banner at import, prints in a constructor or a forward, C code writing to file descriptor 1)
    goes to stderr, so that `--format json|csv|markdown|html` on stdout is exactly the document."""

    def __init__(self) -> None:
        self.stream: IO[str] = sys.stdout
        self.saved_stdout: Any = None
        self.saved_fd: int | None = None

    def isolate(self) -> None:
        if self.saved_stdout is not None:
            return
        self.saved_stdout = sys.stdout
        self.stream = sys.stdout
        try:  # a real process: descriptor 1 too, for what C code prints
            if sys.stdout.fileno() == 1 and sys.stderr.fileno() == 2:
                sys.stdout.flush()
                self.saved_fd = os.dup(1)
                os.dup2(2, 1)
                self.stream = open(self.saved_fd, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        except (AttributeError, OSError, ValueError):  # a captured stream (tests, notebooks): Python level only
            self.saved_fd = None
        sys.stdout = sys.stderr

    def restore(self) -> None:
        if self.saved_stdout is None:
            return
        self.stream.flush()
        sys.stdout = self.saved_stdout
        if self.saved_fd is not None:
            sys.stderr.flush()
            os.dup2(self.saved_fd, 1)
            os.close(self.saved_fd)
        self.saved_stdout, self.saved_fd, self.stream = None, None, sys.stdout


_DOCUMENT = _Document()


def _emit(text: str) -> None:
    """Text output: to --output's file, or stdout."""
    text = text if text.endswith("\n") else text + "\n"
    path = _VIEW.get("out")
    if path:
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as err:
            raise CnncalcError(f"--output {path!r} cannot be written: {err.strerror}") from None
        print(f"cnncalc: wrote {path}", file=sys.stderr)
        return
    _DOCUMENT.stream.write(text)
    _DOCUMENT.stream.flush()


def _output(fmt: Format, table: Callable[[], Any], **text: Callable[[], str]) -> None:
    """Render in the chosen format: a rich table on the terminal, or text (json, csv, markdown, html)."""
    if fmt is Format.table:
        _show(table())
    else:
        _emit(text[fmt.value]())


#: the command's --wide and --columns, for every table it prints
_VIEW: dict[str, Any] = {"wide": False, "columns": None}


def _view(wide: bool, columns: str | None, known: Callable[[], Sequence[str]] | None, fmt: Format,
          out: str | None) -> None:
    """Remember the command's view options; check --columns against `known`, --format html against what the
    command can show and --output's folder now (before slow work)."""
    from cnncalc.render.fit import parse_columns

    _VIEW["wide"] = wide
    _VIEW["columns"] = parse_columns(columns, known()) if columns and known else (
        tuple(c.strip() for c in columns.split(",")) if columns else None)
    _VIEW["out"] = _check_output(out) if out and out != "-" else None
    _DOCUMENT.isolate()
    command = _COMMAND.get("name", "")
    if fmt is Format.html and command not in HTML_COMMANDS:
        raise CnncalcError(f"{command} has no HTML view: use --format table, json, csv or markdown "
                           f"(HTML: {', '.join(sorted(HTML_COMMANDS))})")


#: the commands with an HTML page
HTML_COMMANDS = frozenset({"analyze", "compare", "layer", "profile", "sweep", "validate", "fit"})
#: the command line being run, for the HTML page's footer
_COMMAND: dict[str, str] = {}


def _check_output(path: str) -> str:
    """--output FILE: its folder must exist and be writable, and FILE must not be a folder."""
    import os

    target = os.path.abspath(os.path.expanduser(path))
    folder = os.path.dirname(target)
    if os.path.isdir(target):
        raise CnncalcError(f"--output {path!r} is a folder: give a file name in it")
    if not os.path.isdir(folder):
        raise CnncalcError(f"--output {path!r}: the folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK) or (os.path.exists(target) and not os.access(target, os.W_OK)):
        raise CnncalcError(f"--output {path!r} cannot be written (permission denied)")
    return target


def _known(command: str) -> Sequence[str]:
    """The column names a slow command's tables have, to check --columns before the work."""
    from cnncalc.render import model, profile
    from cnncalc.render.fit import column_names

    if command == "profile":
        return column_names(profile.RUN_TABLE_COLUMNS, profile.LAYER_TABLE_COLUMNS)
    return column_names(model.VALIDATE_COLUMNS)


def _show(renderable: Any) -> None:
    """Print a table: fitted to the terminal, or whole at its natural width when piped, --wide or --output."""
    from cnncalc.render.fit import render_text, show

    if _VIEW.get("out"):
        _emit(render_text(renderable, wide=True, columns=_VIEW["columns"]))
        return
    show(renderable, wide=_VIEW["wide"], columns=_VIEW["columns"], file=_DOCUMENT.stream)


@app.command()
def compare(
    designs: Annotated[list[str], typer.Argument(metavar="DESIGN", show_default=False,
                                                 help="Designs or specs, e.g. xception-dw standard group:g=4.")],
    cin: Cin = None, cout: Cout = None, kernel: Kernel = None, stride: Stride = None, padding: Padding = None,
    dilation: Dilation = None, groups: Groups = None, reduction: Reduction = None, mid: Mid = None,
    size: Size = "224", dims: Dims = None, batch: Batch = "1", bias: Bias = False, dtype: DTypeOpt = "float32",
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
    time_it: Annotated[bool, typer.Option("--time", help="Also time each design's real module.")] = False,
    device: Annotated[str, typer.Option("--device", help="With --time: cpu, cuda, cuda:N or mps.")] = "cpu",
    warmup: Annotated[int, typer.Option("--warmup", help="With --time: warm-up calls.")] = 10,
    min_time: Annotated[float, typer.Option("--min-time", help="With --time: seconds of samples.")] = 0.5,
) -> None:
    """Layer designs (or models) side by side, each with its ratio to the first."""
    _view(wide, columns, None, fmt, out)
    from cnncalc.layers.registry import is_design

    if all(is_design(d) for d in designs):
        from cnncalc.layers.registry import evaluate

        base = _options(locals())
        records: list[Any] = [evaluate(d, base) for d in designs]
    else:
        from cnncalc.models.sources import is_model

        for d in designs:
            if not is_design(d) and not is_model(d):
                from cnncalc.errors import UnknownNameError
                from cnncalc.layers.registry import ALIASES, PRESETS
                from cnncalc.models.catalogue import every_model

                raise UnknownNameError("layer design or model", d, [*PRESETS, *every_model()], ALIASES,
                                       listing="'cnncalc designs' and 'cnncalc models' list them all")
        if any(is_design(d) for d in designs):
            raise CnncalcError("compare takes layer designs or models, not both: "
                               + ", ".join(f"{d} ({'design' if is_design(d) else 'model'})" for d in designs))
        records = _model_summaries(designs, batch, dtype)
    if not time_it:
        _render(records, fmt, single=False)
        return
    if not all(is_design(d) for d in designs):
        raise CnncalcError("--time times layer designs; for models use: cnncalc profile MODEL")
    if fmt not in (Format.table, Format.json):
        raise CnncalcError(f"--time prints its timings as a table or json, not {fmt.value}")
    from cnncalc.profiling.layers import time_designs

    with _progress() as report:
        timings = time_designs(records, base, device, warmup, min_time, progress=report)
    if fmt is Format.json:
        from cnncalc.render.formats import record_json

        _emit(json.dumps([{**record_json(r), "timing": t.to_dict()} for r, t in zip(records, timings, strict=True)],
                         indent=2))
        return
    from cnncalc.render.profile import design_timing_table

    _render(records, fmt, single=False)
    _show(design_timing_table(records, timings))


@app.command()
def layer(
    design: Annotated[str, typer.Argument(metavar="DESIGN", help="A design or spec, e.g. dilated:d=2.",
                                              show_default=False)],
    cin: Cin = None, cout: Cout = None, kernel: Kernel = None, stride: Stride = None, padding: Padding = None,
    dilation: Dilation = None, groups: Groups = None, reduction: Reduction = None, mid: Mid = None,
    size: Size = "224", dims: Dims = None, batch: Batch = "1", bias: Bias = False, dtype: DTypeOpt = "float32",
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
) -> None:
    """One design: its cost, formula, ops, and how it fares against its natural counterpart."""
    _view(wide, columns, None, fmt, out)
    from cnncalc.layers.registry import configure, evaluate

    base = _options(locals())
    record = evaluate(design, base)
    if fmt is not Format.table:
        _render([record], fmt, single=True)
        return
    from cnncalc.render.table import layer_table

    preset, config = configure(design, base)
    counterpart = None
    if preset.counterpart:
        try:
            counterpart = evaluate(preset.counterpart, config.opts)
        except CnncalcError:
            counterpart = None  # the counterpart cannot take these options; the design alone still stands
    _show(layer_table(record, counterpart))


def _model_summaries(names: Sequence[str], batch: str, dtype: str) -> list[Any]:
    from cnncalc.analysis.analyze import analyze
    from cnncalc.layers.options import parse_int

    n = parse_int("batch", batch)
    return [analyze(name, dtype=dtype, batch=n).summary() for name in names]


@contextmanager
def _progress() -> Iterator[Callable[[str, float], None]]:
    """A rich progress bar on stderr, one task per label, started with the first task and only on a
    terminal; data stays on stdout."""
    if not sys.stderr.isatty():
        yield lambda label, fraction: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    tasks: dict[str, Any] = {}
    bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True)

    def update(label: str, fraction: float) -> None:
        if not tasks:
            bar.start()
        if label not in tasks:
            tasks[label] = bar.add_task(label, total=1.0)
        bar.update(tasks[label], completed=fraction)

    try:
        yield update
    finally:
        if tasks:
            bar.stop()


InputOpt = Annotated[list[str] | None, typer.Option(
    "--input", "-i", metavar="SHAPE[:dtype]", show_default=False,
    help="An input: SHAPE[:dtype] (e.g. 1x3x224x224, 2x128:int64), or name=SHAPE[:dtype] for a keyword "
         "argument. Repeat it, one per input, in order (default: the model's own).")]
ImageOpt = Annotated[str | None, typer.Option("--image", metavar="FILE", show_default=False,
                                              help="A photo (JPEG, PNG, …) as the first input: its values drive the "
                                                   "ops that depend on data (a detector's boxes).")]
DepthOpt = Annotated[int, typer.Option("--depth", "-d", min=0, help="Module rows down to this depth.")]
TrainOpt = Annotated[bool, typer.Option("--train", help="Also trace a whole training step: forward (train mode), "
                                                        "backward, optimizer step, zero_grad.")]
OptimizerOpt = Annotated[str | None, typer.Option("--optimizer", metavar="sgd|momentum|adam|adamw|none",
                                                  show_default=False,
                                                  help="The training step's optimizer (default adamw).")]
ForeachOpt = Annotated[bool | None, typer.Option(
    "--foreach/--for-loop", show_default=False,
    help="The optimizer's implementation: foreach (all parameters at once; PyTorch's default on CUDA, and "
         "here) or for-loop (one parameter at a time; its default on the CPU).")]
AmpOpt = Annotated[str | None, typer.Option("--amp", metavar="bf16|fp16", show_default=False,
                                            help="Train under autocast to this dtype (CPU autocast's casts).")]


@app.command()
def analyze(
    model: Annotated[str, typer.Argument(metavar="MODEL", show_default=False,
                                         help="Zoo or torchvision name, package.module:callable or file.py:Class.")],
    input_shape: InputOpt = None, image: ImageOpt = None, depth: DepthOpt = 2,
    train: TrainOpt = False, optimizer: OptimizerOpt = None, amp: AmpOpt = None, foreach: ForeachOpt = None,
    backward: Annotated[bool, typer.Option("--backward",
                                           help="The training step without an optimizer (forward and backward "
                                                "FLOPs and memory).")] = False,
    worst_case: Annotated[bool, typer.Option("--worst-case/--no-worst-case",
                                             help="For a detector, also count it at its own limits.")] = True,
    dtype: DTypeOpt = "float32", wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """A model's cost per module, from one forward pass on the meta device (no weights, no compute); ops
    whose output depends on values (a detector's boxes) are counted on real CPU tensors instead. --train adds
    a whole training step: backward and optimizer FLOPs, memory by category and the peak."""
    _view(wide, columns, None, fmt, out)
    from cnncalc.analysis.analyze import analyze as run_analysis
    from cnncalc.inputs import parse_input
    from cnncalc.render import model as view

    if (optimizer or amp or foreach is not None) and not train:
        raise CnncalcError("--optimizer, --amp and --foreach/--for-loop describe a training step: add --train")
    specs = [parse_input(text) for text in input_shape] if input_shape else None
    report = run_analysis(model, dtype=dtype, backward=backward, inputs=specs, image=image, worst_case=worst_case,
                          train=train, optimizer=optimizer or "adamw", amp=amp, foreach=foreach is not False)
    _output(fmt, lambda: view.report_table(report, depth), json=lambda: view.report_json(report),
            csv=lambda: view.report_csv(report, depth), markdown=lambda: view.report_markdown(report, depth),
            html=lambda: _html().report_html(report, _COMMAND["line"], depth))


@app.command()
def fit(
    model: Annotated[str, typer.Argument(metavar="MODEL", show_default=False,
                                         help="Zoo or torchvision name, package.module:callable or file.py:Class.")],
    memory: Annotated[str | None, typer.Option("--memory", "-m", metavar="SIZE", show_default=False,
                                               help="The budget: 24GiB, 16GB, 80G, 512MiB, 24e9 (GiB, G "
                                                    "binary; GB decimal; a bare number is bytes).")] = None,
    device: Annotated[str | None, typer.Option("--device", metavar="NAME", show_default=False,
                                               help="Take the budget from a GPU: h100, a100-40gb, 4090, … (the "
                                                    "datasheet's memory) or cuda[:N] (the GPU present).")] = None,
    train: Annotated[bool, typer.Option("--train/--inference", help="A training step (default) or inference.")]
    = True,
    optimizer: OptimizerOpt = None, amp: AmpOpt = None, foreach: ForeachOpt = None, input_shape: InputOpt = None,
    dtype: DTypeOpt = "float32", wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """The largest batch whose predicted peak memory fits a budget (memory traced on fake tensors: seconds,
    whatever the batch), with the breakdown there and at the next batch up."""
    _view(wide, columns, None, fmt, out)
    from cnncalc.analysis.fit import fit as run_fit
    from cnncalc.inputs import parse_input
    from cnncalc.profiling.devices import device_memory
    from cnncalc.render import memory as view

    if (memory is None) == (device is None):
        raise CnncalcError("give the budget as --memory SIZE (e.g. 24GiB) or --device NAME (e.g. h100), one of them")
    if not train and (optimizer or amp or foreach is not None):
        raise CnncalcError("--optimizer, --amp and --foreach/--for-loop describe a training step: drop --inference")
    budget, source = (memory, f"--memory {memory}") if memory is not None else device_memory(str(device))
    specs = [parse_input(text) for text in input_shape] if input_shape else None
    report = run_fit(model, budget, train=train, optimizer=optimizer, amp=amp, inputs=specs, dtype=dtype,
                     memory_source=source, foreach=foreach is not False)
    if report.max_batch == 0:
        from cnncalc.render.memory import fit_summary

        raise CnncalcError(fit_summary(report))
    _output(fmt, lambda: view.fit_table(report), json=lambda: view.fit_json(report),
            csv=lambda: view.fit_csv(report), markdown=lambda: view.fit_markdown(report),
            html=lambda: _html().fit_html(report, _COMMAND["line"]))


class Task(str, Enum):
    """The model families `cnncalc models --task` lists."""

    classification = "classification"
    detection = "detection"
    segmentation = "segmentation"
    video = "video"
    optical_flow = "optical_flow"
    zoo = "zoo"


@app.command()
def models(
    task: Annotated[list[Task] | None, typer.Option("--task", "-t", show_default=False,
                                                    help="Only this family (repeatable; default: all).")] = None,
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
) -> None:
    """The zoo and torchvision's models of every task: params, MACs, default input, paper."""
    _view(wide, columns, None, fmt, out)
    from cnncalc.models.catalogue import catalogue
    from cnncalc.render import model as view

    entries = catalogue([t.value for t in task] if task else None)
    _output(fmt, lambda: view.models_rows(entries), json=lambda: json.dumps(entries, indent=2),
            csv=lambda: view.entries_csv(entries), markdown=lambda: view.entries_markdown(entries))


@app.command()
def validate(
    names: Annotated[list[str] | None, typer.Argument(metavar="MODEL", show_default=False,
                                                      help="Models to check (default: the zoo).")] = None,
    all_models: Annotated[bool, typer.Option("--all", help="Every zoo and torchvision model.")] = False,
    input_shape: InputOpt = None,
    fvcore: Annotated[bool, typer.Option("--fvcore/--no-fvcore", help="Also run fvcore (real tensors).")] = True,
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
) -> None:
    """cnncalc beside numel, FlopCounterMode, fvcore and torchvision's tables; exit 1 on an unexplained gap."""
    _view(wide, columns, lambda: _known('validate'), fmt, out)
    from cnncalc.analysis.validate import validate as run_validation
    from cnncalc.inputs import parse_input
    from cnncalc.models.catalogue import every_model
    from cnncalc.models.zoo import ZOO
    from cnncalc.render import model as view

    targets = every_model() if all_models else (list(names) if names else list(ZOO))
    specs = [parse_input(text) for text in input_shape] if input_shape else None
    results = [run_validation(name, specs, fvcore=fvcore) for name in targets]
    if fmt is Format.json:
        _emit(json.dumps([r.to_dict() for r in results], indent=2))
    elif fmt in (Format.csv, Format.markdown):
        _emit(view.validations_text(results, fmt.value))
    elif fmt is Format.html:
        _emit(_html().validation_html(results, _COMMAND["line"]))
    else:
        _show(view.validations_table(results))
    failed = [r.model for r in results if not r.ok]
    if failed:
        print(f"cnncalc: unexplained differences in {', '.join(failed)}", file=sys.stderr)
        raise typer.Exit(1)


@app.command()
def profile(
    model: Annotated[str, typer.Argument(metavar="MODEL", show_default=False,
                                         help="Zoo or torchvision name, package.module:callable or file.py:Class.")],
    device: Annotated[str, typer.Option("--device", help="cpu, cuda, cuda:N or mps.")] = "cpu",
    batch: Annotated[str, typer.Option("--batch", metavar="N[,N…]", help="Batch sizes, e.g. 1,8,32.")] = "1",
    dtype: DTypeOpt = "float32",
    input_shape: InputOpt = None,
    channels_last: Annotated[bool, typer.Option("--channels-last", help="NHWC memory format.")] = False,
    compile_it: Annotated[bool, typer.Option("--compile", help="torch.compile the model first.")] = False,
    warmup: Annotated[int, typer.Option("--warmup", help="Warm-up calls after the cold one.")] = 10,
    min_time: Annotated[float, typer.Option("--min-time", help="Seconds of samples per batch size.")] = 1.0,
    per_layer: Annotated[bool, typer.Option("--per-layer", help="Time each module too (hooks).")] = False,
    plot: Annotated[str | None, typer.Option("--plot", metavar="FILE.png",
                                             help="Roofline plot of the layers (implies --per-layer).")] = None,
    peak_tflops: Annotated[float | None, typer.Option("--peak-tflops", help="Override the compute peak.")] = None,
    peak_bandwidth: Annotated[float | None, typer.Option("--peak-bandwidth", metavar="GB/S",
                                                         help="Override the memory bandwidth.")] = None,
    train: Annotated[bool, typer.Option("--train", help="Time whole training steps (forward, backward, optimizer "
                                                        "step), beside the predicted peak memory.")] = False,
    optimizer: OptimizerOpt = None, amp: AmpOpt = None,
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
) -> None:
    """Timed forward passes (or, with --train, training steps) on CPU or GPU, beside the analytic cost and the
    device's roofline."""
    _view(wide, columns, lambda: _known('profile'), fmt, out)
    from cnncalc.inputs import parse_input
    from cnncalc.profiling.run import profile as run_profile
    from cnncalc.render import profile as view

    specs = [parse_input(text) for text in input_shape] if input_shape else None
    with _progress() as report_progress:
        report = run_profile(model, device=device, batch=batch, dtype=dtype, inputs=specs,
                             channels_last=channels_last, compile=compile_it, warmup=warmup, min_time=min_time,
                             per_layer=per_layer or plot is not None, peak_tflops=peak_tflops,
                             peak_bandwidth=peak_bandwidth, progress=report_progress, train=train,
                             optimizer=optimizer, amp=amp)
    if plot:
        view.plot_roofline(report, plot)
    _output(fmt, lambda: view.report_table(report), json=lambda: view.report_json(report),
            csv=lambda: view.report_csv(report), markdown=lambda: view.report_markdown(report),
            html=lambda: _html().profile_html(report, _COMMAND["line"]))


@app.command()
def sweep(
    target: Annotated[str, typer.Argument(metavar="DESIGN|MODEL", show_default=False,
                                          help="A layer design (or spec) or a model name.")],
    vary: Annotated[str, typer.Option("--vary", metavar="NAME=v1,v2,…", show_default=False,
                                      help="The option to sweep: any layer option (groups=1,2,3,4,8), or for "
                                           "a model input=224,320,448 or batch=1,8.")],
    cin: Cin = None, cout: Cout = None, kernel: Kernel = None, stride: Stride = None, padding: Padding = None,
    dilation: Dilation = None, groups: Groups = None, reduction: Reduction = None, mid: Mid = None,
    size: Size = "224", dims: Dims = None, batch: Batch = "1", bias: Bias = False, dtype: DTypeOpt = "float32",
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
    plot: Annotated[str | None, typer.Option("--plot", metavar="FILE.png", help="Line plot of the sweep.")] = None,
) -> None:
    """One design (or model) across the values of one option: same records and views as compare."""
    _view(wide, columns, None, fmt, out)
    from cnncalc.layers.registry import is_design
    from cnncalc.sweep import sweep as run_sweep

    base = _options(locals()) if is_design(target) else None
    points = run_sweep(target, vary, base, dtype)
    if plot:
        from cnncalc.render.plots import plot_sweep

        plot_sweep(points, target, vary.partition("=")[0], plot)
    if fmt is Format.table:
        from cnncalc.render.table import sweep_table

        _show(sweep_table(points, target, vary.partition("=")[0]))
    elif fmt is Format.html:
        _emit(_html().sweep_html(points, target, vary.partition("=")[0], _COMMAND["line"]))
    else:
        from cnncalc.render.formats import sweep_text

        _emit(sweep_text(points, fmt.value))


@app.command()
def designs(wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table,
            out: OutOpt = None) -> None:
    """The layer designs, their aliases, options and formulas."""
    _view(wide, columns, None, fmt, out)
    from cnncalc.layers import PRESETS
    from cnncalc.render.designs import designs_json, designs_markdown, designs_table

    presets = list(PRESETS.values())
    if fmt is Format.table:
        _show(designs_table(presets))
    elif fmt is Format.json:
        _emit(designs_json(presets))
    else:
        _emit(designs_markdown(presets))


def _html() -> Any:
    from cnncalc.render import html

    return html


def _render(records: Sequence[Any], fmt: Format, single: bool) -> None:
    from cnncalc.render.formats import to_csv, to_json, to_markdown

    if fmt is Format.json:
        _emit(to_json(records, single))
    elif fmt is Format.csv:
        _emit(to_csv(records))
    elif fmt is Format.markdown:
        _emit(to_markdown(records))
    elif fmt is Format.html:
        _emit(_html().records_html(records, _COMMAND["line"]))
    else:
        from cnncalc.render.table import compare_table, layer_table

        _show(compare_table(records) if not single else layer_table(records[0], None))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; errors become one line on stderr and a non-zero exit code, never a traceback."""
    import shlex

    command = typer.main.get_command(app)
    args = list(argv) if argv is not None else sys.argv[1:]
    _COMMAND.clear()
    _COMMAND.update(name=args[0] if args else "", line="cnncalc " + shlex.join(args))
    _VIEW.update(wide=False, columns=None, out=None)
    _DOCUMENT.stream = sys.stdout
    try:
        result = command.main(args=args, prog_name="cnncalc", standalone_mode=False)
    except CnncalcError as err:
        print(f"cnncalc: error: {err}", file=sys.stderr)
        return 2
    except ClickException as err:
        print(f"cnncalc: error: {err.format_message()}", file=sys.stderr)
        return err.exit_code
    except (typer.Abort, KeyboardInterrupt):
        print("cnncalc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        _DOCUMENT.restore()
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
