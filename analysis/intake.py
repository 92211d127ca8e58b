"""Summaries brought in from the browser: preview an upload and commit it (HR's later edits of stored
documents live in ``analysis.edits``).

HR uploads files and zips instead of copying them into a folder on the server. Two steps keep that
safe. ``preview`` reads everything (decoding, zip safety, metadata) and says per file what would
happen — add, change (re-tag), skip (already stored) or reject (with the reason) — without touching
the store. ``commit`` then saves the originals content-addressed (before any analysis, so nothing
uploaded depends on the analysis succeeding), analyses the new documents outside the write lock,
and only for the final write takes ``snapshot.write_lock``: it starts from the snapshot that is live at
that moment, so a folder build or another upload that finished in the meantime is neither lost nor
counted twice (a document another writer added meanwhile is skipped, not inserted again).

Uploaded documents, HR's re-tags and removals are recorded in the ``managed`` table; a folder build
(``analysis.build``) keeps uploads, keeps HR's metadata and does not bring back what HR removed.
Plain data in and out: the page (pages/corpus.py) only draws what these functions return.
Slightly over the house's ~400 lines: preview and commit are the two halves of one upload and share its
item model (``Upload``, ``Item``, ``Preview``); HR's later edits are in ``analysis.edits``.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from analysis.insight import passes
from analysis.read import decode, ingest, metadata
from analysis.schema import META_FIELDS, UPLOAD_ACTION_NAMES
from analysis.store import managed, snapshot

YEAR_MIN = metadata.YEAR_MIN
MAX_META_CHARS = metadata.MAX_META_CHARS
MAX_NAME_CHARS = metadata.MAX_NAME_CHARS
MANIFEST_FILE_NAMES = frozenset({"manifest.csv", "manifest.xlsx", "清单.csv", "清单.xlsx"})
FIELD_NAMES = metadata.FIELD_NAMES
REQUIRED = ("department", "year")
"""Every document needs these: every chart groups by department and year."""
DEFAULT_WAIT = managed.DEFAULT_WAIT
"""Seconds an upload waits for another writer (a folder build) before giving up."""

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stages: 保存原件, 分析, 等待, 写入."""


year_max = metadata.year_max


@dataclass(frozen=True)
class Upload:
    """One file as the browser sent it."""

    name: str
    data: bytes = field(repr=False)


@dataclass
class Item:
    """What the preview proposes for one file (or one zip member)."""

    source_file: str
    action: str
    reason: str = ""
    doc_id: str = ""
    sha256: str = ""
    meta: dict = field(default_factory=dict)
    sources: str = ""
    data: bytes = field(default=b"", repr=False)


@dataclass
class Preview:
    """Per file what a commit would do, and notes about the upload as a whole (manifest problems)."""

    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for i in self.items if i.action == action)

    @property
    def pending(self) -> int:
        """Files a commit would write: new documents and re-tags."""
        return self.count("add") + self.count("change")

    def rows(self) -> list[dict]:
        """One plain row per file, for the preview table."""
        return [{"source_file": i.source_file, "action": UPLOAD_ACTION_NAMES[i.action], "reason": i.reason,
                 **{k: i.meta.get(k, "") for k in META_FIELDS}, "year": i.meta.get("year") or None,
                 "sources": i.sources} for i in self.items]


@dataclass
class Outcome:
    source_file: str
    status: str
    """已新增 | 已更新标签 | 已跳过 | 失败"""
    detail: str = ""
    doc_id: str = ""


@dataclass
class CommitReport:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    written: bool = False

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def summary(self) -> str:
        return "，".join(f"{s} {self.count(s)}" for s in ("已新增", "已更新标签", "已跳过", "失败"))


# ---------------------------------------------------------------- names and metadata

# One cleaning for every way a name or a label comes in (upload, folder build, headings): see ingest.
clean_name = metadata.clean_name
validate_meta = metadata.validate_meta


