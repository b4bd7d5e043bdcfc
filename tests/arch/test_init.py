"""``initialize_weights``: OFA's he_fout initialisation, checked against OFA's own ``init_models``.

The expected distribution of each tensor is read off OFA's network (its module types and
shapes, by the rule of ``ofa/utils/my_modules.py`` ``init_models``), and that reading is
itself checked against what ``init_models`` draws.  Our tensors are paired with OFA's by
``tests.ofa_oracle.paired_tensors``.  Per tensor: the mean and the mean square against
theory (z-scores from the sampling variance of each statistic), a KS test of the
shape, the std within 10% where the tensor is big enough for that to be a 6-sigma bound,
and the mean square against OFA's own draw (two-sample).  Pooled over all normal
tensors: one KS test of the standardised values, against N(0, 1) and against OFA's.
Every check uses fixed seeds, so a pass or a failure is reproducible; the mutant tests
show the checks fail for torch's default init, fan-in, a uniform draw of the right std,
fan-out of the smallest kernel and width, and BN reset by OFA's exact type test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
import torch
from scipy import stats
from torch import nn

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.arch.elastic_ops import (
    DynamicBatchNorm,
    DynamicDepthwiseConv,
    DynamicPointwiseConv,
)
from nasbench_rss.arch.init import INIT_SCHEMES, initialize_weights
from nasbench_rss.arch.layout import Shape
from nasbench_rss.arch.supernet import ElasticMBLayer
from nasbench_rss.seeding import forked_global_rng
from tests.ofa_oracle import ofa_networks, paired_tensors, randomize

ARCHS = {a.name: a for a in (MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH)}
SHAPE = Shape(3, 10, 32)  # OFA's networks take 3 channels
OFA_SPACE = {"ks_list": [3, 5, 7], "expand_ratio_list": [3, 4, 6], "depth_list": [2, 3, 4]}
Z = 5.0  # |z| bound per statistic
P_MIN = 1e-6  # KS p-value bound
BIG = 2000  # from this size on the std must also be within 10% (> 6 sigma of its sampling error)

pytestmark = pytest.mark.usefixtures("one_thread")


# ----------------------------------------------------------------- expectations
@dataclass(frozen=True)
class Normal:
    std: float


@dataclass(frozen=True)
class Uniform:
    bound: float

    @property
    def std(self) -> float:
        return self.bound / math.sqrt(3.0)


@dataclass(frozen=True)
class Exactly:
    """A tensor with a known value: a constant, or (``identity``) the identity matrix."""

    value: float = 0.0
    identity: bool = False

    def expected(self, t: torch.Tensor) -> torch.Tensor:
        return torch.eye(t.shape[0], dtype=t.dtype) if self.identity else torch.full_like(t, self.value)


# Var(x^2) / std^4 of the two distributions: the sampling variance of a mean square.
KURTOSIS_TERM = {Normal: 2.0, Uniform: 0.8}


def ofa_rules(ofa: nn.Module) -> dict[int, object]:
    """What ``init_models(net, 'he_fout')`` does to each parameter of OFA's network, by id.

    The rule of ``ofa/utils/my_modules.py`` read on OFA's modules; transform matrices
    (not touched) must be what OFA built them as, the identity.
    """
    rules: dict[int, object] = {}
    for m in ofa.modules():
        if isinstance(m, nn.Conv2d):
            rules[id(m.weight)] = Normal(math.sqrt(2.0 / (m.kernel_size[0] * m.kernel_size[1] * m.out_channels)))
            if m.bias is not None:
                rules[id(m.bias)] = Exactly(0.0)
        elif type(m) in (nn.BatchNorm2d, nn.BatchNorm1d, nn.GroupNorm):
            rules[id(m.weight)], rules[id(m.bias)] = Exactly(1.0), Exactly(0.0)
        elif isinstance(m, nn.Linear):
            rules[id(m.weight)] = Uniform(1.0 / math.sqrt(m.in_features))
            if m.bias is not None:
                rules[id(m.bias)] = Exactly(0.0)
    for name, p in ofa.named_parameters():
        if name.endswith("_matrix"):
            assert id(p) not in rules, name
            rules[id(p)] = Exactly(identity=True)
    assert {id(p) for p in ofa.parameters()} == set(rules), "a parameter of OFA's network has no rule"
    return rules


def our_rules(net: nn.Module) -> dict[int, object]:
    """The same expectations from our supernet's geometry (for spaces OFA cannot build)."""
    rules: dict[int, object] = {}
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            rules[id(m.weight)] = Normal(math.sqrt(2.0 / (m.kernel_size[0] * m.kernel_size[1] * m.out_channels)))
            if m.bias is not None:
                rules[id(m.bias)] = Exactly(0.0)
        elif isinstance(m, ElasticMBLayer):
            max_mid, max_kernel = m.mids[max(m.expands)], max(m.depthwise.kernels)
            if m.expand_conv is not None:
                rules[id(m.expand_conv.weight)] = Normal(math.sqrt(2.0 / max_mid))
            rules[id(m.depthwise.weight)] = Normal(math.sqrt(2.0 / (max_kernel**2 * max_mid)))
            rules[id(m.project.weight)] = Normal(math.sqrt(2.0 / m.geometry.out_channels))
        elif isinstance(m, nn.BatchNorm2d):
            rules[id(m.weight)], rules[id(m.bias)] = Exactly(1.0), Exactly(0.0)
        elif isinstance(m, nn.Linear):
            rules[id(m.weight)] = Uniform(1.0 / math.sqrt(m.in_features))
            rules[id(m.bias)] = Exactly(0.0)
    for name, p in net.named_parameters():
        if name.endswith("_matrix"):
            rules[id(p)] = Exactly(identity=True)
    assert {id(p) for p in net.parameters()} == set(rules)
    return rules


