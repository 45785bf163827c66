"""utils.data: datasets, samplers, collation and the DataLoader."""

from __future__ import annotations

import warnings
from collections import namedtuple

import numpy as np
import pytest

import microtorch as mt
from microtorch.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    random_split,
)


def _ds(n=10):
    x = mt.arange(n * 2, dtype=mt.float32).reshape(n, 2)
    y = mt.arange(n)
    return TensorDataset(x, y)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return {"x": np.full(2, i, dtype=np.float32), "y": i * i, "name": f"s{i}"}


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_tensor_dataset():
    ds = _ds(5)
    assert len(ds) == 5
    x, y = ds[3]
    assert x.tolist() == [6.0, 7.0] and y.item() == 3
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(mt.zeros(3, 2), mt.zeros(4))


def test_dataloader_batches_in_order():
    loader = DataLoader(_ds(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].shape == (4, 2) and batches[0][0].dtype == mt.float32
    assert batches[0][1].dtype == mt.int64


def test_drop_last():
    loader = DataLoader(_ds(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[1].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_batch_size_none_disables_batching():
    loader = DataLoader(_ds(3), batch_size=None)
    items = list(loader)
    assert len(loader) == 3 and items[1][0].tolist() == [2.0, 3.0]
    sq = list(DataLoader(Squares(2), batch_size=None))
    assert isinstance(sq[1]["x"], mt.Tensor) and sq[1]["y"] == 1


def test_shuffle_with_generator_is_reproducible_and_a_permutation():
    def order(seed):
        g = mt.Generator().manual_seed(seed)
        return [i for _, y in DataLoader(_ds(20), batch_size=3, shuffle=True, generator=g) for i in y.tolist()]

    a, b, c = order(0), order(0), order(1)
    assert a == b and a != c
    assert sorted(a) == list(range(20)) and a != list(range(20))
    # epochs differ from one another with the same loader
    g = mt.Generator().manual_seed(0)
    loader = DataLoader(_ds(20), batch_size=20, shuffle=True, generator=g)
    e1, e2 = (next(iter(loader))[1].tolist() for _ in range(2))
    assert e1 != e2


def test_shuffle_without_generator_follows_manual_seed():
    def order():
        mt.manual_seed(7)
        return [y.tolist() for _, y in DataLoader(_ds(12), batch_size=12, shuffle=True)]

    assert order() == order()


def test_default_collate_structures():
    Point = namedtuple("Point", "a b")
    batch = default_collate([Point(mt.tensor([1.0]), 2), Point(mt.tensor([3.0]), 4)])
    assert isinstance(batch, Point) and batch.a.tolist() == [[1.0], [3.0]] and batch.b.tolist() == [2, 4]
    out = default_collate([(1.5, "a", [1, 2]), (2.5, "b", [3, 4])])
    assert isinstance(out, list) and out[0].dtype == mt.float64 and out[1] == ("a", "b")
    assert [t.tolist() for t in out[2]] == [[1, 3], [2, 4]]
    d = default_collate([{"x": np.ones((2, 2), dtype=np.float32), "y": True}] * 3)
    assert d["x"].shape == (3, 2, 2) and d["x"].dtype == mt.float32 and d["y"].dtype == mt.bool
    s = default_collate([np.float64(1.0), np.float64(2.0)])
    assert s.dtype == mt.float64 and s.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])


def test_default_collate_matches_torch():
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as tcollate

    samples = [({"x": np.arange(3.0), "n": i}, [i, 2.0 * i], "s") for i in range(4)]
    ours, theirs = default_collate(samples), tcollate(samples)
    assert type(ours) is type(theirs)
    assert ours[0]["x"].tolist() == theirs[0]["x"].tolist() and str(ours[0]["x"].dtype) == str(theirs[0]["x"].dtype)
    assert str(ours[0]["n"].dtype) == str(theirs[0]["n"].dtype)
    assert [t.tolist() for t in ours[1]] == [t.tolist() for t in theirs[1]]
    assert [str(t.dtype) for t in ours[1]] == [str(t.dtype) for t in theirs[1]]
    assert ours[2] == theirs[2]


def test_custom_collate_fn_and_map_dataset():
    loader = DataLoader(Squares(5), batch_size=2, collate_fn=lambda batch: [s["y"] for s in batch])
    assert list(loader) == [[0, 1], [4, 9], [16]]
    batches = list(DataLoader(Squares(4), batch_size=2))
    assert batches[1]["y"].tolist() == [4, 9] and list(batches[1]["name"]) == ["s2", "s3"]
    assert batches[1]["x"].shape == (2, 2)


def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = mt.Generator().manual_seed(3)
    perm = list(RandomSampler(range(6), generator=g))
    assert sorted(perm) == list(range(6))
    draws = list(RandomSampler(range(3), replacement=True, num_samples=20, generator=g))
    assert len(draws) == 20 and set(draws) <= {0, 1, 2}
    assert len(list(RandomSampler(range(3), num_samples=7, generator=g))) == 7
    assert sorted(SubsetRandomSampler([5, 7, 9], generator=g)) == [5, 7, 9]
    bs = BatchSampler(SequentialSampler(range(7)), 3, drop_last=False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6]] and len(bs) == 3
    assert len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(range(3), 2, 1)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)


def test_sampler_and_batch_sampler_options():
    ds = _ds(6)
    loader = DataLoader(ds, batch_size=2, sampler=[5, 4, 3, 2, 1, 0])
    assert [y.tolist() for _, y in loader] == [[5, 4], [3, 2], [1, 0]]
    loader = DataLoader(ds, batch_sampler=[[0, 5], [1], [2, 3, 4]])
    assert [y.tolist() for _, y in loader] == [[0, 5], [1], [2, 3, 4]] and len(loader) == 3


