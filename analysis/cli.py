"""``python -m analysis``: build, analyze, sentences, export, bench (DESIGN §4); evaluate, calibrate, corrections,
report.

The command names and options are a contract that scripts outside the app rely on; keep them stable.
One module, longer than the house's ~400 lines, on purpose: the whole contract reads top to bottom in
one place (one parser, one small function per command that only parses, calls a stage and prints);
the work itself lives in the stages.
"""
from __future__ import annotations

import argparse
import errno
import json
import re
import sys
from collections import Counter
from pathlib import Path, PurePosixPath

from analysis.paths import DEFAULT_CORPUS, DEFAULT_STORE
from analysis.schema import EXPORT_TABLES, ROLES, SECTIONS, THEMES

# ---------------------------------------------------------------- argparse in Chinese
# argparse has no locale setting of its own. Its help layout is public API (a HelpFormatter's usage
# prefix, an ArgumentParser's help option and its error()), and its messages are fixed English templates,
# so errors are translated by matching those templates: the parser stays argparse's, only its words change.
_ARGPARSE_ZH = (
    ("argument %(argument_name)s: %(message)s", "参数 {0}：{1}"),
    ("unrecognized arguments: %s", "无法识别的参数：{0}"),
    ("the following arguments are required: %s", "缺少必需的参数：{0}"),
    ("one of the arguments %s is required", "参数 {0} 必须给出其中之一"),
    ("not allowed with argument %s", "不能与参数 {0} 同时使用"),
    ("ignored explicit argument %r", "多余的参数值 {0}"),
    ("expected one argument", "需要一个值"),
    ("expected at most one argument", "最多只能有一个值"),
    ("expected at least one argument", "至少需要一个值"),
    ("expected %s argument", "需要 {0} 个值"),
    ("expected %s arguments", "需要 {0} 个值"),
    ("ambiguous option: %(option)s could match %(matches)s", "选项 {0} 不明确，可能是：{1}"),
    ("unexpected option string: %s", "意外的选项：{0}"),
    ("invalid %(type)s value: %(value)r", "无效的{0}：{1}"),
    ("invalid choice: %(value)r (choose from %(choices)s)", "无效的选择 {0}（可选：{1}）"),
    ("unknown parser %(parser_name)r (choices: %(choices)s)", "未知的命令 {0}（可选：{1}）"),
)
_ARGPARSE_WORDS = {"int": "整数", "float": "数字"}


def _template(english: str) -> re.Pattern:
    parts = re.split(r"(%\(\w+\)[sr]|%[sr])", english)
    return re.compile("^" + "".join("(.+?)" if i % 2 else re.escape(p) for i, p in enumerate(parts)) + "$", re.S)


_ARGPARSE_PATTERNS = tuple((_template(en), zh) for en, zh in _ARGPARSE_ZH)


def zh_message(message: str) -> str:
    """One of argparse's English messages in Chinese (anything else, e.g. our own, unchanged)."""
    for pattern, zh in _ARGPARSE_PATTERNS:
        m = pattern.match(message)
        if m:
            return zh.format(*(zh_message(g) for g in m.groups()))
    return _ARGPARSE_WORDS.get(message, message)


class ZhHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


_METAVARS = {"corpus": "文件夹", "store": "数据库", "workers": "进程数", "out": "文件", "department": "部门",
             "year": "年份", "team": "班组", "min_group": "人数", "name": "名称", "docs": "篇数", "repeat": "次数",
             "departments": "部门", "email": "邮箱", "users": "用户文件", "folds": "折数"}


