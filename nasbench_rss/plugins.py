"""The plugin registry: built-ins and third-party plugins, loaded through the same hooks.

Third-party plugins are entry points of the group ``nasbench_rss``.  Each is loaded on its
own: one that fails to import, or whose hook raises, is recorded as a :class:`PluginFailure`
and reported with a :class:`PluginWarning`, and the others keep working.  In strict mode
(``strict=True`` or ``NASBENCH_RSS_STRICT_PLUGINS=1``) any failure is a :class:`PluginError`.
Two plugins registering one name within a kind is always a :class:`PluginError`.

    registry = get_registry()
    registry.get("architecture", "mobilenet-v3").factory()
"""

from __future__ import annotations

import difflib
import functools
import importlib
import importlib.metadata
import os
import re
import warnings
from dataclasses import dataclass, field
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Iterable

import pluggy
import pydantic

from nasbench_rss import DISTRIBUTION_NAME, __version__, hookspecs
from nasbench_rss.errors import DatasetError, PluginError, SamplerError, SpaceError
from nasbench_rss.hookspecs import HOOKS_BY_KIND, PROJECT_NAME
from nasbench_rss.validation import FieldProblem, field_names, field_problems, format_path, show

if TYPE_CHECKING:
    from nasbench_rss.arch.architecture import Architecture

ENTRY_POINT_GROUP = PROJECT_NAME
STRICT_ENV_VAR = "NASBENCH_RSS_STRICT_PLUGINS"
BUILTIN_PLUGINS: tuple[str, ...] = (
    "nasbench_rss.arch.plugin",
    "nasbench_rss.data.plugin",
    "nasbench_rss.samplers.plugin",
    "nasbench_rss.report.plugin",
    "nasbench_rss.train.observers.plugin",
    "nasbench_rss.run.executors.plugin",
    "nasbench_rss.claims.plugin",
)
"""Modules of this package registered as plugins, in this order, before any entry point."""

KINDS: tuple[str, ...] = tuple(HOOKS_BY_KIND)
_NAME_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FALSE_VALUES = {"", "0", "false", "no", "off"}


class InvalidRegistration(PluginError, ValueError):
    """A plugin registered something malformed."""


class UnknownName(PluginError, LookupError):
    """A lookup of a kind or a name that nothing registered."""


class OptionsError(PluginError, ValueError):
    """Options that a plugin's options model refuses, for every kind of plugin alike.

    The message is ``KIND 'NAME': field: what is wrong; allowed: what`` (one clause per
    field), ending in the options the plugin takes.  ``problems`` keeps each field's
    :class:`~nasbench_rss.validation.FieldProblem` (its path in the options and the
    message), so a suite can point at each field's own line.
    """

    def __init__(self, kind: str, name: str, problems: Sequence[FieldProblem], allowed: Sequence[str], summary: str | None = None) -> None:
        self.kind = kind
        self.name = name
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        self.allowed: tuple[str, ...] = tuple(allowed)
        if summary is None:
            clauses = [f"{format_path(p.path)}: {p.message}" if p.path else p.message for p in self.problems]
            summary = "; ".join(clauses)
            if not any(p.message.startswith("unknown key ") for p in self.problems):
                summary += f"; allowed options: {', '.join(self.allowed) or 'none'}"
        super().__init__(f"{kind} {name!r}: {summary}")


class SamplerOptionsError(OptionsError, SamplerError):
    """A sampler's options its model refuses: an :class:`OptionsError` and a ``SamplerError``.

    docs/writing-plugins.md promised plugin authors a ``SamplerError`` from
    ``build_sampler`` for a bad option before options errors were unified, and plugins test
    for it: ``except SamplerError`` and ``except OptionsError`` both catch this.  As a
    SamplerError it names the sampler (``sampler``), the message without it (``detail``)
    and, when one option is at fault, that option's path (``option``).
    """

    def __init__(self, kind: str, name: str, problems: Sequence[FieldProblem], allowed: Sequence[str], summary: str | None = None) -> None:
        super().__init__(kind, name, problems, allowed, summary)
        self.sampler = name
        self.detail = str(self).removeprefix(f"{kind} {name!r}: ")
        self.option = tuple(self.problems[0].path) or None if len(self.problems) == 1 else None  # one option at fault


