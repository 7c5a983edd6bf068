"""Raking against hand-computed tables."""
import pytest

from stats.raking import NOT_DECLARED, rake


def shares(weights, profiles, dimension):
    total = sum(weights)
    out = {}
    for weight, profile in zip(weights, profiles):
        out[profile[dimension]] = out.get(profile[dimension], 0) + weight / total
    return out


def test_one_dimension_has_the_closed_form_weights():
    # 3 women and 1 man, targets 50/50: each woman 0.5/3 of the mass, the man 0.5.
    profiles = [{"gender": "여성"}] * 3 + [{"gender": "남성"}]
    raked = rake(profiles, {"gender": {"여성": 0.5, "남성": 0.5}})
    # Mean-1 weights: women 2/3 each, the man 2.
    assert raked.weights == pytest.approx([2 / 3, 2 / 3, 2 / 3, 2.0])
    assert raked.converged


def test_two_dimensions_match_the_hand_computed_table():
    # One member in each cell of a 2×2 table: raking reaches the independence table
    # w ∝ age share × gender share = 0.18, 0.12, 0.42, 0.28, i.e. mean-1 weights ×4.
    profiles = [
        {"age": "20대", "gender": "여성"}, {"age": "20대", "gender": "남성"},
        {"age": "60대", "gender": "여성"}, {"age": "60대", "gender": "남성"},
    ]
    targets = {"age": {"20대": 0.3, "60대": 0.7}, "gender": {"여성": 0.6, "남성": 0.4}}
    raked = rake(profiles, targets)
    assert raked.converged
    assert raked.weights == pytest.approx([0.72, 0.48, 1.68, 1.12])
    assert shares(raked.weights, profiles, "age") == pytest.approx({"20대": 0.3, "60대": 0.7})


def test_unequal_cells_still_reproduce_both_margins():
    profiles = ([{"age": "20대", "gender": "여성"}] * 5 + [{"age": "20대", "gender": "남성"}] * 3
                + [{"age": "60대", "gender": "여성"}] * 1 + [{"age": "60대", "gender": "남성"}] * 2)
    targets = {"age": {"20대": 0.45, "60대": 0.55}, "gender": {"여성": 0.52, "남성": 0.48}}
    raked = rake(profiles, targets, cap=10)
    assert raked.converged
    assert shares(raked.weights, profiles, "age") == pytest.approx({"20대": 0.45, "60대": 0.55}, abs=1e-6)
    assert shares(raked.weights, profiles, "gender") == pytest.approx({"여성": 0.52, "남성": 0.48}, abs=1e-6)
    assert sum(raked.weights) == pytest.approx(len(profiles))


def test_a_cap_trims_extreme_weights():
    profiles = [{"g": "a"}] * 19 + [{"g": "b"}]
    raked = rake(profiles, {"g": {"a": 0.5, "b": 0.5}}, cap=3)
    assert sum(raked.weights) == pytest.approx(20)
    assert max(raked.weights) <= 3 + 1e-9
    assert not raked.converged  # the cap keeps the lone "b" member from carrying half


def test_a_target_nobody_declared_is_reported_not_invented():
    profiles = [{"region": "서울"}, {"region": "부산"}]
    raked = rake(profiles, {"region": {"서울": 0.5, "부산": 0.3, "제주": 0.2}})
    assert raked.unreachable == [("region", "제주")]
    # The reachable shares are renormalised: 서울 0.5/0.8, 부산 0.3/0.8.
    assert shares(raked.weights, profiles, "region") == pytest.approx({"서울": 0.625, "부산": 0.375})


def test_bad_targets_are_refused():
    with pytest.raises(ValueError):
        rake([{"g": "a"}], {"g": {"a": -0.1}})
    with pytest.raises(ValueError):
        rake([{"g": "a"}], {"g": {"a": 1}}, cap=0.5)
    assert rake([], {"g": {"a": 1}}).weights == []


def test_a_member_who_declined_is_left_out_of_that_margin_only():
    # 3 women, 1 man and 1 member who declined (응답 안 함), targets 50/50 (plus a share for
    # 응답 안 함, which is no population category and is ignored): the women and the man are
    # raked among themselves as in the closed form, the one who declined keeps weight 1.
    profiles = [{"gender": "여성"}] * 3 + [{"gender": "남성"}, {"gender": NOT_DECLARED}]
    raked = rake(profiles, {"gender": {"여성": 0.4, "남성": 0.4, NOT_DECLARED: 0.2}})
    assert raked.converged and raked.unreachable == []
    assert raked.weights == pytest.approx([2 / 3, 2 / 3, 2 / 3, 2.0, 1.0])
    declared = [p for p in profiles if p["gender"] != NOT_DECLARED]
    assert shares(raked.weights[:4], declared, "gender") == pytest.approx({"여성": 0.5, "남성": 0.5})


def test_a_member_who_declined_one_question_still_counts_in_the_others():
    # The member who declined gender is 20대: the age margin is matched over everyone, them
    # included, and the gender margin over those who answered it.
    profiles = [{"age": "20대", "gender": "여성"}, {"age": "20대", "gender": NOT_DECLARED},
                {"age": "60대", "gender": "남성"}, {"age": "60대", "gender": "여성"},
                {"age": "60대", "gender": "여성"}]
    raked = rake(profiles, {"age": {"20대": 0.5, "60대": 0.5}, "gender": {"여성": 0.5, "남성": 0.5}},
                 cap=10)
    assert raked.converged
    assert shares(raked.weights, profiles, "age") == pytest.approx({"20대": 0.5, "60대": 0.5}, abs=1e-6)
    answered = [(w, p) for w, p in zip(raked.weights, profiles) if p["gender"] != NOT_DECLARED]
    assert shares([w for w, _ in answered], [p for _, p in answered], "gender") == pytest.approx(
        {"여성": 0.5, "남성": 0.5}, abs=1e-6)
