"""The sampler conformance check: what the trainer and the suite runner rely on, tested.

A sampler plugin is correct only if results made with it are reproducible and resumable.
:func:`check_sampler` builds the sampler the way a training cell does (options validated by
its registered model, ``factory(config, context)``, the cell's ``sampler`` random stream)
and asserts, in this order (each failure names its check):

``registered``   the name is registered as a sampler.
``options-model`` unknown options are rejected (``extra="forbid"``); a ``name`` field, if
                 any, defaults to the registered name and refuses others.
``options``      the options validate, and their resolved JSON form (what a cell records
                 and a resume re-validates) gives the same config.
``factory``      the factory builds, and returns a ``Sampler``.
``phases``       the phases cover exactly the run's epochs, each >= 1 epoch and >= 1
                 subnet per step, each space a sub-space of the architecture's.
``candidates``   a sampler that asks for candidates' losses (``candidates``) takes them in
                 ``feedback``, as the trainer gives them before ``subnets`` (the checks
                 give fixed stand-in losses, one per subnet).
``subnets``      every step returns ``subnets_per_step`` subnets, each valid in the space
                 and in its phase's space, surviving encode/decode and rank/unrank.
``rng``          the global RNGs (``random``, ``numpy.random``, ``torch``) are untouched
                 and ``sampler.rng`` is ``context.rng``: a sampler draws only from it.
``determinism``  the same seed gives the same sequence.
``seeds``        a sampler that draws from ``context.rng`` gives another sequence for
                 another seed; one that does not gives the same sequence for every seed.
``positions``    a position past the run, and a backward or repeated call, raise
                 ``SamplerError`` -- or, for a pure function of the position, return what
                 that position returned before (never a silently different answer).
``state``        ``state_dict()`` is JSON (strict: no NaN), leaves the run unchanged, and
                 a sampler built with another seed and given that state (after a JSON
                 round trip) continues exactly as the unbroken run, at epoch boundaries
                 and mid-epoch.
``describe``     ``describe()`` is JSON (it goes into the cell's result).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from nasbench_rss.plugins import Entry, OptionsError, PluginError, PluginRegistry, Registration, get_registry
from nasbench_rss.samplers.base import Sampler, SamplerContext, SamplerError
from nasbench_rss.samplers.registry import build_sampler
from nasbench_rss.testing.plugins import RegistrationPlugin, registry_with, sampler_context
from nasbench_rss.testing.sampler_checks import (
    UNKNOWN_OPTION,
    Position,
    check_describe,
    check_options,
    check_phases,
    check_positions,
    check_seeds,
    check_state,
    expect_same,
    global_rng_guard,
    record,
)


CHECKS: tuple[str, ...] = (
    "registered", "options-model", "options", "factory", "phases", "candidates",
    "subnets", "rng", "determinism", "seeds", "positions", "state", "describe",
)  # fmt: skip
"""The checks of :func:`check_sampler`, in order (the module docstring and docs/writing-plugins.md say what each asserts)."""


class ConformanceError(AssertionError):
    """A sampler broke one of the properties of :func:`check_sampler`; ``check`` names it (one of :data:`CHECKS`)."""

    def __init__(self, sampler: str, check: str, message: str) -> None:
        if check not in CHECKS:  # a check's name is part of the plugin contract: document it before using it
            raise ValueError(f"ConformanceError: check {check!r} is not one of CHECKS ({', '.join(CHECKS)})")
        self.sampler = sampler
        self.check = check
        super().__init__(f"sampler {sampler!r} fails check {check!r}: {message}")


@dataclass(frozen=True)
class SamplerReport:
    """What :func:`check_sampler` saw, for further assertions in a plugin's own tests."""

    name: str
    options: dict[str, Any]
    """The resolved options (every default filled in), as a cell records them."""
    random: bool
    """Whether the sampler drew from ``context.rng``."""
    positions: tuple[Position, ...]
    sequence: tuple[tuple[str, ...], ...]
    """Encodings of the subnets at each position, for the first seed."""

    @property
    def distinct(self) -> int:
        """How many different subnets the recorded run trained."""
        return len({encoding for step in self.sequence for encoding in step})


