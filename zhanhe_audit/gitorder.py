"""The freeze before the seed, proved by git (draw protocol v1, "Freeze").

The draw refuses to run, writing nothing, unless git proves the order: the quarter's
registers, its params without the seed and its freeze record committed (the freeze
commit), the seed added in a later commit (the seed commit), and none of them changed
since. A demo quarter may be drawn without that proof; its pages and verification then
say that the order is unproved, and why.

The proof is archived as ``draw/git-order.json`` (``Order``): both commits with their time
and author, or the reason there is none. ``make verify`` finds the two commits again in
git history and compares; a browser cannot read git, so the page shows the archived
commits and says so.

The commits are found from the bytes being drawn (or the archive's copies of them), as git
sees them (``git hash-object``; ``_OnDisk``): the freeze commit is the first commit holding this freeze
record, these registers and params without a seed whose digest is the frozen one; the
seed commit is the first commit of the params holding this seed. When the order does not
hold, ``OrderUnproved`` says what is wrong and which commands, run in order, give a proof.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from .errors import DrawRefused, ParamsError, Problem
from .hashing import file_digest
from .params import digest_without_seed
from .paths import freeze_name, params_name
from .seed import normalise_seed

FORMAT = "zhanhe-git-order-1"


class OrderUnproved(DrawRefused):
    """The draw of a quarter that is not a demo, refused because git does not prove the freeze came first:
    ``problem`` says what is wrong, ``commands`` what to run, in order, for a proof."""

    def __init__(self, quarter: str, problem: str, commands: Sequence[str]):
        self.quarter, self.problem, self.commands = quarter, problem, list(commands)
        listed = "\n".join(f"  {number}. {command}" for number, command in enumerate(self.commands, start=1))
        super().__init__(f"the draw of {quarter} is refused: git does not prove that the freeze came before the seed "
                         f"(protocol v1, 'Freeze'). {problem}\nNothing was written. Run, in order:\n{listed}")


@dataclass(frozen=True)
class Commit:
    commit: str  # the full commit id
    time: str  # the committer's time, ISO 8601 (git's %cI)
    author: str  # the author's name (git's %an)

    @property
    def short(self) -> str:
        return self.commit[:10]


@dataclass(frozen=True)
class Order:
    """``draw/git-order.json``: the two commits, or why the order is unproved (a demo drawn outside git)."""

    freeze: Commit | None
    seed: Commit | None
    reason: str = ""  # why it is unproved; empty when proved

    @property
    def proved(self) -> bool:
        return self.freeze is not None and self.seed is not None

    def to_json(self) -> str:
        data = {"format": FORMAT, "proved": self.proved,
                "freeze_commit": asdict(self.freeze) if self.freeze else None,
                "seed_commit": asdict(self.seed) if self.seed else None, "reason": self.reason}
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Order:
        data = json.loads(text)
        commits = [Commit(**data[key]) if data.get(key) else None for key in ("freeze_commit", "seed_commit")]
        return cls(commits[0], commits[1], str(data.get("reason", "")))


@dataclass(frozen=True)
class Quarter:
    """What the order is about: the quarter's project paths (relative to the project root) and the files
    holding the bytes to prove (the project's own when drawing, the archive's copies when verifying)."""

    name: str
    registers: tuple[str, ...]  # the register paths the freeze record names
    files: dict[str, Path]  # project path -> the file with its bytes
    params_digest: str  # SHA-256 of the params without the seed, as frozen
    seed: str  # the normalised seed

    @property
    def params(self) -> str:
        return params_name(self.name)

    @property
    def freeze(self) -> str:
        return freeze_name(self.name)

    @property
    def paths(self) -> tuple[str, ...]:
        return (*self.registers, self.params, self.freeze)


class _Git:
    """git in a project folder (which may be a subfolder of the repository)."""

    def __init__(self, root: Path):
        self.root = root

    def __call__(self, *args: str, stdin: bytes | None = None) -> str:
        return subprocess.run(["git", *args], cwd=self.root, input=stdin, capture_output=True, check=True
                              ).stdout.decode("utf-8", errors="replace")

    def ok(self, *args: str) -> bool:
        try:
            self(*args)
        except subprocess.CalledProcessError:
            return False
        return True

    def blob(self, commit: str, path: str) -> str | None:
        """The blob id of ``path`` as of ``commit``, or None where it is absent."""
        try:
            return self("rev-parse", "--verify", "--quiet", f"{commit}:./{path}").strip() or None
        except subprocess.CalledProcessError:
            return None

    def text(self, commit: str, path: str) -> str:
        try:
            return self("show", f"{commit}:./{path}")
        except subprocess.CalledProcessError:
            return ""

    def commits(self, *paths: str) -> list[str]:
        """The commits that changed any of ``paths``, oldest first (on the history of HEAD)."""
        return self("log", "--reverse", "--format=%H", "--", *(f"./{path}" for path in paths)).split()

    def commit(self, commit: str) -> Commit:
        found, time, author = self("show", "-s", "--format=%H%x00%cI%x00%an", commit).strip().split("\x00")
        return Commit(found, time, author)

    def before(self, earlier: str, later: str) -> bool:
        """Whether ``earlier`` is a strict ancestor of ``later``."""
        return earlier != later and self.ok("merge-base", "--is-ancestor", earlier, later)


def _params_at(git: _Git, commit: str, path: str) -> dict | None:
    try:
        data = yaml.safe_load(git.text(commit, path))
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def _seed_of(data: dict | None) -> str | None:
    seed = data.get("seed") if data else None
    value = seed.get("value") if isinstance(seed, dict) else None
    return normalise_seed(value) if isinstance(value, str) else None


def object_id(file: Path) -> str:
    """The id git gives ``file``'s bytes as they are, with no filter: SHA-1 of the object header
    (``blob <size>`` and a NUL) and the bytes, as ``git hash-object --no-filters`` computes it."""
    return file_digest(file, hashlib.sha1(b"blob %d\0" % file.stat().st_size))


class _OnDisk:
    """The bytes to prove, each compared with a blob that git history holds as ``git hash-object --path`` sees it.

    First by ``object_id``: equal ids mean the same bytes. Only where they differ is git asked
    (``hash-object --path``: filters and line endings applied, or a repository of SHA-256 ids), so a difference is
    always git's own. git's hash-object takes about 35 s on a register of 10,000,000 entities (1.3 GB) here,
    hashlib about 1 s (docs/measured.md)."""

    def __init__(self, git: _Git, files: dict[str, Path]):
        self.git, self.files = git, files
        self.quick: dict[str, str] = {}
        self.exact: dict[str, str] = {}

    def committed_as(self, path: str, blob: str | None) -> bool:
        """Whether ``path``'s bytes on disk are ``blob`` (None: absent from the commit)."""
        file = self.files[path]
        if blob is None or not file.is_file():
            return False
        if path not in self.quick:
            self.quick[path] = object_id(file)
        if self.quick[path] == blob:
            return True
        if path not in self.exact:
            self.exact[path] = self.git("hash-object", f"--path={path}", str(file)).strip()
        return self.exact[path] == blob


