"""Draw the cities' hero illustrations into fixtures/media/cities/.

Original, abstract pictures made here with Pillow (no photographs, no third-party art),
one per hub, 1600×900 JPEG. Drawn at twice the size and scaled down for smooth edges.
Deterministic: the same script gives the same pictures.

    .venv/bin/python tools/make_images.py
"""

import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1600, 900
S = 2  # supersampling factor
OUT = Path(__file__).resolve().parent.parent / "fixtures" / "media" / "cities"
MAX_BYTES = 150_000


def rgb(hex_colour):
    hex_colour = hex_colour.lstrip("#")
    return tuple(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))


def mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def canvas(top, bottom, horizon=1.0):
    """A vertical gradient from ``top`` to ``bottom``, reaching ``bottom`` at ``horizon``."""
    image = Image.new("RGB", (WIDTH * S, HEIGHT * S))
    draw = ImageDraw.Draw(image)
    top, bottom = rgb(top), rgb(bottom)
    for y in range(HEIGHT * S):
        t = min(1.0, y / (HEIGHT * S * horizon))
        draw.line([(0, y), (WIDTH * S, y)], fill=mix(top, bottom, t))
    return image, draw


def p(*points):
    """Scale (x, y) points given in 1600×900 space to the supersampled canvas."""
    return [(x * S, y * S) for x, y in points]


def box(x0, y0, x1, y1):
    return [x0 * S, y0 * S, x1 * S, y1 * S]


def hills(draw, base, amplitude, waves, phase, colour, step=8):
    points = [(0, HEIGHT)]
    for x in range(0, WIDTH + step, step):
        y = base
        for i, (length, weight) in enumerate(waves):
            y -= amplitude * weight * math.sin(x / length + phase * (i + 1))
        points.append((x, y))
    points.append((WIDTH, HEIGHT))
    draw.polygon(p(*points), fill=rgb(colour))


def roof(draw, cx, y, width, height, colour, lift=14):
    """A Chinese roof: a trapezoid with eaves that turn up at both ends."""
    half = width / 2
    draw.polygon(
        p(
            (cx - half - lift, y - lift),
            (cx - half + lift, y),
            (cx + half - lift, y),
            (cx + half + lift, y - lift),
            (cx + half * 0.72, y - height),
            (cx - half * 0.72, y - height),
        ),
        fill=rgb(colour),
    )


def pagoda(draw, cx, base, colours, flip=False):
    """Five storeys, each with its roof; ``flip`` draws the reflection hanging down."""
    wall, window, tiles = colours
    sign = -1 if flip else 1

    def f(y):
        return base - sign * (base - y)

    y = base
    for storey in range(5):
        width = 120 - storey * 14
        height = 42 - storey * 2
        top, bottom = sorted((f(y - height), f(y)))
        draw.rectangle(box(cx - width / 2, top, cx + width / 2, bottom), fill=rgb(wall))
        for wx in range(int(cx - width / 2) + 12, int(cx + width / 2) - 10, 22):
            wy = sorted((f(y - height + 12), f(y - 6)))
            draw.rectangle(box(wx, wy[0], wx + 8, wy[1]), fill=rgb(window))
        half, lift, ry = (width + 40) / 2, 10, y - height
        draw.polygon(
            p(
                (cx - half - lift, f(ry - lift)),
                (cx - half + lift, f(ry)),
                (cx + half - lift, f(ry)),
                (cx + half + lift, f(ry - lift)),
                (cx + half * 0.72, f(ry - 16)),
                (cx - half * 0.72, f(ry - 16)),
            ),
            fill=rgb(tiles),
        )
        y -= height + 16
    draw.polygon(p((cx - 8, f(y)), (cx, f(y - 40)), (cx + 8, f(y))), fill=rgb(tiles))


def finish(image, name):
    image = image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    image = image.filter(ImageFilter.SMOOTH_MORE) if name == "hangzhou" else image
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.jpg"
    image.save(path, "JPEG", quality=80, optimize=True, progressive=True)
    size = path.stat().st_size
    if size > MAX_BYTES:
        sys.exit(f"{path} is {size} bytes, over {MAX_BYTES}")
    print(f"{path.relative_to(OUT.parent.parent.parent)}  {size // 1024} KB")


