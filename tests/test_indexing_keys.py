"""Index keys as torch reads them: ranges, mixed lists / tuples, nested lists, lists of tensors,
numpy arrays and scalars, bool lists, uint8 masks; in getitem and setitem, errors as torch's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import microtorch as mt

_KEYS = {
    "range": lambda T: range(2),
    "range_step": lambda T: range(0, 3, 2),
    "range_in_tuple": lambda T: (range(2), 0),
    "two_ranges": lambda T: (range(2), range(1, 3)),
    "list_and_tuple": lambda T: ([0, 1], (1, 2)),
    "int_and_list": lambda T: (0, [1, 2]),
    "nested_list": lambda T: [[0, 1], [1, 2]],
    "nested_in_tuple": lambda T: ([[0, 1], [1, 0]], 0),
    "list_of_0d_tensors": lambda T: [T.tensor(0), T.tensor(1)],
    "list_of_1d_tensors": lambda T: [T.tensor([0, 1]), T.tensor([1, 2])],
    "tensor_list_in_tuple": lambda T: ([T.tensor(0), T.tensor(1)], 1),
    "tensor_and_list": lambda T: (T.tensor([0, 1]), [1, 2]),
    "negative_list": lambda T: [-1, 0],
    "list_with_slice": lambda T: [0, slice(None)],
    "list_with_none": lambda T: [None, 0],
    "list_with_ellipsis": lambda T: [0, ...],
    "np_int_array": lambda T: np.array([0, 2]),
    "np_int_arrays_in_tuple": lambda T: (np.array([0, 2]), np.array([1, 1])),
    "np_int8_array": lambda T: np.array([1, 0], dtype=np.int8),
    "np_uint16_array": lambda T: np.array([1, 0, 1], dtype=np.uint16),
    "np_2d_array": lambda T: np.array([[0, 1], [1, 2]], dtype=np.int16),
    "np_float_array": lambda T: np.array([0.0, 2.7]),
    "np_0d_float_array": lambda T: np.array(1.0),
    "np_0d_in_tuple": lambda T: (np.array(1), 2),
    "np_arrays_in_list": lambda T: [np.array([0, 1]), np.array([1, 2])],
    "np_int_scalar": lambda T: np.int64(1),
    "np_int_scalars": lambda T: (np.int32(1), np.int64(2)),
    "np_ints_in_list": lambda T: [np.int64(0), np.int64(2)],
    "np_bool_array": lambda T: np.array([True, False, True]),
    "np_bool_scalar": lambda T: np.bool_(True),
    "bool_list": lambda T: [True, False, True],
    "bool_list_in_tuple": lambda T: (slice(None), [True, False, True, False]),
    "np_uint8_array_and_int": lambda T: (np.array([1, 0, 1], dtype=np.uint8), 0),
    "uint8_tensor_and_slice": lambda T: (T.tensor([1, 0, 1], dtype=T.uint8), slice(1, None)),
    "out_of_range_list": lambda T: [5],
    "float_list": lambda T: [0.5],
    "np_float_scalar": lambda T: np.float64(1.0),
    "np_str_array": lambda T: np.array(["a"]),
    "string": lambda T: "a",
    "empty_list": lambda T: [],
    "ragged_list": lambda T: [[0, 1], [2]],
    "str_in_list": lambda T: [0, "a"],
    "broadcast_mismatch": lambda T: ([0, 1], [0, 1, 2]),
    "range_out_of_bounds": lambda T: range(5),
    "np_mask_bad_shape": lambda T: np.array([[True]]),
    "int_past_int64": lambda T: [2**63],
    "huge_ints_nested": lambda T: [[0, 2**70]],
    "nan_in_list": lambda T: [float("nan")],
    "huge_float_in_list": lambda T: [1e30],
    "set_key": lambda T: {0},
}


def _get(T, key):
    x = T.arange(12.0).reshape(3, 4)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            r = x[key(T)]
        except Exception as e:  # noqa: BLE001 - compared with torch's
            return ("err", type(e).__name__)
    uint8 = any("torch.uint8 is now deprecated" in str(w.message) for w in seen)
    return ("ok", tuple(r.shape), r.flatten().tolist(), uint8)


def _set(T, key, value):
    x = T.arange(12.0).reshape(3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sequence-as-tuple deprecation, checked by the getitem tests' keys
        try:
            x[key(T)] = value(T)
        except Exception as e:  # noqa: BLE001 - compared with torch's (which may have written part: not compared)
            return ("err", type(e).__name__)
    return ("ok", x.flatten().tolist())


@pytest.mark.parametrize("name", list(_KEYS))
def test_getitem_keys_as_torch(name):
    torch = pytest.importorskip("torch")
    assert _get(mt, _KEYS[name]) == _get(torch, _KEYS[name])


@pytest.mark.parametrize("name", sorted(_KEYS))
@pytest.mark.parametrize("value", ["scalar", "tensor"])
def test_setitem_keys_as_torch(name, value):
    torch = pytest.importorskip("torch")
    values = {"scalar": lambda T: -1.0, "tensor": lambda T: T.tensor(-2.0)}
    want = _set(torch, _KEYS[name], values[value])
    got = _set(mt, _KEYS[name], values[value])
    assert got == want


def test_uint8_masks_set_with_a_tensor_value():
    torch = pytest.importorskip("torch")
    for make in (lambda T: np.array([1, 0, 1], dtype=np.uint8), lambda T: T.tensor([1, 0, 1], dtype=T.uint8)):
        want, got = torch.arange(12.0).reshape(3, 4), mt.arange(12.0).reshape(3, 4)
        with pytest.warns(UserWarning, match="uint8"):
            want[make(torch)] = torch.zeros(4)
        with pytest.warns(UserWarning, match="uint8"):
            got[make(mt)] = mt.zeros(4)
        assert got.tolist() == want.tolist()


def test_index_keys_against_numpy():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = mt.tensor(a)
    np.testing.assert_array_equal(x[range(2), 0].numpy(), a[[0, 1], 0])
    np.testing.assert_array_equal(x[[0, 1], (1, 2)].numpy(), a[[0, 1], [1, 2]])
    np.testing.assert_array_equal(x[np.array([1, 0])].numpy(), a[[1, 0]])
    np.testing.assert_array_equal(x[:, np.array([2.9, 0.1])].numpy(), a[:, [2, 0]])
    np.testing.assert_array_equal(x[np.int64(1), [True, False, True]].numpy(), a[1, [True, False, True]])


@pytest.mark.filterwarnings("ignore:Using a non-tuple sequence")
def test_gradient_through_list_and_numpy_keys():
    x = mt.arange(12.0, dtype=mt.float64).reshape(3, 4).requires_grad_()
    assert mt.autograd.gradcheck(lambda t: t[[0, 0, 2], (1, 1, 3)], (x,))
    assert mt.autograd.gradcheck(lambda t: t[np.array([2, 0]), range(2)], (x,))
    assert mt.autograd.gradgradcheck(lambda t: t[[[0, 1], [1, 2]]] ** 2, (x,))
    x[np.array([0, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0], [2.0] * 4)
    assert x.grad.numpy()[1:].sum() == 0


def test_failed_setitem_leaves_tensor_unchanged():
    x = mt.arange(6.0).reshape(2, 3)
    v = x._version
    with pytest.raises(IndexError):
        x[[0, 5]] = 1.0
    with pytest.raises(TypeError):
        x[np.array(["a"])] = 1.0
    with pytest.raises(IndexError):
        x[range(5)] = 1.0  # torch writes the rows before the bad one; microtorch leaves x as it was
    with pytest.raises(ValueError, match="Overflow"):
        x[[2**63]] = 1.0
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and x._version == v


# --- uint8 masks: torch's index put writes a one-element value through masked_fill_, which refuses them ----
_U8 = [[1, 0, 1, 0], [0, 1, 0, 0], [1, 1, 0, 1]]
_U8_SET = {
    "mask_2d": lambda T: T.tensor(_U8, dtype=T.uint8),
    "mask_rows": lambda T: T.tensor([1, 0, 1], dtype=T.uint8),
    "slice_mask": lambda T: (slice(None), T.tensor([1, 0, 0, 1], dtype=T.uint8)),
    "int_mask": lambda T: (1, T.tensor([1, 0, 0, 1], dtype=T.uint8)),
    "mask_none": lambda T: (T.tensor([1, 0, 1], dtype=T.uint8), None),
    "ellipsis_mask": lambda T: (Ellipsis, T.tensor([0, 0, 1, 1], dtype=T.uint8)),
    "np_mask": lambda T: np.array([0, 1, 1], dtype=np.uint8),
    "mask_and_index": lambda T: (T.tensor([1, 0, 1], dtype=T.uint8), T.tensor([3, 0])),
    "two_masks": lambda T: (T.tensor([1, 0, 1], dtype=T.uint8), T.tensor([1, 0, 0, 1], dtype=T.uint8)),
    "bad_mask_shape": lambda T: T.ones(4, 3, dtype=T.uint8),
    "0d_mask_true": lambda T: T.tensor(1, dtype=T.uint8),
    "0d_mask_false": lambda T: T.tensor(0, dtype=T.uint8),
}
_U8_VALUES = {
    "number": lambda T: 7.0,
    "0d": lambda T: T.tensor(7.0),
    "one_element": lambda T: T.tensor([[7.0]]),
    "row": lambda T: T.tensor([1.0, 2.0, 3.0, 4.0]),
}


def _set_u8(T, key, value):
    """``x[key] = value``: ("ok", values, warned) or ("err", class, message, warned)."""
    x = T.arange(12.0).reshape(3, 4)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            x[key(T)] = value(T)
            out = ("ok", x.flatten().tolist())
        except Exception as e:  # noqa: BLE001 - compared with torch's
            out = ("err", type(e).__name__, str(e))
    return (*out, any("torch.uint8 is now deprecated" in str(w.message) for w in seen))


@pytest.mark.parametrize("value", sorted(_U8_VALUES))
@pytest.mark.parametrize("key", sorted(_U8_SET))
def test_setitem_uint8_mask_as_torch(key, value):
    torch = pytest.importorskip("torch")
    got, want = _set_u8(mt, _U8_SET[key], _U8_VALUES[value]), _set_u8(torch, _U8_SET[key], _U8_VALUES[value])
    if want[0] == "err" and want[1] == "RuntimeError" and got[0] == "err":  # torch's broadcast message differs
        want, got = want[:2], got[:2]
    assert got == want


def test_setitem_uint8_mask_one_element_value_raises():
    x = mt.arange(6.0).reshape(2, 3)
    for key in (mt.tensor([[1, 0, 1], [0, 1, 0]], dtype=mt.uint8), (slice(None), mt.tensor([1, 0, 1], dtype=mt.uint8))):
        for value in (9.0, mt.tensor(9.0), mt.tensor([9.0])):
            with pytest.raises(
                RuntimeError, match="^masked_fill_ only supports boolean masks, but got mask with dtype unsigned char$"
            ):
                x[key] = value
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    with pytest.raises(IndexError, match=r"The shape of the mask \[3, 2\] at index 0"):  # the shape is checked first
        x[mt.ones(3, 2, dtype=mt.uint8)] = 9.0
    with pytest.warns(UserWarning, match="uint8"):  # more than one element: an index put, deprecated
        x[mt.tensor([1, 0], dtype=mt.uint8)] = mt.tensor([7.0, 8.0, 9.0])
    assert x.tolist() == [[7.0, 8.0, 9.0], [3.0, 4.0, 5.0]]


def test_0d_uint8_key_is_a_bool_without_warning():
    x = mt.arange(6.0).reshape(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x[mt.tensor(1, dtype=mt.uint8)].shape == (1, 2, 3)
        assert x[mt.tensor(0, dtype=mt.uint8)].shape == (0, 2, 3)
        x[mt.tensor(1, dtype=mt.uint8)] = 5.0
    assert x.tolist() == [[5.0] * 3] * 2


# --- a mask of the wrong shape: torch names the mask's dim and the shape left by the basic items ------
_BAD_MASKS = {
    "slice_mask": lambda T: (slice(None), T.ones(2, dtype=T.bool)),
    "mask_2d": lambda T: T.ones(2, 4, dtype=T.bool),
    "int_mask": lambda T: (0, T.ones(5, dtype=T.bool)),
    "slice_mask_2d": lambda T: (slice(None), T.ones(3, 5, dtype=T.bool)),
    "none_mask": lambda T: (None, T.ones(3, dtype=T.bool)),
    "ellipsis_mask": lambda T: (Ellipsis, T.ones(5, dtype=T.bool)),
    "partial_slice_mask": lambda T: (slice(1, None), T.ones(2, dtype=T.bool)),
    "mask_int_mask": lambda T: (T.ones(2, dtype=T.bool), 0, T.ones(3, dtype=T.bool)),
    "list_mask": lambda T: ([0], T.ones(5, dtype=T.bool)),
    "uint8_slice_mask": lambda T: (slice(None), T.ones(2, dtype=T.uint8)),
}


def _mask_error(T, key, setting: bool) -> str:
    x = T.arange(24.0).reshape(2, 3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(IndexError) as e:
            if setting:
                x[key(T)] = T.zeros(1, 1, 1, 1, 1)  # more than a fill: the index-put path
            else:
                x[key(T)]
    return str(e.value)


@pytest.mark.parametrize("setting", [False, True])
@pytest.mark.parametrize("name", sorted(_BAD_MASKS))
def test_mask_shape_error_as_torch(name, setting):
    torch = pytest.importorskip("torch")
    assert _mask_error(mt, _BAD_MASKS[name], setting) == _mask_error(torch, _BAD_MASKS[name], setting)


def test_mask_shape_error_names_the_indexed_shape():
    assert _mask_error(mt, _BAD_MASKS["int_mask"], False) == (
        "The shape of the mask [5] at index 0 does not match the shape of the indexed tensor [3, 4] at index 0"
    )
    assert _mask_error(mt, _BAD_MASKS["slice_mask_2d"], True) == (
        "The shape of the mask [3, 5] at index 1 does not match the shape of the indexed tensor [2, 3, 4] at index 2"
    )