# ----------------------------------------------------------------------- checks
def failures(tensors: list[tuple[str, torch.Tensor, object]], reference: list[torch.Tensor] | None = None) -> list[str]:
    """Every way the (label, tensor, expectation) triples miss their distributions.

    With ``reference`` (OFA's tensors in the same order, drawn from another seed), the
    random tensors' mean squares and the pooled standardised values are compared with
    OFA's too.
    """
    out: list[str] = []
    ours_std, theirs_std = [], []
    for i, (label, t, rule) in enumerate(tensors):
        x = t.detach().double().reshape(-1)
        n = x.numel()
        if isinstance(rule, Exactly):
            if not torch.equal(x, rule.expected(t.detach()).double().reshape(-1)):
                out.append(f"{label}: not {'the identity' if rule.identity else rule.value}")
            continue
        s = rule.std
        z_mean = x.mean().item() * math.sqrt(n) / s
        ms = x.square().mean().item() / s**2
        z_ms = (ms - 1.0) / math.sqrt(KURTOSIS_TERM[type(rule)] / n)
        if abs(z_mean) > Z:
            out.append(f"{label}: mean z={z_mean:.1f}")
        if abs(z_ms) > Z:
            out.append(f"{label}: std {math.sqrt(ms) * s:.4g} for {s:.4g} (z={z_ms:.1f})")
        if n >= BIG and abs(math.sqrt(ms) - 1.0) > 0.1:
            out.append(f"{label}: std off by more than 10%")
        if isinstance(rule, Normal):
            p = stats.kstest(x.numpy() / s, "norm").pvalue
            ours_std.append(x / s)
        else:
            if x.abs().max().item() > rule.bound:
                out.append(f"{label}: outside +-{rule.bound:.4g}")
            p = stats.kstest(x.numpy(), "uniform", args=(-rule.bound, 2 * rule.bound)).pvalue
        if p < P_MIN:
            out.append(f"{label}: KS p={p:.2g} against {type(rule).__name__}")
        if reference is not None:
            y = reference[i].detach().double().reshape(-1)
            z_two = (ms - y.square().mean().item() / s**2) / math.sqrt(2 * KURTOSIS_TERM[type(rule)] / n)
            if abs(z_two) > Z:
                out.append(f"{label}: mean square differs from OFA's draw (z={z_two:.1f})")
            if isinstance(rule, Normal):
                theirs_std.append(y / s)
    if ours_std:
        pooled = torch.cat(ours_std).numpy()
        if (p := stats.kstest(pooled, "norm").pvalue) < P_MIN:
            out.append(f"pooled normal tensors: KS p={p:.2g} against N(0, 1)")
        if theirs_std and (p := stats.ks_2samp(pooled, torch.cat(theirs_std).numpy()).pvalue) < P_MIN:
            out.append(f"pooled normal tensors: KS p={p:.2g} against OFA's draw")
    return out


