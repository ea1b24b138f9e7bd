"""Where each key of a hall file sits: key path -> line number.

tomllib returns plain values without positions, yet an error that says
"windows[3].profile.Z" is only half as useful without "第 41 行". This
scanner walks the TOML text once, tracking [table] and [[array.of.tables]]
headers (with their indices), `key = value` lines, and the elements of
arrays and inline tables, and records the line where each path starts.
It runs only on text that tomllib has already accepted, so it can be lenient.

Paths use the loader's spelling: `matters[12].situations[0].materials[2]`,
`windows[3].profile.Z` (indices count from 0, in file order).
"""
from __future__ import annotations

import bisect
import re

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_INDEX = re.compile(r"\[\d+\]$")


def join(path, key):
    if key in ("", None):
        return path
    return f"{path}.{key}" if path else str(key)


def parent(path):
    """`a.b[2].c` -> `a.b[2]` -> `a.b` -> `a` -> ``."""
    if _INDEX.search(path):
        return path[: path.rindex("[")]
    return path.rpartition(".")[0]


def line_of(lines, path):
    """The line of `path`, or of its nearest ancestor that the file spells out
    (a missing key points at its table's header); 0 when nothing matches."""
    while path:
        if path in lines:
            return lines[path]
        path = parent(path)
    return 0


def key_lines(text):
    """Map every key path in a TOML document to its 1-based line number."""
    scanner = _Scanner(text)
    scanner.document()
    return scanner.lines


class _Scanner:
    def __init__(self, text):
        self.s = text
        self.i = 0
        self.lines = {}
        self.counts = {}  # array-of-tables path -> elements seen so far
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    # positions ------------------------------------------------------------
    def line(self):
        return bisect.bisect_right(self._starts, self.i)

    def eof(self):
        return self.i >= len(self.s)

    def skip(self, newlines=True):
        """Skip blanks and comments (and newlines unless told not to)."""
        while not self.eof():
            c = self.s[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.i += 1
            elif c == "#":
                end = self.s.find("\n", self.i)
                self.i = len(self.s) if end < 0 else end
            else:
                return

    def record(self, path):
        self.lines.setdefault(path, self.line())

    # document -------------------------------------------------------------
    def document(self):
        table = ""
        while True:
            self.skip()
            if self.eof():
                return
            start = self.i
            if self.s.startswith("[[", self.i):
                self.i += 2
                table = self._array_header(self.key())
                self.record(table)
            elif self.s[self.i] == "[":
                self.i += 1
                table = self._resolve(self.key())
                self.record(table)
            else:
                path = self._resolve(self.key(), table)
                self.record(path)
                self.skip(newlines=False)
                if self.s.startswith("=", self.i):
                    self.i += 1
                    self.value(path)
            self._to_line_end()
            if self.i == start:  # never loop on text we do not understand
                self.i += 1

    def _to_line_end(self):
        end = self.s.find("\n", self.i)
        self.i = len(self.s) if end < 0 else end + 1

    def _resolve(self, keys, base=""):
        """Dotted header keys -> path, stepping into the last element of
        each array of tables on the way (TOML's own rule)."""
        path = base
        for key in keys:
            path = join(path, key)
            if path in self.counts:
                path = f"{path}[{self.counts[path] - 1}]"
        return path

    def _array_header(self, keys):
        base = join(self._resolve(keys[:-1]), keys[-1])
        self.record(base)  # the array as a whole starts at its first element
        self.counts[base] = self.counts.get(base, 0) + 1
        return f"{base}[{self.counts[base] - 1}]"

    # keys -----------------------------------------------------------------
    def key(self):
        keys = []
        while True:
            self.skip(newlines=False)
            keys.append(self._simple_key())
            self.skip(newlines=False)
            if self.s.startswith(".", self.i):
                self.i += 1
                continue
            return keys

    def _simple_key(self):
        if self.eof():
            return ""
        c = self.s[self.i]
        if c in "\"'":
            return self._string()
        m = _BARE.match(self.s, self.i)
        if not m:
            return ""
        self.i = m.end()
        return m.group()

    # values ---------------------------------------------------------------
    def value(self, path):
        self.skip(newlines=False)
        if self.eof():
            return
        c = self.s[self.i]
        if c in "\"'":
            self._string()
        elif c == "[":
            self._array(path)
        elif c == "{":
            self._inline_table(path)
        else:
            start = self.i
            while not self.eof() and self.s[self.i] not in ",]}\n#":
                self.i += 1
            if self.i == start:
                self.i += 1

    def _array(self, path):
        self.i += 1
        index = 0
        while True:
            self.skip()
            if self.eof():
                return
            if self.s[self.i] == "]":
                self.i += 1
                return
            if self.s[self.i] == ",":
                self.i += 1
                index += 1
                continue
            item = f"{path}[{index}]"
            self.record(item)
            self.value(item)

    def _inline_table(self, path):
        self.i += 1
        while True:
            self.skip(newlines=False)
            if self.eof() or self.s[self.i] in "}\n":
                self.i += 1
                return
            if self.s[self.i] == ",":
                self.i += 1
                continue
            key_path = self._resolve(self.key(), path)
            self.record(key_path)
            self.skip(newlines=False)
            if self.s.startswith("=", self.i):
                self.i += 1
                self.value(key_path)

    def _string(self):
        """Consume one string (basic, literal or multi-line); return its text
        as far as a key needs it (escapes other than \\" and \\\\ are kept)."""
        s = self.s
        quote = s[self.i]
        triple = s.startswith(quote * 3, self.i)
        delim = quote * 3 if triple else quote
        self.i += len(delim)
        out = []
        while not self.eof():
            if s.startswith(delim, self.i):
                self.i += len(delim)
                # a multi-line string may end with up to two extra quotes
                while triple and s.startswith(quote, self.i):
                    out.append(quote)
                    self.i += 1
                return "".join(out)
            c = s[self.i]
            if c == "\\" and quote == '"' and self.i + 1 < len(s):
                out.append(s[self.i + 1] if s[self.i + 1] in '"\\' else s[self.i : self.i + 2])
                self.i += 2
                continue
            if c == "\n" and not triple:
                return "".join(out)
            out.append(c)
            self.i += 1
        return "".join(out)
