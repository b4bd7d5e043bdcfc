"""Batched augmentation: shapes, normalisation, crops that are shifted copies, OFA's boxes and color jitter."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F
from scipy import stats
from torchvision.transforms import functional as TVF
from torchvision.transforms.v2 import functional as TF

from nasbench_rss.data.augment import (
    JITTER_BRIGHTNESS,
    JITTER_SATURATION,
    POLICIES,
    BatchAugmenter,
    prepare,
    resize_images,
)
from nasbench_rss.data.dataset import DatasetError, ImageDataset
from nasbench_rss.data.options import SyntheticOptions
from nasbench_rss.data.synthetic import make_synthetic


@pytest.fixture(scope="module")
def data() -> ImageDataset:
    return make_synthetic(SyntheticOptions(train_size=512, test_size=64, seed=1))


def random_dataset(flip: bool, n: int = 64, channels: int = 3, size: int = 32) -> ImageDataset:
    """Random images with no zero pixel, so zero padding and every shift are recognisable."""
    images = torch.randint(1, 256, (n, channels, size, size), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    labels = torch.zeros(n, dtype=torch.int64)
    return ImageDataset("random", images, labels, images[:4], labels[:4], 2, (0.5,) * channels, (0.25,) * channels, flip)


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("channels_last", [False, True])
def test_shapes_dtypes_and_memory_format(data, policy, channels_last):
    augment = BatchAugmenter(policy, data, channels_last=channels_last)
    out = augment(data.train_images[:16], gen(0))
    assert out.shape == (16, 3, 32, 32) and out.dtype == torch.float32
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    assert out.is_contiguous(memory_format=fmt)
    assert augment.evaluate(data.test_images[:5]).shape == (5, 3, 32, 32)


def test_none_policy_normalises_the_full_set_to_zero_mean_unit_std(data):
    out = BatchAugmenter("none", data)(data.train_images, None).double()
    assert torch.allclose(out.mean(dim=(0, 2, 3)), torch.zeros(3, dtype=torch.float64), atol=1e-4)
    assert torch.allclose(out.std(dim=(0, 2, 3), unbiased=False), torch.ones(3, dtype=torch.float64), atol=1e-4)


def test_evaluate_only_normalises(data):
    augment = BatchAugmenter("standard", data)
    images = data.test_images[:8]
    mean = torch.tensor(data.mean).view(1, -1, 1, 1)
    std = torch.tensor(data.std).view(1, -1, 1, 1)
    expected = (images.double() / 255 - mean) / std
    assert torch.allclose(augment.evaluate(images).double(), expected, atol=1e-5)
    assert torch.equal(augment.evaluate(images), BatchAugmenter("none", data)(images, gen(0)))


def shift_matches(image: torch.Tensor, crop: torch.Tensor, padding: int) -> list[tuple[int, int, bool]]:
    """Every (dy, dx, flipped) for which ``crop`` is the padded ``image`` cropped at that offset."""
    padded = F.pad(image, (padding,) * 4)
    h, w = image.shape[-2:]
    found = []
    for dy in range(2 * padding + 1):
        for dx in range(2 * padding + 1):
            window = padded[:, dy : dy + h, dx : dx + w]
            for flipped, candidate in ((False, window), (True, window.flip(-1))):
                if torch.equal(candidate, crop):
                    found.append((dy, dx, flipped))
    return found


@pytest.mark.parametrize("flip", [True, False])
def test_standard_crop_is_a_shifted_copy_with_zeros_and_flips_iff_dataset_flips(flip):
    data = random_dataset(flip)
    augment = BatchAugmenter("standard", data)
    crops = augment.standard(data.train_images, gen(3))
    assert crops.dtype == torch.uint8 and crops.shape == data.train_images.shape
    flips, offsets = [], set()
    for image, crop in zip(data.train_images, crops):
        (match,) = shift_matches(image, crop, 4)
        offsets.add(match[:2])
        flips.append(match[2])
    assert any(flips) == flip and (all(flips) is False)
    assert len(offsets) > 20  # per-image offsets, not one per batch
    # ... and the full call normalises exactly those crops (zeros become -mean/std).
    normalised = BatchAugmenter("none", data)(crops, None)
    assert torch.equal(augment(data.train_images, gen(3)), normalised)


def test_ofa_boxes_lie_within_the_image_and_follow_scale_and_ratio(data):
    augment = BatchAugmenter("ofa", data)
    images = data.train_images
    top, left, h, w, flipped = augment.ofa_boxes(images, gen(5)).unbind(1)
    assert torch.all(top >= 0) and torch.all(left >= 0)
    assert torch.all(top + h <= 32) and torch.all(left + w <= 32)
    assert torch.all(h >= 1) and torch.all(w >= 1)
    area = h * w / 1024
    assert area.min() >= 0.06 and area.max() <= 1.0 and area.min() < 0.2  # 0.08..1, sides rounded
    ratio = w / h
    assert ratio.min() >= 0.6 and ratio.max() <= 1.6
    assert 0.35 < flipped.mean().item() < 0.65  # ofa flips whatever the dataset
    assert (top != top[0]).any() and (left != left[0]).any()


def test_ofa_crop_is_torchvision_resized_crop_of_each_box(data):
    augment = BatchAugmenter("ofa", data)
    images = data.train_images[:32]
    boxes = augment.ofa_boxes(images, gen(9))
    normalised = augment.evaluate(images)
    out = augment.ofa_crop(normalised, boxes)  # on normalised floats: the resample commutes with the affine
    for image, box, result in zip(normalised, boxes, out):
        top, left, h, w, flipped = (int(v) for v in box.tolist())
        expected = TF.resized_crop(image, top, left, h, w, [32, 32], antialias=True)
        if flipped:
            expected = expected.flip(-1)
        assert torch.allclose(result, expected, atol=1e-4), (top, left, h, w, flipped)


# ---------------------------------------------------------------------- ofa's ColorJitter

B_LO, B_HI = 1 - JITTER_BRIGHTNESS, 1 + JITTER_BRIGHTNESS
S_LO, S_HI = 1 - JITTER_SATURATION, 1 + JITTER_SATURATION


def fixed_factors() -> torch.Tensor:
    """(18, 3) rows (brightness, saturation, saturation_first): the ranges' ends and middles, both orders."""
    rows = [(b, s, o) for b in (B_LO, 1.0, B_HI) for s in (S_LO, 1.0, S_HI) for o in (0.0, 1.0)]
    return torch.tensor(rows, dtype=torch.float32)