# ---------------------------------------------------------------------- helpers
def build(arch: str, shape: Shape = SHAPE, space=None, seed: int = 0, scheme: str | None = "he_fout"):
    """Our supernet, initialised from torch's global generator seeded with ``seed`` (forked)."""
    with forked_global_rng(seed, "init"):
        net = ARCHS[arch].build(shape, space)
        if scheme is not None:
            initialize_weights(net, scheme)
    return net


def ofa_net(arch: str, seed: int | None = 0) -> nn.Module:
    """OFA's network for the same space and shape, initialised by OFA's ``init_models``."""
    init_models = pytest.importorskip("ofa.utils").init_models
    net = ofa_networks()[arch](n_classes=SHAPE.num_classes, dropout_rate=0.1, **OFA_SPACE)
    if seed is not None:
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            init_models(net, "he_fout")
    return net


def triples(ours: nn.Module, ofa: nn.Module) -> list[tuple[str, torch.Tensor, object]]:
    """(label, our tensor, OFA's rule for it) over our parameters paired with OFA's."""
    rules = ofa_rules(ofa)
    out = [(label, mine, rules[id(theirs)]) for label, mine, theirs in paired_tensors(ours, ofa) if id(theirs) in rules]
    assert len(out) == len(list(ours.parameters()))
    return out


def own_failures(net: nn.Module, rules_of) -> list[str]:
    """``failures`` of every parameter of ``net`` against ``rules_of(net)``."""
    rules = rules_of(net)
    return failures([(name, p, rules[id(p)]) for name, p in net.named_parameters()])


def buffers(net: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in net.named_buffers()}


# -------------------------------------------------------------- against OFA's init
@pytest.mark.slow
@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_the_expected_distributions_are_what_ofa_init_models_draws(arch):
    """The reading of OFA's rule (``ofa_rules``) holds for OFA's own initialised network."""
    assert own_failures(ofa_net(arch, seed=1), ofa_rules) == []
    # and it is not vacuous: OFA's network before init_models (torch's defaults) fails it
    assert own_failures(ofa_net(arch, seed=None), ofa_rules)


