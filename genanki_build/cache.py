"""The parse cache, and parsing many files on all cores.

Parsing a file, and running the per-card stages at the head of the pipeline on its cards
(:class:`~genanki_build.parsing.Head`: also the summary of its cards for the next stage and the
results of the per-card stage after that), is a pure function of the file's bytes, its path,
``deck.toml``, one build option and the code, so its result can be kept between builds.
:class:`ParseCache` keeps one entry per source file under ``<out>/.cache/parse/``, named by a hash
of everything the result depends on:

- the file's path and the SHA-256 of its bytes;
- the whole ``deck.toml`` as parsed (any change re-parses every file, which is rare and safe);
- the names of the registered input formats, in order;
- the names of those stages and ``--include-incomplete``;
- the genanki-build version, a fingerprint of its own source code and the versions of the libraries
  it depends on, so an upgrade (or an edit while developing) never reads a stale entry.

An entry holds the cards and findings column by column (:mod:`genanki_build.columns`): a build
that finds every file in the cache spends its time reading, not rebuilding objects one by one. An
entry is written atomically (a temporary file renamed into place). One that cannot be read
(truncated, corrupted, from another Python) counts as a miss and is replaced. Entries no build used
are pruned after each build. Deleting ``.cache`` is always safe: the next build parses everything.

:func:`parse_all` parses the files the cache does not have, in a pool of worker processes when there
are at least :data:`POOL_MIN_FILES` of them holding at least :data:`POOL_MIN_BYTES` bytes (below that,
starting the workers costs more than it saves), and returns results in the order of the files.
Workers send back each result already encoded as a cache entry, which is both what the parent keeps
and the cheapest form to send between processes.
"""

from __future__ import annotations

import copyreg
import dataclasses
import hashlib
import operator
import os
import pickle
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from genanki_build import __version__, columns

if TYPE_CHECKING:
    from genanki_build.config import Config
    from genanki_build.formats.base import Registry
    from genanki_build.parsing import FileResult, Head
    from genanki_build.sources import SourceFile

#: The cache folder, inside the output folder.
CACHE_DIR = ".cache"
#: Bumped when the layout of an entry changes.
_LAYOUT = 5
#: Use worker processes only for at least this many files to parse ...
POOL_MIN_FILES = 8
#: ... holding at least this many bytes together.
POOL_MIN_BYTES = 1_000_000
#: Worker processes, at most.
POOL_MAX_WORKERS = 2

#: ``progress(phase, done, total)``: how many of ``total`` units of ``phase`` are done.
Progress = Callable[[str, int, int], None]


def _mappingproxy(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


def _reduce_mappingproxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    # Rebuilt by a function pickle can name (it cannot name the ``mappingproxy`` class itself).
    return _mappingproxy, (dict(proxy),)


# Config holds read-only mappings; teach pickle to send them to worker processes as plain dicts.
copyreg.pickle(MappingProxyType, _reduce_mappingproxy)


def _fast_pickling(cls: type) -> None:
    """Pickle instances of the frozen dataclass ``cls`` as a call ``cls(*fields)``.

    The default for frozen, slotted dataclasses goes through Python-level ``__getstate__`` and
    ``__setstate__`` and is 2-3 times slower; this matters for a cache holding 100,000 cards and
    for the results parse workers send back.
    """
    fields = dataclasses.fields(cls)
    if not fields or any(not f.init for f in fields):
        return
    get = operator.attrgetter(*(f.name for f in fields))
    if len(fields) == 1:
        copyreg.pickle(cls, lambda obj: (cls, (get(obj),)))
    else:
        copyreg.pickle(cls, lambda obj: (cls, get(obj)))


def _register_fast_pickling() -> None:
    from genanki_build.model import Card, Finding, ParseResult, SourceRef
    from genanki_build.parsing import FileReport

    for cls in (SourceRef, Finding, Card, ParseResult, FileReport):
        _fast_pickling(cls)


def _dependency_versions() -> list[str]:
    """``name==version`` for each library genanki-build depends on (ftfy's repairs and the spelling
    dictionary shape the head stages' results), as installed."""
    from importlib import metadata

    try:
        required = metadata.requires("genanki-build") or []
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return []
    pins: list[str] = []
    for requirement in required:
        if "extra ==" in requirement:
            continue
        name = re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0]
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pins.append(f"{name}==?")
    return sorted(pins)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the version, of the package's own source and data, and of the libraries' versions:
    an upgrade, or an edit while developing, invalidates the cache."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in {".py", ".txt"}):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update("\n".join(_dependency_versions()).encode())
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    """``value`` as plain, ordered data: sets and mappings sorted (their ``repr`` order varies
    from one process to the next with string hashing)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            type(value).__name__,
            *(_canonical(getattr(value, f.name)) for f in dataclasses.fields(value)),
        ]
    if isinstance(value, Mapping):
        return sorted(([repr(k), _canonical(v)] for k, v in value.items()), key=repr)
    if isinstance(value, set | frozenset):
        return sorted(repr(_canonical(v)) for v in value)
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return repr(value)


def _config_key(config: Config, registry_names: Sequence[str], head: Head | None) -> str:
    settings = repr(_canonical(config))
    digest = hashlib.sha256(f"{_LAYOUT}\x1f{code_fingerprint()}\x1f{settings}".encode())
    digest.update("\x1f".join(registry_names).encode())
    if head is not None:
        digest.update(
            f"\x00{','.join(head.names)}\x1f{head.include_incomplete}\x1f{head.then}\x1f{head.ahead}".encode()
        )
    return digest.hexdigest()


def encode(value: FileResult) -> bytes:
    """``value`` as the bytes of a cache entry (the head stages' timings are not kept)."""
    parsed = value.parsed
    found = [f for stage_findings in value.findings for f in stage_findings]
    entry = (
        _LAYOUT,
        value.report,
        parsed.title,
        columns.encode(parsed.cards),
        columns.encode(parsed.findings),
        tuple(map(len, value.findings)),
        columns.encode(found),
        value.summary,
        tuple(i for i, _ in value.ahead),
        columns.encode([card for _, card in value.ahead]),
        parsed.unreadable_media,
    )
    return pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)