_STEM_NAME = re.compile(r"^([\u4e00-\u9fff·]{2,4})(?:_([^_]{1,20}))?$")
_NOT_A_NAME = re.compile(r"总结|报告|述职|年终|工作|年度|个人|汇报|材料|文档|新建")


def meta_from_stem(path: str) -> dict:
    """``张三.txt`` or ``张三_华东组.docx`` outside the year/department folders: the employee (and
    team) by the same convention; ``年终总结.docx`` is not a name."""
    m = _STEM_NAME.match(PurePosixPath(path).stem.strip())
    if not m or _NOT_A_NAME.search(m.group(1)):
        return {}
    return {"employee": m.group(1), **({"team": m.group(2)} if m.group(2) else {})}


def _merge(sources: list[tuple[str, dict]]) -> tuple[dict, dict[str, str]]:
    """First source wins per field; returns the filled metadata and each field's source."""
    merged: dict = {}
    origin: dict[str, str] = {}
    for label, src in sources:
        for k in META_FIELDS:
            v = src.get(k)
            if k not in merged and v not in (None, "", 0):
                merged[k], origin[k] = v, label
    return {k: merged.get(k, 0 if k == "year" else "") for k in META_FIELDS}, origin


# ---------------------------------------------------------------- preview

@dataclass
class _Candidate:
    label: str
    path: str  # for the path convention and manifest matching: relative to the zip root
    data: bytes = field(repr=False)


def _expand(files: list[Upload], limits: decode.Limits) -> tuple[list[_Candidate | Item], list[Upload]]:
    """Files and zip members in upload order: candidates, or rejected items for refused members; and
    the manifests found (a .csv/.xlsx uploaded with the files, or manifest.csv/清单.xlsx in a zip)."""
    entries: list[_Candidate | Item] = []
    manifests: list[Upload] = []
    for up in files:
        name = clean_name(up.name)
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in metadata.MANIFEST_SUFFIXES:
            manifests.append(Upload(name, up.data))
            continue
        if suffix not in decode.ARCHIVE_SUFFIXES:
            entries.append(_Candidate(name, PurePosixPath(name).name, up.data))
            continue
        if len(up.data) > limits.max_zip_total_bytes:
            entries.append(Item(name, "reject", f"压缩包过大（{decode.human_size(len(up.data))}，"
                                                f"上限 {decode.human_size(limits.max_zip_total_bytes)}）"))
            continue
        for member in ingest.iter_zip(name, up.data, limits):
            if isinstance(member, ingest.FileFailure):
                entries.append(Item(clean_name(member.source_file), "reject", member.reason))
                continue
            inner, blob = member
            inner = clean_name(inner)
            if PurePosixPath(inner).name.lower() in MANIFEST_FILE_NAMES:
                manifests.append(Upload(f"{name}/{inner}", blob))
                continue
            entries.append(_Candidate(f"{name}/{inner}", inner, blob))
    return entries, manifests


def _manifest_rows(manifests: list[Upload], notes: list[str]) -> list[tuple[str, str, str, dict]]:
    """(manifest name, file key relative to the zip root, file key as written, validated row) of the
    manifest in use; a manifest inside a zip names files relative to its own folder (as in a corpus
    folder) or, as people also write it, relative to the zip root."""
    if not manifests:
        return []
    chosen, *others = manifests
    for other in others:
        notes.append(f"只使用一份清单“{chosen.name}”，“{other.name}”未使用")
    inside = re.match(r"^.*?\.zip/(.*)$", chosen.name, re.IGNORECASE)
    folder = str(PurePosixPath(inside.group(1)).parent) if inside else "."
    try:
        rows, problems = metadata.parse_manifest(chosen.name, chosen.data)
    except decode.IngestError as exc:
        notes.append(f"清单“{chosen.name}”无法使用：{exc}")
        return []
    notes.extend(f"清单“{chosen.name}”：{p}" for p in problems)
    out = []
    for key, row in rows.items():
        meta, errors = validate_meta(row)
        notes.extend(f"清单“{chosen.name}”中“{key}”：{e}，已忽略该项" for e in errors)
        out.append((chosen.name, key if folder == "." else f"{folder}/{key}", key, meta))
    return out


