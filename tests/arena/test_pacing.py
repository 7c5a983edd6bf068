"""The pacer alone, on a fake clock: what a connection would be sent, and when."""
from arena.pacing import TurnPacer

TICK = 0.05


def pacer(**overrides) -> TurnPacer:
    settings = {"turn": 0, "now": 0.0, "max_lag_seconds": 3.0, "min_chars_per_second": 40.0}
    return TurnPacer(**{**settings, **overrides})


def side_stream(side: str, text: str, *, first_at: float, chars_per_second: float,
                batch: int = 10) -> list[tuple[float, dict]]:
    """The worker's events for one side: batches of `batch` characters, then done."""
    events, seq = [], 0
    for start in range(0, len(text), batch):
        seq += 1
        at = first_at + start / chars_per_second
        events.append((at, {"type": "token", "side": side, "turn": 0, "seq": seq,
                            "text": text[start:start + batch]}))
    end = first_at + len(text) / chars_per_second
    events.append((end, {"type": "done", "side": side, "turn": 0, "text": text,
                         "ttft_ms": None, "total_ms": None}))
    return events


def run(events: list[tuple[float, dict]], *, until: float = 120.0, waits=None, **overrides):
    """Feed `events` at their times and tick the clock (only while `waits(pacer)`, if given, as
    the consumer does with waiting_on_clock); return the pacer and [(time, message)] sent."""
    paced = pacer(**overrides)
    events = sorted(events, key=lambda pair: pair[0])
    sent, now, i = [], 0.0, 0
    while now <= until and not paced.finished:
        while i < len(events) and events[i][0] <= now:
            paced.feed(events[i][1], now)
            sent += [(now, m) for m in paced.release(now)]
            i += 1
        if waits is None or waits(paced):
            sent += [(now, m) for m in paced.release(now)]
        now = round(now + TICK, 6)
    return paced, sent


def first_text_at(sent, side):
    return next(t for t, m in sent if m["side"] == side and m["type"] == "token" and m["text"])


def final_at(sent, side):
    return next(t for t, m in sent if m["side"] == side and m["type"] in ("done", "error"))


def tokens_joined(sent, side) -> str:
    text = ""
    for _, m in sent:
        if m["side"] == side and m["type"] == "token":
            text = m["text"] if m.get("snapshot") else text + m["text"]
    return text


def test_a_fast_and_a_slow_side_start_and_finish_together():
    # Given a fast side (first text at 0.1 s, 2000 chars/s) and a slow one (1.5 s, 50 chars/s)
    events = side_stream("a", "가" * 300, first_at=0.1, chars_per_second=2000) + \
        side_stream("b", "나" * 300, first_at=1.5, chars_per_second=50)
    # When both are paced
    _, sent = run(events)
    # Then both panes show their first text, and their done, at the same moment
    assert first_text_at(sent, "a") == first_text_at(sent, "b") == 1.5
    assert final_at(sent, "a") == final_at(sent, "b")
    # And each pane got every character once, in order, ending in its done text
    for side, char in (("a", "가"), ("b", "나")):
        assert tokens_joined(sent, side) == char * 300
        done = [m for _, m in sent if m["side"] == side and m["type"] == "done"]
        assert [m["text"] for m in done] == [char * 300]


def test_both_panes_advance_by_the_same_number_of_characters():
    events = side_stream("a", "a" * 400, first_at=0.0, chars_per_second=1000) + \
        side_stream("b", "b" * 400, first_at=0.3, chars_per_second=80)
    _, sent = run(events)
    shown = {"a": 0, "b": 0}
    for when in sorted({t for t, _ in sent}):
        for _, m in [(t, m) for t, m in sent if t == when and m["type"] == "token"]:
            shown[m["side"]] = len(m["text"]) if m.get("snapshot") else shown[m["side"]] + len(m["text"])
        assert shown["a"] == shown["b"], when


def test_token_numbers_are_new_per_side_and_the_first_batch_is_a_snapshot():
    events = side_stream("a", "x" * 100, first_at=0.0, chars_per_second=500) + \
        side_stream("b", "y" * 100, first_at=0.2, chars_per_second=100)
    _, sent = run(events)
    for side in "ab":
        tokens = [m for _, m in sent if m["side"] == side and m["type"] == "token"]
        assert [m["seq"] for m in tokens] == list(range(1, len(tokens) + 1))
        assert tokens[0].get("snapshot") is True
        assert not any(m.get("snapshot") for m in tokens[1:])
        assert all(m["turn"] == 0 for m in tokens)


def test_a_duplicate_or_old_batch_is_taken_once():
    paced = pacer()
    for seq, text in ((1, "안녕"), (1, "안녕"), (2, "하세요"), (1, "안녕")):
        paced.feed({"type": "token", "side": "a", "seq": seq, "text": text}, 0.1)
        paced.feed({"type": "token", "side": "b", "seq": seq, "text": text}, 0.1)
    sent = paced.release(0.1)
    assert {m["side"]: m["text"] for m in sent} == {"a": "안녕하세요", "b": "안녕하세요"}


