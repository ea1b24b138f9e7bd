"""Drawing the call board with pygame, from `board_view`'s plain values.

Sizes are fractions of the surface, so 1920x1080, 1280x720 and portrait
screens all get the same layout. Rendered text is cached: the board redraws
often (clock, flash, notice) but its words change rarely.
"""
from __future__ import annotations

import os
from pathlib import Path

# CJK fonts, best first: the one the install step adds, then common others.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FONT_NAMES = ("wenquanyimicrohei", "wqymicrohei", "notosanscjksc", "notosanssc", "sourcehansanssc",
              "droidsansfallback", "simhei", "microsoftyahei")

BG = (10, 27, 56)
BAND = (18, 48, 94)
PANEL = (16, 40, 78)
TEXT = (235, 240, 248)
DIM = (150, 168, 196)
GOLD = (255, 211, 77)
FLASH = (198, 40, 40)
WARN = (255, 160, 0)
TEXT_CACHE_ENTRIES = 300  # rendered texts kept (a frame draws about fifty)
TEXT_CACHE_PIXELS = 1_500_000  # and at most this many pixels of them (6 MB; a frame draws well under 1 M)


def find_font(explicit=None):
    """(path or None, description): the CJK font the board will use."""
    if explicit:
        if not Path(explicit).is_file():
            raise ValueError(f"字体文件 {explicit} 不存在")
        return explicit, f"{explicit} (--font)"
    for path in FONT_CANDIDATES:
        if os.path.isfile(path):
            return path, path
    import pygame

    for name in FONT_NAMES:
        path = pygame.font.match_font(name)
        if path:
            return path, f"{path} (系统字体 {name})"
    return None, "pygame 默认字体 (未找到中文字体, 中文将无法显示; 请安装 fonts-wqy-microhei)"


