"""`hallq board`: the call board on the Pi's own HDMI output.

A Socket.IO client of the hub (display.board_link) keeps the state; this
loop draws it with pygame and speaks new calls through the announcer. It
redraws the whole screen only when something changed or a flash turned, and
only the header band when just the clock ticked; between those it sleeps
until the socket thread signals a change, so an idle board costs next to no CPU. Only a notice wider than the screen scrolls, and then
only its strip is redrawn (NOTICE_FPS).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from display.board_state import Filter, board_view

NOTICE_FPS = 25
NOTICE_SPEED = 0.09  # screen heights per second
FLASH_STEP = 0.5  # seconds per flash phase
ACK_BACKLOG = 200  # calls waiting for their first frame, at most


@dataclass
class Options:
    lang: str = "zh"
    board_filter: Filter = Filter()
    size: tuple = (1920, 1080)
    fullscreen: bool = True
    history: int = 8


def view_of(link, options, now=None, wall=None):
    now = time.monotonic() if now is None else now
    wall = time.time() if wall is None else wall
    with link.lock:
        return board_view(link.state, now, link.state.hall_time(wall), options.lang, options.board_filter,
                          options.history)


def render_snapshot(link, painter, options, path):
    """Draw the current state once into a PNG (no display needed)."""
    import pygame

    surface = pygame.Surface(options.size)
    view = view_of(link, options)
    painter.draw(surface, view, time.monotonic())
    pygame.image.save(surface, str(path))
    return view


class PygameBoard:
    def __init__(self, link, painter, options, announcer=None, acker=None):
        self.link = link
        self.painter = painter
        self.options = options
        self.announcer = announcer
        self.acker = acker
        self.changed = threading.Event()
        self.changed.set()
        self._to_ack = []  # calls drawn for the first time on the next frame
        self._ack_lock = threading.Lock()
        link.on_change = self._wake
        link.on_call = self._new_call
        link.on_missed = self._missed

    # from the hub link's dispatch thread -----------------------------------------
    def _wake(self):
        self.changed.set()

    def _new_call(self, call):
        self._missed([call])
        if self.announcer is not None:
            from display.announcer import AnnounceError, Call

            try:
                self.announcer.say(Call(call.get("event_id"), call["ticket"]["number"], call["window"]["number"],
                                        bool(call.get("recall"))))
            except (AnnounceError, KeyError) as exc:
                print(f"无法播报呼叫 {call.get('event_id')}: {exc}")

    def _missed(self, calls):
        with self._ack_lock:
            self._to_ack.extend(calls)
            del self._to_ack[:-ACK_BACKLOG]  # a board that cannot draw must not hoard calls

    def spoken(self, call):
        if self.acker is not None:
            self.acker.ack(call.key, shown=True, spoken=True)

    # the drawing loop ------------------------------------------------
    def run(self, max_frames=None):
        import pygame

        pygame.display.init()
        flags = pygame.FULLSCREEN if self.options.fullscreen else 0
        screen = pygame.display.set_mode((0, 0) if self.options.fullscreen else self.options.size, flags)
        pygame.display.set_caption("hallq 叫号屏")
        pygame.mouse.set_visible(False)
        self.link.connect()  # in the background: the board shows 正在连接… until the hub answers
        frames, last_phase, last_clock, started = 0, None, None, time.monotonic()
        while max_frames is None or frames < max_frames:
            now = time.monotonic()
            view = view_of(self.link, self.options, now)
            flashing = bool(view["newest"] and view["newest"]["flashing"])
            scrolling = self.painter.notice_scrolls(screen, view)
            phase = int(now / FLASH_STEP) if flashing else None
            if self.changed.is_set() or phase != last_phase:
                self.changed.clear()
                last_phase, last_clock = phase, view["clock"]
                self.painter.draw(screen, view, now, self._notice_offset(screen, now - started))
                pygame.display.flip()
                frames += 1
                self._ack_drawn()
            else:
                rects = []
                if view["clock"] != last_clock:  # only the clock moved: redraw the header band alone
                    last_clock = view["clock"]
                    rect, unit = self.painter.header_rect(screen)
                    self.painter.draw_header(screen, rect, view, unit)
                    rects.append(rect)
                if scrolling:
                    rect, unit = self.painter.notice_rect(screen)
                    self.painter.draw_notice(screen, rect, view, unit, self._notice_offset(screen, now - started))
                    rects.append(rect)
                if rects:
                    pygame.display.update(rects)
                    frames += 1
            if not self._wait(scrolling or flashing, now):
                break
        pygame.display.quit()

    def _notice_offset(self, screen, elapsed):
        return int(elapsed * NOTICE_SPEED * screen.get_height())

    def _wait(self, animating, now):
        """Sleep until the next frame is due or the state changes; False on quit.
        (A threading.Event, not pygame.event.wait: SDL polls every millisecond
        while it waits on drivers without native waiting.)"""
        import pygame

        timeout = 1.0 / NOTICE_FPS if animating else max(0.02, 1.0 - (time.time() % 1.0))
        self.changed.wait(timeout)
        for event in pygame.event.get():
            if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE,
                                                                                              pygame.K_q)):
                return False
        return True

    def _ack_drawn(self):
        with self._ack_lock:
            drawn, self._to_ack = self._to_ack, []
        if self.acker is not None:
            for call in drawn:
                self.acker.ack(call.get("event_id"), shown=True, spoken=False)
