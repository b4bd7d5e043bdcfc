"""The checks of :func:`nasbench_rss.testing.check_sampler`, one function per property.

Each takes ``fail(check, message)``, which makes the exception to raise, so the checks do
not depend on how failures are reported.  See :mod:`nasbench_rss.testing.sampler_conformance`
for what each check asserts and why.
"""

from __future__ import annotations

import json
import random as python_random
import sys
from typing import Any, Callable, Sequence

import numpy as np
import pydantic

from nasbench_rss.plugins import Entry, OptionsError, validate_options
from nasbench_rss.samplers.base import Phase, Sampler, SamplerError
from nasbench_rss.space.search_space import SearchSpace
from nasbench_rss.space.subnet import Subnet

Fail = Callable[[str, str], AssertionError]
"""``fail(check, message)``: the error to raise for a failed check."""
Position = tuple[int, int]
Recording = list[list[str]]
"""A recorded run: per position (in order), the encodings of its subnets."""

UNKNOWN_OPTION = "conformance_check_unknown_option"
"""An option no sampler has: its options model must refuse it."""


def check_options(entry: Entry, options: dict[str, Any], fail: Fail) -> dict[str, Any]:
    """Validate ``options`` with the registered model; the resolved (JSON) options."""
    model = entry.options_model
    if model is None:
        if options:
            raise fail("options", f"the sampler registers no options model, yet options {options!r} were given")
        return {}
    if model.model_config.get("extra") != "forbid":
        raise fail(
            "options-model",
            f"{model.__qualname__} has extra={model.model_config.get('extra')!r}; it must be extra='forbid' so a "
            "misspelt option is an error, not silently ignored (subclass nasbench_rss.samplers.base.SamplerConfig)",
        )
    try:
        config = validate_options(entry, options)
    except OptionsError as error:
        raise fail("options", f"options {options!r} do not validate: {error}") from None
    try:
        model.model_validate({**options, UNKNOWN_OPTION: 1})
    except pydantic.ValidationError:
        pass
    else:
        raise fail("options-model", f"{model.__qualname__} accepted an unknown option {UNKNOWN_OPTION!r}; use extra='forbid'")
    if "name" in model.model_fields:
        if getattr(config, "name", None) != entry.name:
            raise fail(
                "options-model",
                f"the options' name field is {getattr(config, 'name', None)!r} by default; it must default to the "
                f"registered name {entry.name!r} (name: Literal[{entry.name!r}] = {entry.name!r})",
            )
        try:
            model.model_validate({**options, "name": f"not-{entry.name}"})
        except pydantic.ValidationError:
            pass
        else:
            raise fail("options-model", f"the name field accepted {'not-' + entry.name!r}; declare it Literal[{entry.name!r}]")
    try:
        resolved = json.loads(json.dumps(config.model_dump(mode="json"), allow_nan=False))
    except (TypeError, ValueError) as error:
        raise fail("options", f"the resolved options {config!r} are not JSON ({error})") from None
    try:
        again = validate_options(entry, resolved)
    except OptionsError as error:
        raise fail("options", f"the resolved options {resolved!r} (what a cell records) do not validate again: {error}") from None
    if again != config:
        raise fail("options", f"the resolved options {resolved!r} validate to {again!r}, not to the original {config!r}")
    return resolved


# ---------------------------------------------------------------------- the run


def check_phases(sampler: Sampler, epochs: int, fail: Fail) -> None:
    """The plan the trainer follows: phases covering the run, each trainable, each in the run's space."""
    try:
        phases = tuple(sampler.phases)
    except Exception as error:
        raise fail("phases", f"reading .phases raised {type(error).__name__}: {error}") from error
    if not phases or not all(isinstance(phase, Phase) for phase in phases):
        raise fail("phases", f".phases must be a non-empty sequence of nasbench_rss.samplers.base.Phase, got {phases!r:.200}")
    total = sum(phase.epochs for phase in phases)
    if total != epochs:
        listed = " + ".join(f"{phase.epochs} ({phase.name})" for phase in phases)
        raise fail("phases", f"the phases' epochs {listed} = {total}, but the run has {epochs} epochs")
    for phase in phases:
        if isinstance(phase.epochs, bool) or not isinstance(phase.epochs, int) or phase.epochs < 1:
            raise fail("phases", f"phase {phase.name!r} has epochs {phase.epochs!r}; allowed: integers >= 1")
        if isinstance(phase.subnets_per_step, bool) or not isinstance(phase.subnets_per_step, int) or phase.subnets_per_step < 1:
            raise fail("phases", f"phase {phase.name!r} has subnets_per_step {phase.subnets_per_step!r}; allowed: integers >= 1")
        if not phase.space.is_subspace_of(sampler.space):
            raise fail("phases", f"phase {phase.name!r}'s space {phase.space.describe()} is not a restriction of the run's space")


