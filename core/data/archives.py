"""Archives of a corpus (`.tar.xz`, `.tar.gz`, `.zip`, ...), unpacked once into the cache folder.

An archive is unpacked next to nothing it came with: into
`core.paths.cache_dir()/unipen/<name>-<digest of its place>/` (the shared
data folder is read-only in CI), first into a temporary folder that is
then renamed, so a half-unpacked folder is never used. A stamp records
the archive's size and modification time; while they are unchanged the
folder is reused, else it is unpacked again. Members that would land
outside the folder (absolute names, `..`, links out) are refused, and so
is an archive that unpacks to more than any corpus would.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Callable, Iterable

from core.errors import InputError
from core.files.atomic import read_json, write_json
from core.paths import cache_dir

UNPACK_VERSION = 1
ARCHIVE_SUFFIXES = (".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar", ".zip")
MAX_UNPACKED_BYTES = 4 * 2**30  # the UNIPEN training corpus unpacks to 274 MB
MAX_MEMBERS = 500_000

Progress = Callable[[str], None] | None


def is_archive(path: Path) -> bool:
    return Path(path).name.lower().endswith(ARCHIVE_SUFFIXES)


def unpacked_folder(archive: str | Path) -> Path:
    """Where an archive is unpacked: the cache folder, by the archive's name and place."""
    archive = Path(archive).resolve()
    stem = archive.name
    for suffix in ARCHIVE_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[:-len(suffix)]
            break
    return cache_dir() / "unipen" / f"{stem}-{hashlib.sha1(str(archive).encode()).hexdigest()[:12]}"


def _stamp(archive: Path) -> dict:
    st = archive.stat()
    return {"archive": str(archive), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "version": UNPACK_VERSION}


def _checked(members: Iterable, archive: Path, size: Callable) -> Iterable:
    """The members, refusing an archive that unpacks to more than a corpus could (a zip bomb)."""
    total = 0
    for n, m in enumerate(members, 1):
        total += max(size(m), 0)
        if n > MAX_MEMBERS or total > MAX_UNPACKED_BYTES:
            raise InputError(f"{archive} unpacks to more than {MAX_MEMBERS:,} files or "
                             f"{MAX_UNPACKED_BYTES / 2**30:.0f} GB: not a UNIPEN corpus")
        yield m


def _extract(archive: Path, dest: Path) -> int:
    """Unpack `archive` into `dest`; the number of files."""
    try:
        if archive.name.lower().endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                infos = list(_checked(zf.infolist(), archive, lambda i: i.file_size))
                for info in infos:
                    if not (dest / info.filename).resolve().is_relative_to(dest.resolve()):
                        raise InputError(f"{archive}: member {info.filename!r} points outside the archive's folder")
                zf.extractall(dest, infos)
                return sum(not i.is_dir() for i in infos)
        with tarfile.open(archive) as tf:
            files = [0]

            def members():
                for m in _checked(tf, archive, lambda m: m.size):
                    files[0] += m.isfile()
                    yield m

            tf.extractall(dest, members=members(), filter="data")  # "data": nothing absolute, no links or devices out
            return files[0]
    except InputError:
        raise
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:  # lzma and zlib errors too
        reason = "not a readable tar archive" if isinstance(exc, tarfile.ReadError) else " ".join(str(exc).split())
        raise InputError(f"cannot unpack {archive}: {reason}", "is it a complete .tar.xz, .tar.gz or .zip file?") from exc


def unpacked(archive: str | Path, progress: Progress = None) -> Path:
    """The archive unpacked into the cache folder: once, then reused while its size and time are unchanged."""
    archive = Path(archive).resolve()
    dest, stamp = unpacked_folder(archive), _stamp(archive)
    marker = dest / ".unpacked.json"
    if read_json(marker) == stamp:
        return dest
    if progress:
        progress(f"unpacking {archive.name} ({stamp['size'] / 2**20:.0f} MB) into {dest} "
                 "(once: reused while the archive is unchanged)")
    t0 = time.perf_counter()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        n = _extract(archive, tmp)
        write_json(tmp / ".unpacked.json", stamp)
        shutil.rmtree(dest, ignore_errors=True)  # an unpacking of the archive before it changed
        try:
            os.replace(tmp, dest)
        except OSError:
            if read_json(marker) != stamp:  # not another process that just unpacked the same archive
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if progress:
        progress(f"unpacked {n:,} files in {time.perf_counter() - t0:.1f} s")
    return dest