class ZhArgumentParser(argparse.ArgumentParser):
    """argparse with Chinese usage, group titles, help option, metavars and error messages."""

    def __init__(self, *args, add_help: bool = True, **kwargs):
        kwargs.setdefault("formatter_class", ZhHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def add_argument(self, *args, **kwargs):
        action = super().add_argument(*args, **kwargs)
        if action.option_strings and action.metavar is None and action.nargs != 0 and action.choices is None:
            action.metavar = _METAVARS.get(action.dest)
        return action

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{zh_message(message)}\n")


def write_failure(exc: BaseException, store_path: Path) -> str:
    """Why a new snapshot could not be written, in words for whoever runs the build."""
    text = str(exc)
    if getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in text:
        why = "磁盘空间不足"
    elif getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "没有写入权限（或磁盘只读）"
    else:
        why = f"写入失败（{getattr(exc, 'strerror', None) or text}）"
    return (f"{why}，无法写入新的数据库快照 {store_path}。原有数据库没有改动；"
            "请腾出磁盘空间或修正权限后重新运行 build。")


def _cmd_build(args: argparse.Namespace) -> int:
    import duckdb

    from analysis import build
    from analysis.store import snapshot

    def report(source: str, reason: str) -> None:
        print(f"失败 {source}: {reason}", file=sys.stderr)

    def waiting() -> None:
        print(f"另一个写入（看板上传或另一个构建）正在进行，最多等待 {args.wait:g} 秒……", file=sys.stderr)

    engine, engine_errors = None, ()
    if args.engine == "dask":  # imported only here: the local build needs no Dask
        from analysis import distributed

        engine = distributed.DaskEngine(address=args.address, workers=args.workers, run_dir=args.run_dir,
                                        store=args.store)
        engine_errors = (distributed.EngineError,)
    elif args.address or args.run_dir:
        print("错误：--address 与 --run-dir 只用于 --engine dask", file=sys.stderr)
        return 2
    try:
        result = build.build(args.corpus, args.store, workers=args.workers,
                             progress=not args.quiet, on_failure=report, wait=args.wait, on_wait=waiting,
                             engine=engine, refit_topics=args.refit_topics)
    except (FileNotFoundError, snapshot.StoreBusy) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        print("analysed 0, reused 0, failed 0")
        return 2
    except (OSError, duckdb.IOException) as exc:  # disk full, read-only disk: the live store is untouched
        print(f"错误：{write_failure(exc, args.store)}", file=sys.stderr)
        print("analysed 0, reused 0, failed 0")
        return 2
    except engine_errors as exc:  # the cluster cannot run the build: unreachable, other code, threads
        print(f"错误：{exc}。原有数据库没有改动。", file=sys.stderr)
        print("analysed 0, reused 0, failed 0")
        return 2
    if result.removed:
        print(f"已移除语料中不再存在的文档 {result.removed} 篇", file=sys.stderr)
    if result.skipped:
        print(f"已跳过在看板中移除的文档 {result.skipped} 篇", file=sys.stderr)
    _report_unapplied(args.store)
    print(result.summary())
    nothing = result.analysed == 0 and result.reused == 0 and result.failed > 0
    return 1 if nothing else 0


def _report_unapplied(store: Path) -> None:
    """HR corrections the new snapshot could not apply (their sentence is gone): said, never hidden."""
    from analysis.store import snapshot

    if not snapshot.exists(store):
        return
    with snapshot.read(store) as con:
        if not con.execute("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = 'corrections'").fetchone()[0]:
            return
        lost = con.execute("SELECT doc_id, idx, text, status FROM corrections WHERE COALESCE(status, '') <> '' "
                           "ORDER BY doc_id, idx").fetchall()
    for doc_id, idx, text, status in lost:
        print(f"人工纠正未能应用 {doc_id}#{idx}“{text}”：{status}", file=sys.stderr)


def document_json(a, include_sentences: bool = True) -> dict:
    """The `analyze` record: metadata, sizes, sentiment, themes, sections, placeholders, sentences."""
    doc, rows = a.document, a.sentences
    sections = {}
    for sec in SECTIONS:
        part = [r for r in rows if r["section"] == sec]
        if not part:
            continue
        labels = Counter(r["label"] for r in part)
        sections[sec] = {
            "sentences": len(part),
            "sentiment_mean": round(sum(r["sentiment"] for r in part) / len(part), 4),
            "pos_share": round(labels["pos"] / len(part), 4),
            "neg_share": round(labels["neg"] / len(part), 4),
            "themes": dict(Counter(t for r in part for t in r["themes"])),
        }
    from analysis.read.normalize import find_placeholders

    placeholders = [p for r in rows for p in find_placeholders(r["text_simplified"])]
    out = {
        "doc_id": doc["doc_id"],
        "source_file": doc["source_file"],
        **{k: doc[k] for k in ("employee", "department", "team", "role", "year")},
        "format": doc["file_format"],
        "encoding": doc["encoding"],
        "traditional": doc["traditional"],
        "chars": doc["chars"],
        "sentence_count": doc["sentences"],
        "sentiment": {"mean": doc["sentiment_mean"], "pos_share": doc["pos_share"], "neg_share": doc["neg_share"]},
        "themes": {t: doc[t] for t in THEMES},
        "sections": sections,
        "placeholders": {"count": doc["placeholders"], "items": dict(Counter(placeholders))},
    }
    if include_sentences:
        out["sentences"] = [
            {"text": r["text"], "section": r["section"], "sentiment": r["sentiment"], "label": r["label"],
             "themes": r["themes"]}
            for r in rows
        ]
    return out


def _cmd_analyze(args: argparse.Namespace) -> int:
    from analysis.pipeline import analyse_bytes
    from analysis.read import decode, ingest, metadata

    failed = 0
    for raw in args.paths:
        path = Path(raw)
        items: list = []
        if path.is_dir():
            items = list(ingest.iter_corpus(path))
        elif not path.is_file():
            items = [ingest.FileFailure(str(path), "文件不存在")]
        elif path.suffix.lower() == ".zip":
            items = [
                it if isinstance(it, ingest.FileFailure)
                else (it[0], it[1], metadata.meta_from_path(PurePosixPath(it[0])))
                for it in ingest.iter_zip(path.name, path.read_bytes())
            ]
        else:
            items = [(str(path), path.read_bytes(), metadata.meta_from_path(PurePosixPath(path.resolve().as_posix())))]
        for item in items:
            if isinstance(item, ingest.FileFailure):
                print(f"失败 {item.source_file}: {item.reason}", file=sys.stderr)
                failed += 1
                continue
            name, data, meta = item
            try:
                analysed = analyse_bytes(name, data, meta)
            except decode.IngestError as exc:
                print(f"失败 {name}: {exc}", file=sys.stderr)
                failed += 1
                continue
            record = document_json(analysed)
            if args.format == "json":
                print(json.dumps(record, ensure_ascii=False))
            else:
                _print_text(record)
    return 1 if failed and failed == len(args.paths) else 0


def _print_text(rec: dict) -> None:
    meta = " / ".join(str(rec[k]) for k in ("year", "department", "team", "employee") if rec[k])
    print(f"== {rec['source_file']}  {meta}")
    s = rec["sentiment"]
    print(f"   {rec['chars']} 字，{rec['sentence_count']} 句；情感均值 {s['mean']:.2f}，"
          f"正面 {s['pos_share']:.0%}，负面 {s['neg_share']:.0%}；占位符 {rec['placeholders']['count']} 处")
    themes = "，".join(f"{k} {v}" for k, v in rec["themes"].items() if v)
    print(f"   主题：{themes or '无'}")
    for sec, info in rec["sections"].items():
        print(f"   [{sec}] {info['sentences']} 句，情感 {info['sentiment_mean']:.2f}")


def _cmd_sentences(args: argparse.Namespace) -> int:
    from analysis.judge.sentiment import default_model
    from analysis.judge.themes import assign
    from analysis.read.normalize import to_simplified
    from analysis.text.segment import cut

    model = default_model()
    out = sys.stdout
    for line in sys.stdin:
        text = line.strip()
        if not text:
            continue
        simple = to_simplified(text)
        tokens = cut(simple)
        scored = model.score(simple, tokens)
        out.write(json.dumps({"text": text, "sentiment": scored.sentiment, "label": scored.label,
                              "themes": assign(simple, tokens=tokens)}, ensure_ascii=False) + "\n")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from analysis.access.scope import Filters
    from analysis.query import export
    from analysis.store import snapshot

    if not snapshot.exists(args.store):
        print(f"错误：找不到数据库 {args.store}，请先运行 python -m analysis build", file=sys.stderr)
        return 2
    years = (min(args.year), max(args.year)) if args.year else None
    filters = Filters(departments=tuple(args.department or ()), years=years)
    scattered = tuple(sorted(set(args.year))) if args.year and len(set(args.year)) > 1 else None
    try:
        if args.headers == "zh":  # what the dashboard hands an HR admin for the same filters
            import getpass

            from analysis.access.scope import full_access

            reader = full_access(getpass.getuser(), "命令行", local=False)
            book = export.handout(args.store, args.table, filters, reader, evidence_filters=filters,
                                  only_years=scattered)
            export.write_bytes(args.out, book.csv, book.xlsx)
            rows = book.rows
        else:
            frame = export.table(args.store, args.table, filters)
            if scattered and "year" in frame.columns:
                frame = frame[frame["year"].isin(scattered)]
            export.write(frame, args.out)
            rows = len(frame)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # disk full, no permission: a reason, not a traceback
        why = "磁盘空间不足" if exc.errno == errno.ENOSPC else f"写入失败（{exc.strerror or exc}）"
        print(f"错误：{why}，没有写出 {args.out}。", file=sys.stderr)
        return 2
    print(f"已导出 {rows} 行 → {args.out}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """A department's year as .pptx or .docx, as HR admin (the command line reads the whole store), with
    the reporting minimum of the users file's policy and a line in the audit log."""
    import getpass
    from dataclasses import replace

    from analysis.access import users
    from analysis.access.scope import full_access
    from analysis.report.content import ReportError, Scope
    from analysis.report.make import make
    from analysis.store import snapshot

    if not snapshot.exists(args.store):
        print(f"错误：找不到数据库 {args.store}，请先运行 python -m analysis build", file=sys.stderr)
        return 2
    fmt = args.out.suffix.lower().lstrip(".")
    try:
        policy = users.load(users.users_path()).policy
    except users.UsersFileError:
        policy = users.Policy()
    min_group = policy.min_group if args.min_group is None else args.min_group
    access = replace(full_access(user=getpass.getuser(), name="命令行", local=False), mask=args.mask)
    try:
        name, data = make(args.store, access, Scope(args.department, args.year, args.team or ""), fmt, min_group)
    except ReportError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"已生成报告 {args.out}（{len(data):,} 字节）")
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    """The 范文 library: add files, list, remove (each change re-runs the copy pass)."""
    from analysis.insight import library
    from analysis.store import snapshot

    try:
        if args.action == "list":
            if not snapshot.exists(args.store):
                raise library.LibraryError(f"找不到数据库 {args.store}，请先运行 python -m analysis build")
            table = library.templates(args.store)
            if table.empty:
                print("范文库是空的")
            for row in table.itertuples():
                print(f"{row.name}\t{row.chars} 字\t被抄 {row.copied_documents} 篇\t{row.added_at}\t{row.source}")
            return 0
        if args.action == "remove":
            for name in args.items:
                copied = library.remove_template(args.store, name)
                print(f"已移除范文“{name}”；现有 {copied} 篇文档被判为抄袭")
            return 0
        if args.name and len(args.items) > 1:
            raise library.LibraryError("--name 只能用于添加一个文件")
        for raw in args.items:
            path = Path(raw)
            if not path.is_file():
                raise library.LibraryError(f"{raw}：文件不存在")
            text = library.template_from_file(path.name, path.read_bytes())
            name = args.name or path.stem
            copied = library.add_template(args.store, name, text, source=path.name)
            print(f"已添加范文“{name}”；现有 {copied} 篇文档被判为抄袭")
    except (library.LibraryError, snapshot.StoreBusy) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from analysis.bench import run

    run(args.docs, workers=args.workers, repeat=args.repeat, memo=not args.no_memo, repeated=args.repeated,
        naive_docs=args.naive_docs)
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from analysis.judge.evaluate import calibrate

    print(calibrate(folds=args.folds))
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from analysis.judge.evaluate import evaluate_file, format_report

    report = evaluate_file(args.file)
    print(format_report(report))
    if args.record:
        from analysis.judge import quality

        entry = quality.entry(args.record, args.file, report)
        quality.record(entry, args.quality_file)
        print(f"已记录“{args.record}”到 {args.quality_file}"
              f"（{entry['measured']}，分析版本 {entry['analysis_version']}）")
    return 0


def _cmd_corrections(args: argparse.Namespace) -> int:
    """List HR's corrections, or export the corrected sentences as training data."""
    import pandas as pd

    from analysis.insight import corrections
    from analysis.store import snapshot

    if not snapshot.exists(args.store):
        print(f"找不到数据库：{args.store}", file=sys.stderr)
        return 1
    with snapshot.read(args.store) as con:
        has = con.execute("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = 'corrections'").fetchone()[0]
        rows = corrections.rows(con) if has else []
        training = corrections.training_rows(con) if has else None
    if args.action == "list":
        for c in rows:
            print(f"{c['created_at']}\t{c['name']}\t{c['doc_id']}#{c['idx']}\t{c['text']}\t"
                  f"{corrections.describe(c['label'] or None, c['themes'])}\t{c['status'] or '已应用'}")
        print(f"共 {len(rows)} 条纠正，未能应用 {sum(1 for c in rows if c['status'])} 条", file=sys.stderr)
        return 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = training if training is not None else pd.DataFrame(columns=list(corrections.TRAINING_COLUMNS))
    frame.to_csv(out, sep="\t", index=False, quoting=3, lineterminator="\n")  # csv.QUOTE_NONE, as the trainer reads
    print(f"已导出 {len(frame)} 句纠正后的句子到 {out}")
    return 0


def _read_password(confirm: bool = True) -> str:
    """From a prompt when a person is typing, else the first line of standard input (scripts)."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("密码：")
        if confirm and getpass.getpass("再输入一次：") != first:
            raise ValueError("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _check_departments(departments, store: Path) -> None:
    """A department head's departments must be ones the store knows: a typo (销售 for 销售部) would give
    a user who sees nothing, silently. Without a store yet (users set up before the first build) the
    names cannot be checked; that is said, not refused."""
    from analysis.query.documents import options
    from analysis.store import snapshot

    if not departments:
        return
    if not snapshot.exists(store):
        print(f"提示：找不到数据库 {store}，没有核对部门名称（构建后可用 --replace 重新添加以核对）", file=sys.stderr)
        return
    known = options(store)["department"]
    unknown = [d for d in departments if d not in known]
    if unknown:
        raise ValueError(f"数据库中没有部门“{'”“'.join(unknown)}”。已知的部门：{'、'.join(known) or '（无）'}"
                         f"（数据库 {store}；用 --store 指定另一个）")


def _cmd_users(args: argparse.Namespace) -> int:
    """Maintain the dashboard's users file (analysis/access/users.py); passwords never on the command line."""
    from analysis.access import users

    path = args.users or users.users_path()
    try:
        if args.action == "add":
            if args.role == "dept_head":
                _check_departments(args.departments or (), args.store)
            password = None if args.oidc_only else _read_password()
            user = users.add_user(args.username, password, args.role, tuple(args.departments or ()),
                                  name=args.name or "", email=args.email or "", path=path,
                                  replace_existing=args.replace)
            scope = "、".join(user.departments) if user.departments else "全部部门"
            print(f"已{'更新' if args.replace else '添加'}用户 {user.username}（{user.role}，{scope}）→ {path}")
        elif args.action == "remove":
            users.remove_user(args.username, path)
            print(f"已删除用户 {args.username}")
        elif args.action == "list":
            config = users.load(path)
            if not config.configured:
                print(f"没有用户（{path}）：看板以本机单用户模式运行，只监听 127.0.0.1")
            for u in config.users.values():
                print(f"{u.username}\t{u.name}\t{u.role}\t{'、'.join(u.departments) or '全部部门'}\t{u.email}")
        elif args.action == "address":
            # what `make run` binds to: every interface only once logins are required
            print("0.0.0.0" if users.load(path).configured else "127.0.0.1")
    except (users.UsersFileError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


STORE_HELP = "数据库文件（默认 data/insights.duckdb）"


def parser() -> argparse.ArgumentParser:
    p = ZhArgumentParser(prog="python -m analysis", description="年终洞察 · 年终总结分析引擎")
    sub = p.add_subparsers(dest="command", required=True, title="命令", metavar="命令")

    b = sub.add_parser("build", help="分析语料文件夹中的全部总结，写入数据库（增量）")
    b.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="语料文件夹（默认 corpus/）")
    b.add_argument("--store", type=Path, default=DEFAULT_STORE, help=STORE_HELP)
    b.add_argument("--workers", type=int, default=None,
                   help="并行进程数（默认：CPU 核数）；--engine dask 不带 --address 时为本机集群的工作进程数")
    b.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="在哪里分析：local 本机进程池（默认）；dask 在 Dask 集群上（见 docs/scale.md）")
    b.add_argument("--address", default=None, metavar="tcp://主机:端口",
                   help="Dask 调度器地址；不给则在本机启动 --workers 个工作进程的集群（只监听 127.0.0.1）")
    b.add_argument("--run-dir", type=Path, default=None, metavar="文件夹",
                   help="Dask 工作进程写 Parquet 的文件夹（远程集群须为共享路径；给出则保留，默认在库旁、用完删除）")
    b.add_argument("--refit-topics", action="store_true",
                   help="重新拟合主题模型并重新统计共现网络（默认：新增文档不足一成时沿用已存模型，只为新文档计算主题；网络只加减变化的文档）")
    b.add_argument("--quiet", action="store_true", help="不显示进度条")
    b.add_argument("--wait", type=float, default=300, metavar="秒数",
                   help="另一个写入正在进行时最多等待的秒数（默认 300；0 表示立即放弃）")
    b.set_defaults(func=_cmd_build)

    a = sub.add_parser("analyze", help="分析文件但不入库，逐篇输出结果")
    a.add_argument("paths", nargs="+", metavar="文件", help="总结文件、文件夹或 .zip")
    a.add_argument("--format", choices=("text", "json"), default="text",
                   help="text：可读摘要（默认）；json：每篇一行 JSON")
    a.set_defaults(func=_cmd_analyze)

    s = sub.add_parser("sentences", help="从标准输入逐行读取句子，输出 JSON 行")
    s.set_defaults(func=_cmd_sentences)

    e = sub.add_parser("export", help="导出表格（CSV 或 Excel）")
    e.add_argument("--table", choices=EXPORT_TABLES, required=True, help="文档、分组、主题或关键词表")
    e.add_argument("--out", type=Path, required=True, help="文件.csv 或 文件.xlsx")
    e.add_argument("--store", type=Path, default=DEFAULT_STORE, help=STORE_HELP)
    e.add_argument("--department", action="append", help="只导出这个部门（可重复）")
    e.add_argument("--year", action="append", type=int, help="只导出这一年（可重复）")
    e.add_argument("--headers", choices=("en", "zh"), default="en",
                   help="en（默认）：脚本使用的英文列名与原始数值；zh：与看板下载完全相同的文件"
                        "（中文列名、百分数，Excel 带“说明”页、证据句与格式）")
    e.set_defaults(func=_cmd_export)

    r = sub.add_parser("report", help="生成一个部门一年的报告（PowerPoint 或 Word），与上一年对比")
    r.add_argument("--department", required=True, help="部门")
    r.add_argument("--year", type=int, required=True, help="年份（与上一年对比）")
    r.add_argument("--team", default="", help="只看这个班组（可选）")
    r.add_argument("--store", type=Path, default=DEFAULT_STORE, help=STORE_HELP)
    r.add_argument("--out", type=Path, required=True, help="文件.pptx 或 文件.docx")
    r.add_argument("--min-group", type=int, default=None,
                   help="最小报告人数（默认取用户文件 [policy] 的 min_group，没有用户文件时为 5）")
    r.add_argument("--mask", action="store_true", help="把句子中的电话、身份证号、邮箱、银行卡号脱敏")
    r.set_defaults(func=_cmd_report)

    t = sub.add_parser("template", help="范文库：添加（文件）、列出、移除；每次改动都会重新检测抄袭")
    t.add_argument("action", choices=("add", "list", "remove"), help="add 添加、list 列出、remove 移除")
    t.add_argument("items", nargs="*", metavar="文件或名称", help="add：范文文件；remove：范文名称")
    t.add_argument("--name", help="范文名称（默认用文件名）")
    t.add_argument("--store", type=Path, default=DEFAULT_STORE, help=STORE_HELP)
    t.set_defaults(func=_cmd_template)

    n = sub.add_parser("bench", help="生成每句唯一的语料，比较完整构建与纯 jieba、rjieba、朴素流程的耗时")
    n.add_argument("--docs", type=int, default=2000, help="生成的总结篇数（默认 2000）")
    n.add_argument("--workers", type=int, default=None, help="并行进程数（默认：CPU 核数）")
    n.add_argument("--repeat", type=int, default=3, help="重复次数（报告中位数，默认 3）")
    n.add_argument("--no-memo", action="store_true", help="关闭句子记忆（每句都重新分析）")
    n.add_argument("--repeated", action="store_true", help="保留生成器中重复出现的句子（默认每句唯一）")
    n.add_argument("--naive-docs", type=int, default=100, help="朴素流程计时用的文档数（按字数折算到全部，默认 100）")
    n.set_defaults(func=_cmd_bench)

    u = sub.add_parser("users", help="管理看板用户（密码从提示或标准输入读取，以 bcrypt 散列保存）")
    u.add_argument("action", choices=("add", "remove", "list", "address"),
                   help="add 添加、remove 删除、list 列出、address 看板应监听的地址")
    u.add_argument("username", nargs="?", metavar="用户名")
    u.add_argument("--role", choices=ROLES, default="viewer",
                   help="hr_admin HR 管理员、dept_head 部门负责人、viewer 只读（默认）")
    u.add_argument("--departments", nargs="+", help="部门负责人可以查看的部门")
    u.add_argument("--name", help="显示名")
    u.add_argument("--email", help="OIDC 单点登录时对应的邮箱")
    u.add_argument("--oidc-only", action="store_true", help="不设密码，只能通过 OIDC 单点登录")
    u.add_argument("--replace", action="store_true", help="覆盖已有用户")
    u.add_argument("--users", type=Path, default=None, help="用户文件（默认 $YEAREND_USERS 或 .streamlit/users.toml）")
    u.add_argument("--store", type=Path, default=DEFAULT_STORE,
                   help="核对 --departments 所用的数据库（默认 data/insights.duckdb）")
    u.set_defaults(func=_cmd_users)

    v = sub.add_parser("evaluate", help="在标注句子上测量情感准确率与主题 P/R/F1")
    labelled = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled_sentences.tsv"
    v.add_argument("file", type=Path, nargs="?", default=labelled, metavar="标注文件",
                   help="列为 label、themes、text 的 TSV（默认 tests/data/labelled_sentences.tsv）")
    v.add_argument("--record", metavar="NAME", default=None,
                   help="把结果记入 analysis/data/quality.json 的 NAME 条目（看板“方法与准确度”页读它）")
    v.add_argument("--quality-file", type=Path, default=None, help=argparse.SUPPRESS)
    v.set_defaults(func=_cmd_evaluate)
    r = sub.add_parser("corrections", help="HR 对句子情感/主题的纠正：列出，或导出为训练句（TSV）")
    r.add_argument("action", choices=["list", "export"], help="list 列出、export 导出为训练句")
    r.add_argument("--store", type=Path, default=DEFAULT_STORE, help=STORE_HELP)
    r.add_argument("--out", type=Path, default=None,
                   help="export 的输出文件，例如 analysis/data/sentiment_train_corrections.tsv（训练时自动读入）")
    r.set_defaults(func=_cmd_corrections)
    c = sub.add_parser("calibrate", help="在训练句上交叉验证，选择情感的组合权重与阈值")
    c.add_argument("--folds", type=int, default=5, help="交叉验证的折数（默认 5）")
    c.set_defaults(func=_cmd_calibrate)
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.command == "users" and args.action in ("add", "remove") and not args.username:
        p.error(f"users {args.action} 需要用户名")
    if args.command == "corrections" and args.action == "export" and not args.out:
        p.error("corrections export 需要 --out 文件")
    if args.command == "evaluate" and args.quality_file is None:
        from analysis.judge.quality import QUALITY_FILE

        args.quality_file = QUALITY_FILE
    return args.func(args)