@pytest.mark.slow
@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_he_fout_gives_every_tensor_ofas_distribution(arch):
    ours, ofa = build(arch, seed=2), ofa_net(arch, seed=1)
    labelled = triples(ours, ofa)
    by_id = {id(mine): theirs for _, mine, theirs in paired_tensors(ours, ofa)}
    reference = [by_id[id(t)] for _, t, _ in labelled]
    assert failures(labelled, reference) == []
    kinds = {type(rule).__name__ for _, _, rule in labelled}
    assert kinds == {"Normal", "Uniform", "Exactly"}


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_he_fout_draws_the_weights_ofa_draws_from_the_same_seed(arch):
    """Same modules in the same order, one draw each: from one generator state, OFA's weights exactly."""
    ours, ofa = build(arch, scheme=None), ofa_net(arch, seed=None)
    with torch.random.fork_rng():
        torch.manual_seed(11)
        initialize_weights(ours, "he_fout")
        torch.manual_seed(11)
        pytest.importorskip("ofa.utils").init_models(ofa, "he_fout")
    for label, mine, theirs in paired_tensors(ours, ofa):
        assert torch.equal(mine, theirs), label


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_bn_is_reset_buffers_and_transform_matrices_are_left_as_ofa_leaves_them(arch):
    """After other weights (randomize: BN affine, classifier, transform matrices), as OFA's init does."""
    ours, ofa = build(arch, scheme=None), ofa_net(arch, seed=None)
    randomize(ours, 3), randomize(ofa, 3)
    for m in ours.modules():  # running statistics away from their defaults too
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.add_(1.0), m.running_var.mul_(2.0)
    matrices = {k: v.clone() for k, v in ours.named_parameters() if k.endswith("_matrix")}
    ofa_matrices = {k: v.clone() for k, v in ofa.named_parameters() if k.endswith("_matrix")}
    saved = buffers(ours)
    with torch.random.fork_rng():
        torch.manual_seed(4)
        initialize_weights(ours, "he_fout")
        pytest.importorskip("ofa.utils").init_models(ofa, "he_fout")
    for k, v in ours.named_parameters():
        if k.endswith("_matrix"):
            assert torch.equal(v, matrices[k]), k
            assert not torch.equal(v, torch.eye(v.shape[0])), k
    for k, v in ofa.named_parameters():
        if k.endswith("_matrix"):
            assert torch.equal(v, ofa_matrices[k]), k  # OFA's init does not touch them either
    for k, v in ours.named_buffers():
        assert torch.equal(v, saved[k]), k
    bns = [m for m in ours.modules() if isinstance(m, nn.BatchNorm2d)]
    assert any(isinstance(m, DynamicBatchNorm) for m in bns)
    for m in bns:
        assert torch.equal(m.weight, torch.ones_like(m.weight)) and torch.equal(m.bias, torch.zeros_like(m.bias))


# ------------------------------------------------------------------ the checks can fail
def _mutate(net: nn.Module, mutant: str) -> None:
    """Re-initialise ``net`` (he_fout already applied) the way a buggy init would."""
    with torch.no_grad():
        for m in net.modules():
            if mutant == "he-fin" and isinstance(m, (nn.Conv2d, DynamicPointwiseConv, DynamicDepthwiseConv)):
                w = m.weight
                w.normal_(0.0, math.sqrt(2.0 / (w.shape[1] * w.shape[2] * w.shape[3])))
            elif mutant == "uniform-right-std" and isinstance(m, (nn.Conv2d, DynamicPointwiseConv, DynamicDepthwiseConv)):
                w = m.weight
                bound = math.sqrt(3.0) * math.sqrt(2.0 / (w.shape[0] * w.shape[2] * w.shape[3]))
                w.uniform_(-bound, bound)
            elif mutant == "smallest-size" and isinstance(m, ElasticMBLayer):
                # fan-out of the smallest kernel and expand ratio, as if the active size were initialised
                mid, kernel = m.mids[min(m.expands)], min(m.depthwise.kernels)
                m.depthwise.weight.normal_(0.0, math.sqrt(2.0 / (kernel**2 * mid)))
                if m.expand_conv is not None:
                    m.expand_conv.weight.normal_(0.0, math.sqrt(2.0 / mid))
            elif mutant == "exact-bn-types" and isinstance(m, DynamicBatchNorm):
                m.weight.uniform_(0.5, 1.5)  # OFA's ``type(m) in [nn.BatchNorm2d, ...]`` skips our subclass