def beijing():
    """A red gate with a double golden roof in front of modern towers, at dusk."""
    image, draw = canvas("#f8e3b0", "#e9925f", horizon=0.8)
    draw.ellipse(box(1080, 140, 1300, 360), fill=rgb("#fbeed0"))
    towers = [
        (60, 380, 110),
        (190, 300, 90),
        (300, 430, 120),
        (1210, 330, 100),
        (1330, 250, 80),
        (1430, 400, 130),
    ]
    for x, top, width in towers:
        draw.rectangle(box(x, top, x + width, 900), fill=rgb("#c0745f"))
        for y in range(top + 30, 640, 40):
            draw.line(p((x + 12, y), (x + width - 12, y)), fill=rgb("#cf8a72"), width=3 * S)
    # the gate: wall, arches, balustrade, hall, double roof
    draw.rectangle(box(330, 600, 1270, 900), fill=rgb("#a3262a"))
    for i, cx in enumerate((520, 660, 800, 940, 1080)):
        half = 52 if i == 2 else 40
        draw.rectangle(box(cx - half, 720, cx + half, 900), fill=rgb("#3b1410"))
        draw.ellipse(box(cx - half, 720 - half, cx + half, 720 + half), fill=rgb("#3b1410"))
    draw.rectangle(box(400, 575, 1200, 600), fill=rgb("#f3e7d3"))
    draw.rectangle(box(470, 470, 1130, 575), fill=rgb("#b8302c"))
    for x in range(490, 1130, 70):
        draw.rectangle(box(x, 470, x + 14, 575), fill=rgb("#7d1b1c"))
    roof(draw, 800, 470, 760, 55, "#e0a526", lift=22)
    draw.rectangle(box(540, 395, 1060, 420), fill=rgb("#b8302c"))
    roof(draw, 800, 400, 640, 70, "#e8b53a", lift=24)
    draw.rectangle(box(0, 880, 1600, 900), fill=rgb("#5a1d16"))
    finish(image, "beijing")


def shenzhen():
    """Dense towers with lit windows at night by the water, one tall spire among them."""
    rng = random.Random(1979)
    image, draw = canvas("#0b1d3a", "#2a5d8a", horizon=0.75)
    for _ in range(90):
        x, y = rng.randrange(0, WIDTH), rng.randrange(0, 360)
        draw.ellipse(box(x, y, x + 2, y + 2), fill=rgb("#cfe3ff"))
    water = 720
    for layer, (colour, light) in enumerate((("#1a3657", "#6f8fb8"), ("#0f2440", "#f2c46b"))):
        x = -20 + layer * 30
        while x < WIDTH:
            width = rng.randrange(50, 120)
            top = rng.randrange(260 + layer * 90, 560 + layer * 60)
            draw.rectangle(box(x, top, x + width, water), fill=rgb(colour))
            for wy in range(top + 18, water - 14, 26):
                for wx in range(x + 10, x + width - 12, 22):
                    if rng.random() < 0.35:
                        draw.rectangle(box(wx, wy, wx + 9, wy + 12), fill=rgb(light))
            x += width + rng.randrange(4, 26)
    # the tallest tower, with its spire
    draw.polygon(
        p((770, water), (780, 190), (800, 150), (820, 190), (830, water)), fill=rgb("#0a1a30")
    )
    draw.line(p((800, 150), (800, 60)), fill=rgb("#0a1a30"), width=6 * S)
    for wy in range(220, water - 20, 30):
        draw.line(p((790, wy), (810, wy)), fill=rgb("#f2c46b"), width=3 * S)
    draw.rectangle(box(0, water, 1600, 900), fill=rgb("#0d2038"))
    for _ in range(160):
        x, y = rng.randrange(0, WIDTH), rng.randrange(water + 8, 890)
        length = rng.randrange(20, 90)
        colour = "#f2c46b" if rng.random() < 0.5 else "#4f77a8"
        draw.line(p((x, y), (x + length, y)), fill=rgb(colour), width=2 * S)
    finish(image, "shenzhen")