def _match_manifest(rows: list[tuple[str, str, str, dict]], candidates: list[_Candidate],
                    notes: list[str]) -> dict[int, dict]:
    """Candidate index → its manifest row. A row matches the path inside the zip, the shown name, or
    (when unambiguous) the bare file name, so a manifest written for a folder also serves the loose
    files of that folder; rows that match nothing are reported."""
    by_key: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        for key in {c.path, c.label, PurePosixPath(c.path).name}:
            by_key.setdefault(key, []).append(i)
    matched: dict[int, dict] = {}
    for manifest, key, written, meta in rows:
        hits = by_key.get(key) or by_key.get(written) or by_key.get(PurePosixPath(written).name, [])
        if not hits:
            notes.append(f"清单“{manifest}”中的“{key}”在本次上传中找不到对应文件")
        elif len(hits) > 1:
            notes.append(f"清单“{manifest}”中的“{key}”对应多个文件，请写出压缩包内的完整路径")
        else:
            matched[hits[0]] = meta
    return matched


def preview(files: list[Upload], store_path: Path | str, manifest: Upload | None = None,
            form: dict | None = None, limits: decode.Limits | None = None) -> Preview:
    """Read an upload and say per file what a commit would do; the store is only read.

    Metadata, first source wins per field: the manifest row, the path inside the zip
    (``<年份>/<部门>/<姓名>[_<班组>].<ext>``), the form, the headings in the text (``部门：…``), the file
    name (``张三_华东组.txt``). A document without department or year is rejected with what to fill in.
    """
    store_path = Path(store_path)
    limits = limits or decode.Limits.from_env()
    notes: list[str] = []
    entries, manifests = _expand(files, limits)
    candidates = [e for e in entries if isinstance(e, _Candidate)]
    if manifest is not None:
        manifests.insert(0, Upload(clean_name(manifest.name), manifest.data))
    matched = _match_manifest(_manifest_rows(manifests, notes), candidates, notes)
    form_meta, form_errors = validate_meta(form or {})
    notes.extend(f"表单：{e}，已忽略" for e in form_errors)
    if form_meta.get("employee") and len(candidates) > 1:
        notes.append("表单中的员工姓名只适用于单个文件；本次上传有多个文件，已忽略员工姓名")
        form_meta.pop("employee")

    live = snapshot.live_documents(store_path)
    items: list[Item] = []
    seen: dict[str, str] = {}
    rows = {id(c): matched.get(i, {}) for i, c in enumerate(candidates)}
    for entry in entries:
        if isinstance(entry, Item):
            items.append(entry)
        else:
            items.append(_classify(entry, rows[id(entry)], form_meta, live, seen, limits))
    return Preview(items, notes)


