"""The blindness audit's verdict: what its figure means and when the organizer should act."""
from stats.blindness_verdict import audit_verdict


def test_identified_far_above_chance_calls_for_action():
    # The case seen on the console: 85.7% identified by writing, against 20% chance.
    verdict = audit_verdict(accuracy={"text": 0.857, "length": 0.24, "timing": None},
                            chance=0.2, majority_rate=0.2, answers=140)
    assert verdict["level"] == "act"
    assert verdict["signals"][0]["kind"] == "text" and verdict["signals"][0]["ratio"] == 4.3


def test_a_share_guessing_could_reach_is_blind():
    # 24% against 20% chance over 100 answers is within what guessing reaches.
    verdict = audit_verdict(accuracy={"text": 0.24, "length": 0.21, "timing": 0.2},
                            chance=0.2, majority_rate=0.22, answers=100)
    assert verdict == {"level": "blind", "baseline": 0.22, "signals": []}


def test_a_clear_but_small_signal_is_watched():
    verdict = audit_verdict(accuracy={"text": 0.32, "length": None, "timing": None},
                            chance=0.2, majority_rate=0.2, answers=600)
    assert verdict["level"] == "watch" and verdict["signals"][0]["ratio"] == 1.6


def test_the_baseline_is_the_majority_rate_when_one_model_answered_most():
    # Always naming the commonest model already scores 50%: 55% is no sign of recognition.
    verdict = audit_verdict(accuracy={"text": 0.55}, chance=0.25, majority_rate=0.5, answers=80)
    assert verdict["level"] == "blind" and verdict["baseline"] == 0.5


def test_a_signal_not_measured_is_no_signal():
    verdict = audit_verdict(accuracy={"text": None, "length": None, "timing": None},
                            chance=0.2, majority_rate=0.2, answers=0)
    assert verdict["level"] == "blind" and verdict["signals"] == []
