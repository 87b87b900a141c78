"""Charts for the report as PNG bytes, drawn with matplotlib off screen (the Agg backend)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)

NAVY, AMBER, GREEN, RED, GREY = "#1F4E79", "#F0B400", "#2E8540", "#C00000", "#7F7F7F"
WIDTH_IN = 6.3


def bar_chart(labels: list[str], values: list[float], title: str, axis: str) -> bytes:
    """Horizontal bars in the order given (the first at the top), each labelled with its value."""
    labels, values = list(labels), list(values)
    height = max(2.2, 0.32 * len(labels) + 1.0)
    figure, axes = plt.subplots(figsize=(WIDTH_IN, height))
    try:
        positions = list(range(len(labels)))[::-1]
        bars = axes.barh(positions, values, color=NAVY)
        axes.set_yticks(positions, [_short(label) for label in labels], fontsize=8)
        axes.bar_label(bars, labels=[_number(v) for v in values], fontsize=8, padding=2)
        axes.set_xlabel(axis, fontsize=9)
        axes.set_title(title, fontsize=10)
        _tidy(axes)
        return _png(figure)
    finally:
        plt.close(figure)


def stacked_bar_chart(labels: list[str], series: dict[str, list[float]], colours: list[str], title: str,
                      axis: str) -> bytes:
    """Horizontal stacked bars, one per label, with a legend naming each part."""
    height = max(2.4, 0.22 * len(labels) + 1.4)
    figure, axes = plt.subplots(figsize=(WIDTH_IN, height))
    try:
        positions = list(range(len(labels)))[::-1]
        left = [0.0] * len(labels)
        for (name, values), colour in zip(series.items(), colours):
            axes.barh(positions, values, left=left, color=colour, label=name)
            left = [a + b for a, b in zip(left, values)]
        axes.set_yticks(positions, [_short(label, 46) for label in labels], fontsize=6.5)
        axes.set_xlabel(axis, fontsize=9)
        axes.set_title(title, fontsize=10)
        axes.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.02 + 0.5 / height), ncol=len(series),
                    frameon=False)
        _tidy(axes)
        return _png(figure)
    finally:
        plt.close(figure)


def _tidy(axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(axis="x", labelsize=8)


def _png(figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    return buffer.getvalue()


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
