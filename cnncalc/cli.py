"""The command line: each command parses its options, calls the library (`import cnncalc`) with the same
options, and renders the record it returns (`cnncalc.render`). No rule lives here: the library checks every
option and its errors name its parameters, which `main` turns into this command's flags.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import IO, Annotated, Any

import typer

from cnncalc.errors import CnncalcError

try:
    from typer._click.exceptions import ClickException
except ImportError:  # typer < 0.16 depends on click itself
    from click.exceptions import ClickException  # type: ignore[no-redef, import-not-found, assignment, unused-ignore]

app = typer.Typer(
    name="cnncalc",
    help="What a convolutional network costs: params, MACs, FLOPs, memory, receptive field, latency.\n\n"
         "MACs are multiply-accumulates; FLOPs = 2 × MACs + other arithmetic.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _formats() -> Any:
    """The output formats, as registered with `cnncalc.render` (table, json, csv, markdown, html, and any added):
    a table for people, JSON/CSV/Markdown for tools and documents, one HTML page."""
    from cnncalc.rendering import formats

    return Enum("Format", {name: name for name in formats()}, type=str)


Format = _formats()


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
DTypeOpt = Annotated[str, typer.Option("--dtype", metavar="DTYPE", help="float32, float16, bfloat16 or float64.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]  # type: ignore[valid-type]
WideOpt = Annotated[bool, typer.Option("--wide", help="Every column, whole, at its natural width (as when piped).")]
ColumnsOpt = Annotated[str | None, typer.Option("--columns", metavar="A,B,…", show_default=False,
                                                help="Only these table columns, in this order (names as in the "
                                                     "header).")]
OutOpt = Annotated[str | None, typer.Option("--output", "-o", metavar="FILE", show_default=False,
                                            help="Write the output (any format) to FILE instead of stdout "
                                                 "(- is stdout).")]
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
PredictOpt = Annotated[str | None, typer.Option("--predict", metavar="PROFILE", show_default=False,
                                               help="Add the predicted latency on a latency profile's device (a "
                                                    "file cnncalc calibrate wrote, or a shipped profile's name).")]
OpsOpt = Annotated[list[str] | None, typer.Option(
    "--ops", metavar="FILE.py", show_default=False,
    help="A Python file that registers formulas for ops cnncalc does not know (cnncalc.register_op); "
         "repeatable, imported before tracing.")]
ModelArg = Annotated[str, typer.Argument(metavar="MODEL", show_default=False,
                                         help="Zoo or torchvision name, package.module:callable or file.py:Class.")]


# --- one invocation -------------------------------------------------------------------------------------------------
@dataclass
class Session:
    """What one command line asks of its output: the format, the render context, the file to write, and where
    the document goes. While a command works, everything else written to stdout (a package's banner at import,
    prints in a constructor or a forward, C code writing to file descriptor 1) goes to stderr, so that
    `--format json|csv|markdown|html` on stdout is exactly the document."""

    command: str
    line: str
    stream: IO[str] = field(default_factory=lambda: sys.stdout)
    out: str | None = None
    saved_stdout: Any = None
    saved_fd: int | None = None

    def isolate(self) -> None:
        if self.saved_stdout is not None:
            return
        self.saved_stdout = self.stream = sys.stdout
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
        self.saved_stdout, self.saved_fd = None, None

    def emit(self, text: str) -> None:
        """The document: to --output's file, or stdout."""
        text = text if text.endswith("\n") else text + "\n"
        if self.out:
            try:
                with open(self.out, "w", encoding="utf-8") as f:
                    f.write(text)
            except OSError as err:
                raise CnncalcError(f"--output {self.out!r} cannot be written: {err.strerror}") from None
            print(f"cnncalc: wrote {self.out}", file=sys.stderr)
            return
        self.stream.write(text)
        self.stream.flush()


def _session(ctx: typer.Context) -> Session:
    session = ctx.obj
    if not isinstance(session, Session):  # called through typer's own runner
        session = ctx.obj = Session(ctx.info_name or "", "cnncalc " + " ".join(sys.argv[1:]))
    return session