class DatasetOptionsError(OptionsError, DatasetError):
    """A dataset's options its model refuses: an :class:`OptionsError` and a ``DatasetError`` (as documented)."""


class ArchitectureOptionsError(OptionsError, SpaceError):
    """An architecture's options its model refuses: an :class:`OptionsError` and a ``SpaceError`` (as before 0.2)."""


OPTIONS_ERRORS: dict[str, type[OptionsError]] = {
    "sampler": SamplerOptionsError,
    "dataset": DatasetOptionsError,
    "architecture": ArchitectureOptionsError,
}
"""The :class:`OptionsError` each kind raises for refused options: also that kind's own error
type where the kind has one; plain ``OptionsError`` for the other kinds."""


class PluginWarning(UserWarning):
    """A plugin failed to load and was skipped."""


@dataclass(frozen=True)
class Registration:
    """What a plugin registers: a named factory, its options model and a one-line description."""

    name: str
    description: str
    factory: Callable[..., Any]
    options_model: type[pydantic.BaseModel] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME_RE.fullmatch(self.name):
            raise InvalidRegistration(
                f"invalid registration name {self.name!r}: use lowercase letters, digits and '-' "
                "(not first, last or doubled), e.g. 'mobilenet-v3'"
            )
        if not isinstance(self.description, str) or not self.description.strip():
            raise InvalidRegistration(f"registration {self.name!r}: the description must be a non-empty string")
        if "\n" in self.description or "\r" in self.description:
            raise InvalidRegistration(
                f"registration {self.name!r}: the description must be one line, got {self.description!r}"
            )
        if not callable(self.factory):
            raise InvalidRegistration(
                f"registration {self.name!r}: factory must be callable, got {type(self.factory).__name__}"
            )
        if self.options_model is not None and not (
            isinstance(self.options_model, type) and issubclass(self.options_model, pydantic.BaseModel)
        ):
            raise InvalidRegistration(
                f"registration {self.name!r}: options_model must be a pydantic.BaseModel subclass or None, "
                f"got {self.options_model!r}"
            )


@dataclass(frozen=True)
class PluginInfo:
    """A registered plugin: its name and the distribution that provides it."""

    name: str
    distribution: str
    version: str
    builtin: bool = False

    @property
    def label(self) -> str:
        """E.g. ``acme-nas 1.2 (plugin acme)``."""
        dist = f"{self.distribution} {self.version}" if self.version else self.distribution
        return f"{dist} ({'builtin ' if self.builtin else ''}plugin {self.name})"