def decode(data: bytes) -> FileResult:
    """The value of the cache entry ``data``; raises ValueError (or whatever unpickling raises)
    for an entry that is not one of this layout."""
    from genanki_build.model import Card, Finding, ParseResult
    from genanki_build.parsing import FileReport, FileResult

    entry = pickle.loads(data)
    if not isinstance(entry, tuple) or len(entry) != 11 or entry[0] != _LAYOUT:
        raise ValueError("not a parse cache entry of this layout")
    _, report, title, card_columns, finding_columns, counts, found_columns, summary = entry[:8]
    ahead_at, ahead_columns, unreadable = entry[8:]
    if (
        not isinstance(report, FileReport)
        or not isinstance(title, str)
        or any(c is not None and c[0] is not Card for c in (card_columns, ahead_columns))
        or any(c is not None and c[0] is not Finding for c in (finding_columns, found_columns))
        or not isinstance(counts, tuple)
        or not isinstance(unreadable, tuple)
    ):
        raise ValueError("not a parse cache entry of this layout")
    cards = tuple(columns.decode(card_columns))
    findings = tuple(columns.decode(finding_columns))
    found = columns.decode(found_columns)
    ahead = tuple(zip(ahead_at, columns.decode(ahead_columns), strict=True))
    if sum(counts) != len(found):
        raise ValueError("not a parse cache entry of this layout")
    by_stage, start = [], 0
    for count in counts:
        by_stage.append(tuple(found[start : start + count]))
        start += count
    parsed = ParseResult(cards, findings, title, unreadable)
    return FileResult(parsed, report, tuple(by_stage), (), summary, ahead)


class ParseCache:
    """Parse results kept between builds, by file content and everything else they depend on."""

    def __init__(
        self, out_dir: Path, config: Config, registry_names: Sequence[str], head: Head | None = None
    ) -> None:
        _register_fast_pickling()
        self.folder = out_dir / CACHE_DIR / "parse"
        self._config_key = _config_key(config, registry_names, head)
        self._used: set[str] = set()
        self._folder_made = False
        self.hits = 0
        self.misses = 0

    def key(self, source: SourceFile) -> str:
        """The entry name for one file."""
        digest = hashlib.sha256(self._config_key.encode())
        digest.update(source.path.encode("utf-8", "surrogateescape"))
        digest.update(b"\x00")
        digest.update(hashlib.sha256(source.data).digest())
        return digest.hexdigest()

    def get(self, source: SourceFile) -> FileResult | None:
        """The cached result for ``source``, or None (a missing or unreadable entry is a miss)."""
        name = self.key(source)
        self._used.add(name)
        path = self.folder / name
        try:
            with open(path, "rb") as fh:
                value = decode(fh.read())
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:
            # Truncated, corrupted or written by an incompatible version: parse again.
            self.misses += 1
            path.unlink(missing_ok=True)
            return None
        self.hits += 1
        return value

    def put_encoded(self, source: SourceFile, data: bytes) -> None:
        """Keep ``data`` (a value as :func:`encode` gives it) for ``source``; a cache that cannot be
        written is silently skipped."""
        name = self.key(source)
        self._used.add(name)
        try:
            if not self._folder_made:  # once per build, not once per entry
                self.folder.mkdir(parents=True, exist_ok=True)
                self._folder_made = True
            fd, tmp = tempfile.mkstemp(prefix=f".{name[:16]}.", suffix=".tmp", dir=self.folder)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.folder / name)
        except OSError:
            Path(tmp).unlink(missing_ok=True)

    def prune(self) -> int:
        """Delete entries (and stray temporaries) this build did not use; how many were deleted."""
        deleted = 0
        try:
            names = os.listdir(self.folder)
        except OSError:
            return 0
        for name in names:
            if name not in self._used:
                try:
                    os.unlink(self.folder / name)
                    deleted += 1
                except OSError:
                    pass
        return deleted


