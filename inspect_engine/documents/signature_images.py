"""The pictures a signed document shows when no image file is configured: the organisation's
seal (red, round, its name around the rim) and the signer's handwritten signature (a blue
scribble), both PNG with a transparent background as Decree 30 asks of the images of digital
signatures.

They are drawn from the issuer's names alone, so the same issuer always gets the same bytes.
They look like a seal and a signature so that a reader recognises the marks; they are no
replacement for the agency's real seal image, which a deployment configures (docs/signing.md).
"""

from __future__ import annotations

import hashlib
import io
import math
import random
from functools import cache
from importlib import resources

from PIL import Image, ImageChops, ImageDraw, ImageFont

DPI = 300
SEAL_RED = (206, 17, 38)
INK_BLUE = (20, 50, 160)
_SUPERSAMPLE = 3  # drawn larger and scaled down: Pillow's circles and lines have no antialiasing
_MM_PER_INCH = 25.4


def mm_to_px(mm: float, dpi: int = DPI) -> int:
    return round(mm / _MM_PER_INCH * dpi)


@cache
def _font_bytes(name: str) -> bytes:
    return resources.files("inspect_engine.documents").joinpath("fonts", name).read_bytes()


def _font(size: int) -> ImageFont.FreeTypeFont:
    # Seals are cut in bold sans capitals; Liberation Sans has every Vietnamese letter.
    return ImageFont.truetype(io.BytesIO(_font_bytes("LiberationSans-Bold.ttf")), size)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()


def _coloured(mask: Image.Image, colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    """One colour, its opacity from `mask` (drawn large), scaled down to `size`."""
    alpha = mask.resize(size, Image.Resampling.LANCZOS)
    image = Image.new("RGBA", size, (*colour, 0))
    image.putalpha(alpha)
    return _png(image)


@cache
def seal_png(ring_text: str, centre_text: str, diameter_mm: float = 36.0) -> bytes:
    """A round seal `diameter_mm` across: a thick and a thin rim, `ring_text` in capitals
    around the top between them and a star at the bottom, `centre_text` across the middle."""
    size = mm_to_px(diameter_mm) * _SUPERSAMPLE
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    centre = size / 2
    outer = size / 2 - size * 0.012
    rim = max(2, round(size * 0.03))
    _circle(draw, centre, outer, rim)
    inner = outer * 0.70
    _circle(draw, centre, inner, max(1, round(size * 0.011)))
    ring = ring_text.upper().strip()
    text_radius = (outer - rim + inner) / 2
    font_size = round((outer - rim - inner) * 0.62)
    _arc_text(mask, ring, centre, text_radius, font_size, span_degrees=250)
    _star(draw, centre, centre + text_radius, font_size * 0.45)
    _centre_text(draw, centre_text.upper().strip(), centre, inner)
    px = size // _SUPERSAMPLE
    return _coloured(mask, SEAL_RED, (px, px))


def _circle(draw: ImageDraw.ImageDraw, centre: float, radius: float, width: int) -> None:
    box = (centre - radius, centre - radius, centre + radius, centre + radius)
    draw.ellipse(box, outline=255, width=width)


def _arc_text(
    mask: Image.Image, text: str, centre: float, radius: float, font_size: int,
    span_degrees: float,
) -> None:  # fmt: skip
    """`text` along the circle of `radius`, centred on the top, reading clockwise, each
    letter upright towards the rim; shrunk until it fits in `span_degrees`."""
    if not text:
        return
    font = _font(font_size)
    gap = font_size * 0.12
    widths = [font.getlength(ch) + gap for ch in text]
    arc = sum(widths)
    limit = math.radians(span_degrees) * radius
    if arc > limit:
        _arc_text(mask, text, centre, radius, int(font_size * limit / arc), span_degrees)
        return
    angle = -arc / radius / 2  # radians from the top, clockwise
    for ch, width in zip(text, widths, strict=True):
        mid = angle + width / 2 / radius
        if ch.strip():
            tile = Image.new("L", (font_size * 2, font_size * 2), 0)
            ImageDraw.Draw(tile).text((font_size, font_size), ch, font=font, fill=255, anchor="mm")
            tile = tile.rotate(-math.degrees(mid), resample=Image.Resampling.BICUBIC)
            x = centre + radius * math.sin(mid) - font_size
            y = centre - radius * math.cos(mid) - font_size
            layer = Image.new("L", mask.size, 0)
            layer.paste(tile, (round(x), round(y)))
            mask.paste(ImageChops.lighter(mask, layer))
        angle += width / radius


def _star(draw: ImageDraw.ImageDraw, x: float, y: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.4
        a = math.pi * i / 5 - math.pi / 2
        points.append((x + r * math.cos(a), y + r * math.sin(a)))
    draw.polygon(points, fill=255)


def _centre_text(draw: ImageDraw.ImageDraw, text: str, centre: float, radius: float) -> None:
    """The name across the middle of the inner circle on one or two lines, as large as fits,
    a star above."""
    lines = _two_lines(text)
    width = 2 * radius * 0.8
    size = round(radius * 0.3)
    font = _font(size)
    while size > 8 and max(font.getlength(line) for line in lines) > width:
        size -= 2
        font = _font(size)
    leading = size * 1.15
    top = centre - leading * len(lines) / 2 + leading * 0.25
    _star(draw, centre, top - size * 0.55, size * 0.32)
    for i, line in enumerate(lines):
        draw.text((centre, top + i * leading + size / 2), line, font=font, fill=255, anchor="mm")


def _two_lines(text: str) -> list[str]:
    words = text.split()
    if len(words) < 4:
        return [text]
    best = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(text) / 2))
    return [" ".join(words[:best]), " ".join(words[best:])]


