"""Every loader against mutated files: a ValueError naming the file, or a model that works.

A bounded, derandomized hypothesis run of ``fuzz_targets``; ``make fuzz`` runs the same
targets for minutes, each input in a subprocess.
"""
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fuzz_targets import TARGETS, mutate

EXAMPLES = 1000  # per target: the whole file runs in well under a minute


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seed_files_load_and_work(name, tmp_path):
    target = TARGETS[name]
    assert [target.run(seed, str(tmp_path)) for seed in target.seeds] == \
        ["loaded"] * len(target.seeds)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_mutated_files_are_refused_or_work(name, tmp_path):
    target = TARGETS[name]
    outcomes = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(seed=st.sampled_from(target.seeds), rng=st.randoms(use_true_random=False))
    def check(seed, rng):
        outcomes.append(target.run(mutate(target, seed, rng), str(tmp_path)))

    check()
    assert set(outcomes) == {"loaded", "refused"}  # the mutations reach past the first check
