"""How numbers read in tables: exact integers with separators, bytes in binary units, ratios."""

from __future__ import annotations


def integer(n: int) -> str:
    return f"{n:,}"


def si(n: float) -> str:
    """Three significant digits with an SI prefix: 4089184256 → '4.09 G', 11689512 → '11.7 M', 9408 → '9.41 k';
    below 1,000 the number itself (795, 0.125)."""
    if abs(n) < 999.5:
        return f"{n:,}" if isinstance(n, int) else f"{n:.3g}"
    value = float(n)
    for prefix in ("k", "M", "G", "T", "P", "E"):
        value /= 1000
        if abs(value) < 999.5 or prefix == "E":
            break
    return f"{value:.3g} {prefix}" if abs(value) < 999.5 else f"{value:,.0f} {prefix}"


def nbytes(n: int) -> str:
    """Bytes in binary units, three significant digits: 51380224 → '49 MiB', 1038336 → '0.99 MiB'."""
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1000 or unit == "TiB":
            break
    return f"{value:.3g} {unit}"


def near_one(value: float, base: float) -> bool:
    """Whether value/base differs from 1 but shows as 1 at three significant digits (110,880 vs 110,592)."""
    return value != base and f"{max(value / base, base / value):.3g}" == "1"


def percent_more(value: float, base: float) -> str:
    """The difference as a percentage of the base, 2 significant digits: '+0.26%', '−0.13%'."""
    return f"{(value - base) / base * 100:+.2g}%".replace("-", "−")


def ratio(value: float, base: float) -> str:
    """Value against the base: `×8.69` (8.69 times the base) or `÷64` (the base divided by 64); a percentage
    (`+0.26%`) where the ratio would show as 1."""
    if base == 0 or value == 0:
        return "×1" if value == base else "–"
    if near_one(value, base):
        return percent_more(value, base)
    r = value / base
    if r >= 1:
        return f"×{r:.3g}" if r < 1000 else f"×{r:,.0f}"
    return f"÷{1 / r:.3g}" if r > 1e-3 else f"÷{1 / r:,.0f}"


def shape(dims: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in dims)


def compare_phrase(value: float, base: float, noun: str) -> str:
    """'8.7× fewer params' / '1.4× more MACs' / 'same MACs', for value against base."""
    if value == base:
        return f"same {noun}"
    if value == 0 or base == 0:
        return f"{noun}: {value:,} vs {base:,}"
    if near_one(value, base):
        return f"{abs(value - base) / base * 100:.2g}% {'fewer' if value < base else 'more'} {noun}"
    if value < base:
        return f"{base / value:.3g}× fewer {noun}"
    return f"{value / base:.3g}× more {noun}"