@dataclass(frozen=True)
class Entry:
    """One registered thing, with the plugin and distribution that registered it."""

    kind: str
    registration: Registration
    plugin: str
    distribution: str
    version: str

    @property
    def name(self) -> str:
        return self.registration.name

    @property
    def description(self) -> str:
        return self.registration.description

    @property
    def factory(self) -> Callable[..., Any]:
        return self.registration.factory

    @property
    def options_model(self) -> type[pydantic.BaseModel] | None:
        return self.registration.options_model

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "name": self.name,
            "description": self.description,
            "plugin": self.plugin,
            "distribution": self.distribution,
            "version": self.version,
        }


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that failed to import or to register, and was skipped."""

    name: str
    distribution: str
    version: str
    error: str
    exception: BaseException | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        dist = f"{self.distribution} {self.version}" if self.version else self.distribution
        return f"plugin {self.name!r} from {dist}"

    def to_dict(self) -> dict[str, str]:
        return {"plugin": self.name, "distribution": self.distribution, "version": self.version, "error": self.error}


def strict_from_env(strict: bool | None = None) -> bool:
    """``strict``, or the ``NASBENCH_RSS_STRICT_PLUGINS`` environment variable when not True."""
    if strict:
        return True
    return os.environ.get(STRICT_ENV_VAR, "").strip().lower() not in _FALSE_VALUES


class PluginRegistry:
    """Registered architectures, samplers, datasets and reporters, each with its origin.

    ``PluginRegistry.load()`` builds one with the built-ins and every installed plugin;
    ``PluginRegistry()`` is empty (add plugins with :meth:`register_plugin`).
    """

    def __init__(self, strict: bool | None = None) -> None:
        self.strict = strict_from_env(strict)
        self._pm = pluggy.PluginManager(PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self._plugins: dict[str, PluginInfo] = {}
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}
        self._failures: list[PluginFailure] = []

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, strict: bool | None = None, *, entry_points: bool = True) -> PluginRegistry:
        """A fresh registry with the built-ins and (unless ``entry_points=False``) installed plugins."""
        registry = cls(strict)
        failures = [registry._load_builtin(module_name) for module_name in BUILTIN_PLUGINS]
        if entry_points:
            failures += [registry._load_entry_point(ep) for ep in _group_entry_points()]
        registry._report([failure for failure in failures if failure is not None])
        return registry

    def register_plugin(
        self, plugin: object, name: str, distribution: str = "<test>", version: str = ""
    ) -> PluginFailure | None:
        """Register a module or object with ``@hookimpl`` functions, as an entry point would.

        Returns the failure (also in :attr:`failures`, and warned about) when the plugin's
        hooks raise, or raises :class:`PluginError` in strict mode.  A name that another
        plugin registered already raises :class:`PluginError` and leaves the registry as it was.
        """
        failure = self._add_plugin(plugin, PluginInfo(name, distribution, version))
        self._report([failure] if failure else [])
        return failure

    def _load_builtin(self, module_name: str) -> PluginFailure | None:
        info = PluginInfo(module_name, DISTRIBUTION_NAME, __version__, builtin=True)
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            return self._fail(info, exc)
        return self._add_plugin(module, info)

    def _load_entry_point(self, ep: Any) -> PluginFailure | None:
        dist = getattr(ep, "dist", None)
        info = PluginInfo(
            name=ep.name,
            distribution=getattr(dist, "name", None) or "<unknown distribution>",
            version=getattr(dist, "version", None) or "",
        )
        try:
            plugin = ep.load()
        except Exception as exc:
            return self._fail(info, exc)
        if self._pm.is_registered(plugin):
            return None  # the same module declared twice (e.g. a built-in also declared as entry point)
        return self._add_plugin(plugin, info)

    def _add_plugin(self, plugin: object, info: PluginInfo) -> PluginFailure | None:
        if info.name in self._plugins:
            other = self._plugins[info.name]
            return self._fail(info, PluginError(f"plugin name {info.name!r} is already used by {other.label}"))
        try:
            self._pm.register(plugin, name=info.name)
        except Exception as exc:  # pluggy.PluginValidationError: a hook with unknown arguments, ...
            return self._fail(info, exc)
        try:
            self._check_hook_names(plugin)
            collected = self._collect(plugin, info)
        except Exception as exc:
            self._pm.unregister(plugin)
            return self._fail(info, exc)

        conflicts = [
            f"{kind} {name!r} is registered by both {self._plugins[self._entries[kind][name].plugin].label} "
            f"and {info.label}"
            for kind, registrations in collected.items()
            for name in registrations
            if name in self._entries[kind]
        ]
        if conflicts:
            self._pm.unregister(plugin)
            raise PluginError("; ".join(conflicts) + "; uninstall one of the two distributions")

        self._plugins[info.name] = info
        for kind, registrations in collected.items():
            for name, registration in registrations.items():
                self._entries[kind][name] = Entry(kind, registration, info.name, info.distribution, info.version)
        return None

    def _check_hook_names(self, plugin: object) -> None:
        unknown = sorted(
            caller.name
            for caller in self._pm.get_hookcallers(plugin) or ()
            if not caller.has_spec()
            and any(impl.plugin is plugin and not impl.optionalhook for impl in caller.get_hookimpls())
        )
        if unknown:
            raise PluginError(
                f"implements unknown hook(s) {', '.join(unknown)}; known hooks: {', '.join(HOOKS_BY_KIND.values())} "
                "(mark a hook from a newer nasbench-rss with @hookimpl(optionalhook=True))"
            )

    def _collect(self, plugin: object, info: PluginInfo) -> dict[str, dict[str, Registration]]:
        """Call this plugin's implementation of each register hook; kind -> name -> Registration."""
        collected: dict[str, dict[str, Registration]] = {}
        for kind, hook_name in HOOKS_BY_KIND.items():
            for impl in getattr(self._pm.hook, hook_name).get_hookimpls():
                if impl.plugin is not plugin:
                    continue
                if impl.hookwrapper or impl.wrapper:
                    raise PluginError(f"{hook_name} is a hook wrapper; register hooks must be plain hooks")
                register = _register_callback(kind, hook_name, collected.setdefault(kind, {}))
                arguments = {"register": register}
                impl.function(*[arguments[arg] for arg in impl.argnames])
        return collected

    def _fail(self, info: PluginInfo, exc: BaseException) -> PluginFailure:
        failure = PluginFailure(info.name, info.distribution, info.version, _describe(exc), exc)
        self._failures.append(failure)
        return failure

    def _report(self, failures: list[PluginFailure]) -> None:
        if not failures:
            return
        if self.strict:
            lines = [f"{failure.label} failed to load: {failure.error}" for failure in failures]
            message = "; ".join(lines) + f" (strict plugin loading: {STRICT_ENV_VAR} or --strict-plugins)"
            raise PluginError(message) from failures[0].exception
        for failure in failures:
            warnings.warn(
                f"{failure.label} failed to load and was skipped: {failure.error} "
                f"(set {STRICT_ENV_VAR}=1 to make this an error)",
                PluginWarning,
                stacklevel=3,  # the caller of load() or register_plugin()
            )

    # ------------------------------------------------------------------ lookups

    def get(self, kind: str, name: str) -> Entry:
        """The entry registered as ``name``; :class:`UnknownName` lists what is available."""
        table = self._table(kind)
        try:
            return table[name]
        except KeyError:
            pass
        available = ", ".join(sorted(table)) or "none"
        close = difflib.get_close_matches(str(name), list(table), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UnknownName(f"unknown {kind} {name!r}{hint}; available: {available}")

    def names(self, kind: str) -> list[str]:
        """Registered names of ``kind``, sorted."""
        return sorted(self._table(kind))

    def entries(self, kind: str | None = None) -> list[Entry]:
        """Every entry (of ``kind``, or of all kinds in hook order), sorted by name within a kind."""
        kinds = KINDS if kind is None else (kind,)
        return [self._table(k)[name] for k in kinds for name in sorted(self._table(k))]

    @property
    def failures(self) -> tuple[PluginFailure, ...]:
        """Plugins that failed to load, in the order they were tried."""
        return tuple(self._failures)

    @property
    def plugins(self) -> tuple[PluginInfo, ...]:
        """Plugins that loaded, in registration order (including those that register nothing)."""
        return tuple(self._plugins.values())

    def plugin_module(self, name: str) -> str:
        """The module that plugin ``name`` registered from (its code is what a cell's provenance hashes)."""
        plugin = self._pm.get_plugin(name)
        if plugin is None:
            raise UnknownName(f"unknown plugin {name!r}; plugins: {', '.join(self._plugins) or 'none'}")
        return getattr(plugin, "__name__", None) or type(plugin).__module__

    def _table(self, kind: str) -> dict[str, Entry]:
        try:
            return self._entries[kind]
        except KeyError:
            raise UnknownName(f"unknown plugin kind {kind!r}; kinds: {', '.join(KINDS)}") from None

    def __repr__(self) -> str:
        counts = ", ".join(f"{len(self._entries[kind])} {kind}(s)" for kind in KINDS)
        return f"<PluginRegistry {len(self._plugins)} plugins: {counts}; {len(self._failures)} failures>"


def _register_callback(kind: str, hook_name: str, bucket: dict[str, Registration]) -> Callable[[Registration], None]:
    def register(registration: Registration) -> None:
        if not isinstance(registration, Registration):
            raise InvalidRegistration(
                f"{hook_name} passed {type(registration).__name__} {registration!r} to register(); "
                "expected a nasbench_rss.plugins.Registration"
            )
        if registration.name in bucket:
            raise InvalidRegistration(f"{hook_name} registered {kind} {registration.name!r} twice")
        bucket[registration.name] = registration

    return register


def _group_entry_points() -> Iterable[Any]:
    # Looked up through the module attribute so tests can monkeypatch importlib.metadata.entry_points.
    return importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


# ---------------------------------------------------------------------- options


def validate_options(entry: Entry, options: Mapping[str, Any] | pydantic.BaseModel | None) -> pydantic.BaseModel | None:
    """``options`` validated by ``entry``'s options model: an instance of it, or None when it has none.

    The one way options of any plugin kind are checked; every refusal is an
    :class:`OptionsError`, of the kind's subclass (:data:`OPTIONS_ERRORS`: a sampler's is
    also a ``SamplerError``).  A plugin without an options model takes no options.
    """
    model = entry.options_model
    refused = OPTIONS_ERRORS.get(entry.kind, OptionsError)
    if isinstance(options, pydantic.BaseModel):
        if model is not None and isinstance(options, model):
            return options
        options = options.model_dump()
    options = {} if options is None else options
    if not isinstance(options, Mapping):
        problem = FieldProblem((), f"{show(options)} not allowed; allowed: a mapping of option names to values")
        raise refused(entry.kind, entry.name, [problem], field_names(model))
    if model is None:
        if not options:
            return None
        problems = [FieldProblem((key,), "unknown key {!r}; allowed: no keys (it takes no options)".format(key)) for key in options]
        raise refused(entry.kind, entry.name, problems, (), summary=f"takes no options; got {', '.join(map(str, options))}")
    try:
        return model.model_validate(dict(options))
    except pydantic.ValidationError as error:
        raise refused(entry.kind, entry.name, field_problems(error, model, dict(options)), field_names(model)) from None


def build_entry(entry: Entry, options: Mapping[str, Any] | pydantic.BaseModel | None, *args: Any) -> tuple[Any, pydantic.BaseModel | None]:
    """``entry.factory(validated options, *args)`` and the validated options (None without a model).

    How samplers (``factory(config, context)``), datasets and reporters (``factory(options)``)
    are built; an architecture's options go to its ``space()`` instead
    (:func:`nasbench_rss.arch.options.architecture_space`).
    """
    validated = validate_options(entry, options)
    return entry.factory(validated, *args), validated


# ---------------------------------------------------------------------- defaults


@functools.lru_cache(maxsize=None)
def _cached_registry(strict: bool) -> PluginRegistry:
    return PluginRegistry.load(strict=strict)


def get_registry(strict: bool | None = None) -> PluginRegistry:
    """The process-wide registry, loaded once per strictness (see :func:`strict_from_env`).

    Use :meth:`PluginRegistry.load` for a private one (e.g. before registering extra plugins).
    """
    return _cached_registry(strict_from_env(strict))


def clear_registry_cache() -> None:
    """Forget the registries :func:`get_registry` made (after installing plugins, in tests)."""
    _cached_registry.cache_clear()


def get_architecture(name: str) -> Architecture:
    """The architecture registered as ``name`` (e.g. ``"mobilenet-v3"``)."""
    return get_registry().get("architecture", name).factory()