def test_a_snapshot_never_takes_text_back():
    paced = pacer()
    paced.feed({"type": "token", "side": "a", "seq": 1, "text": "하나 둘 셋", "snapshot": True}, 0.0)
    paced.feed({"type": "token", "side": "a", "seq": 1, "text": "하나", "snapshot": True}, 0.0)
    paced.feed({"type": "token", "side": "b", "seq": 1, "text": "b" * 20}, 0.0)
    assert [m["text"] for m in paced.release(0.0) if m["side"] == "a"] == ["하나 둘 셋"]


def test_a_batch_after_a_gap_waits_for_the_snapshot_that_follows_it():
    paced = pacer()
    paced.feed({"type": "token", "side": "b", "seq": 1, "text": "bbbb"}, 0.0)
    paced.feed({"type": "token", "side": "a", "seq": 1, "text": "one "}, 0.0)
    paced.feed({"type": "token", "side": "a", "seq": 3, "text": "three "}, 0.0)  # seq 2 was lost
    assert [m["text"] for m in paced.release(0.0) if m["side"] == "a"] == ["one "]
    paced.feed({"type": "token", "side": "a", "seq": 4, "text": "one two three four",
                "snapshot": True}, 0.1)
    paced.feed({"type": "token", "side": "b", "seq": 2, "text": "b" * 40}, 0.1)
    assert [m["text"] for m in paced.release(0.1) if m["side"] == "a"] == ["two three four"]


def test_nothing_is_shown_until_both_sides_have_text():
    paced = pacer()
    paced.feed({"type": "token", "side": "a", "seq": 1, "text": "빠른 답"}, 0.1)
    paced.feed({"type": "done", "side": "a", "text": "빠른 답", "ttft_ms": None, "total_ms": None}, 0.2)
    assert paced.release(5.0) == []
    paced.feed({"type": "token", "side": "b", "seq": 1, "text": "느"}, 6.0)
    assert [(m["side"], m["text"]) for m in paced.release(6.0)] == [("a", "빠"), ("b", "느")]


def test_the_rest_of_a_longer_answer_goes_on_at_the_shared_pace():
    # Given a short slow answer (100 chars at 100 chars/s) and a long fast one (600 at 2000/s)
    events = side_stream("a", "s" * 100, first_at=0.5, chars_per_second=100) + \
        side_stream("b", "L" * 600, first_at=0.1, chars_per_second=2000)
    _, sent = run(events, max_lag_seconds=60.0)
    # Then after the short one is shown, the long one goes on at about the same pace
    a_last = max(t for t, m in sent if m["side"] == "a" and m["type"] == "token")
    b_done = final_at(sent, "b")
    assert 4.0 <= b_done - a_last <= 6.0  # 500 more characters at ~100 chars/s
    # And no burst: no tick releases more than a few ticks' worth of text
    b_tail = [m for t, m in sent if m["side"] == "b" and m["type"] == "token" and t > a_last]
    assert max(len(m["text"]) for m in b_tail) <= 20
    assert final_at(sent, "a") == b_done
    assert tokens_joined(sent, "b") == "L" * 600


def test_the_display_never_lags_the_tails_start_by_more_than_the_bound():
    events = side_stream("a", "s" * 100, first_at=0.5, chars_per_second=100) + \
        side_stream("b", "L" * 3000, first_at=0.1, chars_per_second=5000)
    _, sent = run(events, max_lag_seconds=2.0)
    a_last = max(t for t, m in sent if m["side"] == "a" and m["type"] == "token")
    # 2900 characters at 100 chars/s would take 29 s; the bound brings them within 2 s
    assert final_at(sent, "b") - a_last <= 2.0 + 2 * TICK
    assert tokens_joined(sent, "b") == "L" * 3000


def test_a_slow_side_that_is_also_the_longer_sets_the_pace_to_its_end():
    events = side_stream("a", "f" * 50, first_at=0.05, chars_per_second=3000) + \
        side_stream("b", "S" * 400, first_at=1.0, chars_per_second=100)
    _, sent = run(events)
    assert first_text_at(sent, "a") == first_text_at(sent, "b") == 1.0
    assert abs(final_at(sent, "b") - 5.0) <= 0.2  # the slow side's own end, not later
    assert final_at(sent, "a") == final_at(sent, "b")


