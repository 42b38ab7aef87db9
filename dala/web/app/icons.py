"""The app's home-screen icon, drawn as PNG in pure Python (no imaging library needed).

Browsers want PNG icons of 192 and 512 pixels to offer "install"; the design is
simple enough to draw from distance functions: a white map pin with a blue hole
over a green strip of field, on the brand blue. The whole square is painted, so
the same image serves as a maskable icon (its pin stays inside the safe zone).
"""

from __future__ import annotations

import math
import struct
import zlib
from functools import cache

BLUE = (13, 110, 253)
WHITE = (255, 255, 255)
FIELD = (32, 201, 151)

#: Sizes the manifest lists.
SIZES = (192, 512)


def _coverage(distance: float) -> float:
    """How much of a pixel a shape covers, from the signed distance (px) of its centre."""
    return min(1.0, max(0.0, 0.5 - distance))


def _mix(under: tuple[float, float, float], over: tuple[int, int, int], alpha: float) -> tuple:
    return tuple(u + (o - u) * alpha for u, o in zip(under, over, strict=True))


def _pin_distance(x: float, y: float, s: float) -> float:
    """Signed distance (px) to a pin: a disc merged with a cone pointing down."""
    cx, cy, r = 0.5 * s, 0.40 * s, 0.19 * s
    tip_y = 0.74 * s
    disc = math.hypot(x - cx, y - cy) - r
    # The cone's sides touch the disc: tangent lines from the tip.
    depth = tip_y - cy
    half = math.asin(r / depth)
    # The wedge between the tip and the tangent points; above them the disc is the pin.
    dx, dy = abs(x - cx), tip_y - y
    cone = max(dx * math.cos(half) - dy * math.sin(half), cy + r * math.sin(half) - y)
    return min(disc, max(cone, y - tip_y))


@cache
def icon_png(size: int) -> bytes:
    """The icon as PNG bytes, ``size`` by ``size`` pixels."""
    s = float(size)
    hole_r = 0.075 * s
    field_top = 0.80 * s
    rows = []
    for py in range(size):
        row = bytearray(b"\x00")  # PNG filter: none
        y = py + 0.5
        field = _coverage(field_top - y)
        for px in range(size):
            x = px + 0.5
            colour: tuple[float, float, float] = _mix(BLUE, FIELD, field)
            pin = _coverage(_pin_distance(x, y, s))
            if pin > 0:
                colour = _mix(colour, WHITE, pin)
                hole = _coverage(math.hypot(x - 0.5 * s, y - 0.40 * s) - hole_r)
                colour = _mix(colour, BLUE, hole)
            row.extend(round(c) for c in colour)
        rows.append(bytes(row))
    return _png(size, size, b"".join(rows))


def _png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