def _start(ctx: typer.Context, fmt: Any, out: str | None, record: type | None = None,
           columns: str | None = None) -> Session:
    """Before the work: check the output file's folder, that the record has a page when HTML is asked for and
    the --columns names where the record's tables are known; then send user code's stdout to stderr."""
    from cnncalc.rendering.registry import view_of_type

    session = _session(ctx)
    session.out = _check_output(out) if out and out != "-" else None
    if record is not None:
        view = view_of_type(record)
        if fmt is Format.html and not view.page:
            raise CnncalcError(f"{session.command} has no HTML view: use --format table, json, csv or markdown")
        if columns and view.column_names:
            from cnncalc.rendering.terminal import parse_columns

            parse_columns(columns, view.column_names)
    session.isolate()
    return session


def _check_output(path: str) -> str:
    """--output FILE: its folder must exist and be writable, and FILE must not be a folder."""
    target = os.path.abspath(os.path.expanduser(path))
    folder = os.path.dirname(target)
    if os.path.isdir(target):
        raise CnncalcError(f"--output {path!r} is a folder: give a file name in it")
    if not os.path.isdir(folder):
        raise CnncalcError(f"--output {path!r}: the folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK) or (os.path.exists(target) and not os.access(target, os.W_OK)):
        raise CnncalcError(f"--output {path!r} cannot be written (permission denied)")
    return target


def _show(session: Session, record: Any, fmt: Any, wide: bool, columns: str | None,
          depth: int | None = None) -> None:
    """Render the record: a table fitted to the terminal, or whole at its natural width when piped, --wide or
    --output; any other format as text."""
    from cnncalc.rendering import RenderContext, render
    from cnncalc.rendering.terminal import is_terminal

    terminal = fmt is Format.table and not session.out and is_terminal(session.stream)
    picked = tuple(c.strip() for c in columns.split(",") if c.strip()) if columns else None
    width = _terminal_width() if terminal else None
    context = RenderContext(width=width, wide=wide, columns=picked, depth=depth, command=session.line,
                            color=terminal and "NO_COLOR" not in os.environ)
    session.emit(render(record, fmt.value, context))


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


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
    # no refresh thread: it would take the interpreter from the ops calibrate and profile are timing ten times a
    # second; the bar is drawn here, between measurements, at most four times a second
    bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True, auto_refresh=False)
    drawn = 0.0

    def update(label: str, fraction: float) -> None:
        nonlocal drawn
        if not tasks:
            bar.start()
        if label not in tasks:
            tasks[label] = bar.add_task(label, total=1.0)
        # a finished task leaves the bar: calibrate runs some seventy, one after another
        bar.update(tasks[label], completed=fraction, visible=fraction < 1.0)
        if time.monotonic() - drawn >= 0.25 or fraction >= 1.0:
            bar.refresh()
            drawn = time.monotonic()

    try:
        yield update
    finally:
        if tasks:
            bar.stop()


def _layer_options(**given: Any) -> dict[str, Any]:
    """The layer options a command was given (None: not given)."""
    return {k: v for k, v in given.items() if v is not None}


def _load_ops(ops: Sequence[str] | None) -> None:
    if ops:
        import cnncalc

        for path in ops:
            cnncalc.load_ops(path)


# --- the commands ---------------------------------------------------------------------------------------------------
@app.command()
def compare(
    ctx: typer.Context,
    designs: Annotated[list[str], typer.Argument(metavar="DESIGN|MODEL", show_default=False,
                                                 help="Designs or specs (xception-dw standard group:g=4), or models "
                                                      "(resnet50 se_resnet50).")],
    cin: Cin = None, cout: Cout = None, kernel: Kernel = None, stride: Stride = None, padding: Padding = None,
    dilation: Dilation = None, groups: Groups = None, reduction: Reduction = None, mid: Mid = None,
    size: Annotated[str | None, typer.Option("--size", metavar="N|HxW|DxHxW", show_default=False,
                                             help="Input size of the designs (default 224).")] = None,
    dims: Dims = None, batch: Batch = "1", bias: Annotated[bool | None, typer.Option(
        "--bias/--no-bias", show_default=False, help="Bias on the convolutions (default off).")] = None,
    dtype: DTypeOpt = "float32",
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
    time_it: Annotated[bool, typer.Option("--time", help="Also time each design's real module.")] = False,
    device: Annotated[str, typer.Option("--device", help="With --time: cpu, cuda, cuda:N or mps.")] = "cpu",
    warmup: Annotated[int, typer.Option("--warmup", help="With --time: warm-up calls.")] = 10,
    min_time: Annotated[float, typer.Option("--min-time", help="With --time: seconds of samples.")] = 0.5,
    predict: PredictOpt = None,
) -> None:
    """Layer designs (or models) side by side, each with its ratio to the first."""
    import cnncalc
    from cnncalc.layers.record import Comparison

    session = _start(ctx, fmt, out, Comparison, columns)
    with _progress() as report:
        record = cnncalc.compare(*designs, batch=batch, dtype=dtype, time=time_it, device=device, warmup=warmup,
                                 min_time=min_time, progress=report, predict=predict,
                                 **_layer_options(cin=cin, cout=cout, kernel=kernel, stride=stride, padding=padding,
                                                  dilation=dilation, groups=groups, reduction=reduction, mid=mid,
                                                  size=size, dims=dims, bias=bias))
    _show(session, record, fmt, wide, columns)