@cache
def signature_png(name: str, width_mm: float = 45.0, height_mm: float = 19.0) -> bytes:
    """A handwritten-looking signature in blue ink: a looped initial, a cursive run and an
    underline flourish, drawn from a seed of the name (the same name, the same scribble)."""
    seed = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    rng = random.Random(seed)
    w = mm_to_px(width_mm) * _SUPERSAMPLE
    h = mm_to_px(height_mm) * _SUPERSAMPLE
    mask = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(mask)
    pen = max(2, round(h * 0.028))
    for stroke in _strokes(rng, w, h):
        _pen_line(draw, stroke, pen)
    return _coloured(mask, INK_BLUE, (w // _SUPERSAMPLE, h // _SUPERSAMPLE))


def _strokes(rng: random.Random, w: int, h: int) -> list[list[tuple[float, float]]]:
    """Two pen strokes through control points, smoothed: the name (a tall initial, then
    letters of random height, an ascender now and then) and a flourish back under it."""
    name = [(0.04, 0.70), (0.13, 0.08), (0.17, 0.86), (0.09, 0.48), (0.24, 0.40)]
    x = 0.24
    while x < 0.80:
        x += rng.uniform(0.035, 0.06)
        top = rng.uniform(0.05, 0.15) if rng.random() < 0.2 else rng.uniform(0.28, 0.46)
        name.append((x, top))
        x += rng.uniform(0.03, 0.05)
        name.append((x, rng.uniform(0.58, 0.70)))
    end = name[-1]
    flourish = [end, (end[0] + 0.08, end[1] - 0.18), (end[0] + 0.05, 0.80),
                (0.50, 0.93), (0.16, 0.84), (0.10, 0.78)]  # fmt: skip
    slant = 0.22  # letters lean right, as a hand writes them

    def placed(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(w * (px + slant * (0.9 - py) * h / w), h * py) for px, py in points]

    return [_smooth(placed(name)), _smooth(placed(flourish))]


def _smooth(points: list[tuple[float, float]], steps: int = 14) -> list[tuple[float, float]]:
    """A Catmull-Rom curve through the points."""
    padded = [points[0], *points, points[-1]]
    out = [points[0]]
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        for k in range(1, steps + 1):
            t = k / steps
            out.append(
                tuple(  # type: ignore[arg-type]
                    0.5 * (2 * b + (c - a) * t + (2 * a - 5 * b + 4 * c - d) * t * t
                           + (3 * b - a - 3 * c + d) * t**3)
                    for a, b, c, d in zip(p0, p1, p2, p3, strict=True)
                )
            )  # fmt: skip
    return out


def _pen_line(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], pen: int) -> None:
    """A stroke whose width swells in the middle and thins at both ends, as a pen does."""
    n = len(points)
    for i in range(n - 1):
        pressure = 0.55 + 0.45 * math.sin(math.pi * i / (n - 1))
        width = max(1, round(pen * pressure))
        draw.line([points[i], points[i + 1]], fill=255, width=width, joint="curve")
        r = width / 2
        x, y = points[i + 1]
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