class Painter:
    def __init__(self, font_path):
        import pygame

        self.pygame = pygame
        pygame.font.init()
        self.font_path = font_path
        self._fonts = {}
        self._texts = {}  # (words, size, color) -> surface, least recently used first
        self._pixels = 0

    def font(self, size):
        size = max(8, int(size))
        if size not in self._fonts:
            self._fonts[size] = self.pygame.font.Font(self.font_path, size)
        return self._fonts[size]

    def text(self, words, size, color=TEXT):
        """The rendered text, from a cache of the most recently used ones; it
        is bounded by pixels as well as entries, since a call number at full
        HD is a surface of a megabyte and ticket numbers never repeat in a day."""
        key = (words, int(size), color)
        surface = self._texts.pop(key, None)
        if surface is None:
            surface = self.font(size).render(words, True, color)
            self._pixels += surface.get_width() * surface.get_height()
        self._texts[key] = surface  # newest last
        while len(self._texts) > TEXT_CACHE_ENTRIES or self._pixels > TEXT_CACHE_PIXELS:
            oldest = self._texts.pop(next(iter(self._texts)))
            self._pixels -= oldest.get_width() * oldest.get_height()
        return surface

    def fit_size(self, words, size, width):
        """`size`, or the largest smaller one at which the text fits `width`."""
        size = int(size)
        while self.font(size).size(words)[0] > width and size > 10:
            size = int(size * 0.9)
        return size

    def fit(self, words, size, width, color=TEXT):
        return self.text(words, self.fit_size(words, size, width), color)

    # the whole board -------------------------------------------------
    def draw(self, surface, view, now, notice_offset=0):
        pygame = self.pygame
        w, h = surface.get_size()
        portrait = h > w
        surface.fill(BG)
        unit = min(h, w * 9 / 16) / 100  # 1% of a 16:9 height
        header = pygame.Rect(0, 0, w, int(11 * unit))
        notice = pygame.Rect(0, h - int(6.5 * unit), w, int(6.5 * unit))
        queues = pygame.Rect(0, notice.top - int(9 * unit), w, int(9 * unit))
        body = pygame.Rect(0, header.bottom, w, queues.top - header.bottom)
        if portrait:
            main = pygame.Rect(body.left, body.top, w, int(body.height * 0.5))
            side = pygame.Rect(body.left, main.bottom, w, body.bottom - main.bottom)
        else:
            main = pygame.Rect(body.left, body.top, int(w * 0.6), body.height)
            side = pygame.Rect(main.right, body.top, w - main.right, body.height)
        self.draw_header(surface, header, view, unit)
        self.draw_main(surface, main, view, now, unit)
        self.draw_windows(surface, side, view, unit)
        self.draw_queues(surface, queues, view, unit)
        self.draw_notice(surface, notice, view, unit, notice_offset)

    def draw_header(self, surface, rect, view, unit):
        surface.fill(BAND, rect)
        pad = int(2 * unit)
        clock = self.text(view["clock"], 6 * unit, TEXT)
        date = self.text(view["date"], 3 * unit, DIM)
        surface.blit(clock, clock.get_rect(right=rect.right - pad, centery=rect.centery - int(1.2 * unit)))
        surface.blit(date, date.get_rect(right=rect.right - pad, top=rect.centery + int(2.2 * unit)))
        room = rect.width - clock.get_width() - 3 * pad
        title = self.fit(view["hall"], 6 * unit, room, TEXT)
        surface.blit(title, title.get_rect(left=rect.left + pad, centery=rect.centery))
        if not view["connected"]:
            badge = self.text(view["labels"]["connecting"], 3.5 * unit, WARN)
            surface.blit(badge, badge.get_rect(right=rect.right - pad - clock.get_width() - pad, centery=rect.centery))

    def draw_main(self, surface, rect, view, now, unit):
        labels, newest = view["labels"], view["newest"]
        pad = int(3 * unit)
        big = rect.inflate(-2 * pad, 0)
        big.height = int(rect.height * 0.6)
        big.top = rect.top + pad
        flashing = newest and newest["flashing"] and int(now * 2) % 2 == 0
        self.pygame.draw.rect(surface, FLASH if flashing else PANEL, big, border_radius=int(2 * unit))
        label = self.text(labels["calling"], 4 * unit, DIM if not flashing else TEXT)
        surface.blit(label, (big.left + pad, big.top + pad // 2))
        if newest:
            number = self.fit(newest["number"], 22 * unit, big.width - 2 * pad, GOLD if not flashing else TEXT)
            surface.blit(number, number.get_rect(center=(big.centerx, big.centery)))
            line = self.fit(newest["to"], 7 * unit, big.width - 2 * pad, TEXT)
            surface.blit(line, line.get_rect(centerx=big.centerx, bottom=big.bottom - pad // 2))
        else:
            empty = self.text(labels["none"], 7 * unit, DIM)
            surface.blit(empty, empty.get_rect(center=big.center))
        self.draw_history(surface, self.pygame.Rect(big.left, big.bottom + pad, big.width,
                                                    rect.bottom - big.bottom - pad), view, unit)

    def draw_history(self, surface, rect, view, unit):
        labels = view["labels"]
        head = self.text(labels["history"], 3.5 * unit, DIM)
        surface.blit(head, rect.topleft)
        top = rect.top + head.get_height() + int(unit)
        rows = 4
        row_h = max(1, (rect.bottom - top) // rows)
        col_w = rect.width // 2
        for i, call in enumerate(view["history"][: rows * 2]):
            col, row = divmod(i, rows)
            words = f'{call["number"]}  →  {call["window"]}'
            if call["recall"]:
                words += f' ({labels["recall"]})'
            text = self.fit(words, min(5 * unit, row_h * 0.8), col_w - int(2 * unit), TEXT)
            surface.blit(text, (rect.left + col * col_w, top + row * row_h))

    def draw_windows(self, surface, rect, view, unit):
        labels, windows = view["labels"], view["windows"]
        pad = int(2 * unit)
        area = rect.inflate(-2 * pad, -2 * pad)
        head = self.text(labels["windows"], 3.5 * unit, DIM)
        surface.blit(head, area.topleft)
        top = area.top + head.get_height() + int(unit)
        if not windows:
            return
        cols = 1 if len(windows) <= 10 or area.width < 60 * unit else 2
        per_col = -(-len(windows) // cols)
        row_h = min(int(8 * unit), (area.bottom - top) // per_col)
        col_w = area.width // cols
        cell_w = col_w - pad
        size = min(self.fit_size(w["label"], row_h * 0.55, cell_w * 0.5) for w in windows)
        for i, window in enumerate(windows):
            col, row = divmod(i, per_col)
            cell = self.pygame.Rect(area.left + col * col_w, top + row * row_h, cell_w, row_h - int(unit * 0.6))
            self.pygame.draw.rect(surface, PANEL, cell, border_radius=int(unit))
            name = self.text(window["label"], size, TEXT)
            surface.blit(name, name.get_rect(left=cell.left + pad, centery=cell.centery))
            if window["state"] != "open":
                word, color = labels["paused" if window["state"] == "paused" else "closed"], DIM
            else:
                word, color = window["ticket"] or labels["idle"], GOLD
            value = self.fit(word, size, cell.width * 0.45, color)
            surface.blit(value, value.get_rect(right=cell.right - pad, centery=cell.centery))

    def draw_queues(self, surface, rect, view, unit):
        surface.fill(BAND, rect)
        items = view["queues"]
        if not items:
            return
        labels = view["labels"]
        width = rect.width / len(items)
        for i, queue in enumerate(items):
            cell = self.pygame.Rect(int(rect.left + i * width), rect.top, int(width), rect.height)
            name = self.fit(f'{queue["id"]} {queue["name"]}', 3 * unit, cell.width - unit, DIM)
            count = self.fit(f'{labels["waiting"]} {queue["waiting"]} {labels["people"]}'.strip(), 3.6 * unit,
                             cell.width - unit, TEXT)
            surface.blit(name, name.get_rect(centerx=cell.centerx, top=cell.top + int(unit)))
            surface.blit(count, count.get_rect(centerx=cell.centerx, bottom=cell.bottom - int(unit)))

    def header_rect(self, surface):
        w, h = surface.get_size()
        unit = min(h, w * 9 / 16) / 100
        return self.pygame.Rect(0, 0, w, int(11 * unit)), unit

    def notice_rect(self, surface):
        w, h = surface.get_size()
        unit = min(h, w * 9 / 16) / 100
        return self.pygame.Rect(0, h - int(6.5 * unit), w, int(6.5 * unit)), unit

    def notice_scrolls(self, surface, view):
        rect, unit = self.notice_rect(surface)
        return bool(view["notice"]) and self.text(view["notice"], 4 * unit).get_width() > rect.width

    def draw_notice(self, surface, rect, view, unit, offset=0):
        """The notice strip; a notice wider than the screen scrolls by `offset` pixels."""
        surface.fill(BG, rect)
        if not view["notice"]:
            return rect
        text = self.text(view["notice"], 4 * unit, TEXT)
        if text.get_width() <= rect.width:
            surface.blit(text, text.get_rect(center=rect.center))
            return rect
        span = text.get_width() + rect.width // 3
        x = rect.left - (offset % span)
        clip = surface.get_clip()
        surface.set_clip(rect)
        surface.blit(text, text.get_rect(left=x, centery=rect.centery))
        surface.blit(text, text.get_rect(left=x + span, centery=rect.centery))
        surface.set_clip(clip)
        return rect