def _classify(cand: _Candidate, manifest_meta: dict, form_meta: dict, live: dict[str, dict],
              seen: dict[str, str], limits: decode.Limits) -> Item:
    from analysis.pipeline import content_hash  # imports jieba: not on the dashboard's viewing path
    from analysis.read.normalize import to_simplified

    sha = hashlib.sha256(cand.data).hexdigest()
    doc_id = content_hash(cand.data)
    item = Item(cand.label, "reject", doc_id=doc_id, sha256=sha, data=cand.data)
    if doc_id in seen:
        item.action, item.reason = "skip", f"与本次上传中的“{seen[doc_id]}”内容完全相同"
        return item
    try:
        text, _, _ = decode.read_bytes(cand.label, cand.data, limits.max_file_bytes)
    except decode.IngestError as exc:
        item.reason = str(exc)
        return item
    except Exception as exc:  # a reader bug must not stop the rest of the upload
        item.reason = f"无法读取：{type(exc).__name__}"
        return item
    seen[doc_id] = cand.label
    path_meta = metadata.meta_from_path(PurePosixPath(cand.path))
    meta, origin = _merge([
        ("清单", manifest_meta), ("路径", path_meta), ("表单", form_meta),
        ("正文", metadata.meta_from_text(to_simplified(text[:3000]))), ("文件名", meta_from_stem(cand.path)),
    ])
    item.meta = meta
    item.sources = "、".join(label for label in ("清单", "路径", "表单", "正文", "文件名")
                            if label in origin.values()) or "无"
    missing = [FIELD_NAMES[k] for k in REQUIRED if meta[k] in ("", 0)]
    if missing:
        item.reason = (f"缺少{'和'.join(missing)}：请在下方表单中填写，或用清单、压缩包内路径"
                       "（年份/部门/姓名_班组.txt）提供")
        return item
    if not YEAR_MIN <= meta["year"] <= year_max():
        item.reason = f"年份 {meta['year']} 不在 {YEAR_MIN}–{year_max()} 之间"
        return item
    stored = live.get(doc_id)
    if stored is None:
        item.action = "add"
        item.reason = "新文档"
        return item
    # only what HR stated (manifest, path, form) can re-tag; headings and names repeat what is stored
    stated = {k: meta[k] for k in META_FIELDS if origin.get(k) in ("清单", "路径", "表单")}
    changes = {k: (stored[k], v) for k, v in stated.items() if v != stored[k]}
    item.meta = {**{k: stored[k] for k in META_FIELDS}, **stated}
    if changes:
        item.action = "change"
        item.reason = "已在库中，更新：" + "；".join(
            f"{FIELD_NAMES[k]} {old or '（空）'} → {new}" for k, (old, new) in changes.items())
    else:
        item.action = "skip"
        item.reason = f"已在库中（内容与“{stored['source_file']}”相同），无需重复分析"
    return item


# ---------------------------------------------------------------- commit

def original_name(sha256: str, source_file: str) -> str:
    """The file name an original is saved under: its content hash and a plain extension."""
    suffix = PurePosixPath(source_file).suffix.lower()
    return sha256 + (suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else "")


def save_original(store_path: Path | str, sha256: str, source_file: str, data: bytes) -> str:
    """Write the original under its content hash (temp file, then ``os.replace``); returns its name.

    Content-addressed, so the same bytes uploaded twice or by two sessions at once land in one file,
    and a half-written file is never seen under the final name.
    """
    folder = snapshot.private_dir(snapshot.originals_dir(store_path))
    name = original_name(sha256, source_file)
    final = folder / name
    if final.is_file() and final.stat().st_size == len(data):
        return name
    # a unique temporary name: two sessions of one server (threads of one process) may save the same bytes
    with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}.", suffix=".tmp", delete=False) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(fh.name, final)
    return name


def commit(pre: Preview, store_path: Path | str, progress: Progress | None = None, workers: int | None = None,
           wait: float = DEFAULT_WAIT) -> CommitReport:
    """Store what the preview proposed: originals first, then analysis, then one new snapshot.

    Returns one outcome per file of the preview (rejected files included), so the page can list
    every file with what became of it.
    """
    started = time.perf_counter()
    store_path = Path(store_path)
    tick = progress or (lambda stage, done, total: None)
    report = CommitReport()
    adds = [i for i in pre.items if i.action == "add"]
    changes = [i for i in pre.items if i.action == "change"]
    for item in pre.items:
        if item.action == "skip":
            report.outcomes.append(Outcome(item.source_file, "已跳过", item.reason, item.doc_id))
        elif item.action == "reject":
            report.outcomes.append(Outcome(item.source_file, "失败", item.reason, item.doc_id))

    with snapshot.pending_originals(store_path, [original_name(i.sha256, i.source_file) for i in adds]):
        _store_items(store_path, adds, changes, report, tick, workers, wait)
    order = {i.source_file: n for n, i in enumerate(pre.items)}
    report.outcomes.sort(key=lambda o: order.get(o.source_file, len(order)))
    report.seconds = time.perf_counter() - started
    return report


