#!/usr/bin/env python3
"""Renders a terminal capture with ANSI colours (tmux capture-pane -e -p) to a PNG.

Usage: ansi_to_png.py CAPTURE.txt OUT.png [COLUMNS ROWS]
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
PALETTE = [
    (30, 30, 30), (205, 49, 49), (13, 188, 121), (229, 229, 16),
    (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
    (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
    (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
]
DEFAULT_FG, DEFAULT_BG = (220, 220, 220), (24, 24, 28)
SGR = re.compile(r"\x1b\[([0-9;]*)m")
BLOCKS = {"▁": 1, "▂": 2, "▃": 3, "▄": 4, "▅": 5, "▆": 6, "▇": 7, "█": 8}


def xterm256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        levels = [0, 95, 135, 175, 215, 255]
        return (levels[n // 36], levels[(n // 6) % 6], levels[n % 6])
    grey = 8 + (n - 232) * 10
    return (grey, grey, grey)


def parse(text):
    """Yields rows of (character, fg, bg, bold, underline)."""
    rows = []
    state = dict(fg=None, bg=None, bold=False, dim=False, underline=False, reverse=False)
    for line in text.split("\n"):
        cells = []
        position = 0
        for match in SGR.finditer(line):
            for character in line[position:match.start()]:
                cells.append((character, dict(state)))
            position = match.end()
            codes = [int(c) if c else 0 for c in match.group(1).split(";")] or [0]
            i = 0
            while i < len(codes):
                code = codes[i]
                if code == 0:
                    state.update(fg=None, bg=None, bold=False, dim=False, underline=False, reverse=False)
                elif code == 1:
                    state["bold"] = True
                elif code == 2:
                    state["dim"] = True
                elif code == 4:
                    state["underline"] = True
                elif code == 7:
                    state["reverse"] = True
                elif code == 22:
                    state.update(bold=False, dim=False)
                elif code == 24:
                    state["underline"] = False
                elif code == 27:
                    state["reverse"] = False
                elif 30 <= code <= 37:
                    state["fg"] = PALETTE[code - 30]
                elif 90 <= code <= 97:
                    state["fg"] = PALETTE[code - 90 + 8]
                elif code == 39:
                    state["fg"] = None
                elif 40 <= code <= 47:
                    state["bg"] = PALETTE[code - 40]
                elif 100 <= code <= 107:
                    state["bg"] = PALETTE[code - 100 + 8]
                elif code == 49:
                    state["bg"] = None
                elif code in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                    state["fg" if code == 38 else "bg"] = xterm256(codes[i + 2])
                    i += 2
                i += 1
        for character in line[position:]:
            cells.append((character, dict(state)))
        rows.append(cells)
    return rows


def render(text, out, columns=None, rows_wanted=None):
    rows = parse(text)
    while rows and not rows[-1]:
        rows.pop()
    columns = columns or max(len(r) for r in rows)
    rows_wanted = rows_wanted or len(rows)
    font, bold = ImageFont.truetype(FONT, 15), ImageFont.truetype(BOLD, 15)
    cell_w, cell_h = int(font.getlength("M")) + 0, 19
    pad = 10
    image = Image.new("RGB", (columns * cell_w + 2 * pad, rows_wanted * cell_h + 2 * pad), DEFAULT_BG)
    draw = ImageDraw.Draw(image)
    for y, cells in enumerate(rows[:rows_wanted]):
        for x, (character, style) in enumerate(cells[:columns]):
            fg, bg = style["fg"] or DEFAULT_FG, style["bg"] or DEFAULT_BG
            if style["reverse"]:
                fg, bg = bg, fg
            if style["dim"]:
                fg = tuple(c * 2 // 3 for c in fg)
            left, top = pad + x * cell_w, pad + y * cell_h
            if bg != DEFAULT_BG:
                draw.rectangle([left, top, left + cell_w, top + cell_h], fill=bg)
            if character in BLOCKS:
                # Draw block elements as rectangles: font glyphs leave gaps between cells.
                height = cell_h * BLOCKS[character] // 8
                draw.rectangle([left, top + cell_h - height, left + cell_w - 1, top + cell_h - 1], fill=fg)
            elif character != " ":
                draw.text((left, top + 1), character, font=bold if style["bold"] else font, fill=fg)
            if style["underline"]:
                draw.line([left, top + cell_h - 2, left + cell_w, top + cell_h - 2], fill=fg)
    image.save(out)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        content = f.read()
    cols = int(sys.argv[3]) if len(sys.argv) > 3 else None
    rws = int(sys.argv[4]) if len(sys.argv) > 4 else None
    render(content, sys.argv[2], cols, rws)