def check_sampler(
    sampler: str | Entry | Registration,
    options: Mapping[str, Any] | None = None,
    *,
    registry: PluginRegistry | None = None,
    arch: str = "mobilenet-v3",
    arch_options: Mapping[str, Any] | None = None,
    epochs: int = 12,
    steps: int = 3,
    seeds: tuple[int, int] = (0, 1),
    random: bool | None = None,
) -> SamplerReport:
    """Assert that a sampler plugin behaves as the trainer and the suite runner need.

    ``sampler`` is a registered name (looked up in ``registry``, default: the installed
    plugins), a registry ``Entry``, or a bare ``Registration`` (checked without installing
    anything).  ``arch``/``arch_options`` pick the space, ``epochs`` x ``steps`` the run
    recorded.  ``random`` says whether the sampler must (True) or must not (False) draw
    from ``context.rng``; None detects it from the generator's state.  Raises
    :class:`ConformanceError` (an ``AssertionError``) naming the failed check.
    """
    name, sampler_registry = _resolve(sampler, registry)
    arch_registry = registry or get_registry()
    fail = _failer(name)
    if seeds[0] == seeds[1]:
        raise ValueError(f"seeds: {seeds!r} must be two different seeds")
    options = dict(options or {})
    entry = sampler_registry.get("sampler", name)
    resolved = check_options(entry, options, fail)

    def context(seed: int):
        return sampler_context(arch, epochs=epochs, seed=seed, arch_options=arch_options, registry=arch_registry)

    def build(seed: int, opts: Mapping[str, Any], ctx: SamplerContext | None = None) -> Sampler:
        try:
            return build_sampler(name, opts, ctx or context(seed), registry=sampler_registry)
        except Exception as error:  # build_sampler says SamplerError; a broken factory may raise anything
            raise fail(
                "factory", f"building it with options {dict(opts)!r} for a {epochs}-epoch run raised {type(error).__name__}: {error}"
            ) from error

    try:
        build_sampler(name, {**options, UNKNOWN_OPTION: 1}, context(seeds[0]), registry=sampler_registry)
    except (OptionsError, SamplerError):
        pass
    else:
        raise fail("options-model", f"build_sampler accepted an unknown option {UNKNOWN_OPTION!r}; use extra='forbid'")
    positions = [(e, s) for e in range(epochs) for s in range(steps)]

    first_context = context(seeds[0])
    fresh_state = first_context.rng.bit_generator.state
    with global_rng_guard(fail):
        first = build(seeds[0], options, first_context)
        check_phases(first, epochs, fail)
        unbroken = record(first, positions, fail)
    if getattr(first, "rng", first_context.rng) is not first_context.rng:
        raise fail("rng", "sampler.rng is not context.rng: draw from the generator the context gives (the cell's "
                   "seeded 'sampler' stream), not from one of your own")
    drew = first_context.rng.bit_generator.state != fresh_state
    if random is not None and random != drew:
        said = "random (random=True)" if random else "not random (random=False)"
        did = "drew from context.rng" if drew else "never drew from context.rng"
        raise fail("seeds", f"declared {said} but {did} in {len(positions)} steps")

    again = record(build(seeds[0], options), positions, fail)
    expect_same(unbroken, again, positions, fail, "determinism", f"two samplers built with seed {seeds[0]}")
    other = record(build(seeds[1], options), positions, fail)
    check_seeds(unbroken, other, positions, drew, seeds, fail)
    check_positions(first, unbroken, positions, epochs, fail)
    check_state(lambda seed: build(seed, resolved), unbroken, positions, steps, seeds, fail)
    check_describe(first, fail)
    return SamplerReport(name, resolved, drew, tuple(positions), tuple(tuple(step) for step in unbroken))


# ---------------------------------------------------------------------- resolving


def _resolve(sampler: str | Entry | Registration, registry: PluginRegistry | None) -> tuple[str, PluginRegistry]:
    """The name to build and the registry to build it from."""
    if isinstance(sampler, Entry):
        sampler = sampler.registration
    if isinstance(sampler, Registration):
        try:
            return sampler.name, registry_with(RegistrationPlugin("sampler", sampler), builtins=False)
        except PluginError as error:
            raise ConformanceError(sampler.name, "registered", str(error)) from error
    if not isinstance(sampler, str):
        raise TypeError(f"sampler: expected a name, an Entry or a Registration, got {type(sampler).__name__}")
    registry = registry or get_registry()
    if sampler not in registry.names("sampler"):
        raise ConformanceError(
            sampler, "registered", f"no sampler of that name; registered: {', '.join(registry.names('sampler')) or 'none'}"
        )
    return sampler, registry


def _failer(name: str) -> Callable[[str, str], ConformanceError]:
    return lambda check, message: ConformanceError(name, check, message)