@dataclass(frozen=True)
class _Found:
    freeze: str | None  # the freeze commit
    seed: str | None  # the seed commit
    together: str | None  # a commit holding the freeze record with params that already hold the seed
    on_disk: _OnDisk  # the bytes to prove


def _find(git: _Git, quarter: Quarter) -> _Found:
    on_disk = _OnDisk(git, quarter.files)
    freeze_commit = together = None
    for commit in git.commits(quarter.freeze, quarter.params):  # the first commit holding both as they must be
        if not on_disk.committed_as(quarter.freeze, git.blob(commit, quarter.freeze)):
            continue
        data = _params_at(git, commit, quarter.params)
        if data is None:
            continue
        if _seed_of(data) is not None:
            together = together or commit
        elif digest_without_seed(data) == quarter.params_digest:
            freeze_commit = commit
            break
    seed_commit = next((commit for commit in git.commits(quarter.params)
                        if _seed_of(_params_at(git, commit, quarter.params)) == quarter.seed), None)
    return _Found(freeze_commit, seed_commit, together, on_disk)


# --- what goes wrong, in words and commands ------------------------------------------------------------------------


def _quoted(paths: Sequence[str]) -> str:
    return " ".join(shlex.quote(path) for path in paths)


def steps(quarter: Quarter, first: Sequence[str] = ()) -> list[str]:
    """The commands that give a proof, after ``first``: the freeze commit (registers, freeze record and the params
    staged without the seed), then the seed commit, then the draw."""
    name = quarter.name
    return [*first,
            f"git add {_quoted([*quarter.registers, quarter.freeze])}",
            f".venv/bin/zhanhe-audit stage-without-seed {name}      # stages {quarter.params} as it was frozen, "
            "without its seed; the file keeps it",
            f'git commit -m "{name}: registers, params and freeze record, before the seed"',
            f"git add {shlex.quote(quarter.params)}",
            f'git commit -m "{name}: the seed"',
            f"make draw QUARTER={name}"]


