"""``save`` / ``load``: checkpoints in PyTorch's own ``torch.save`` format, read back without running code.

``save`` writes the zip archive ``torch.save`` writes (``data.pkl`` plus one raw record per storage), so
real ``torch.load(path, weights_only=True)`` reads it; views that share memory share one storage record.
``load`` reads those archives, ``torch.save`` files, and microtorch's earlier format (``.npy`` arrays and
a JSON index) through a restricted unpickler that admits only the tensor-rebuild functions, storage
types, dtypes and plain containers. Hostile files are refused before they can exhaust memory: zip members
are read only up to sizes their compressed bytes can produce and their dtype and element count require,
and tensors are views of their storages (an expanded tensor stays a view of one element).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import zipfile
import zlib
from typing import IO, Any

from ._archive import _Archive
from ._legacy import INDEX, _load_own
from ._placement import _Placement
from ._torch_reader import _load_torch
from ._torch_writer import archive_name, pickle_checkpoint, write_archive

__all__ = ["save", "load"]

FileLike = str | os.PathLike | IO[bytes]


def save(obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: int = 2, **kwargs: Any) -> None:
    """Write ``obj`` (nested containers of tensors, numbers, strings) to a path or binary file object,
    in ``torch.save``'s format."""
    if pickle_module is not None and pickle_module is not pickle:
        raise TypeError("save: pickle_module is not supported: microtorch writes the pickle itself")
    if pickle_protocol != 2:
        raise ValueError(f"save: only pickle_protocol=2 (torch.save's default) is written, got {pickle_protocol!r}")
    _check_save_options(kwargs)
    if not isinstance(f, (str, os.PathLike)) and not hasattr(f, "write"):
        raise TypeError(f"save: f must be a path or a writable binary file object, got {type(f).__name__}")
    data, storages = pickle_checkpoint(obj)  # an object that cannot be saved fails before the file is touched
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            write_archive(data, storages, fh, archive_name(f))
    else:
        write_archive(data, storages, f, archive_name(f))


def _check_save_options(kwargs: dict) -> None:
    """torch.save's remaining options: the zip format (the only one written) and an unused tensor flag."""
    for key, value in kwargs.items():
        if key == "_use_new_zipfile_serialization":
            if value is not True:
                raise ValueError("save: only the zip format (_use_new_zipfile_serialization=True) is written")
        elif key != "_disable_byteorder_record" or value is not False:
            raise TypeError(f"save() got an unexpected keyword argument '{key}'")


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *, weights_only: bool | None = True) -> Any:
    """Read an object written by ``save`` or by ``torch.save``; never runs code from the file."""
    placement = _Placement(map_location)
    if pickle_module is not None and pickle_module is not pickle:
        raise TypeError(
            "load: pickle_module is not supported: microtorch reads files with its own restricted unpickler"
        )
    if weights_only not in (True, False, None):
        raise TypeError(f"load: weights_only must be a bool, got {type(weights_only).__name__}")
    with _open_source(f) as (fh, name, size):
        _refuse_legacy(fh, name)
        try:
            z = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            raise RuntimeError(
                f"load: '{name}' is not a microtorch checkpoint (not a zip archive, or truncated)"
            ) from None
        with z:
            try:
                return _load_zip(_Archive(z, fh, name, size), placement, weights_only is not False)
            except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as err:
                raise RuntimeError(f"load: '{name}' is corrupt: {type(err).__name__}: {err}") from None


@contextlib.contextmanager
def _open_source(f: FileLike):
    """Yield a seekable binary file for ``f``, its name for messages, and its size in bytes."""
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        if not os.path.exists(f):
            raise FileNotFoundError(f"load: no such file: '{name}'")
        with open(f, "rb") as fh:
            yield fh, name, os.fstat(fh.fileno()).st_size
        return
    if not hasattr(f, "read"):
        raise TypeError(f"load: f must be a path or a readable binary file object, got {type(f).__name__}")
    name = str(getattr(f, "name", "<file object>"))
    if getattr(f, "seekable", lambda: False)():
        start = f.tell()
        size = f.seek(0, io.SEEK_END) - start
        f.seek(start)
        yield f, name, size
        return
    raw = f.read()
    if not isinstance(raw, bytes):
        raise TypeError("load: the file object must be opened in binary mode")
    yield io.BytesIO(raw), name, len(raw)


_LEGACY_MAGIC = (0x1950A86A20F9469CFC6C).to_bytes(10, "little")  # first pickle of a pre-1.6 torch.save


def _refuse_legacy(fh: IO[bytes], name: str) -> None:
    """Refuse, with a message saying how to convert it, a torch.save file in the pre-1.6 format."""
    start = fh.tell()
    head = fh.read(16)
    fh.seek(start)
    if not isinstance(head, bytes):
        raise TypeError("load: the file object must be opened in binary mode")
    if _LEGACY_MAGIC in head:
        raise RuntimeError(
            f"load: '{name}' is a legacy PyTorch checkpoint (written by torch.save before PyTorch 1.6 or with "
            "_use_new_zipfile_serialization=False), a raw pickle stream that microtorch does not read; re-save it "
            "in PyTorch's zip format: torch.save(torch.load(path, weights_only=True), new_path)"
        )


def _load_zip(archive: _Archive, placement: _Placement, weights_only: bool) -> Any:
    names = archive.names
    if INDEX in names:
        return _load_own(archive, placement)
    pkl = [n for n in names if n.count("/") == 1 and n.split("/")[1] == "data.pkl"]
    if len(pkl) != 1:
        raise RuntimeError(f"load: '{archive.name}' is not a microtorch checkpoint (no {INDEX} and no torch data.pkl)")
    prefix = pkl[0][: -len("data.pkl")]
    if prefix + "constants.pkl" in names or any(n.startswith(prefix + "code/") for n in names):
        raise RuntimeError(
            f"load: '{archive.name}' is a TorchScript archive (torch.jit.save), not a checkpoint; in PyTorch, save "
            "its state dict instead: torch.save(torch.jit.load(path).state_dict(), new_path)"
        )
    return _load_torch(archive, prefix, placement, weights_only)