def record(sampler: Sampler, positions: Sequence[Position], fail: Fail) -> Recording:
    """Call ``subnets`` at every position in order, checking each answer; the encodings."""
    recorded = []
    space = sampler.space
    for epoch, step in positions:
        ask_and_answer(sampler, epoch, step, fail)
        try:
            subnets = sampler.subnets(epoch, step)
        except Exception as error:
            raise fail("subnets", f"subnets(epoch={epoch}, step={step}) raised {type(error).__name__}: {error}") from error
        where = f"subnets(epoch={epoch}, step={step})"
        if not isinstance(subnets, (list, tuple)) or not subnets:
            raise fail("subnets", f"{where} returned {subnets!r:.200}; expected a non-empty list of Subnet")
        _, phase = sampler.phase_at(epoch)
        if len(subnets) != phase.subnets_per_step:
            raise fail(
                "subnets", f"{where} returned {len(subnets)} subnets; phase {phase.name!r} declares subnets_per_step {phase.subnets_per_step}"
            )
        for subnet in subnets:
            check_subnet(subnet, space, phase, where, fail)
        recorded.append([subnet.encode() for subnet in subnets])
    return recorded


def stand_in_loss(subnet: Subnet) -> float:
    """A loss the checks give a sampler that asks for its candidates' losses: fixed per subnet, unrelated to its quality."""
    return float(subnet.space.rank(subnet) % 1009)


def ask_and_answer(sampler: Sampler, epoch: int, step: int, fail: Fail) -> None:
    """What the trainer does before ``subnets``: ``candidates``, then their losses to ``feedback`` (stand-ins here)."""
    where = f"candidates(epoch={epoch}, step={step})"
    try:
        asked = list(sampler.candidates(epoch, step))
    except Exception as error:
        raise fail("candidates", f"{where} raised {type(error).__name__}: {error}") from error
    if not asked:
        return
    for subnet in asked:
        if not isinstance(subnet, Subnet):
            raise fail("candidates", f"{where} returned {subnet!r:.100}, a {type(subnet).__name__}; expected Subnets")
    try:
        sampler.feedback(epoch, step, asked, [stand_in_loss(subnet) for subnet in asked])
    except Exception as error:
        raise fail("candidates", f"feedback(epoch={epoch}, step={step}) with the losses of what {where} asked for raised "
                   f"{type(error).__name__}: {error}") from error


def check_subnet(subnet: Any, space: SearchSpace, phase: Phase, where: str, fail: Fail) -> None:
    """A Subnet of the run's space and of its phase's space, surviving the encodings a cell records."""
    if not isinstance(subnet, Subnet):
        raise fail("subnets", f"{where} returned {subnet!r:.100}, a {type(subnet).__name__}; expected a Subnet")
    for label, target in (("the run's space", space), (f"phase {phase.name!r}'s space", phase.space)):
        try:
            target.check(subnet)
        except Exception as error:
            raise fail("subnets", f"{where} returned {encode(subnet)}, which is not in {label}: {error}") from None
    try:
        decoded = Subnet.decode(space, subnet.encode())
        ranked = space.unrank(space.rank(subnet))
    except Exception as error:
        raise fail("subnets", f"{where} returned {encode(subnet)}, which does not round-trip: {error}") from None
    if decoded != subnet or ranked != subnet:
        raise fail("subnets", f"{where} returned {encode(subnet)}; decode(encode()) gives {decoded}, unrank(rank()) {ranked}")


def encode(subnet: Subnet) -> str:
    """The encoding, or the repr of something that cannot encode itself (for messages)."""
    try:
        return subnet.encode()
    except Exception:
        return repr(subnet)


def expect_same(expected: Recording, got: Recording, positions: Sequence[Position], fail: Fail, check: str, what: str) -> None:
    """Fail ``check`` at the first position where ``what`` (two recordings) differ."""
    for (epoch, step), a, b in zip(positions, expected, got):
        if a != b:
            raise fail(check, f"{what} differ at epoch {epoch} step {step}: {a} then {b}")


def check_seeds(
    unbroken: Recording, other: Recording, positions: Sequence[Position], drew: bool, seeds: tuple[int, int], fail: Fail
) -> None:
    """Another seed: another sequence if the sampler draws from ``context.rng``, else the same one."""
    if drew and unbroken == other:
        raise fail(
            "seeds",
            f"seeds {seeds[0]} and {seeds[1]} give the same {len(positions)}-step sequence although the sampler draws from "
            "context.rng: its subnets do not depend on the generator (a fixed seed of its own? a cached draw?)",
        )
    if not drew:
        expect_same(
            unbroken, other, positions, fail, "seeds",
            "the sampler never draws from context.rng, yet another source of randomness (the clock? a global RNG? "
            f"an RNG of its own?) makes the sequences of seeds {seeds[0]} and {seeds[1]}",
        )