def hangzhou():
    """Misty hills, a pagoda on a hillside and willow branches above a calm lake."""
    image, draw = canvas("#f6f3e6", "#d5e8e0", horizon=0.6)
    draw.ellipse(box(860, 130, 1000, 270), fill=rgb("#fbf4dc"))
    hills(draw, 470, 60, [(180, 1.0), (70, 0.3)], 0.4, "#b9d3cb")
    hills(draw, 540, 55, [(140, 1.0), (55, 0.25)], 1.7, "#8fb7ab")
    hills(draw, 600, 40, [(220, 1.0), (60, 0.2)], 2.9, "#6a9c8c")
    pagoda(draw, 420, 575, ("#a45a3c", "#5f2f20", "#4a3b36"))
    # the lake, with the pagoda upside down in it and a few ripples
    lake = 620
    draw.rectangle(box(0, lake, 1600, 900), fill=rgb("#a9cdc8"))
    pagoda(draw, 420, lake + (lake - 575), ("#b9c4b4", "#a3b1a6", "#9fb3ac"), flip=True)
    for i in range(14):
        y = lake + 20 + i * 18
        x = 100 + (i * 337) % 1300
        draw.line(p((x, y), (x + 140, y)), fill=rgb("#c6e0dc"), width=2 * S)
    # a low bridge across the lake
    draw.arc(box(820, 640, 1120, 760), 180, 360, fill=rgb("#f2efe6"), width=10 * S)
    draw.line(p((700, 700), (1240, 700)), fill=rgb("#f2efe6"), width=6 * S)
    # willow branches from the top right
    for i in range(22):
        x0 = 1180 + i * 20
        length = 200 + (i * 53) % 260
        sway = 12 + (i * 17) % 20
        points = [(x0 + sway * math.sin(t / 90 + i), t) for t in range(0, length, 10)]
        draw.line(p(*points), fill=rgb("#5e8f4f"), width=3 * S)
        for px, py in points[5::4]:
            draw.ellipse(box(px - 4, py - 10, px + 4, py + 10), fill=rgb("#7fae5e"))
    finish(image, "hangzhou")


def chengdu():
    """Green hills and bamboo under a round, panda-faced sun."""
    image, draw = canvas("#f5f3d7", "#d8e8b8", horizon=0.7)
    # the panda-faced sun
    cx, cy, r = 800, 260, 130
    for ex in (cx - 100, cx + 100):
        draw.ellipse(box(ex - 48, cy - 150, ex + 48, cy - 54), fill=rgb("#2b2b2b"))
    draw.ellipse(box(cx - r, cy - r, cx + r, cy + r), fill=rgb("#fcfcf7"))
    for ex, tilt in ((cx - 50, -1), (cx + 50, 1)):
        draw.ellipse(
            box(ex - 30 + tilt * 4, cy - 34, ex + 30 + tilt * 4, cy + 26), fill=rgb("#2b2b2b")
        )
        draw.ellipse(box(ex - 8, cy - 12, ex + 8, cy + 4), fill=rgb("#fcfcf7"))
    draw.ellipse(box(cx - 22, cy + 30, cx + 22, cy + 58), fill=rgb("#2b2b2b"))
    hills(draw, 560, 70, [(210, 1.0), (80, 0.3)], 0.8, "#a9c98a")
    # a small skyline on the far hills
    for x, top, width in ((560, 470, 40), (610, 430, 34), (650, 490, 50), (930, 450, 36)):
        draw.rectangle(box(x, top, x + width, 560), fill=rgb("#8fae86"))
    hills(draw, 650, 60, [(160, 1.0), (60, 0.35)], 2.2, "#7fae63")
    hills(draw, 760, 45, [(240, 1.0), (90, 0.3)], 3.1, "#5c8f48")
    # bamboo on both sides
    rng = random.Random(1988)
    for x in (70, 150, 215, 1330, 1410, 1500):
        width = rng.randrange(18, 28)
        draw.rectangle(box(x, 0, x + width, 900), fill=rgb("#4f8a3a"))
        for y in range(rng.randrange(40, 110), 900, 120):
            draw.rectangle(box(x - 2, y, x + width + 2, y + 7), fill=rgb("#3b6b2c"))
            side = 1 if rng.random() < 0.5 else -1
            for k in range(3):
                tip_x = x + width / 2 + side * (70 + k * 18)
                tip_y = y - 30 + k * 22
                draw.polygon(
                    p((x + width / 2, y + 4), (tip_x, tip_y), (tip_x - side * 30, tip_y + 14)),
                    fill=rgb("#6aa84f"),
                )
    finish(image, "chengdu")