# State of a worker process, set once by _init_worker.
_worker_config: Config | None = None
_worker_registry: Registry | None = None
_worker_head: Head | None = None


def _init_worker(config: Config, registry: Registry, head: Head) -> None:
    global _worker_config, _worker_registry, _worker_head
    _register_fast_pickling()
    _worker_config, _worker_registry, _worker_head = config, registry, head


def _parse_in_worker(source: SourceFile) -> bytes:
    from genanki_build.parsing import prepare_file

    assert _worker_config is not None and _worker_registry is not None and _worker_head is not None
    value = prepare_file(source, _worker_config, _worker_registry, _worker_head)
    # The timings travel beside the entry, which does not keep them.
    return pickle.dumps((encode(value), value.seconds), protocol=pickle.HIGHEST_PROTOCOL)


def _use_pool(todo: Sequence[SourceFile]) -> bool:
    return (
        len(todo) >= POOL_MIN_FILES
        and sum(len(s.data) for s in todo) >= POOL_MIN_BYTES
        and (os.cpu_count() or 1) > 1
    )


def _parse_many(
    todo: Sequence[SourceFile], config: Config, registry: Registry, head: Head, pool: bool
) -> Iterator[tuple[int, FileResult, bytes | None]]:
    """Each file's index in ``todo``, its result, and its cache entry when a worker made one."""
    from genanki_build.parsing import prepare_file

    if not pool:
        for k, source in enumerate(todo):
            yield k, prepare_file(source, config, registry, head), None
        return
    workers = min(POOL_MAX_WORKERS, os.cpu_count() or 1)
    # Largest files first and small chunks, so no worker is left with a big file at the end;
    # results travel as bytes, so a chunk costs little to send.
    order = sorted(range(len(todo)), key=lambda k: -len(todo[k].data))
    chunk = max(1, len(todo) // (workers * 32))
    initargs = (config, registry, head)
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=initargs) as ex:
        sent = ex.map(_parse_in_worker, [todo[k] for k in order], chunksize=chunk)
        for k, message in zip(order, sent, strict=True):
            data, seconds = pickle.loads(message)
            yield k, dataclasses.replace(decode(data), seconds=seconds), data


def parse_all(
    files: Sequence[SourceFile],
    config: Config,
    registry: Registry,
    *,
    cache: ParseCache | None = None,
    progress: Progress | None = None,
    pool: bool | None = None,
    head: Head | None = None,
) -> list[FileResult]:
    """Every file parsed and its ``head`` stages run (from ``cache`` where it can be), in the order
    of ``files``. ``cache`` must have been made with the same ``head``.

    ``pool`` forces worker processes on or off; by default they are used for many large misses.
    Workers parse exactly as this process would: results are identical either way.
    """
    from genanki_build.parsing import Head

    head = head or Head()
    results: list[FileResult | None] = [None] * len(files)
    todo: list[int] = []
    for i, source in enumerate(files):
        hit = cache.get(source) if cache is not None else None
        if hit is None:
            todo.append(i)
        else:
            results[i] = hit
    done = len(files) - len(todo)
    if progress is not None:
        progress("parse", done, len(files))
    missing = [files[i] for i in todo]
    use_pool = _use_pool(missing) if pool is None else pool
    for k, value, data in _parse_many(missing, config, registry, head, use_pool):
        i = todo[k]
        results[i] = value
        if cache is not None:
            cache.put_encoded(files[i], data if data is not None else encode(value))
        done += 1
        if progress is not None:
            progress("parse", done, len(files))
    if cache is not None:
        cache.prune()
    return [r for r in results if r is not None]