def _undo(git: _Git, commit: Commit, what: str) -> str:
    """The command that undoes ``commit`` and the ones after it, keeping their files (to commit them again in order)."""
    later = "" if git("rev-parse", "HEAD").strip() == commit.commit else " and the ones after it"
    keep = f"      # undoes {what}{later}, keeping the files; only if none of it was pushed or shared"
    if git.ok("rev-parse", "--verify", "--quiet", f"{commit.commit}~1"):
        return f"git reset --soft {commit.short}~1{keep}"
    return f"git update-ref -d HEAD{keep} (it was the first commit)"


def _changed(git: _Git, quarter: Quarter, found: _Found, since: str, paths: Sequence[str]) -> list[str]:
    return [path for path in paths if not found.on_disk.committed_as(path, git.blob(since, path))]


def _check(git: _Git, quarter: Quarter, found: _Found) -> tuple[str, str]:
    """(freeze commit, seed commit) of a proof, or ``OrderUnproved`` naming what is wrong."""
    if found.freeze is None:
        if found.together is not None:
            commit = git.commit(found.together)
            first = [_undo(git, commit, "that commit")]
            raise OrderUnproved(quarter.name, f"The freeze record {quarter.freeze} was committed in {commit.short} "
                         f"({commit.time}) "
                         "together with the seed, or after it: git cannot show that the registers were frozen before "
                         "the seed was known.", steps(quarter, first))
        raise OrderUnproved(quarter.name, f"No commit holds {quarter.freeze} as it is now together with "
                     f"{quarter.params} without "
                     "a seed: the freeze was never committed before the seed.", steps(quarter))
    if found.seed is None:
        raise OrderUnproved(quarter.name, f"The freeze is committed ({git.commit(found.freeze).short}), "
                     f"but no commit of {quarter.params} holds the seed.",
                     [f"git add {shlex.quote(quarter.params)}", f'git commit -m "{quarter.name}: the seed"',
                      f"make draw QUARTER={quarter.name}"])
    if not git.before(found.freeze, found.seed):
        freeze, seed = git.commit(found.freeze), git.commit(found.seed)
        raise OrderUnproved(quarter.name, f"The seed was first committed in {seed.short} ({seed.time}), "
                     f"which does not come after the freeze commit {freeze.short} ({freeze.time}).",
                     steps(quarter, [_undo(git, seed, "the seed's commit")]))
    changed = _changed(git, quarter, found, found.freeze, [*quarter.registers, quarter.freeze])
    if changed:
        commit = git.commit(found.freeze)
        committed = [path for path in changed if git.blob("HEAD", path) != git.blob(found.freeze, path)]
        raise OrderUnproved(quarter.name, f"{', '.join(changed)} differ(s) from the freeze commit {commit.short}: the "
                            "draw uses the registers as they were frozen.",
                            [f"git checkout {commit.short} -- {_quoted(changed)}",
                             *([f'git commit -m "{quarter.name}: the registers as frozen"'] if committed else []),
                             f"make draw QUARTER={quarter.name}"])
    if _changed(git, quarter, found, found.seed, [quarter.params]):
        commit = git.commit(found.seed)
        again = git.blob("HEAD", quarter.params) != git.blob(found.seed, quarter.params)
        raise OrderUnproved(quarter.name, f"{quarter.params} differs from the seed commit {commit.short}: once the "
                            "seed is committed, the params (its provenance too) do not change.",
                            [f"git checkout {commit.short} -- {shlex.quote(quarter.params)}",
                             *([f'git commit -m "{quarter.name}: the params as the seed was committed"']
                               if again else []), f"make draw QUARTER={quarter.name}"])
    return found.freeze, found.seed