def jitter_images(kind: str, n: int) -> torch.Tensor:
    """Float RGB images in [0, 1]: seeded random uint8 pixels, or a smooth color gradient spanning 0..255."""
    if kind == "random":
        return torch.randint(0, 256, (n, 3, 32, 32), generator=gen(4), dtype=torch.uint8).float() / 255
    ramp = torch.linspace(0, 1, 32)
    gradient = torch.stack([ramp.view(32, 1).expand(32, 32), ramp.view(1, 32).expand(32, 32), 1 - (ramp.view(32, 1) + ramp) / 2])
    return (gradient * 255).round().div(255).expand(n, 3, 32, 32).contiguous()


def reference_jitter(image: torch.Tensor, brightness: float, saturation: float, saturation_first: bool, ops=TVF) -> torch.Tensor:
    """torchvision's functional ops on a float [0, 1] image, in the given order (as ColorJitter applies them)."""
    if saturation_first:
        return ops.adjust_brightness(ops.adjust_saturation(image, saturation), brightness)
    return ops.adjust_saturation(ops.adjust_brightness(image, brightness), saturation)


@pytest.mark.parametrize("kind", ["random", "gradient"])
@pytest.mark.parametrize("ops", [TVF, TF], ids=["functional", "v2.functional"])
def test_ofa_jitter_equals_torchvision_brightness_and_saturation_in_each_order(data, kind, ops):
    augment = BatchAugmenter("ofa", data)
    factors = fixed_factors()
    images = jitter_images(kind, factors.shape[0])
    out = augment.ofa_jitter(images, factors)
    assert out.shape == images.shape and out.dtype == torch.float32
    swapped = factors.clone()
    swapped[:, 2] = 1 - swapped[:, 2]
    order_matters = []
    for image, (b, s, first), result in zip(images, factors.tolist(), out):
        expected = reference_jitter(image, b, s, bool(first), ops)
        assert (result - expected).abs().max().item() <= 1e-5, (kind, b, s, first)
        if (b, s) != (1.0, 1.0):
            assert (result - image).abs().max().item() > 1e-2  # it does jitter
        order_matters.append((result - reference_jitter(image, b, s, not first, ops)).abs().max().item() > 1e-5)
    # The clamps make the order visible, so a swapped order would fail the comparison above.
    assert any(order_matters)
    assert not torch.allclose(augment.ofa_jitter(images, swapped), out, atol=1e-5)
    assert 0.0 <= out.min().item() and out.max().item() <= 1.0