def check_positions(sampler: Sampler, unbroken: Recording, positions: Sequence[Position], epochs: int, fail: Fail) -> None:
    """Past the run, backwards and repeated calls: SamplerError, or the same answer as before."""
    try:
        got = sampler.subnets(epochs, 0)
    except SamplerError:
        pass
    except Exception as error:
        raise fail("positions", f"subnets(epoch={epochs}, step=0), past the last epoch, raised {type(error).__name__}: {error}; "
                   "expected SamplerError (call self.check_position(epoch, step))") from error
    else:
        raise fail("positions", f"subnets(epoch={epochs}, step=0), past the last of {epochs} epochs, returned "
                   f"{[encode(s) for s in got]}; expected SamplerError (call self.check_position(epoch, step))")
    for index in sorted({0, len(positions) // 2, len(positions) - 1}):
        epoch, step = positions[index]
        try:
            got = sampler.subnets(epoch, step)
        except SamplerError:
            continue
        except Exception as error:
            raise fail("positions", f"subnets(epoch={epoch}, step={step}) called again after the run raised "
                       f"{type(error).__name__}: {error}; expected SamplerError or the same subnets as before") from error
        encodings = [encode(s) for s in got] if isinstance(got, (list, tuple)) else got
        if encodings != unbroken[index]:
            raise fail(
                "positions",
                f"subnets(epoch={epoch}, step={step}) called again after the run returned {encodings}, not "
                f"{unbroken[index]} as the first time; a sampler whose answer depends on earlier calls must raise "
                "SamplerError on a repeated or backward call (subclass nasbench_rss.samplers.stream.StreamSampler)",
            )


def check_state(
    build: Callable[[int], Sampler], unbroken: Recording, positions: Sequence[Position], steps: int, seeds: tuple[int, int], fail: Fail
) -> None:
    """Checkpoint at epoch boundaries and mid-epoch; resume with another seed; compare."""
    n = len(positions)
    cuts = sorted({0, min(steps, n - 1), (n // 2 // steps) * steps + min(1, steps - 1), n - 1})
    for cut in cuts:
        where = f"a checkpoint before epoch {positions[cut][0]} step {positions[cut][1]}"
        first = build(seeds[0])
        record(first, positions[:cut], fail)
        try:
            state = first.state_dict()
        except Exception as error:
            raise fail("state", f"state_dict() at {where} raised {type(error).__name__}: {error}") from error
        if not isinstance(state, dict):
            raise fail("state", f"state_dict() at {where} returned a {type(state).__name__}; expected a dict")
        try:
            text = json.dumps(state, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise fail("state", f"state_dict() at {where} is not JSON ({error}): {state!r:.300}") from None
        continued = record(first, positions[cut:], fail)
        expect_same(unbroken[cut:], continued, positions[cut:], fail, "state",
                     f"after calling state_dict() at {where}, the run and an uninterrupted one")
        resumed = build(seeds[1])
        try:
            resumed.load_state_dict(json.loads(text))
        except Exception as error:
            raise fail("state", f"load_state_dict() of the JSON of state_dict() at {where} raised {type(error).__name__}: {error}") from error
        after = record(resumed, positions[cut:], fail)
        expect_same(
            unbroken[cut:], after, positions[cut:], fail, "state",
            f"resumed from {where} (does state_dict save, and load_state_dict restore, the generator and every cached "
            f"draw?), a sampler built with seed {seeds[1]} and given the state of seed {seeds[0]} and the uninterrupted run",
        )


def check_describe(sampler: Sampler, fail: Fail) -> None:
    """``describe()`` must be JSON: the trainer writes it into the cell's result."""
    try:
        json.dumps(sampler.describe(), allow_nan=False)
    except Exception as error:
        raise fail("describe", f"describe() is not JSON ({type(error).__name__}: {error}); it is written to the cell's result") from None


# ---------------------------------------------------------------------- global RNGs


class global_rng_guard:
    """Fail check ``rng`` when the block changed the state of ``random``, ``numpy.random`` or ``torch``."""

    def __init__(self, fail: Fail) -> None:
        self.fail = fail

    def __enter__(self) -> None:
        self.before = global_states()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            return
        after = global_states()
        changed = [name for name in self.before if not same(self.before[name], after[name])]
        if changed:
            raise self.fail(
                "rng", f"running the sampler changed the global RNG state of {', '.join(changed)}; draw only from "
                "context.rng (self.rng), never from a global generator",
            )


def global_states() -> dict[str, Any]:
    """The state of every global generator a sampler could reach (torch only when imported)."""
    states = {"random": python_random.getstate(), "numpy.random": np.random.get_state()}
    torch = sys.modules.get("torch")
    if torch is not None:
        states["torch"] = torch.random.get_rng_state()
    return states


def same(a: Any, b: Any) -> bool:
    """Equality of generator states, which nest tuples, numpy arrays and torch tensors."""
    if hasattr(a, "numpy"):  # a torch tensor
        a, b = a.numpy(), b.numpy()
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and bool((a == b).all())
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b
