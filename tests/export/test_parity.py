"""The parity gate on its own: figures of known decisions, judged with their sample size."""

import numpy as np
import pytest

from tfimg.export.parity import compare, failures, wilson_bounds


def _figures(count, changed, lost=None):
    """Figures of `count` images of which the export changes `changed` decisions; the first
    `lost` changed ones were right in Keras (default: all of them)."""
    labels = np.zeros(count, int)
    reference = np.tile([0.9, 0.1], (count, 1))  # Keras: always class 0, always right
    scores = reference.copy()
    scores[:changed] = [0.1, 0.9]
    figures = compare(scores, reference, labels)
    if lost is not None:
        figures.update(lost=lost, gained=0)
    return figures


def test_wilson_bounds_match_the_closed_form():
    # Wilson (1927) at z = 1.6449 (one-sided 95%): the roots p of (k/n - p)^2 = z^2 p(1-p)/n,
    # from numpy.roots of the quadratic for k = 50, n = 51.
    low, high = wilson_bounds(50, 51)
    assert high == pytest.approx(0.99561342, abs=1e-8)
    assert low == pytest.approx(0.91676912, abs=1e-8)
    for trials in range(1, 1000):  # exact at the ends, whatever the rounding
        assert wilson_bounds(trials, trials)[1] == 1.0 and wilson_bounds(0, trials)[0] == 0.0


def test_one_changed_decision_in_51_images_passes_an_integer_export():
    figures = _figures(51, 1)
    assert figures["top1_agreement"] == pytest.approx(50 / 51)
    assert figures["disagreements"] == 1 and figures["lost"] == 1
    assert failures(figures, "tflite-int8") == []


def test_the_same_rate_on_500_images_is_refused():
    problems = failures(_figures(500, 10), "tflite-int8")
    assert problems[0] == ("top-1 agreement 0.9800 (10 of 500 decisions changed; at most "
                           "0.9880 at 95% confidence) < 0.99")
    assert problems[1].startswith("accuracy drop 0.0200 (at least 0.0120 at 95% confidence)")


def test_a_savedmodel_may_change_no_decision():
    assert failures(_figures(500, 0), "saved_model") == []
    assert failures(_figures(500, 1), "saved_model")[1].startswith("top-1 agreement 0.9980")


def test_gained_decisions_offset_lost_ones():
    figures = _figures(500, 10, lost=5)
    figures["gained"] = 5
    assert not any(problem.startswith("accuracy drop")
                   for problem in failures(figures, "tflite-dynamic"))