@app.command()
def layer(
    ctx: typer.Context,
    design: Annotated[str, typer.Argument(metavar="DESIGN", help="A design or spec, e.g. dilated:d=2.",
                                          show_default=False)],
    cin: Cin = None, cout: Cout = None, kernel: Kernel = None, stride: Stride = None, padding: Padding = None,
    dilation: Dilation = None, groups: Groups = None, reduction: Reduction = None, mid: Mid = None,
    size: Size = "224", dims: Dims = None, batch: Batch = "1", bias: Bias = False, dtype: DTypeOpt = "float32",
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
) -> None:
    """One design: its cost, formula, ops, and how it fares against its natural counterpart."""
    import cnncalc
    from cnncalc.layers.record import LayerReport

    session = _start(ctx, fmt, out, LayerReport, columns)
    record = cnncalc.explain(design, **_layer_options(
        cin=cin, cout=cout, kernel=kernel, stride=stride, padding=padding, dilation=dilation, groups=groups,
        reduction=reduction, mid=mid, size=size, dims=dims, batch=batch, bias=bias, dtype=dtype))
    _show(session, record, fmt, wide, columns)


@app.command()
def analyze(
    ctx: typer.Context,
    model: ModelArg,
    input_shape: InputOpt = None, image: ImageOpt = None,
    batch: Annotated[str | None, typer.Option("--batch", metavar="N", show_default=False,
                                              help="The batch: the first dimension of every input.")] = None,
    depth: DepthOpt = 2,
    train: TrainOpt = False, optimizer: OptimizerOpt = None, amp: AmpOpt = None, foreach: ForeachOpt = None,
    backward: Annotated[bool, typer.Option("--backward",
                                           help="The training step without an optimizer (forward and backward "
                                                "FLOPs and memory).")] = False,
    worst_case: Annotated[bool, typer.Option("--worst-case/--no-worst-case",
                                             help="For a detector, also count it at its own limits.")] = True,
    ops: OpsOpt = None,
    dtype: DTypeOpt = "float32", wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """A model's cost per module, traced on the meta device (no weights, no compute).

    Ops whose output depends on values (a detector's boxes) are counted on real CPU tensors instead. --train
    adds a whole training step: backward and optimizer FLOPs, memory by category and the peak.
    """
    import cnncalc
    from cnncalc.analysis.report import ModelReport

    session = _start(ctx, fmt, out, ModelReport, columns)
    _load_ops(ops)
    report = cnncalc.analyze(model, dtype=dtype, backward=backward, inputs=input_shape, image=image,
                             worst_case=worst_case, batch=batch, train=train, optimizer=optimizer, amp=amp,
                             foreach=foreach)
    _show(session, report, fmt, wide, columns, depth)


@app.command()
def fit(
    ctx: typer.Context,
    model: ModelArg,
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
    """The largest batch whose predicted peak memory fits a budget.

    Memory is traced on fake tensors (seconds, whatever the batch); the breakdown is shown there and at the
    next batch up.
    """
    import cnncalc
    from cnncalc.analysis.report import FitReport

    session = _start(ctx, fmt, out, FitReport, columns)
    report = cnncalc.fit(model, memory, device=device, train=train, optimizer=optimizer, amp=amp,
                         inputs=input_shape, dtype=dtype, foreach=foreach)
    _show(session, report, fmt, wide, columns)


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
    ctx: typer.Context,
    task: Annotated[list[Task] | None, typer.Option("--task", "-t", show_default=False,
                                                    help="Only this family (repeatable; default: all).")] = None,
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
) -> None:
    """The zoo and torchvision's models of every task: params, MACs, default input, paper."""
    from cnncalc.modelzoo.catalogue import Catalogue, catalogue

    session = _start(ctx, fmt, out, Catalogue, columns)
    _show(session, catalogue([t.value for t in task] if task else None), fmt, wide, columns)


@app.command()
def validate(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(metavar="MODEL", show_default=False,
                                                      help="Models to check (default: the zoo).")] = None,
    all_models: Annotated[bool, typer.Option("--all", help="Every zoo and torchvision model.")] = False,
    input_shape: InputOpt = None,
    fvcore: Annotated[bool, typer.Option("--fvcore/--no-fvcore", help="Also run fvcore (real tensors).")] = True,
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
) -> None:
    """cnncalc beside numel, FlopCounterMode, fvcore and torchvision's tables; exit 1 on an unexplained gap."""
    import cnncalc
    from cnncalc.analysis.checks import Validations

    session = _start(ctx, fmt, out, Validations, columns)
    results = cnncalc.validate(*(names or ()), all_models=all_models, inputs=input_shape, fvcore=fvcore)
    _show(session, results, fmt, wide, columns)
    if not results.ok:
        failed = [r.model for r in results if not r.ok]
        print(f"cnncalc: unexplained differences in {', '.join(failed)}", file=sys.stderr)
        raise typer.Exit(1)