@pytest.mark.slow
@pytest.mark.parametrize("mutant", ["torch-default", "he-fin", "uniform-right-std", "smallest-size", "exact-bn-types"])
def test_the_checks_reject_other_initialisations(mutant):
    arch = "mobilenet-v3"
    ofa = ofa_net(arch, seed=None)
    ours = build(arch, seed=5, scheme="torch" if mutant == "torch-default" else "he_fout")
    _mutate(ours, mutant)
    found = failures(triples(ours, ofa))
    assert found, mutant
    hit = {"torch-default": "depthwise.weight", "he-fin": "project.weight", "uniform-right-std": "pooled",
           "smallest-size": "depthwise.weight", "exact-bn-types": "depthwise_bn.weight"}[mutant]  # fmt: skip
    assert any(hit in f for f in found), found[:5]


# --------------------------------------------------------------- other spaces, shapes
@pytest.mark.slow
@pytest.mark.parametrize(
    ("arch", "shape", "space"),
    [
        ("mobilenet-v3", Shape(1, 100, 28), MOBILENET_V3_ARCH.space(kernel=(3, 7), expand=(1, 3, 6), depth=(1, 4))),
        ("proxylessnas", Shape(1, 2, 32), PROXYLESSNAS_ARCH.space(kernel=(5,), expand=(1,), depth=(2, 4))),
    ],
    ids=["mbv3-k37-e136", "proxyless-k5-e1"],
)
def test_he_fout_uses_the_largest_sizes_of_any_space(arch, shape, space):
    """Spaces OFA cannot build (a 7to3 matrix, layers without expand conv): expectations from our geometry."""
    assert own_failures(build(arch, shape, space, seed=6), our_rules) == []
    assert own_failures(build(arch, shape, space, seed=6, scheme="torch"), our_rules)


# -------------------------------------------------------------- schemes, seeds, errors
def test_torch_scheme_changes_nothing_and_draws_nothing(arch):
    net = build(arch.name, scheme=None)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    rng = torch.get_rng_state()
    initialize_weights(net, "torch")
    assert torch.equal(torch.get_rng_state(), rng)
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_same_seed_same_weights_and_the_generator_is_never_reseeded(arch):
    a, b, c = build(arch.name, seed=7), build(arch.name, seed=7), build(arch.name, seed=8)
    for (k, x), y, z in zip(a.state_dict().items(), b.state_dict().values(), c.state_dict().values()):
        assert torch.equal(x, y), k
        if x.is_floating_point() and x.numel() > 1 and x.std() > 0 and not k.endswith("_matrix"):
            assert not torch.equal(x, z), k
    # Drawn from the global generator, which it advances and does not reseed: a second
    # call continues the stream.
    with torch.random.fork_rng():
        torch.manual_seed(9)
        initialize_weights(a, "he_fout")
        first = a.tail.classifier.weight.clone()
        initialize_weights(a, "he_fout")
        second = a.tail.classifier.weight.clone()
        after = torch.rand(4)
        torch.manual_seed(9)
        initialize_weights(b, "he_fout")
        initialize_weights(b, "he_fout")
        assert torch.equal(torch.rand(4), after)
    assert not torch.equal(first, second)
    assert torch.equal(b.tail.classifier.weight, second)


def test_unknown_scheme_is_refused_naming_the_allowed_ones():
    net = build("proxylessnas", scheme=None)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(ValueError, match=r"'he_fin' not supported; allowed: he_fout, torch"):
        initialize_weights(net, "he_fin")
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert INIT_SCHEMES == ("he_fout", "torch")


def test_a_parameter_without_a_rule_is_refused_before_anything_changes():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.gain = nn.Parameter(torch.ones(3))

    net = nn.Sequential(nn.Conv2d(3, 4, 3), Scale())
    weight = net[0].weight.clone()
    with pytest.raises(TypeError, match=r"no rule for parameter\(s\) 1\.gain"):
        initialize_weights(net, "he_fout")
    assert torch.equal(net[0].weight, weight)


def test_the_configs_init_choices_are_the_schemes():
    from typing import get_args

    from nasbench_rss.config.training import Init

    assert get_args(Init) == INIT_SCHEMES
