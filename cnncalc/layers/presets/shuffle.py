"""ShuffleNet units, v1 and v2."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.errors import CnncalcError
from cnncalc.layers.graph import LayerGraph, Tensor
from cnncalc.layers.presets.convs import kxk
from cnncalc.layers.registry import Config, Preset, register_layer

if TYPE_CHECKING:
    from torch import nn


def unit_args(c: Config) -> tuple[int, int, int, int, int]:
    """version, cin, cout, stride, kernel; checks the shape rules of the unit."""
    v, cin = c.extra("v"), c.cin
    if v not in (1, 2):
        raise CnncalcError(f"shuffle v={v} is not a version: accepted are 1 (ShuffleNet) and 2 (ShuffleNet v2)")
    cout, stride, kernel = c.get("cout", cin), c.stride, c.kernel
    if len(set(stride)) != 1 or stride[0] not in (1, 2):
        raise CnncalcError(f"stride={'x'.join(map(str, stride))} is not a ShuffleNet unit's: accepted are 1 and 2")
    if len(set(kernel)) != 1 or kernel[0] % 2 == 0:
        raise CnncalcError(f"kernel={'x'.join(map(str, kernel))} is not allowed here: the depthwise kernel must be "
                           f"square and odd")
    s = stride[0]
    if s == 1 and cout != cin:
        raise CnncalcError(f"a stride-1 shuffle unit adds its input back, so cout must equal cin={cin}; "
                           f"got cout={cout} (use stride=2 to change width)")
    if v == 1 and s == 2 and cout <= cin:
        raise CnncalcError(f"a stride-2 ShuffleNet v1 unit concatenates its pooled input, so cout must "
                           f"exceed cin={cin}; got cout={cout}")
    if v == 2 and cout % 2:
        raise CnncalcError(f"a ShuffleNet v2 unit splits its output in two halves: cout={cout} must be even")
    return v, cin, cout, s, kernel[0]


def v1_mid(c: Config, cin: int, cout: int, stride: int) -> int:
    """Bottleneck width of a v1 unit (--mid, by default cout/4), after checking the grouped 1×1 convs."""
    groups, mid = c.get("groups", 3), c.get("mid", max(1, cout // 4))
    main_out = cout if stride == 1 else cout - cin
    widths = {"cin": cin, "mid": mid, "main-branch output": main_out}
    for what, width in widths.items():
        if width % groups:
            raise CnncalcError(f"shuffle v1 with groups={groups} needs every grouped 1×1 width divisible by "
                               f"{groups}; {what}={width} is not (widths: cin={cin}, mid={mid}, "
                               f"main-branch output={main_out})")
    return mid


@register_layer
class Shuffle(Preset):
    name = "shuffle"
    aliases = ("shufflenet", "shuffle-unit")
    title = "ShuffleNet unit"
    idea = ("v1: grouped 1×1 → channel shuffle → depthwise 3×3 → grouped 1×1, added (or concatenated) to "
            "the input.", "The shuffle lets groups talk: no MACs, but it moves every byte of the tensor.")
    symbolic = {"params": "v1: (cin·mid + mid·out)/g + k²·mid + BN", "MACs": "v1: ((cin·mid + mid·out)/g)·H·W·N "
                "+ k²·mid·Ho·Wo·N"}
    paper = ("Zhang et al., 'ShuffleNet', CVPR 2018 (v1, g=3 default); Ma et al., 'ShuffleNet V2', ECCV 2018")
    extras = {"v": (1, "version: 1 (grouped 1×1 + shuffle) or 2 (channel split + shuffle)")}

    def describe(self, g: LayerGraph, c: Config) -> Tensor:
        v, cin, cout, s, k = unit_args(c)
        if v == 1:
            return self._v1(g, c, cin, cout, s, k)
        return self._v2(g, c, cin, cout, s, k)

    def _v1(self, g: LayerGraph, c: Config, cin: int, cout: int, s: int, k: int) -> Tensor:
        groups, mid, b, x = c.get("groups", 3), v1_mid(c, cin, cout, s), c.bias, g.input
        one = c.square(1)
        y = g.act(g.bn(g.conv(x, mid, one, groups=groups, bias=b, label=f"group conv {kxk(one)} g={groups}")))
        y = g.shuffle(y, groups)
        y = g.bn(g.conv(y, mid, c.square(k), c.square(s), groups=mid, bias=b, label=f"depthwise {kxk(c.square(k))}"))
        y = g.bn(g.conv(y, cout if s == 1 else cout - cin, c.square(1), groups=groups, bias=b,
                        label=f"group conv {kxk(c.square(1))} g={groups}"))
        if s == 1:
            return g.act(g.add(y, x))
        return g.act(g.concat([g.pool(x, c.square(3), c.square(s), c.square(1), "avg"), y]))

    def _v2(self, g: LayerGraph, c: Config, cin: int, cout: int, s: int, k: int) -> Tensor:
        half, b, x = cout // 2, c.bias, g.input

        one, kernel, stride = c.square(1), c.square(k), c.square(s)

        def branch(t: Tensor) -> Tensor:
            t = g.act(g.bn(g.conv(t, half, one, bias=b, label=kxk(one))))
            t = g.bn(g.conv(t, half, kernel, stride, groups=half, bias=b, label=f"depthwise {kxk(kernel)}"))
            return g.act(g.bn(g.conv(t, half, one, bias=b, label=kxk(one))))

        if s == 1:
            left, right = g.split(x, [cin // 2, cin - cin // 2])
            out = g.concat([left, branch(right)])
        else:
            left = g.bn(g.conv(x, cin, kernel, stride, groups=cin, bias=b, label=f"depthwise {kxk(kernel)}"))
            left = g.act(g.bn(g.conv(left, half, one, bias=b, label=kxk(one))))
            out = g.concat([left, branch(x)])
        return g.shuffle(out, 2)

    def build(self, c: Config) -> nn.Module:
        from cnncalc.modules import ShuffleV1Unit, ShuffleV2Unit

        v, cin, cout, s, k = unit_args(c)
        if v == 1:
            return ShuffleV1Unit(cin, cout, v1_mid(c, cin, cout, s), c.get("groups", 3), s, k, c.bias, rank=c.rank)
        return ShuffleV2Unit(cin, cout, s, k, c.bias, rank=c.rank)
