"""Fitting a strip to a width without leaving a reference cycle behind.

Textual's `Strip.crop_extend` keeps its result in the strip's own cache, and when the
strip already has the width that result is the strip itself: a cycle, freed only by
the cyclic collector. A widget that fits every line it draws so made one per line
per frame; the collector's passes are most of what a key costs at its slowest.
"""

from __future__ import annotations

from rich.style import Style
from textual.strip import Strip


def fit(strip: Strip, width: int, style: Style | None = None) -> Strip:
    """`strip` cut or padded (in `style`) to `width` cells; itself when it fits."""
    if strip.cell_length == width:
        return strip
    return strip.crop_extend(0, width, style)