def test_a_failing_side_ends_the_pacing_and_the_other_is_not_held():
    # Given a fast side done at 0.2 s and a slow side that fails at 2 s after some text
    events = side_stream("a", "A" * 200, first_at=0.05, chars_per_second=1000)
    events += [(1.0, {"type": "token", "side": "b", "seq": 1, "text": "반쯤"}),
               (2.0, {"type": "error", "side": "b", "code": "cut_off", "message": "끊김"})]
    _, sent = run(events)
    # Then at the failure the failing side's text and error, and all of the other side, go out
    assert final_at(sent, "b") == 2.0 and final_at(sent, "a") == 2.0
    assert tokens_joined(sent, "a") == "A" * 200 and tokens_joined(sent, "b") == "반쯤"
    error = next(m for _, m in sent if m["type"] == "error")
    assert error == {"type": "error", "side": "b", "code": "cut_off", "message": "끊김"}


def test_after_a_failure_the_other_side_streams_unheld():
    paced = pacer()
    paced.feed({"type": "error", "side": "a", "code": "http_error", "message": "오류"}, 0.1)
    assert [m["type"] for m in paced.release(0.1)] == ["error"]
    paced.feed({"type": "token", "side": "b", "seq": 1, "text": "혼자"}, 0.5)
    assert [m["text"] for m in paced.release(0.5)] == ["혼자"]
    paced.feed({"type": "done", "side": "b", "text": "혼자 답", "ttft_ms": None, "total_ms": None}, 0.9)
    assert [(m["type"], m["text"]) for m in paced.release(0.9)] == [("token", " 답"), ("done", "혼자 답")]
    assert paced.finished


def test_a_reconnect_starts_from_the_paced_state_in_step():
    # Given a connection that joins with side a at 500 characters and side b at 120
    paced = pacer()
    paced.feed({"type": "token", "side": "a", "seq": 9, "text": "a" * 500, "snapshot": True}, 0.0)
    paced.feed({"type": "token", "side": "b", "seq": 3, "text": "b" * 120, "snapshot": True}, 0.0)
    first = paced.release(0.0)
    # Then both panes are replaced with the same amount of text
    assert [(m["side"], m["seq"], len(m["text"]), m["snapshot"]) for m in first] == [
        ("a", 1, 120, True), ("b", 1, 120, True)]
    # And the worker's next batches continue from the snapshot's numbers
    paced.feed({"type": "token", "side": "b", "seq": 3, "text": "b" * 40}, 0.1)  # already had
    paced.feed({"type": "token", "side": "b", "seq": 4, "text": "c" * 30}, 0.1)
    assert [(m["side"], m["seq"], m["text"]) for m in paced.release(0.1)] == [
        ("a", 2, "a" * 30), ("b", 2, "c" * 30)]


def test_a_done_text_that_differs_from_the_stream_is_resent_whole():
    paced = pacer()
    for side in "ab":
        paced.feed({"type": "token", "side": side, "seq": 1, "text": "abc"}, 0.0)
    paced.release(0.0)
    paced.feed({"type": "done", "side": "a", "text": "xyz!", "ttft_ms": None, "total_ms": None}, 0.1)
    paced.feed({"type": "done", "side": "b", "text": "abcd", "ttft_ms": None, "total_ms": None}, 0.1)
    sent = paced.release(0.1)
    assert [(m["side"], m["type"], m["text"]) for m in sent] == [
        ("a", "token", "xyz!"), ("b", "token", "d"), ("a", "done", "xyz!"), ("b", "done", "abcd")]
    assert sent[0]["snapshot"] is True


def test_events_of_no_side_or_unknown_type_change_nothing():
    paced = pacer()
    paced.feed({"type": "token", "side": "c", "seq": 1, "text": "?"}, 0.0)
    paced.feed({"type": "ping", "side": "a"}, 0.0)
    paced.feed({"type": "token", "side": "a", "seq": "1", "text": "?"}, 0.0)
    assert paced.release(1.0) == [] and not paced.finished


def test_no_tick_is_needed_where_the_clock_releases_nothing():
    failing = side_stream("b", "B" * 40, first_at=0.3, chars_per_second=200)[:-1] + [
        (0.6, {"type": "error", "side": "b", "turn": 0, "code": "timeout", "message": "..."})]
    for events in (
        # The slow side is the longer: the tail follows its arrivals
        side_stream("a", "f" * 50, first_at=0.05, chars_per_second=3000)
        + side_stream("b", "S" * 400, first_at=1.0, chars_per_second=100),
        # The fast side is the longer: its held text goes out on the clock
        side_stream("a", "s" * 100, first_at=0.5, chars_per_second=100)
        + side_stream("b", "L" * 600, first_at=0.1, chars_per_second=2000),
        # A side fails: the other is no longer held
        side_stream("a", "A" * 300, first_at=0.05, chars_per_second=150) + failing,
    ):
        # Given a tick whenever a tail has begun, and given ticks only while the pacer says so
        _, every_tick = run(events, waits=lambda p: not p.finished and p.tail_from is not None)
        _, on_demand = run(events, waits=lambda p: p.waiting_on_clock)
        # Then the same frames go out at the same times
        assert on_demand == every_tick
