"""Pace one turn's two answers together, so their timing does not tell the teams apart.

A client that times the raw websocket would otherwise see each team's time to first text, its
speed and its total time. The pacer sits between the workers' numbered batches and one
connection (arena.consumers): it buffers what each side has sent and releases text to both
sides on one shared character cursor.

- Lockstep: while both sides are still answering, the cursor is the smaller of the two texts
  received so far, so both panes start together (once both have text) and the faster side is
  held to the slower side's progress.
- Tail: once one side has ended and its text is fully shown, the rest of the other (longer)
  answer goes on at the pace the panes had in lockstep. When the longer side was the one that
  held the lockstep back, that pace was its own, and it goes on as its text arrives. When it
  was the faster side, its held text is released at the lockstep's pace (at least
  `min_chars_per_second`), faster only as far as needed so that no text is shown more than
  `max_lag_seconds` after the later of its arrival and the tail's start.
- Both `done` messages go out together, once both texts are fully shown; a side's `done` text
  is always the concatenation of the token batches released for it.
- A side that fails ends the pacing: its received text and its error go out at once, and the
  other side is no longer held (a battle with a failed side cannot be voted on).

Tokens are renumbered per side from 1; the first batch of a side carries ``snapshot: True``
(its text is the whole text so far), so a browser that reconnects replaces what it had and
resumes in step. Pure: no Django, no clock of its own (every call is given ``now``), so it is
unit-tested with a fake clock.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

SIDES = ("a", "b")

# A lockstep shorter than this says little about a pace; the tail measures over at least this.
MIN_PACE_WINDOW_SECONDS = 0.25


@dataclass
class _Side:
    text: str = ""  # received so far
    seq_in: int = 0  # the worker's last sequence number taken
    arrivals: list[tuple[float, int]] = field(default_factory=list)  # (when, length of text then)
    final: dict | None = None  # the side's done or error message, once received
    sent: int = 0  # characters released
    seq_out: int = 0
    final_sent: bool = False
    unshown: int = 0  # index of the first arrival not yet fully shown (the tail's scan starts there)
    resend: bool = False  # the released text is no longer a prefix of the text: send a snapshot

    @property
    def ended(self) -> bool:
        return self.final is not None

    def take(self, text: str, now: float, *, final: bool = False) -> None:
        if not final and self.text.startswith(text):
            return  # nothing new (a snapshot never takes text back; only the final text may)
        if text != self.text:
            if not text.startswith(self.text[: self.sent]):
                self.resend = True
            self.text = text
            self.arrivals.append((now, len(text)))


class TurnPacer:
    """Pace the two sides of one turn for one connection.

    Feed it every event the workers publish for the turn (`feed`) and call `release` on every
    event and every `tick_seconds` while `waiting_on_clock` is true; send what `release`
    returns, in order. `finished` is true once both sides' final messages are released.
    """

    def __init__(self, *, turn: int | None, now: float, max_lag_seconds: float,
                 min_chars_per_second: float):
        self.turn = turn
        self.max_lag = max_lag_seconds
        self.min_rate = min_chars_per_second
        self.sides = {side: _Side() for side in SIDES}
        self.cursor = 0.0
        self.started_at: float | None = None  # first release of text
        self.started_cursor = 0.0
        self.tail_from: float | None = None  # when lockstep gave way to the tail
        self.pace: float | None = None
        self.moved_at: float | None = None  # when the lockstep cursor last moved
        self.follow = False  # the tail side set the pace and goes on as it arrives
        self.last_release = now
        self.unpaced = False

    # -- input ---------------------------------------------------------------------------------

    def feed(self, event: dict, now: float) -> None:
        """Take one worker event (token, done or error) of this turn; ignore anything else.

        A token batch is taken once and in order: one already taken is dropped, and one that
        skips a number is dropped too (its text comes with the worker's next snapshot or with
        the final message). A snapshot token replaces the text so far.
        """
        side = self.sides.get(event.get("side"))
        if side is None or side.ended:
            return
        kind = event.get("type")
        if kind == "token":
            seq, text = event.get("seq"), event.get("text")
            if not isinstance(seq, int) or not isinstance(text, str):
                return
            if event.get("snapshot"):
                if seq >= side.seq_in:
                    side.seq_in = seq
                    side.take(text, now)
            elif seq == side.seq_in + 1:
                side.seq_in = seq
                side.take(side.text + text, now)
        elif kind == "done":
            side.take(str(event.get("text") or ""), now, final=True)
            side.final = event
        elif kind == "error":
            side.final = event
            self.unpaced = True

    # -- output --------------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return all(side.final_sent for side in self.sides.values())

    @property
    def waiting_on_clock(self) -> bool:
        """Whether text is held that the clock alone (no new event) will release.

        Not in a tail that follows its side's arrivals, nor once a side failed: there the
        cursor moves only with new events, so a tick would release nothing.
        """
        return not self.finished and self.tail_from is not None and not self.follow and not self.unpaced

    def release(self, now: float) -> list[dict]:
        """Return the messages to send now: token batches, then final messages."""
        a, b = self.sides["a"], self.sides["b"]
        if self.unpaced:
            self.cursor = math.inf
        elif a.ended and b.ended or a.text and b.text or self.started_at is not None:
            self._advance(now)
        self.last_release = now
        messages = []
        for name, side in self.sides.items():
            shown = min(len(side.text), int(self.cursor)) if self.cursor != math.inf else len(side.text)
            if shown > side.sent or side.resend and shown:
                messages.append(self._token(name, side, shown))
        if self.started_at is None and messages:
            self.started_at, self.started_cursor = now, self.cursor
        if self._all_shown():
            for name, side in self.sides.items():
                if side.final is not None and not side.final_sent:
                    messages.append({**side.final, "side": name})
                    side.final_sent = True
        return messages

    def _token(self, name: str, side: _Side, shown: int) -> dict:
        side.seq_out += 1
        message = {"type": "token", "side": name, "seq": side.seq_out}
        if self.turn is not None:
            message["turn"] = self.turn
        if side.seq_out == 1 or side.resend:
            message.update(text=side.text[:shown], snapshot=True)
        else:
            message["text"] = side.text[side.sent:shown]
        side.sent, side.resend = shown, False
        return message

    def _all_shown(self) -> bool:
        """Whether every side that has ended has its whole text out, and both may end now."""
        if self.unpaced:
            return True
        return all(side.ended and side.sent >= len(side.text) for side in self.sides.values())

    def _advance(self, now: float) -> None:
        a, b = self.sides["a"], self.sides["b"]
        # Lockstep: what both panes can show, each side's text so far or, once ended, its whole.
        lockstep = min(len(a.text), len(b.text))
        if lockstep > self.cursor:
            self.cursor, self.moved_at = float(lockstep), now
        running = [side for side in (a, b) if not side.ended]
        target = min((len(s.text) for s in running), default=max(len(a.text), len(b.text)))
        if target <= self.cursor:
            return
        # Tail: one side ended and is fully shown; the other goes on alone.
        tail = a if len(a.text) > len(b.text) else b
        if self.tail_from is None:
            self.tail_from = now
            started = self.started_at if self.started_at is not None else now
            window = max((self.moved_at or now) - started, MIN_PACE_WINDOW_SECONDS)
            self.pace = max(self.min_rate, (self.cursor - self.started_cursor) / window)
            # The side that held the lockstep back (its shown text arrived last) was the slower
            # one: its own pace is the shared one, so it goes on as its text arrives.
            other = b if tail is a else a
            last = max(int(self.cursor) - 1, 0)
            self.follow = not tail.ended and _arrived_at(tail, last) >= _arrived_at(other, last)
        if self.follow:
            self.cursor = float(target)
            return
        rate = self._tail_rate(tail, now)
        if rate == math.inf:
            self.cursor = float(target)
        else:
            self.cursor = min(float(target), self.cursor + rate * max(now - self.last_release, 0.0))

    def _tail_rate(self, tail: _Side, now: float) -> float:
        """The shared pace, or faster where text would otherwise be shown too late."""
        rate = self.pace or self.min_rate
        arrivals = tail.arrivals
        while tail.unshown < len(arrivals) and arrivals[tail.unshown][1] <= self.cursor:
            tail.unshown += 1
        for k in range(tail.unshown, len(arrivals)):
            arrived, length = arrivals[k]
            if arrived <= self.tail_from and k + 1 < len(arrivals) and arrivals[k + 1][0] <= self.tail_from:
                continue  # the same deadline as the next, which has more text: it decides
            due = max(arrived, self.tail_from) + self.max_lag
            left = due - now
            if left <= 0:
                return math.inf
            rate = max(rate, (length - self.cursor) / left)
        return rate


def _arrived_at(side: _Side, index: int) -> float:
    """When the character at `index` of a side's text arrived."""
    for arrived, length in side.arrivals:
        if length > index:
            return arrived
    return math.inf