def _store_items(store_path: Path, adds: list[Item], changes: list[Item], report: CommitReport,
                 tick: Progress, workers: int | None, wait: float) -> None:
    """``commit``'s work while its originals are announced (``snapshot.pending_originals``)."""
    from analysis.build import Job, analyse_many, insert, pack
    from analysis.pipeline import Analysed

    originals: dict[str, str] = {}
    for n, item in enumerate(adds, start=1):
        originals[item.doc_id] = save_original(store_path, item.sha256, item.source_file, item.data)
        tick("保存原件", n, len(adds))

    analysed: list[tuple[Item, Analysed]] = []
    done = 0
    workers = workers or min(os.cpu_count() or 1, 8)

    def counted(n: int) -> None:
        nonlocal done
        done += n
        tick("分析", done, len(adds))

    if adds:
        tick("分析", 0, len(adds))
        jobs = [Job(i.source_file, i.data, i.meta) for i in adds]
        for n, result in enumerate(analyse_many(jobs, workers, counted)):  # in job order
            item = adds[n]
            if isinstance(result, Analysed):
                analysed.append((item, result))
            else:
                report.outcomes.append(Outcome(item.source_file, "失败", result[1], item.doc_id))

    if analysed or changes:
        def waiting() -> None:
            tick("等待", 0, 1)

        with snapshot.write_lock(store_path, wait=wait, on_wait=waiting):
            tick("写入", 0, 1)
            live = snapshot.live_documents(store_path)
            kept = snapshot.live_managed(store_path)
            fresh = [(i, a) for i, a in analysed if a.document["doc_id"] not in live]
            for item, _ in analysed:
                if item.doc_id in live:
                    report.outcomes.append(Outcome(item.source_file, "已跳过", "在此期间已由另一次写入加入库中",
                                                   item.doc_id))
            retags = [i for i in changes if i.doc_id in live]
            for item in changes:
                if item.doc_id not in live:
                    report.outcomes.append(Outcome(item.source_file, "已跳过", "文档已不在库中（在此期间被移除）",
                                                   item.doc_id))
            if fresh or retags:
                with snapshot.new_snapshot(store_path) as con:
                    snapshot.copy_live(con)
                    insert(con, [pack([a for _, a in fresh])])
                    rows = [managed.managed_row(a.document["doc_id"], "upload", originals[i.doc_id], i.source_file,
                                                a.document) for i, a in fresh]
                    for item in retags:
                        managed.set_meta(con, item.doc_id, item.meta)
                        old = kept.get(item.doc_id) or {}
                        rows.append(managed.managed_row(item.doc_id, old.get("origin", "folder"),
                                                        old.get("original", ""), live[item.doc_id]["source_file"],
                                                        item.meta))
                    managed.replace_managed(con, rows)
                    passes.run(con)  # new documents can be copies, or sources, of stored ones
                    managed.touch_meta(con)
                report.written = True
                snapshot.clean_orphans(store_path)
            for item, a in fresh:
                report.outcomes.append(Outcome(item.source_file, "已新增", _describe(a.document), item.doc_id))
            for item in retags:
                report.outcomes.append(Outcome(item.source_file, "已更新标签", item.reason.split("，", 1)[-1],
                                               item.doc_id))
            tick("写入", 1, 1)


def _describe(doc: dict) -> str:
    who = " · ".join(str(doc[k]) for k in ("department", "team", "employee", "year") if doc.get(k))
    return f"{who}：{doc['chars']:,} 字，{doc['sentences']} 句"
