"""Buckets cut the contacts so that merging them in order gives one
worker's run: every contact in exactly one bucket, in order, none empty."""

from hypothesis import given
from hypothesis import strategies as st

from nurturedsl.sim.sources import slices


@given(st.integers(0, 10_000), st.integers(1, 64))
def test_slices_cover_every_contact_once_in_order(count, shares):
    buckets = slices(count, shares)
    assert [b.order for b in buckets] == list(range(len(buckets)))
    assert buckets[0].first == 0 and buckets[-1].last == count
    for before, after in zip(buckets, buckets[1:]):
        assert before.last == after.first
    if count:
        assert len(buckets) == min(shares, count)
        assert all(b.last > b.first for b in buckets)
        sizes = [b.last - b.first for b in buckets]
        assert max(sizes) - min(sizes) <= 1
    else:
        assert len(buckets) == 1
