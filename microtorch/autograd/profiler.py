"""``torch.autograd.profiler``: the older spelling of the profiler (``profile(enabled=...)``,
``record_function``), on the same recorder as ``microtorch.profiler``."""

from __future__ import annotations

from ..profiler import EventList, FunctionEvent, FunctionEventAvg, ProfilerActivity, record_function
from ..profiler import profile as _profile

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]


class profile(_profile):
    """``torch.autograd.profiler.profile``: as ``microtorch.profiler.profile``, switched by ``enabled``;
    ``use_cuda=True`` warns that there is no CUDA, as torch does on a machine without it."""

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False, record_shapes: bool = False, **options) -> None:
        activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if use_cuda else [])
        super().__init__(activities=activities, record_shapes=record_shapes, **options)
        self.enabled = bool(enabled)

    def __enter__(self) -> profile:
        if self.enabled:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.stop()

    @property
    def function_events(self) -> EventList:
        """Every recorded range, in the order they started."""
        return self.events()

    def table(self, *args, **kwargs) -> str:
        """The table of the individual ranges (``key_averages().table`` sums them per name)."""
        return self.events().table(*args, **kwargs)

    def total_average(self) -> FunctionEventAvg:
        """All ranges summed into one."""
        return self.events().total_average()

    @property
    def self_cpu_time_total(self) -> float:
        """Sum of the self times of all ranges, in microseconds."""
        return self.events().self_cpu_time_total