@app.command()
def profile(
    ctx: typer.Context,
    model: ModelArg,
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
    threads: Annotated[int | None, typer.Option("--threads", metavar="N", show_default=False,
                                                help="CPU threads (default: torch's).")] = None,
    predict: PredictOpt = None,
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
) -> None:
    """Timed forward passes (or training steps) on CPU or GPU, beside the cost and the device's roofline."""
    import cnncalc
    from cnncalc.profiling.report import ProfileReport

    session = _start(ctx, fmt, out, ProfileReport, columns)
    with _progress() as report_progress:
        report = cnncalc.profile(model, device=device, batch=batch, dtype=dtype, inputs=input_shape,
                                 channels_last=channels_last, compile=compile_it, warmup=warmup, min_time=min_time,
                                 per_layer=per_layer or plot is not None, peak_tflops=peak_tflops,
                                 peak_bandwidth=peak_bandwidth, progress=report_progress, train=train,
                                 optimizer=optimizer, amp=amp, threads=threads, predict=predict)
    if plot:
        from cnncalc.rendering.plots import plot_roofline

        plot_roofline(report, plot)
    _show(session, report, fmt, wide, columns)


@app.command()
def sweep(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="DESIGN|MODEL", show_default=False,
                                          help="A layer design (or spec) or a model name.")],
    vary: Annotated[str, typer.Option("--vary", metavar="NAME=v1,v2,…", show_default=False,
                                      help="The option to sweep: any layer option (groups=1,2,3,4,8), or for "
                                           "a model input=224,320,448 or batch=1,8.")],
    cin: Cin = None, cout: Cout = None, kernel: Kernel = None, stride: Stride = None, padding: Padding = None,
    dilation: Dilation = None, groups: Groups = None, reduction: Reduction = None, mid: Mid = None,
    size: Annotated[str | None, typer.Option("--size", metavar="N|HxW|DxHxW", show_default=False,
                                             help="Input size of a design (default 224).")] = None,
    dims: Dims = None, batch: Annotated[str | None, typer.Option("--batch", metavar="N", show_default=False,
                                                                 help="Batch size of a design.")] = None,
    bias: Annotated[bool | None, typer.Option("--bias/--no-bias", show_default=False,
                                              help="Bias on a design's convolutions (default off).")] = None,
    dtype: DTypeOpt = "float32",
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
    plot: Annotated[str | None, typer.Option("--plot", metavar="FILE.png", help="Line plot of the sweep.")] = None,
    predict: PredictOpt = None,
) -> None:
    """One design (or model) across the values of one option: same records and views as compare."""
    import cnncalc
    from cnncalc.sweeps import Sweep

    session = _start(ctx, fmt, out, Sweep, columns)
    points = cnncalc.sweep(target, vary, dtype=dtype, predict=predict, **_layer_options(
        cin=cin, cout=cout, kernel=kernel, stride=stride, padding=padding, dilation=dilation, groups=groups,
        reduction=reduction, mid=mid, size=size, dims=dims, batch=batch, bias=bias))
    if plot:
        from cnncalc.rendering.plots import plot_sweep

        plot_sweep(list(points), target, points.vary, plot)
    _show(session, points, fmt, wide, columns)