def xian():
    """A city wall with its gate tower, an aeroplane and a rocket climbing the sky."""
    image, draw = canvas("#f6dfae", "#dc9462", horizon=0.8)
    # the rocket and the curve of its trail
    rx, ry = 1330, 170
    trail = [(rx + 260 * t * t, ry + 110 + 480 * t) for t in (i / 40 for i in range(41))]
    draw.line(p(*trail), fill=rgb("#fbf1de"), width=12 * S, joint="curve")
    draw.polygon(
        p(
            (rx, ry - 70),
            (rx - 18, ry - 30),
            (rx - 18, ry + 50),
            (rx + 18, ry + 50),
            (rx + 18, ry - 30),
        ),
        fill=rgb("#f4f1ea"),
    )
    draw.polygon(p((rx - 18, ry + 20), (rx - 40, ry + 60), (rx - 18, ry + 50)), fill=rgb("#b34a30"))
    draw.polygon(p((rx + 18, ry + 20), (rx + 40, ry + 60), (rx + 18, ry + 50)), fill=rgb("#b34a30"))
    draw.polygon(p((rx - 12, ry + 50), (rx, ry + 110), (rx + 12, ry + 50)), fill=rgb("#f7c65a"))
    # an aeroplane crossing to the left
    ax, ay = 420, 200
    draw.ellipse(box(ax - 110, ay - 14, ax + 110, ay + 14), fill=rgb("#6b4a3a"))
    draw.polygon(
        p((ax - 40, ay), (ax + 20, ay), (ax + 70, ay + 90), (ax + 40, ay + 90)), fill=rgb("#6b4a3a")
    )
    draw.polygon(
        p((ax - 40, ay), (ax + 20, ay), (ax + 60, ay - 70), (ax + 35, ay - 70)), fill=rgb("#6b4a3a")
    )
    draw.polygon(
        p((ax + 80, ay), (ax + 110, ay), (ax + 125, ay - 50), (ax + 105, ay - 50)),
        fill=rgb("#6b4a3a"),
    )
    # the wall with its battlements, and the gate tower
    wall = 600
    draw.rectangle(box(0, wall, 1600, 900), fill=rgb("#8c5b3c"))
    for x in range(0, 1600, 60):
        draw.rectangle(box(x, wall - 34, x + 34, wall), fill=rgb("#8c5b3c"))
    for y in range(wall + 40, 900, 46):
        offset = 0 if (y // 46) % 2 else 45
        for x in range(-offset, 1600, 90):
            draw.line(p((x, y), (x + 80, y)), fill=rgb("#7a4e33"), width=2 * S)
    draw.rectangle(box(730, 760, 870, 900), fill=rgb("#3a2217"))
    draw.ellipse(box(730, 690, 870, 830), fill=rgb("#3a2217"))
    cx = 800
    draw.rectangle(box(cx - 230, 470, cx + 230, wall - 34), fill=rgb("#9e3a2a"))
    for x in range(cx - 210, cx + 230, 60):
        draw.rectangle(box(x, 480, x + 12, wall - 34), fill=rgb("#5e2418"))
    roof(draw, cx, 470, 560, 50, "#4b3a33", lift=22)
    draw.rectangle(box(cx - 170, 370, cx + 170, 420), fill=rgb("#9e3a2a"))
    roof(draw, cx, 380, 440, 64, "#4b3a33", lift=22)
    finish(image, "xian")


if __name__ == "__main__":
    for draw_city in (beijing, shenzhen, hangzhou, chengdu, xian):
        draw_city()