def _repository(root: Path) -> _Git | None:
    git = _Git(root)
    try:
        git("rev-parse", "--git-dir")
        git("rev-parse", "--verify", "--quiet", "HEAD")
    except (OSError, subprocess.CalledProcessError):
        return None
    return git


def prove_for_draw(root: Path, quarter: Quarter) -> Order:
    """The proof a draw needs, from the project's own files; ``OrderUnproved`` with the commands that give one.

    Beyond the two commits: every path is committed as it is (nothing changed, staged or not), and HEAD
    holds the seed commit.
    """
    git = _repository(root)
    if git is None:
        raise OrderUnproved(quarter.name, f"{root} is not in a git repository with a commit (or git is not "
                            "installed).", steps(quarter, ["git init      # if this folder is not a repository yet"]))
    freeze, seed = _check(git, quarter, _find(git, quarter))
    dirty = [line[3:] for line in git("status", "--porcelain", "--untracked-files=all", "--",
                                      *(f"./{path}" for path in quarter.paths)).splitlines()]
    if dirty:
        raise OrderUnproved(quarter.name, f"Not committed as they are: {', '.join(dirty)}.",
                            [f"git add {_quoted(dirty)}", f'git commit -m "{quarter.name}: as frozen and seeded"',
                             f"make draw QUARTER={quarter.name}"])
    if not git.ok("merge-base", "--is-ancestor", seed, "HEAD"):
        raise OrderUnproved(quarter.name, f"The seed commit {seed[:10]} is not on the history of HEAD.",
                            [f"git checkout {seed[:10]}", f"make draw QUARTER={quarter.name}"])
    return Order(git.commit(freeze), git.commit(seed))


def find(root: Path, quarter: Quarter) -> Order | str:
    """The proof git history holds for an archive's copies (``make verify``), or why there is none (a string):
    no git history of the freeze record here, or what the history gets wrong."""
    git = _repository(root)
    if git is None or not git.commits(quarter.freeze):
        return f"no git history of {quarter.freeze} here"
    try:
        freeze, seed = _check(git, quarter, _find(git, quarter))
    except OrderUnproved as refusal:
        return refusal.problem
    return Order(git.commit(freeze), git.commit(seed))


def of_demo(root: Path, quarter: Quarter) -> Order:
    """The order of a demo quarter: proved where git proves it, else unproved with the reason (never refused)."""
    try:
        return prove_for_draw(root, quarter)
    except OrderUnproved as refusal:
        return Order(None, None, refusal.problem)


def stage_without_seed(root: Path, quarter: str) -> str:
    """Stage ``params/<quarter>.yaml`` in git's index as it was frozen, without its seed; the file keeps the seed.
    The staged text is the file's with the top-level ``seed:`` block removed, refused unless it reads as the same
    params without a seed (the same digest). Returns the staged blob's id."""
    shown = params_name(quarter)
    path = root / shown
    try:
        text = path.read_text(encoding="utf-8")
        original, staged = yaml.safe_load(text), yaml.safe_load(without_seed(text))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ParamsError([Problem(shown, None, None, f"cannot be read: {error}")]) from None
    if not (isinstance(original, dict) and isinstance(staged, dict)) or "seed" in staged or (
            digest_without_seed(staged) != digest_without_seed(original)):
        raise ParamsError([Problem(shown, None, None, "its 'seed:' block cannot be cut out of the text on its own: "
                                   "copy the file aside, delete the seed block from it by hand, commit that with the "
                                   "registers and the freeze record, then put the seed back and commit again")])
    git = _repository(root) or _Git(root)
    blob = git("hash-object", "-w", "--stdin", stdin=without_seed(text).encode("utf-8")).strip()
    git("update-index", "--add", "--cacheinfo", f"100644,{blob},{git('rev-parse', '--show-prefix').strip()}{shown}")
    return blob


def without_seed(text: str) -> str:
    """The params text with its top-level ``seed:`` block removed (comments and everything else kept)."""
    lines = text.splitlines(keepends=True)
    out, skipping = [], False
    for line in lines:
        if re.match(r"seed\s*:", line):
            skipping = True
            continue
        if skipping and line.strip() and not line[0].isspace() and not line.startswith("#"):
            skipping = False
        if not skipping:
            out.append(line)
    return "".join(out)