def test_dataloader_argument_errors():
    ds = _ds(4)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)


def test_dataloader_errors_match_torch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader as TLoader
    from torch.utils.data import TensorDataset as TDS

    tds = TDS(torch.zeros(4, 2))
    for kwargs in (dict(batch_size=0), dict(sampler=[0], shuffle=True), dict(batch_size=None, drop_last=True)):
        with pytest.raises(Exception) as theirs:
            TLoader(tds, **kwargs)
        with pytest.raises(Exception) as ours:
            DataLoader(_ds(4), **kwargs)
        assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)


def test_num_workers_and_pin_memory_are_accepted():
    calls = []
    loader = DataLoader(_ds(5), batch_size=2, num_workers=2, pin_memory=True, worker_init_fn=calls.append)
    assert [y.tolist() for _, y in loader] == [[0, 1], [2, 3], [4]]
    assert calls == [0]


def test_iterable_dataset():
    loader = DataLoader(Stream(7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]] and len(loader) == 3
    loader = DataLoader(Stream(7), batch_size=3, drop_last=True)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5]] and len(loader) == 2
    assert list(DataLoader(Stream(2), batch_size=None)) == [0, 1]


def test_subset_and_concat():
    ds = _ds(10)
    sub = Subset(ds, [9, 2, 4])
    assert len(sub) == 3 and sub[0][1].item() == 9
    cat = ConcatDataset([Subset(ds, [0, 1]), Subset(ds, [7])])
    assert len(cat) == 3 and cat[2][1].item() == 7 and cat[-1][1].item() == 7
    both = Subset(ds, [1]) + Subset(ds, [2])
    assert isinstance(both, ConcatDataset) and len(both) == 2


def test_random_split_lengths_and_fractions():
    ds = _ds(10)
    a, b = random_split(ds, [7, 3], generator=mt.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3
    assert sorted(a.indices + b.indices) == list(range(10))
    a2, _ = random_split(ds, [7, 3], generator=mt.Generator().manual_seed(0))
    assert a2.indices == a.indices
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=mt.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(range(11), [0.5, 0.5])
    assert [len(p) for p in parts] == [6, 5]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        parts = random_split(range(3), [0.9, 0.1])
    assert [len(p) for p in parts] == [3, 0] and any("Length of split at index 1 is 0" in str(x.message) for x in w)
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(ds, [5, 4])


def test_training_loop_with_dataloader():
    mt.manual_seed(0)
    x = mt.randn(64, 2)
    y = (x[:, 0] > 0).float().reshape(64, 1)
    w = mt.zeros(2, 1, requires_grad=True)
    b = mt.zeros(1, requires_grad=True)
    opt = mt.optim.SGD([w, b], lr=0.5)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, generator=mt.Generator().manual_seed(0))
    for _ in range(30):
        for xb, yb in loader:
            opt.zero_grad()
            p = (xb @ w + b).sigmoid()
            loss = ((p - yb) ** 2).mean()
            loss.backward()
            opt.step()
    acc = (((x @ w + b).sigmoid() > 0.5).float() == y).float().mean().item()
    assert acc > 0.95


def test_tensor_dataset_fast_path_equals_per_sample_collation():
    mt.manual_seed(3)
    ds = TensorDataset(mt.randn(23, 3, 2), mt.randint(0, 5, (23,)), mt.randn(23).double())
    fast = list(DataLoader(ds, batch_size=5, shuffle=True, generator=mt.Generator().manual_seed(1)))
    slow = list(
        DataLoader(
            ds,
            batch_size=5,
            shuffle=True,
            generator=mt.Generator().manual_seed(1),
            collate_fn=lambda b: default_collate(b),
        )
    )
    assert len(fast) == len(slow) == 5
    for f, s in zip(fast, slow):
        assert isinstance(f, list) and isinstance(s, list)
        for a, b in zip(f, s):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def _raises_as_torch(torch, run):
    """``run(lib)`` raises in microtorch exactly what (class and message) it raises in torch."""
    with pytest.raises(Exception) as want:
        run(torch)
    with pytest.raises(type(want.value)) as got:
        run(mt)
    assert type(got.value) is type(want.value)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("shapes", [[()], [(3,), ()]])
def test_tensor_dataset_of_a_0d_tensor_raises_torchs_index_error(shapes):
    torch = pytest.importorskip("torch")
    _raises_as_torch(torch, lambda lib: lib.utils.data.TensorDataset(*(lib.ones(s) for s in shapes)))


class _Count(IterableDataset):
    def __iter__(self):
        return iter(range(5))


@pytest.mark.parametrize("drop_last", ["yes", 1, 0, None, 1.5])
@pytest.mark.parametrize("iterable", [False, True])
def test_dataloader_drop_last_must_be_a_bool_as_torch(drop_last, iterable):
    torch = pytest.importorskip("torch")
    import torch.utils.data as tud

    def run(lib):
        data = lib.utils.data
        dataset = (_Count if lib is mt else type("C", (tud.IterableDataset,), {"__iter__": _Count.__iter__}))()
        return data.DataLoader(
            dataset if iterable else data.TensorDataset(lib.ones(4)), batch_size=2, drop_last=drop_last
        )

    _raises_as_torch(torch, run)
    # without automatic batching drop_last is not looked at unless it is true, as in torch
    assert DataLoader(TensorDataset(mt.ones(4)), batch_size=None, drop_last=0).batch_size is None
