"""pipeline.collector_paused: generation runs without the cyclic collector, and gives it back."""

import gc

import pytest

from obsgen import pipeline


def test_the_collector_is_off_during_a_run_and_on_after_it():
    assert gc.isenabled()
    with pipeline.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), pipeline.collector_paused():
        raise RuntimeError("a failed run")
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off():
    gc.disable()
    try:
        with pipeline.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
