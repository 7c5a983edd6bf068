"""Agreement figures against small tables computed by hand (the arithmetic is in each test)."""
import pytest

from expert import agreement


def row(item, expert, winner, *, a="X", b="Y", criteria=None, gold=False, gold_winner=None, excluded=None):
    return {
        "item_id": item, "expert": expert, "model_a": a, "model_b": b, "winner": winner,
        "criteria": criteria or {}, "gold": gold, "gold_winner": gold_winner, "excluded": excluded,
    }


def test_labels_are_compared_in_the_pairs_own_order_whatever_side_each_model_stood_on():
    # e1 saw X on the left and chose it; e2 saw X on the right and chose it: they agree.
    rows = [row(1, "e1", "model_a"), row(1, "e2", "model_b", a="Y", b="X")]
    assert agreement.units_overall(rows) == {1: {"e1": "first", "e2": "first"}}


def test_alpha_fleiss_and_cohen_on_a_two_expert_table():
    # Units: 1 = {first, first}, 2 = {tie, second}.
    # Alpha: coincidences o_ff = 2, o_ts = o_st = 1; n = 4, n_f = 2, n_t = n_s = 1.
    #   D_o = 2/4 = 0.5; D_e = (16 - 4 - 1 - 1) / (4 * 3) = 10/12; alpha = 1 - 0.5 / (10/12) = 0.4.
    # Fleiss: P_1 = 1, P_2 = 0, mean 0.5; p = (.5, .25, .25); P_e = .375; kappa = .125/.625 = 0.2.
    # Cohen: p_o = 0.5; p_e = .5*.5 (first) = .25; kappa = .25/.75 = 0.3333.
    rows = [row(1, "e1", "model_a"), row(1, "e2", "model_b", a="Y", b="X"),
            row(2, "e1", "tie"), row(2, "e2", "model_b")]
    units = agreement.units_overall(rows)
    assert agreement.alpha_nominal(units) == 0.4
    assert agreement.fleiss_kappa(units) == 0.2
    assert agreement.cohen_kappa_pairs(units) == [{"experts": ["e1", "e2"], "items": 2, "kappa": 0.3333}]


def test_fleiss_kappa_matches_fleiss_1971_worked_example():
    # The textbook example (10 subjects, 14 raters, 5 categories): kappa = 0.210.
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    from statsmodels.stats.inter_rater import fleiss_kappa

    assert round(fleiss_kappa(table), 3) == 0.210


def test_alpha_with_three_experts_and_a_missing_value():
    # Units: 1 = {f, f, f}, 2 = {f, f, s}, 3 = {s, s} (one expert missing).
    # Coincidences (each ordered pair weighted 1/(m_u - 1)):
    #   unit 1: o_ff += 6/2 = 3; unit 2: o_ff += 2/2 = 1, o_fs = o_sf += 2/2 = 1; unit 3: o_ss += 2/1 = 2.
    #   o_ff = 4, o_fs = o_sf = 1, o_ss = 2; n = 8, n_f = 5, n_s = 3.
    #   D_o = 2/8 = 0.25; D_e = 2 * 5 * 3 / (8 * 7) = 30/56; alpha = 1 - 0.25 * 56/30 = 0.5333.
    units = {1: {"e1": "first", "e2": "first", "e3": "first"},
             2: {"e1": "first", "e2": "first", "e3": "second"},
             3: {"e1": "second", "e2": "second"}}
    assert agreement.alpha_nominal(units) == 0.5333


def test_fleiss_uses_the_units_with_the_most_common_number_of_judges():
    # Unit 3 has two judges, units 1-2 three: Fleiss is over units 1-2 only.
    # P_1 = 1, P_2 = (4 + 1 - 3) / 6 = 1/3; mean 2/3; p_f = 5/6, p_s = 1/6; P_e = 26/36.
    # kappa = (2/3 - 26/36) / (1 - 26/36) = (-2/36) / (10/36) = -0.2.
    units = {1: {"e1": "first", "e2": "first", "e3": "first"},
             2: {"e1": "first", "e2": "first", "e3": "second"},
             3: {"e1": "second", "e2": "second"}}
    assert agreement.fleiss_kappa(units) == -0.2