@pytest.mark.parametrize("channels", [3, 1])
def test_ofa_is_torchvision_crop_flip_jitter_normalize_on_each_image(data, channels):
    data = data if channels == 3 else replace(random_dataset(True, channels=1), mean=(0.3,), std=(0.2,))
    augment = BatchAugmenter("ofa", data)
    images = data.train_images[:48]
    g = gen(9)
    boxes = augment.ofa_boxes(images, g)
    factors = augment.ofa_jitter_factors(images, g)  # drawn right after the boxes, as ofa does
    out = augment(images, gen(9))
    assert boxes[:, 4].min() == 0 and boxes[:, 4].max() == 1 and factors[:, 2].min() == 0 and factors[:, 2].max() == 1
    crop_only = []
    for image, box, (b, s, first), result in zip(images, boxes, factors.tolist(), out):
        top, left, h, w, flipped = (int(v) for v in box.tolist())
        # Boxes never exceed the output size, so the resize only enlarges: antialias changes nothing.
        x = TVF.resized_crop(image.float() / 255, top, left, h, w, [32, 32], antialias=True)
        if flipped:
            x = TVF.hflip(x)
        crop_only.append(TVF.normalize(x, data.mean, data.std))
        expected = TVF.normalize(reference_jitter(x, b, s, bool(first)), data.mean, data.std)
        assert (result - expected).abs().max().item() <= 1e-5, (top, left, h, w, flipped, b, s, first)
    assert not torch.allclose(out, torch.stack(crop_only), atol=1e-3)  # the jitter is part of the policy


def test_ofa_jitter_factors_are_uniform_in_their_ranges_and_the_order_a_coin_flip(data):
    augment = BatchAugmenter("ofa", data)
    n = 20000
    factors = augment.ofa_jitter_factors(torch.zeros((n, 3, 1, 1), dtype=torch.uint8), gen(11))
    assert factors.shape == (n, 3) and factors.dtype == torch.float32
    brightness, saturation, first = factors.double().unbind(1)
    assert B_LO <= brightness.min().item() and brightness.max().item() <= B_HI
    assert S_LO <= saturation.min().item() and saturation.max().item() <= S_HI
    assert brightness.min().item() < B_LO + 1e-3 and brightness.max().item() > B_HI - 1e-3  # the whole range
    assert saturation.min().item() < S_LO + 1e-3 and saturation.max().item() > S_HI - 1e-3
    assert stats.kstest(brightness.numpy(), "uniform", args=(B_LO, B_HI - B_LO)).pvalue > 0.01
    assert stats.kstest(saturation.numpy(), "uniform", args=(S_LO, S_HI - S_LO)).pvalue > 0.01
    assert set(first.unique().tolist()) == {0.0, 1.0}
    assert abs(first.mean().item() - 0.5) < 0.02  # 20000 flips: sd 0.0035
    assert abs(torch.corrcoef(factors.T.double())[0, 1:]).max().item() < 0.05  # independent draws
    assert abs(torch.corrcoef(factors.T.double())[1, 2]).item() < 0.05


def test_saturation_is_a_no_op_on_one_channel_images():
    data = random_dataset(True, n=18, channels=1)
    augment = BatchAugmenter("ofa", data)
    images = data.train_images.float() / 255
    factors = fixed_factors()
    out = augment.ofa_jitter(images, factors)
    unit_brightness = factors.clone()
    unit_brightness[:, 0] = 1.0
    assert torch.equal(augment.ofa_jitter(images, unit_brightness), images)  # whatever the saturation and order
    for image, (b, s, first), result in zip(images, factors.tolist(), out):
        assert torch.equal(TVF.adjust_saturation(image, s), image)  # torchvision's rule for one channel
        assert torch.allclose(result, reference_jitter(image, b, s, bool(first)), atol=1e-6)
        assert torch.allclose(result, TVF.adjust_brightness(image, b), atol=1e-6)  # brightness still applies


