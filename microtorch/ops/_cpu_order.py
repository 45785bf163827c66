"""The element orders torch's CPU kernels leave tied values in, where an op returns an index
among equal values: ``kthvalue`` (torch's quick-select) and ``mode`` (libstdc++'s ``std::sort``,
an unstable introsort). Used only for the slices that have such ties; these
are sequential algorithms, so they run per slice in Python."""

from __future__ import annotations


def _gt_or_nan(x, y) -> bool:
    return (x != x and y == y) or x > y


def quickselect_index(values: list, k: int) -> int:
    """The original index torch's ``quick_select_template`` leaves at position ``k`` (NaN largest)."""
    arr, idx = list(values), list(range(len(values)))

    def swap(i: int, j: int) -> None:
        arr[i], arr[j] = arr[j], arr[i]
        idx[i], idx[j] = idx[j], idx[i]

    lo, hi = 0, len(arr) - 1
    while hi > lo:
        if hi == lo + 1:
            if _gt_or_nan(arr[lo], arr[hi]):
                swap(lo, hi)
            break
        swap(lo + (hi - lo) // 2, lo + 1)  # median of three as the pivot, at lo
        if _gt_or_nan(arr[lo + 1], arr[hi]):
            swap(lo + 1, hi)
        if _gt_or_nan(arr[lo], arr[hi]):
            swap(lo, hi)
        if _gt_or_nan(arr[lo + 1], arr[lo]):
            swap(lo + 1, lo)
        i, j, pivot = lo + 1, hi, arr[lo]
        while True:
            i += 1
            while _gt_or_nan(pivot, arr[i]):
                i += 1
            j -= 1
            while _gt_or_nan(arr[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return idx[k]


class _Introsort:
    """libstdc++'s ``std::sort`` of (key, index) pairs compared by key with ``<``."""

    def __init__(self, keys: list):
        self.a = [(key, i) for i, key in enumerate(keys)]

    def lt(self, x, y) -> bool:
        return x[0] < y[0]

    def order(self) -> list:
        a, n = self.a, len(self.a)
        if n:
            self.loop(0, n, 2 * (n.bit_length() - 1))
            if n > 16:
                self.insertion(0, 16)
                for i in range(16, n):
                    self.linear_insert(i)
            else:
                self.insertion(0, n)
        return [i for _, i in a]

    def linear_insert(self, last: int) -> None:
        a = self.a
        val, prev = a[last], last - 1
        while self.lt(val, a[prev]):
            a[last], last, prev = a[prev], prev, prev - 1
        a[last] = val

    def insertion(self, first: int, last: int) -> None:
        a = self.a
        for i in range(first + 1, last):
            if self.lt(a[i], a[first]):
                val = a[i]
                a[first + 1 : i + 1] = a[first:i]
                a[first] = val
            else:
                self.linear_insert(i)

    def adjust_heap(self, first: int, hole: int, length: int, value) -> None:
        a, top, child = self.a, hole, hole
        while child < (length - 1) // 2:
            child = 2 * (child + 1)
            if self.lt(a[first + child], a[first + child - 1]):
                child -= 1
            a[first + hole], hole = a[first + child], child
        if length % 2 == 0 and child == (length - 2) // 2:
            child = 2 * (child + 1)
            a[first + hole], hole = a[first + child - 1], child - 1
        parent = (hole - 1) // 2
        while hole > top and self.lt(a[first + parent], value):
            a[first + hole], hole = a[first + parent], parent
            parent = (hole - 1) // 2
        a[first + hole] = value

    def heapsort(self, first: int, last: int) -> None:
        a, length = self.a, last - first
        for parent in range((length - 2) // 2, -1, -1):
            self.adjust_heap(first, parent, length, a[first + parent])
        while last - first > 1:
            last -= 1
            value, a[last] = a[last], a[first]
            self.adjust_heap(first, 0, last - first, value)

    def median_to_first(self, result: int, x: int, y: int, z: int) -> None:
        a, lt = self.a, self.lt
        if lt(a[x], a[y]):
            m = y if lt(a[y], a[z]) else (z if lt(a[x], a[z]) else x)
        else:
            m = x if lt(a[x], a[z]) else (z if lt(a[y], a[z]) else y)
        a[result], a[m] = a[m], a[result]

    def partition(self, first: int, last: int, pivot: int) -> int:
        a, lt = self.a, self.lt
        while True:
            while lt(a[first], a[pivot]):
                first += 1
            last -= 1
            while lt(a[pivot], a[last]):
                last -= 1
            if not first < last:
                return first
            a[first], a[last] = a[last], a[first]
            first += 1

    def loop(self, first: int, last: int, depth: int) -> None:
        while last - first > 16:
            if depth == 0:
                self.heapsort(first, last)
                return
            depth -= 1
            self.median_to_first(first, first + 1, first + (last - first) // 2, last - 1)
            cut = self.partition(first + 1, last, first)
            self.loop(cut, last, depth)
            last = cut


def mode_index(values: list) -> int:
    """The original index torch's CPU ``mode`` returns: the last of the mode's run after ``std::sort``."""
    order = _Introsort(values).order()
    best, max_freq, run = 0, 0, 0
    for pos, i in enumerate(order):
        run += 1
        if pos == len(order) - 1 or values[i] != values[order[pos + 1]]:
            if run > max_freq:
                best, max_freq = i, run
            run = 0
    return best
