"""The bus-bandwidth picture: busbw against message size, with the floor and the link, as inline SVG."""

from __future__ import annotations

import math

from regionkit.planning.acceptance import CollectiveAcceptance


def svg_curve(acc: CollectiveAcceptance, width: int = 560, height: int = 260) -> str:
    """Inline SVG: busbw against message size (log2 x axis), with the floor (and link) drawn."""
    pad = 48
    xs = [math.log2(s) for s in acc.sizes] or [0.0]
    top = max([*acc.busbw_gbps, acc.floor_gbps, acc.link_gbps or 0.0]) * 1.15 or 1.0
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1

    def px(x: float) -> float:
        return pad + (x - x0) / (x1 - x0) * (width - 2 * pad)

    def py(y: float) -> float:
        return height - pad - y / top * (height - 2 * pad)

    points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, acc.busbw_gbps, strict=True))
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="black"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="black"/>',
        f'<text x="{width / 2}" y="{height - 10}" text-anchor="middle">message size</text>',
        f'<text x="12" y="{height / 2}" transform="rotate(-90 12 {height / 2})" text-anchor="middle">busbw GB/s</text>',
        f'<line x1="{pad}" y1="{py(acc.floor_gbps):.1f}" x2="{width - pad}" y2="{py(acc.floor_gbps):.1f}" '
        'stroke="red" stroke-dasharray="6,4"/>',
        f'<text x="{width - pad}" y="{py(acc.floor_gbps) - 4:.1f}" text-anchor="end" fill="red">floor {acc.floor_gbps:.2f}</text>',
    ]
    if acc.link_gbps:
        lines += [
            f'<line x1="{pad}" y1="{py(acc.link_gbps):.1f}" x2="{width - pad}" y2="{py(acc.link_gbps):.1f}" '
            'stroke="gray" stroke-dasharray="2,3"/>',
            f'<text x="{width - pad}" y="{py(acc.link_gbps) - 4:.1f}" text-anchor="end" fill="gray">link {acc.link_gbps:.2f}</text>',
        ]
    lines.append(f'<polyline points="{points}" fill="none" stroke="steelblue" stroke-width="2"/>')
    for x, y, size in zip(xs, acc.busbw_gbps, acc.sizes, strict=True):
        lines.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="steelblue"/>')
        label = f"{size >> 20}M" if size >= 1 << 20 else f"{size >> 10}K"
        lines.append(f'<text x="{px(x):.1f}" y="{height - pad + 14}" text-anchor="middle">{label}</text>')
    lines.append("</svg>")
    return "\n".join(lines)