def test_ofa_same_seed_same_output_and_the_generator_must_be_on_the_images_device(data):
    augment = BatchAugmenter("ofa", data)
    images = data.train_images[:32]
    assert torch.equal(augment(images, gen(4)), augment(images, gen(4)))
    g1, g2 = gen(4), gen(4)
    assert torch.equal(augment.ofa_boxes(images, g1), augment.ofa_boxes(images, g2))
    assert torch.equal(augment.ofa_jitter_factors(images, g1), augment.ofa_jitter_factors(images, g2))
    assert not torch.equal(augment.ofa_jitter_factors(images, gen(4)), augment.ofa_jitter_factors(images, gen(5)))
    with pytest.raises(DatasetError, match=r"generator on cpu but images on meta; use a generator on the images' device"):
        augment(torch.zeros(2, 3, 32, 32, dtype=torch.uint8, device="meta"), gen(0))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_ofa_on_cuda_draws_there_and_matches_the_cpu_pipeline_given_the_same_draws(data):
    augment = BatchAugmenter("ofa", data)
    images = data.train_images[:32].cuda()
    with pytest.raises(DatasetError, match=r"generator on cpu but images on cuda"):
        augment(images, gen(0))
    g = torch.Generator(device="cuda").manual_seed(3)
    boxes, factors = augment.ofa_boxes(images, g), augment.ofa_jitter_factors(images, g)
    assert boxes.device.type == factors.device.type == "cuda"
    out = augment(images, torch.Generator(device="cuda").manual_seed(3))
    assert torch.equal(out, augment(images, torch.Generator(device="cuda").manual_seed(3)))
    pixels = images.cpu().float() / 255
    expected = augment._normalize(augment.ofa_jitter(augment.ofa_crop(pixels, boxes.cpu()), factors.cpu()), pixel_max=1.0)
    assert torch.allclose(out.cpu(), expected, atol=1e-4)


def test_ofa_falls_back_to_a_centered_crop_when_no_try_fits():
    data = random_dataset(True, n=8)
    # Aspect ratios of 2..3 never fit a full-area box in a square image: every image falls back.
    augment = BatchAugmenter("ofa", data, scale=(1.0, 1.0), ratio=(2.0, 3.0))
    boxes = augment.ofa_boxes(data.train_images, gen(0))
    assert boxes[:, :4].tolist() == [[8.0, 0.0, 16.0, 32.0]] * 8  # w = 32, h = round(32 / 2), centered


@pytest.mark.parametrize("policy", ["standard", "ofa"])
def test_deterministic_given_a_generator_and_different_across_generators(data, policy):
    augment = BatchAugmenter(policy, data)
    images = data.train_images[:32]
    assert torch.equal(augment(images, gen(1)), augment(images, gen(1)))
    assert not torch.equal(augment(images, gen(1)), augment(images, gen(2)))
    g = gen(1)
    first, second = augment(images, g), augment(images, g)
    assert not torch.equal(first, second)  # the generator advances


def test_prepare_resizes_once_with_antialiased_bilinear_and_rounding():
    small = make_synthetic(SyntheticOptions(train_size=20, test_size=10, channels=1, image_size=28))
    prepared = prepare(small, 32)
    assert prepared.train_images.shape == (20, 1, 32, 32) and prepared.test_images.shape == (10, 1, 32, 32)
    assert prepared.train_images.dtype == torch.uint8
    expected = F.interpolate(small.train_images.float(), size=(32, 32), mode="bilinear", antialias=True).round().clamp(0, 255)
    assert torch.equal(prepared.train_images, expected.to(torch.uint8))
    assert (prepared.mean, prepared.std, prepared.flip) == (small.mean, small.std, small.flip)
    assert torch.equal(prepared.train_labels, small.train_labels)
    assert prepare(prepared, 32) is prepared
    assert torch.equal(resize_images(small.train_images, 32, chunk=7), prepared.train_images)  # chunks agree


def test_errors_name_what_was_wrong(data):
    with pytest.raises(DatasetError, match=r"augmentation policy: 'autoaugment' not allowed; allowed: standard, ofa, none"):
        BatchAugmenter("autoaugment", data)
    augment = BatchAugmenter("standard", data)
    with pytest.raises(DatasetError, match=r"\(28, 28\), expected \(32, 32\); resize the dataset once .*prepare"):
        augment(torch.zeros(2, 3, 28, 28, dtype=torch.uint8), gen(0))
    with pytest.raises(DatasetError, match=r"expected a uint8 \(B, C, H, W\) batch, got torch.float32"):
        augment(torch.zeros(2, 3, 32, 32), gen(0))
    with pytest.raises(DatasetError, match=r"needs a torch.Generator"):
        augment(data.train_images[:2], None)
    with pytest.raises(DatasetError, match=r"batch has 1 channels, synthetic's mean/std 3"):
        augment.evaluate(torch.zeros(2, 1, 32, 32, dtype=torch.uint8))
    with pytest.raises(DatasetError, match=r"std \(0\.0,\) not allowed"):
        BatchAugmenter("none", replace(random_dataset(False, channels=1), std=(0.0,)))
