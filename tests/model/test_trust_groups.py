"""Working groups: the sparse trust structure that keeps the model linear in size (issue 6).

At workshop size every member works with every other (one group, as the all-pairs matrix
was; tests/regression/test_regression.py pins the numbers); a bigger partnership splits into groups of at
most `working_group_size`, drawn from the model's `network` stream.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.sizes import scaled
from sim import PartnershipModel
from sim.scenarios import designs
from sim.trust import TrustMatrix


@pytest.mark.parametrize("design", designs())
def test_at_workshop_size_every_member_works_with_every_other(design):
    model = PartnershipModel(scenario=design, rng=0, steps=52, public_size=500)
    while model.running:
        model.step()
        active = model.orgs.active()
        assert model.trust_matrix.group_sizes().max() == active.size
        for i in active:
            assert set(model.trust_matrix.partners(i)) == set(active) - {i}


def big_model(seed: int, **overrides) -> PartnershipModel:
    return PartnershipModel(
        params=scaled(400, 1_000, steps=20, **overrides), rng=seed, collect_agents=False
    )


def test_a_big_partnership_splits_into_mixed_groups_of_bounded_size():
    model = big_model(0, working_group_size=50)
    trust, sector = model.trust_matrix, model.orgs.sector
    assert trust.group_level.shape == (8, 50, 50)  # 400 founders in 8 groups
    for _ in range(20):
        model.step()
        active = model.orgs.active()
        assert trust.group_sizes().max() <= 50
        assert np.all(trust.group_of[active] >= 0)  # every member in a group ...
        assert np.sum(trust.members >= 0) == active.size  # ... and nobody else
    for group in trust.members:
        assert np.unique(sector[group[group >= 0]]).size == 4  # dealt at random: mixed
    i, j, level = trust.edges()
    assert np.all(trust.group_of[i] == trust.group_of[j]) and np.all(i != j)
    assert np.all((level >= 0) & (level <= 1))
    # only members hold slots: a pool four times as big costs the trust store nothing
    bigger_pool = PartnershipModel(
        params=model.params.with_(pool_per_sector=4 * model.params.pool_per_sector),
        rng=0,
        collect_agents=False,
    )
    assert bigger_pool.trust_matrix.group_level.shape == (8, 50, 50)


def test_groups_come_from_the_network_stream_alone():
    a, b, c = big_model(1), big_model(1), big_model(2)
    assert np.array_equal(a.trust_matrix.members, b.trust_matrix.members)
    assert not np.array_equal(a.trust_matrix.members, c.trust_matrix.members)
    # the draw leaves the other streams as they were: the world is the same with one group
    one = big_model(1, working_group_size=1_000)
    assert one.trust_matrix.members.shape[0] == 1
    assert np.array_equal(one.orgs.capacity, a.orgs.capacity)


def test_a_leaver_frees_its_slot_and_a_newcomer_starts_afresh():
    matrix = TrustMatrix(10, group_size=3)
    matrix.form_groups(np.arange(6), np.random.default_rng(0))
    assert matrix.group_sizes().tolist() == [3, 3]
    i, j, _ = matrix.edges()
    matrix.seed(i, j, np.full(i.size, 0.5))
    leaver = 0
    group = matrix.group_of[leaver]
    matrix.leave(np.array([leaver]))
    assert matrix.group_sizes()[group] == 2
    assert leaver not in matrix.edges()[0] and leaver not in matrix.edges()[1]
    partners = matrix.join(7)
    assert matrix.group_of[7] == group and partners.size == 2
    assert np.all(matrix.level[7] == 0) and np.all(matrix.level[:, 7] == 0)
    assert np.all(matrix.cap[7] == 1)
    matrix.join(8)  # every group full: a new one opens
    assert matrix.group_sizes().tolist() == [3, 3, 1]
    assert matrix.group_trust(np.array([8]))[0] == 0.0  # nobody to trust yet


def test_edges_between_given_members_only():
    matrix = TrustMatrix(4)
    for k in range(4):
        matrix.seed(k, np.delete(np.arange(4), k), np.full(3, 0.4))
    i, j, _ = matrix.edges(np.array([0, 1, 2]))
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 2),
        (2, 0),
        (2, 1),
    ]
