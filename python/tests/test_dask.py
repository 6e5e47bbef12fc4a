"""Scale-out: the experiment calls spread over a Dask cluster give the local results."""
import pandas as pd
import pytest

import plantwin

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, host="127.0.0.1")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_replications_equal_local_ones(client, mm1):
    local = plantwin.replicate(mm1, 6)
    remote = plantwin.replicate(mm1, 6, client=client)
    pd.testing.assert_frame_equal(local, remote)


def test_dask_sweep_and_compare_equal_local_ones(client, mm1):
    grid = {"components.q.capacity": [2, 10]}
    pd.testing.assert_frame_equal(plantwin.sweep(mm1, grid, replications=3),
                                  plantwin.sweep(mm1, grid, replications=3, client=client))
    variants = {"faster": {"components.m.process_time": "exponential(0.8 s)"}}
    local = plantwin.compare(mm1, variants, replications=4)
    remote = plantwin.compare(mm1, variants, replications=4, client=client)
    pd.testing.assert_frame_equal(local, remote)
    pd.testing.assert_frame_equal(local.summary(), remote.summary())
    pd.testing.assert_frame_equal(local.differences(), remote.differences())


def test_dask_experiment_equals_the_local_one(client, scenarios):
    for name in ("body_shop.yaml", "body_shop_buffers.yaml"):
        local = plantwin.experiment(scenarios / name, replications=2)
        remote = plantwin.experiment(scenarios / name, replications=2, client=client)
        pd.testing.assert_frame_equal(local, remote)
        pd.testing.assert_frame_equal(local.summary(), remote.summary())
    pd.testing.assert_frame_equal(local.buffer_allocation, remote.buffer_allocation)
    local = plantwin.experiment(scenarios / "body_shop.yaml", replications=2)
    remote = plantwin.experiment(scenarios / "body_shop.yaml", replications=2, client=client)
    pd.testing.assert_frame_equal(local.differences(), remote.differences())