ProfileOpt = Annotated[str, typer.Option("--profile", metavar="FILE|NAME", show_default=False,
                                         help="A latency profile: a file cnncalc calibrate wrote, or the name of a "
                                              "shipped one.")]


@app.command()
def calibrate(
    ctx: typer.Context,
    output: Annotated[str, typer.Option("--output", "-o", metavar="PROFILE.json", help="Where the profile goes.")],
    device: Annotated[str, typer.Option("--device", help="cpu, cuda or cuda:N.")] = "cpu",
    threads: Annotated[int | None, typer.Option("--threads", metavar="N", show_default=False,
                                                help="CPU threads (default: torch's).")] = None,
    dtype: DTypeOpt = "float32",
    channels_last: Annotated[bool, typer.Option("--channels-last", help="NHWC memory format.")] = False,
    budget: Annotated[float, typer.Option("--budget", metavar="SECONDS", help="About how long to measure.")] = 480,
    seed: Annotated[int, typer.Option("--seed", help="The seed the calls are drawn from.")] = 0,
) -> None:
    """Time single ops on a device and fit one latency model per op kind: a profile for predict.

    Interrupted, it keeps what it measured (PROFILE.calls.jsonl beside the profile); the same command goes on.
    """
    import cnncalc
    from cnncalc.latency.calibrate import measured_so_far, measurements_file

    session = _session(ctx)
    session.isolate()
    try:
        with _progress() as report:
            profile = cnncalc.calibrate(device=device, output=output, threads=threads, dtype=dtype,
                                        channels_last=channels_last, budget=budget, seed=seed, progress=report)
    except KeyboardInterrupt:
        print(f"cnncalc: interrupted: the {measured_so_far(output)} calls measured so far are kept in "
              f"{measurements_file(output)}; the same command goes on from there", file=sys.stderr)
        raise typer.Exit(130) from None
    # the kinds whose held-out error is known (too few calls for five folds: NaN), the worst first
    worst = sorted((item for item in profile.kinds.items() if item[1].held_out.median == item[1].held_out.median),
                   key=lambda item: -item[1].held_out.median)
    threads = profile.device.threads
    print(f"cnncalc: wrote {output}: {len(profile.kinds)} op kinds from {profile.calibration.get('calls')} calls in "
          f"{profile.calibration.get('seconds')} s on {profile.device.name}"
          + (f" ({threads} thread{'s' if threads != 1 else ''})" if threads else ""), file=sys.stderr)
    speed = profile.calibration.get("speed", {})
    if speed.get("readings", 0) >= 3:
        print(f"cnncalc: the reference calls, timed {speed['readings']} times, took {speed['low']:.2f}× to "
              f"{speed['high']:.2f}× their median time; every call was fitted as at the median", file=sys.stderr)
    for name, kind in worst[:3]:
        print(f"cnncalc: {name}: held-out error median {100 * kind.held_out.median:.1f}%, p90 "
              f"{100 * kind.held_out.p90:.1f}% ({kind.held_out.samples} calls)", file=sys.stderr)


