"""Bounded reading of checkpoint zip members: sizes are checked against what their compressed bytes can hold."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import IO

import numpy as np

_CHUNK = 1 << 20
_DEFLATE_MAX_RATIO = 1032  # deflate cannot expand its input by more than this factor


class _Archive:
    """A checkpoint zip whose members are read only up to sizes that their compressed bytes can hold."""

    def __init__(self, z: zipfile.ZipFile, fh: IO[bytes], name: str, size: int) -> None:
        self.z = z
        self.fh = fh
        self.compressed = 0  # compressed bytes of the members read so far: at most the file's size
        self.name = name
        self.size = size
        self.names = set(z.namelist())

    def fail(self, what: str) -> RuntimeError:
        return RuntimeError(f"load: '{self.name}' is corrupt: {what}")

    def info(self, member: str) -> zipfile.ZipInfo:
        try:
            return self.z.getinfo(member)
        except KeyError:
            raise self.fail(f"missing {member}") from None

    def read(self, member: str, need: tuple[int, int] | None = None, what: str = "") -> np.ndarray:
        """The bytes of ``member`` as a writable uint8 array; ``need`` is the (low, high) size it must have."""
        info = self.info(member)
        self._check_sizes(info, need, what)
        buf = np.empty(info.file_size, np.uint8)  # pages are only committed as the data arrives
        pos, crc = 0, 0
        for piece in self._inflate(info):
            if pos + len(piece) > info.file_size:
                raise RuntimeError(
                    f"load: '{self.name}': {member} inflates beyond its declared size of {info.file_size} bytes "
                    "(a zip bomb?); refused"
                )
            buf[pos : pos + len(piece)] = np.frombuffer(piece, np.uint8)
            crc = zlib.crc32(piece, crc)
            pos += len(piece)
        if pos != info.file_size:
            raise self.fail(f"{member} is truncated ({pos} of {info.file_size} bytes)")
        if crc != info.CRC:
            raise self.fail(f"{member} fails its CRC-32 check")
        return buf

    def _inflate(self, info: zipfile.ZipInfo):
        """Yield the member's uncompressed bytes in chunks of at most ``_CHUNK``."""
        self.fh.seek(info.header_offset)
        head = self.fh.read(30)
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise self.fail(f"bad local header of {info.filename}")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        local_name = self.fh.read(name_len).decode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
        if local_name != info.orig_filename:
            raise self.fail(f"the entry for {info.filename} points at the data of {local_name!r}")
        self.fh.seek(extra_len, io.SEEK_CUR)
        inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        left = info.compress_size
        while left > 0:
            chunk = self.fh.read(min(_CHUNK, left))
            if not chunk:
                raise self.fail(f"{info.filename} is truncated")
            left -= len(chunk)
            if inflater is None:
                yield chunk
                continue
            while chunk and not inflater.eof:
                piece = inflater.decompress(chunk, _CHUNK)
                chunk = inflater.unconsumed_tail
                yield piece

    def _check_sizes(self, info: zipfile.ZipInfo, need: tuple[int, int] | None, what: str) -> None:
        member = info.filename
        if info.flag_bits & 0x1:
            raise RuntimeError(f"load: '{self.name}': {member} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise RuntimeError(
                f"load: '{self.name}': {member} uses zip compression method {info.compress_type}; checkpoints "
                "are stored uncompressed or deflated"
            )
        self.compressed += info.compress_size
        if self.compressed > self.size:
            raise self.fail(f"{member} declares more compressed bytes than the file holds (or members overlap)")
        ratio = 1 if info.compress_type == zipfile.ZIP_STORED else _DEFLATE_MAX_RATIO
        if info.file_size > info.compress_size * ratio + (ratio > 1) * 1024:
            raise RuntimeError(
                f"load: '{self.name}': {member} declares {info.file_size} bytes from {info.compress_size} compressed "
                "bytes, more than its compression can produce (a zip bomb?); refused"
            )
        if need is not None and not need[0] <= info.file_size <= need[1]:
            raise self.fail(f"{member} holds {info.file_size} bytes, but {what} need {need[0]}")
