"""A Simulation shared between threads, and arguments that are refused with their name."""
import math
import threading
import time

import pytest

import plantwin


def _frame(sim):
    """The KPI table as plain tuples, NaN as None, so that equal tables compare equal."""
    rows = sim._core.kpis()
    return tuple(tuple(None if isinstance(x, float) and math.isnan(x) else x for x in r) for r in rows)


def test_two_threads_hammering_run_and_kpis_take_turns_and_see_consistent_states(mm1):
    # Runs of a few milliseconds each, so that the readers' calls land during them.
    scenario = dict(mm1, horizon="2000000 s")
    stops = [40000.0 * i for i in range(1, 51)]
    # What the KPIs are at time 0 and after each run, from a simulation nobody else touches.
    ref = plantwin.load(scenario)
    expected = {_frame(ref)}
    for t in stops:
        ref.run(until=t)
        expected.add(_frame(ref))

    sim = plantwin.load(scenario)
    done = threading.Event()
    errors, seen = [], []
    start = threading.Barrier(3, timeout=30)

    def runner():
        try:
            start.wait()
            for t in stops:
                sim.run(until=t)  # releases the GIL while the kernel runs
                # Let a reader look between two runs before the next one takes the lock again,
                # so that the check below has states in the middle to compare (the lock itself
                # promises no fairness, and a busy machine may schedule the runner first).
                n, wait_until = len(seen), time.monotonic() + 1
                while len(seen) == n and time.monotonic() < wait_until:
                    time.sleep(0.0005)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            done.set()

    def reader():
        deadline = time.monotonic() + 60
        try:
            start.wait()
            while not done.is_set() and time.monotonic() < deadline:
                seen.append(_frame(sim))
                sim.events()
                assert 0 <= sim.time <= 2000000
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=runner)] + [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    assert not errors, errors
    assert seen, "the readers never ran"
    # Every table a reader saw is the state between two runs, never one torn by a run in progress.
    torn = [f for f in seen if f not in expected]
    assert not torn, f"{len(torn)} of {len(seen)} KPI tables match no state between runs"
    assert len(set(seen)) > 2, "the readers saw no state in the middle of the runs"
    assert _frame(sim) == _frame(ref) and sim.time == 2000000


def test_a_controller_calling_its_own_simulation_raises_instead_of_deadlocking(mm1):
    sim = plantwin.load(mm1)
    sim.add_controller(lambda t, signals: sim.kpis() and None, period=10.0, reads=[])
    with pytest.raises(RuntimeError, match="a controller callback cannot call methods of the simulation it controls"):
        sim.run(until=100)


@pytest.mark.parametrize("n, shown", [(-3, "-3"), (0, "0"), (2.5, "2.5"), ("4", "'4'")])
def test_replicate_refuses_a_count_that_is_not_a_positive_whole_number(mm1, n, shown):
    with pytest.raises(ValueError, match=rf"^n must be a whole number of replications >= 1, got {shown}$"):
        plantwin.replicate(mm1, n=n)


def test_sweep_and_compare_refuse_bad_replications_and_confidence(mm1):
    grid = {"components.q.capacity": [5]}
    with pytest.raises(ValueError, match=r"^replications must be a whole number of replications >= 1, got 0$"):
        plantwin.sweep(mm1, grid, replications=0)
    with pytest.raises(ValueError, match=r"^replications must be a whole number of replications >= 1, got -1$"):
        plantwin.compare(mm1, {"a": {"components.m.servers": 2}}, replications=-1)
    with pytest.raises(ValueError, match=r"^confidence must lie between 0 and 1 \(e\.g\. 0\.95\), got 95$"):
        plantwin.replicate(mm1, n=2, confidence=95)


@pytest.mark.parametrize("until", [math.nan, math.inf, -math.inf])
def test_run_refuses_an_until_that_is_not_a_finite_time(mm1, until):
    sim = plantwin.load(mm1)
    with pytest.raises(ValueError, match=rf"^until must be a finite time in seconds \(or None for the horizon\), got {until}$"):
        sim.run(until=until)
    assert sim.time == 0


def test_step_refuses_a_dt_that_is_not_a_finite_time(mm1):
    sim = plantwin.load(mm1)
    with pytest.raises(ValueError, match=r"^dt must be a finite time >= 0 in seconds, got inf$"):
        sim.step(math.inf)


def test_add_controller_refuses_a_period_too_short_to_advance_the_clock(mm1):
    sim = plantwin.load(mm1)
    with pytest.raises(ValueError, match=r"^period 1e-300 s is too short to advance simulated time at t = 20000 s "
                                         r"\(the clock's resolution there is 3\.64e-12 s\)$"):
        sim.add_controller(lambda t, s: None, period=1e-300, reads=[])
    for bad, shown in ((0.0, "0"), (-1.0, "-1"), (math.nan, "nan"), (math.inf, "inf")):
        with pytest.raises(ValueError, match=rf"^period must be a positive, finite time in seconds, got {shown}$"):
            sim.add_controller(lambda t, s: None, period=bad, reads=[])
    sim.run(until=10)  # nothing was added
    assert sim.time == 10


def test_sweep_refuses_an_unknown_kpi_with_a_did_you_mean(mm1):
    grid = {"components.q.capacity": [5]}
    with pytest.raises(ValueError, match=r"^kpis: no KPI named 'line\.troughput' \(did you mean 'line\.throughput'"):
        plantwin.sweep(mm1, grid, replications=2, kpis=["line.troughput"])
    table = plantwin.sweep(mm1, grid, replications=2, kpis=["line.throughput"])
    assert set(table.component + "." + table.kpi.astype(str)) == {"line.throughput"}
    for call in (lambda: plantwin.replicate(mm1, 2, kpis="line.troughput"),
                 lambda: plantwin.compare(mm1, {"a": {"components.q.capacity": 3}}, 2,
                                          kpis=["line.troughput"])):
        with pytest.raises(ValueError, match=r"^kpis: no KPI named 'line\.troughput' \(did you mean 'line\.throughput'"):
            call()