def test_undefined_statistics_are_null_not_an_error():
    same = {1: {"e1": "tie", "e2": "tie"}, 2: {"e1": "tie", "e2": "tie"}}
    assert agreement.alpha_nominal(same) is None
    assert agreement.fleiss_kappa(same) is None
    assert agreement.alpha_nominal({1: {"e1": "first"}}) is None
    assert agreement.alpha_nominal({}) is None


def test_report_leaves_out_excluded_rows_and_scores_gold_and_majority():
    rows = [
        # Unit 1: e1, e2 prefer X, e3 prefers Y -> majority X; e3 disagrees.
        row(1, "e1", "model_a", criteria={"accuracy": "model_a"}),
        row(1, "e2", "model_a", criteria={"accuracy": "model_a"}),
        row(1, "e3", "model_b", criteria={"accuracy": "tie"}),
        # Unit 2: all prefer Y (shown on the left to e2).
        row(2, "e1", "model_b", criteria={"accuracy": "model_b"}),
        row(2, "e2", "model_a", a="Y", b="X", criteria={"accuracy": "model_a"}),
        row(2, "e3", "model_b", criteria={"accuracy": "model_b"}),
        # A gold unit: X is known better; e1 right, e3 wrong. Excluded from alpha and kappa.
        row(9, "e1", "model_a", gold=True, gold_winner="model_a", excluded="gold"),
        row(9, "e3", "model_a", a="Y", b="X", gold=True, gold_winner="model_b", excluded="gold"),
    ]
    result = agreement.report(rows)
    assert result["items"] == 2 and result["judgments"] == 6
    # Overall alpha (each ordered pair weighted 1/(m_u - 1) = 1/2):
    # unit 1 {f,f,s}: o_ff = 1, o_fs = o_sf = 1; unit 2 {s,s,s}: o_ss = 3.
    # n = 6, n_f = 2, n_s = 4; D_o = 2/6; D_e = 2*2*4/30 = 16/30; alpha = 1 - (1/3)/(16/30) = 0.375.
    assert result["alpha"] == 0.375
    # Accuracy: unit 1 {f, f, tie}: o_ff = 1, o_ft = o_tf = 1; unit 2 {s,s,s}: o_ss = 3.
    # n = 6, n_f = 2, n_t = 1, n_s = 3: D_e = (36 - 4 - 1 - 9)/30 = 22/30; alpha = 1 - (1/3)/(22/30) = 0.5455.
    assert result["alpha_by_criterion"] == {"accuracy": 0.5455}
    assert set(result) == {"items", "judgments", "alpha", "alpha_by_criterion", "fleiss_kappa", "experts"}
    experts = {e["expert"]: e for e in result["experts"]}
    assert experts["e1"] == {"expert": "e1", "judgments": 3, "majority_agreement": 1.0, "gold_accuracy": 1.0}
    assert experts["e3"]["majority_agreement"] == 0.5
    assert experts["e3"]["gold_accuracy"] == 0.0
    assert experts["e2"]["gold_accuracy"] is None


def test_an_unknown_label_is_refused():
    with pytest.raises(ValueError):
        agreement.canonical(row(1, "e1", "left"), "left")


def test_kendall_tau_of_two_boards_and_where_they_disagree():
    # Order X > Y > Z against X > Z > Y: 3 pairs, 2 concordant, 1 discordant: tau = (2 - 1) / 3.
    citizen = [{"model": "X", "rating": 1100}, {"model": "Y", "rating": 1000}, {"model": "Z", "rating": 900}]
    expert = [{"model": "X", "rating": 1050}, {"model": "Z", "rating": 1000}, {"model": "Y", "rating": 950},
              {"model": "W", "rating": 990}]
    result = agreement.rankings_compare(citizen, expert)
    assert result["tau"] == 0.3333
    assert result["models"][0]["difference"] != 0 and {m["model"] for m in result["models"]} == {"X", "Y", "Z"}
    assert agreement.rankings_compare(citizen[:1], expert)["tau"] is None
