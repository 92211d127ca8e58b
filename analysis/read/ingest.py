"""Walking a corpus folder and zip archives: every summary file with its bytes and metadata, or a
``FileFailure`` naming the file and the reason (unsafe paths, zip bombs, nested archives, unreadable
members), so one bad file never stops the rest.

Decoding lives in ``decode``, metadata in ``metadata``; this module ties them to the files on disk.
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from analysis.read.decode import ARCHIVE_SUFFIXES, IngestError, Limits, human_size
from analysis.read.metadata import clean_meta, clean_name, merge_meta, meta_from_path, read_manifest

MANIFEST_NAMES = ("manifest.csv",)


# ---------------------------------------------------------------- walking folders and archives

def _listing(root: Path) -> list[tuple[tuple[str, ...], str]]:
    """Every file under ``root`` as (its path's parts relative to root, its path as a string), in the order of
    ``sorted(root.rglob("*"))``, without hidden folders (``.git``) and ``__pycache__``.

    What ``rglob`` lists, with strings instead of path objects: making three path objects per file was
    most of the time of listing a 100,000-file corpus, and the one left took 0.9 s. As ``rglob``, a symbolic link
    to a folder is not followed and one to a file is listed; a folder that cannot be read is passed over."""
    found: list[tuple[tuple[str, ...], str]] = []

    def walk(folder: str, prefix: tuple[str, ...]) -> None:
        try:
            entries = list(os.scandir(folder))
        except PermissionError:
            return
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            try:
                if entry.is_dir() and not entry.is_symlink():
                    walk(entry.path, (*prefix, entry.name))
                elif entry.is_file():
                    found.append(((*prefix, entry.name), entry.path))
            except OSError:
                continue

    walk(str(root), ())
    found.sort()
    return found


def _suffix(name: str) -> str:
    """``PurePosixPath(name).suffix``, without making a path object."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


@dataclass
class FileFailure:
    source_file: str
    reason: str


@dataclass(frozen=True)
class OnDisk:
    """A corpus file listed but not read (``iter_corpus(lazy=True)``): whoever analyses it reads it."""

    path: str


def iter_zip(name: str, data: bytes, limits: Limits | None = None) -> Iterator[tuple[str, bytes] | FileFailure]:
    """Members of a zip as (``inner/path``, bytes); unsafe members become failures labelled
    ``archive.zip/inner/path``.

    Guards against zip bombs: too many members or too much declared content refuse the whole archive
    before anything is inflated; a member over the file limit or with an absurd compression ratio is
    refused alone. zipfile never inflates a member beyond its declared size (it stops there and fails
    the CRC check), so the declared sizes bound the memory used. Path escapes (../, absolute paths,
    drive letters) and nested zips are refused rather than followed.
    """
    limits = limits or Limits.from_env()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        yield FileFailure(name, "压缩包已损坏或不是 zip 文件")
        return
    if len(infos) > limits.max_zip_members:
        yield FileFailure(name, f"压缩包内文件过多（{len(infos):,} 个，上限 {limits.max_zip_members:,} 个），已拒绝")
        return
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_zip_total_bytes:
        cap = human_size(limits.max_zip_total_bytes)
        yield FileFailure(name, f"压缩包解压后共 {human_size(declared)}，超过上限 {cap}（疑似压缩炸弹），已拒绝")
        return
    for info in infos:
        inner = info.filename.replace("\\", "/")
        # zip names made on Chinese Windows are often GBK without the UTF-8 flag
        if not info.flag_bits & 0x800:
            try:
                inner = info.filename.encode("cp437").decode("gb18030").replace("\\", "/")
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
        label = f"{name}/{inner}"
        parts = PurePosixPath(inner).parts
        if inner.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", inner):
            yield FileFailure(label, "压缩包内路径不安全（绝对路径或 ../），已拒绝")
            continue
        if any(p.startswith("__MACOSX") or p.startswith(".") for p in parts):
            continue
        if info.file_size > limits.max_file_bytes:
            cap = human_size(limits.max_file_bytes)
            yield FileFailure(label, f"文件过大（解压后 {human_size(info.file_size)}，上限 {cap}）")
            continue
        if info.compress_size and info.file_size / info.compress_size > limits.max_zip_ratio:
            yield FileFailure(label, f"压缩比异常（{info.file_size / info.compress_size:.0f} 倍，上限 "
                                     f"{limits.max_zip_ratio:.0f} 倍，疑似压缩炸弹），已拒绝")
            continue
        if PurePosixPath(inner).suffix.lower() in ARCHIVE_SUFFIXES:
            yield FileFailure(label, "不支持嵌套的压缩包，请解压后再上传")
            continue
        try:
            with zf.open(info) as fh:
                blob = fh.read(limits.max_file_bytes + 1)
        except Exception:  # CRC errors, unsupported compression, encrypted members
            yield FileFailure(label, "压缩包内文件无法解压（已损坏或已加密）")
            continue
        if len(blob) > limits.max_file_bytes:
            yield FileFailure(label, f"文件过大（解压后超过上限 {human_size(limits.max_file_bytes)}）")
            continue
        yield inner, blob


def iter_corpus(root: Path, lazy: bool = False) -> Iterator[tuple[str, bytes | OnDisk, dict] | FileFailure]:
    """Every candidate file under root as (relative path, bytes, metadata hints), sorted by path.

    ``lazy``: a plain file comes as ``OnDisk(path)`` instead of its bytes, so that listing a corpus of
    100,000 files holds none of them (members of a .zip are read, as the archive must be opened).

    Metadata hints are the manifest row (if any) and the path convention; headings are read later,
    once the text is decoded. Zip members get the zip's folder as their path prefix so that a zip of
    ``2024/销售部/张三.txt`` follows the same convention.
    """
    root = Path(root)
    manifest: dict[str, dict] = {}
    for mname in MANIFEST_NAMES:
        if (root / mname).is_file():
            try:
                manifest = read_manifest(root / mname)
            except IngestError as exc:
                yield FileFailure(mname, f"清单无法读取：{exc}")
    for item in _iter_corpus(root, manifest, lazy):
        if isinstance(item, FileFailure):
            yield FileFailure(clean_name(item.source_file), item.reason)
        else:  # the same cleaning as an upload's: no control or right-to-left characters in names
            rel, data, meta = item
            yield clean_name(rel), data, clean_meta(meta)


def _iter_corpus(root: Path, manifest: dict[str, dict], lazy: bool = False
                 ) -> Iterator[tuple[str, bytes | OnDisk, dict] | FileFailure]:
    for parts, path in _listing(root):
        name = parts[-1]
        suffix = _suffix(name).lower()
        if name in MANIFEST_NAMES or name.lower() == "readme.md":
            continue
        if suffix in {".py", ".json", ".pyc", ".csv", ".xlsx"}:
            continue  # the generator, its notes and manifests live beside the corpus
        rel = "/".join(parts)
        meta = merge_meta(manifest.get(rel, {}), meta_from_path(parts), fill=False)
        if lazy and suffix not in ARCHIVE_SUFFIXES:
            yield rel, OnDisk(path), meta
            continue
        rel = PurePosixPath(rel)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            yield FileFailure(str(rel), f"无法读取文件：{exc.strerror}")
            continue
        if rel.suffix.lower() in ARCHIVE_SUFFIXES:
            for item in iter_zip(str(rel), data):
                if isinstance(item, FileFailure):
                    yield item
                else:
                    inner, blob = item
                    inner_rel = rel.parent / inner
                    yield str(rel / inner), blob, merge_meta(
                        manifest.get(str(inner_rel), {}), meta_from_path(inner_rel), fill=False
                    )
            continue
        yield str(rel), data, meta