@app.command()
def predict(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(metavar="MODEL|DESIGN", show_default=False,
                                         help="A model (as analyze takes it) or a layer design (with its options).")],
    profile: ProfileOpt,
    input_shape: InputOpt = None,
    batch: Annotated[str | None, typer.Option("--batch", metavar="N", show_default=False,
                                              help="The batch: the first dimension of every input.")] = None,
    dtype: Annotated[str | None, typer.Option("--dtype", metavar="DTYPE", show_default=False,
                                              help="The profile's (predicting another needs its own profile).")]
    = None,
    channels_last: Annotated[bool | None, typer.Option("--channels-last/--contiguous", show_default=False,
                                                       help="The profile's memory format unless told.")] = None,
    as_device: Annotated[str | None, typer.Option("--as", metavar="GPU", show_default=False,
                                                  help="Another GPU, on paper: scale each op from the profile's GPU "
                                                       "by both datasheets.")] = None,
    depth: DepthOpt = 2, ops: OpsOpt = None,
    cin: Cin = None, cout: Cout = None, kernel: Kernel = None, stride: Stride = None, padding: Padding = None,
    dilation: Dilation = None, groups: Groups = None, reduction: Reduction = None, mid: Mid = None,
    size: Annotated[str | None, typer.Option("--size", metavar="N|HxW|DxHxW", show_default=False,
                                             help="Input size of a design (default 224).")] = None,
    wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table, out: OutOpt = None,
) -> None:
    """A model's (or a design's) latency on a profile's device, predicted from its trace: no device needed."""
    import cnncalc
    from cnncalc.latency.report import LatencyReport

    session = _start(ctx, fmt, out, LatencyReport, columns)
    _load_ops(ops)
    report = cnncalc.predict(model, profile, inputs=input_shape, batch=batch, dtype=dtype,
                             channels_last=channels_last, device=as_device,
                             **_layer_options(cin=cin, cout=cout, kernel=kernel, stride=stride, padding=padding,
                                              dilation=dilation, groups=groups, reduction=reduction, mid=mid,
                                              size=size))
    _show(session, report, fmt, wide, columns, depth)


@app.command()
def designs(ctx: typer.Context, wide: WideOpt = False, columns: ColumnsOpt = None, fmt: FormatOpt = Format.table,
            out: OutOpt = None) -> None:
    """The layer designs, their aliases, options and formulas."""
    import cnncalc
    from cnncalc.layers.catalogue import Designs

    session = _start(ctx, fmt, out, Designs, columns)
    _show(session, cnncalc.designs(), fmt, wide, columns)


# --- errors in the command's words ------------------------------------------------------------------------------
#: the library's parameters under another flag name (the rest: --name-with-dashes)
FLAGS = {"inputs": "--input", "input_shape": "--input", "input": "--input", "all_models": "--all",
         "compile": "--compile", "time": "--time", "vary": "--vary", "plot": "--plot",
         "foreach": "--foreach/--for-loop", "profile": "--profile"}
#: parameters a command offers under another flag than the others do
#: (compare, sweep and profile take a latency profile as --predict: the library names it profile= or predict=)
COMMAND_FLAGS = {"predict": {"device": "--as"}, "calibrate": {"output": "--output"},
                 **{command: {"profile": "--predict", "predict": "--predict"}
                    for command in ("compare", "sweep", "profile")}}
#: boolean parameters as the flag that sets them
SWITCHES = {"train=True": "--train", "train=False": "--inference", "per_layer=True": "--per-layer",
            "compile=True": "--compile", "all_models=True": "--all", "time=True": "--time"}


def in_flags(message: str, command: str = "") -> str:
    """A library error with its parameters (`memory='x'`, `give cin=N`, `add train=True`) named as this command's
    flags (`--memory 'x'`, `give --cin N`, `add --train`)."""
    for text, flag in SWITCHES.items():
        message = message.replace(text, flag)
    params = set(FLAGS) | {"batch", "device", "dtype", "memory", "image", "amp", "optimizer", "foreach",
                                        "depth", "warmup", "min_time", "peak_tflops", "peak_bandwidth", "size",
                                        "dims", "kernel", "stride", "padding", "dilation", "groups", "reduction",
                                        "mid", "cin", "cout", "bias"}
    own = COMMAND_FLAGS.get(command, {})
    params |= set(own)
    for param in sorted(params, key=len, reverse=True):
        flag = own.get(param) or FLAGS.get(param, "--" + param.replace("_", "-"))
        message = re.sub(rf"(?<![\w:.'\"-]){re.escape(param)}=(?=[\s'\"\w(.,;-]|$)", f"{flag} ", message)
    message = re.sub(r"(--[\w/-]+) (?=[ ,:;)]|$)", r"\1", message)
    return message


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; errors become one line on stderr and a non-zero exit code, never a traceback."""
    import shlex

    command = typer.main.get_command(app)
    args = list(argv) if argv is not None else sys.argv[1:]
    session = Session(args[0] if args else "", "cnncalc " + shlex.join(args))
    try:
        result = command.main(args=args, prog_name="cnncalc", standalone_mode=False, obj=session)
    except CnncalcError as err:
        print(f"cnncalc: error: {in_flags(str(err), session.command)}", file=sys.stderr)
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
        session.restore()
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
