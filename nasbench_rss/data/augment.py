"""Batched augmentation on the training device: uint8 batch in, normalised float32 batch out.

Every policy works on a whole batch with a handful of tensor ops (no per-image Python, no
PIL), drawing its randomness from an explicit ``torch.Generator`` on the batch's device, so
augmentation costs far less than a training step and a cell's augmentations depend on its
seed alone.  Images must already be at the output size: :func:`prepare` resizes a dataset
whose native size differs (the MNIST family, 28 -> 32) once, not once per batch.

    data = prepare(dataset, 32).to(device)
    augment = BatchAugmenter("standard", data)
    inputs = augment(data.train_images[index], generator)   # training
    inputs = augment.evaluate(data.test_images[index])       # evaluation: normalise only
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Literal, get_args

import torch
import torch.nn.functional as F

from nasbench_rss.data.dataset import DatasetError, ImageDataset

Policy = Literal["standard", "ofa", "none"]
POLICIES: tuple[str, ...] = get_args(Policy)

RRC_TRIES = 10
"""Boxes drawn per image by ``ofa``'s RandomResizedCrop before its center-crop fallback (torchvision's 10)."""

JITTER_BRIGHTNESS = 32 / 255
"""``ofa``'s ColorJitter brightness: factors uniform in ``[1 - 32/255, 1 + 32/255]`` (OFA's ``distort_color="tf"``)."""

JITTER_SATURATION = 0.5
"""``ofa``'s ColorJitter saturation: factors uniform in ``[0.5, 1.5]`` (OFA's ``distort_color="tf"``)."""

GRAY_WEIGHTS = (0.2989, 0.587, 0.114)
"""R, G, B weights of the grayscale image that saturation blends with: torchvision's ``rgb_to_grayscale``
for tensors (PIL's ``convert("L")`` uses 0.299; the two differ by at most 5e-5 in [0, 1] after blending)."""


# ---------------------------------------------------------------------- preparing a dataset


def resize_images(images: torch.Tensor, size: int, *, chunk: int = 8192) -> torch.Tensor:
    """uint8 (N, C, H, W) -> uint8 (N, C, size, size): bilinear with antialias, rounded.

    Works in chunks so that a 60000-image split never needs a full float copy.
    """
    if images.dtype != torch.uint8 or images.dim() != 4:
        raise DatasetError(f"resize_images: expected uint8 (N, C, H, W), got {images.dtype} {tuple(images.shape)}")
    if tuple(images.shape[-2:]) == (size, size):
        return images
    out = torch.empty((images.shape[0], images.shape[1], size, size), dtype=torch.uint8, device=images.device)
    for start in range(0, images.shape[0], chunk):
        part = images[start : start + chunk].to(torch.float32)
        resized = F.interpolate(part, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        out[start : start + chunk] = resized.round_().clamp_(0, 255).to(torch.uint8)
    return out


def prepare(dataset: ImageDataset, out_size: int = 32) -> ImageDataset:
    """``dataset`` with both splits resized to ``out_size`` (itself when already that size).

    Done once per run, on whatever device the dataset is on; ``mean``/``std`` are kept (they
    describe the dataset; bilinear resizing barely moves them).
    """
    if isinstance(out_size, bool) or not isinstance(out_size, int) or out_size < 1:
        raise DatasetError(f"out_size: {out_size!r} not allowed; allowed: integers >= 1")
    shape = tuple(dataset.train_images.shape[-2:])
    if shape == (out_size, out_size):
        return dataset
    return replace(
        dataset,
        train_images=resize_images(dataset.train_images, out_size),
        test_images=resize_images(dataset.test_images, out_size),
    )


# ---------------------------------------------------------------------- augmenting batches


class BatchAugmenter:
    """One augmentation policy plus normalisation, applied to uint8 batches on their device.

    ``__call__(images, generator)`` augments and normalises a training batch;
    ``evaluate(images)`` only normalises.  Both return float32 (B, C, out_size, out_size),
    in ``channels_last`` memory format when asked for (faster convolutions on some devices).
    """

    def __init__(
        self,
        policy: Policy,
        dataset: ImageDataset,
        *,
        out_size: int | None = None,
        channels_last: bool = False,
        padding: int = 4,
        scale: tuple[float, float] = (0.08, 1.0),
        ratio: tuple[float, float] = (3 / 4, 4 / 3),
    ) -> None:
        """The augmenter for ``dataset``: its mean/std, and whether its classes survive flips.

        ``out_size`` defaults to the dataset's image size (it is :func:`prepare`'d already);
        ``padding`` is ``standard``'s, ``scale``/``ratio`` are ``ofa``'s RandomResizedCrop's.
        Only the dataset's statistics are kept, not its tensors.
        """
        if policy not in POLICIES:
            raise DatasetError(f"augmentation policy: {policy!r} not allowed; allowed: {', '.join(POLICIES)}")
        mean, std = tuple(float(m) for m in dataset.mean), tuple(float(s) for s in dataset.std)
        if any(not s > 0 for s in std):
            raise DatasetError(f"{dataset.name}: std {std} not allowed for normalising; allowed: values > 0")
        out_size = dataset.native_size if out_size is None else out_size
        if isinstance(out_size, bool) or not isinstance(out_size, int) or out_size < 1:
            raise DatasetError(f"out_size: {out_size!r} not allowed; allowed: integers >= 1")
        if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
            raise DatasetError(f"padding: {padding!r} not allowed; allowed: integers >= 0")
        if not 0 < scale[0] <= scale[1] <= 1:
            raise DatasetError(f"scale: {scale} not allowed; allowed: 0 < low <= high <= 1")
        if not 0 < ratio[0] <= ratio[1]:
            raise DatasetError(f"ratio: {ratio} not allowed; allowed: 0 < low <= high")
        self.policy: Policy = policy
        self.dataset_name = dataset.name
        self.mean = mean
        self.std = std
        self.flip = bool(dataset.flip)
        self.out_size = out_size
        self.padding = padding
        self.scale = (float(scale[0]), float(scale[1]))
        self.ratio = (float(ratio[0]), float(ratio[1]))
        self.channels_last = bool(channels_last)
        self._affine: dict[tuple[torch.device, float], tuple[torch.Tensor, torch.Tensor]] = {}
        self._boxes: dict[tuple[int, int, torch.device], tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}

    def __repr__(self) -> str:
        return (
            f"BatchAugmenter({self.policy!r}, {self.dataset_name!r}, out_size={self.out_size}, flip={self.flip}, "
            f"channels_last={self.channels_last})"
        )

    # ------------------------------------------------------------------ entry points

    def __call__(self, images: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """Augment (per ``policy``) and normalise a uint8 training batch."""
        self._check(images)
        if self.policy == "none":
            return self._finish(self._normalize(images))
        if generator is None:
            raise DatasetError(f"augmentation policy {self.policy!r} needs a torch.Generator, got None")
        if generator.device.type != images.device.type:
            raise DatasetError(
                f"augmentation: generator on {generator.device} but images on {images.device}; "
                "use a generator on the images' device"
            )
        if self.policy == "standard":
            return self._finish(self._normalize(self.standard(images, generator)))
        pixels = images.to(torch.float32).div_(255.0)  # as ToTensor: [0, 1], which the jitter clamps to
        return self._finish(self._normalize(self.ofa(pixels, generator), pixel_max=1.0))

    def evaluate(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Normalise only (test images are prepared to ``out_size`` already); ``generator`` is ignored."""
        self._check(images)
        return self._finish(self._normalize(images))

    # ------------------------------------------------------------------ policies

    def standard(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Policy ``standard``: random crop after ``padding`` zero pixels, plus flips iff ``flip``.

        Why: the usual CIFAR recipe (``RandomCrop(32, padding=4)`` + ``RandomHorizontalFlip``)
        that the papers' small-image baselines train with; it keeps the whole object in view,
        so even small subnets can fit it.  Flips only for datasets whose classes survive them
        (not digits).  uint8 in, uint8 out: one gather per batch, with the flip folded into
        the column index.
        """
        b, c, h, w = images.shape
        p = self.padding
        device = images.device
        padded = F.pad(images, (p, p, p, p)) if p else images
        hp, wp = h + 2 * p, w + 2 * p
        offsets = torch.randint(0, 2 * p + 1, (2, b), generator=generator, device=device)
        cols = torch.arange(w, device=device).expand(b, w)
        if self.flip:
            flips = torch.rand(b, generator=generator, device=device) < 0.5
            cols = torch.where(flips[:, None], (w - 1) - cols, cols)
        rows = offsets[0, :, None] + torch.arange(h, device=device)  # (B, H)
        cols = offsets[1, :, None] + cols  # (B, W)
        # One spatial index per image, shared by its channels (expand is free); gather is
        # several times faster than take or advanced indexing on CPU.
        index = ((rows * wp).view(b, h, 1) + cols.view(b, 1, w)).view(b, 1, h * w).expand(b, c, h * w)
        return torch.gather(padded.reshape(b, c, hp * wp), 2, index).view(b, c, h, w)

    def ofa(self, pixels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Policy ``ofa``: RandomResizedCrop(out_size, scale, ratio), a horizontal flip, ColorJitter.

        Why: once-for-all's training pipeline, which the paper's code keeps:
        ``RandomResizedCrop -> RandomHorizontalFlip -> ColorJitter(brightness=32/255,
        saturation=0.5) -> ToTensor -> Normalize``.  Sources: the paper's code
        (github Jordan-HS/RSS-Interference-CVPRW2022),
        ``ofa/imagenet_classification/data_providers/CIFAR100.py`` ``build_train_transform``
        lines 163-181 (the same lines in ``CIFAR10.py``; ``MNIST.py`` and ``FMNIST.py`` skip
        the Normalize), with ``args.distort_color = 'tf'`` (this ColorJitter) set in its
        ``main.py`` line 122;
        OFA's ``ofa/imagenet_classification/data_providers/imagenet.py``
        ``build_train_transform`` (lines 218-240 in the ``ofa`` 0.1.0 package).  Its recipe:
        ``scale=(0.08, 1)``, ``ratio=(3/4, 4/3)``, flip with probability 1/2 whatever the
        dataset.  So a benchmark can reproduce the published method's data side as well as
        its sampler.

        Boxes are drawn like torchvision's RandomResizedCrop (:meth:`ofa_boxes`), the jitter
        like its ColorJitter (:meth:`ofa_jitter_factors`), all images at once: two draws from
        ``generator`` per batch, in that order; :meth:`ofa_crop` and :meth:`ofa_jitter` apply
        them, a few batched tensor ops each.  Takes and returns float pixels in [0, 1]
        (``uint8 / 255``, as ``ToTensor``); ``__call__`` normalises afterwards, since the
        jitter clamps to [0, 1] and so must come before normalisation.
        """
        boxes = self.ofa_boxes(pixels, generator)
        factors = self.ofa_jitter_factors(pixels, generator)
        return self.ofa_jitter(self.ofa_crop(pixels, boxes), factors)

    def ofa_crop(self, images: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        """Float (B, C, H, W) -> (B, C, out_size, out_size): each image's box resampled, flipped as drawn.

        ``boxes`` are :meth:`ofa_boxes`'s rows.  Each box is resampled bilinearly to
        ``out_size`` (as torchvision's ``resized_crop`` does) by two batched matmuls with
        per-image interpolation matrices, the flip folded into the column matrix.  Linear, and
        the weights of each output pixel sum to one, so it commutes with any per-channel
        affine map (such as normalisation) up to float rounding.
        """
        b, c, h, w = images.shape
        top, left, ch, cw, flipped = boxes.to(images.dtype).unbind(dim=1)
        # Output positions k + 0.5; a flipped image reads its columns right to left.
        k = torch.arange(self.out_size, device=images.device, dtype=images.dtype) + 0.5
        k_cols = torch.where(flipped[:, None] > 0, self.out_size - k, k)
        if h == w:  # rows and columns in one call: (2B, out, size)
            starts, lengths = torch.cat([top, left]), torch.cat([ch, cw])
            weights = self._resize_weights(starts, lengths, h, torch.cat([k.expand(b, -1), k_cols]))
            rows, cols = weights[:b], weights[b:]
        else:
            rows, cols = self._resize_weights(top, ch, h, k.expand(b, -1)), self._resize_weights(left, cw, w, k_cols)
        # Columns first, as one bmm over (B, C*H, W) x (B, W, out); then rows, (B, out, H) x (B, C, H, out).
        resized_cols = torch.bmm(images.reshape(b, c * h, w), cols.transpose(1, 2)).view(b, c, h, self.out_size)
        return torch.matmul(rows[:, None], resized_cols)

    def ofa_jitter_factors(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """(B, 3) float32 rows (brightness, saturation, saturation_first): the jitter :meth:`ofa` draws.

        Per image, as torchvision's ``ColorJitter(brightness=32/255, saturation=0.5).get_params``:
        a brightness factor uniform in ``[1 - 32/255, 1 + 32/255]``, a saturation factor uniform
        in ``[0.5, 1.5]``, and the order of the two (``saturation_first`` 1.0 with probability
        1/2: torchvision applies them in the order of a fresh ``randperm(4)``, in which
        saturation's index precedes brightness's half the time).  One (B, 3) draw on the
        images' device; drawn whatever the channel count, so the stream does not depend on it.
        Public for tests and inspection: :meth:`ofa` draws exactly these, right after
        :meth:`ofa_boxes`, from the same generator.
        """
        draws = torch.rand((images.shape[0], 3), generator=generator, device=images.device)
        brightness = draws[:, 0].mul(2 * JITTER_BRIGHTNESS).add_(1 - JITTER_BRIGHTNESS)
        saturation = draws[:, 1].mul(2 * JITTER_SATURATION).add_(1 - JITTER_SATURATION)
        saturation_first = (draws[:, 2] < 0.5).to(torch.float32)
        return torch.stack([brightness, saturation, saturation_first], dim=1)

    def ofa_jitter(self, pixels: torch.Tensor, factors: torch.Tensor) -> torch.Tensor:
        """Float (B, C, H, W) in [0, 1] -> the same, jittered per :meth:`ofa_jitter_factors`'s rows.

        torchvision's tensor ops, in each image's order: brightness ``clamp(b * x, 0, 1)``
        (``adjust_brightness``), saturation ``clamp(s * x + (1 - s) * gray(x), 0, 1)`` with
        ``gray`` of :data:`GRAY_WEIGHTS` (``adjust_saturation``).  Both are channel mixes, so
        each step is one batched (B, C, C) x (B, C, H*W) matmul and a clamp, the order chosen
        per image by which matrix goes first.  Saturation applies to 3-channel images only:
        torchvision returns 1-channel images unchanged (and refuses other counts; here they
        get brightness only).

        What differs from torchvision's ColorJitter as OFA runs it (on PIL images): PIL
        rounds to uint8 after the crop and after each step (``ImageEnhance`` blends), each
        rounding moving a pixel by up to half a uint8 level, and its grayscale weighs red
        0.299; here every step stays in float32, with no rounding in between, exactly as
        torchvision's tensor ops (``adjust_brightness``/``adjust_saturation`` on float
        images, which the tests compare against to 1e-5).
        """
        b, c, h, w = pixels.shape
        factors = factors.to(pixels.dtype)
        brightness = factors[:, 0].view(b, 1, 1)
        if c != 3:
            return (pixels * brightness.view(b, 1, 1, 1)).clamp_(0.0, 1.0)
        eye = torch.eye(3, dtype=pixels.dtype, device=pixels.device)
        gray = torch.tensor(GRAY_WEIGHTS, dtype=pixels.dtype, device=pixels.device).expand(3, 3)  # every row: gray
        saturation = factors[:, 1].view(b, 1, 1)
        mix_brightness = brightness * eye  # (B, 3, 3)
        mix_saturation = torch.lerp(gray, eye, saturation)  # s * I + (1 - s) * 1 w^T
        saturation_first = factors[:, 2].view(b, 1, 1) > 0
        first = torch.where(saturation_first, mix_saturation, mix_brightness)
        second = torch.where(saturation_first, mix_brightness, mix_saturation)
        x = pixels.reshape(b, 3, h * w)
        x = torch.bmm(first, x).clamp_(0.0, 1.0)
        return torch.bmm(second, x).clamp_(0.0, 1.0).view(b, 3, h, w)

    def _resize_weights(self, start: torch.Tensor, length: torch.Tensor, size: int, k: torch.Tensor) -> torch.Tensor:
        """(N, out_size, size) bilinear weights resampling ``[start, start + length)`` to ``out_size``.

        Exactly ``F.interpolate(crop, mode="bilinear", align_corners=False)`` along one axis:
        output position ``k`` (pixel index + 0.5, (N, out_size)) reads source coordinate
        ``start + k * length / out_size - 0.5``, clamped to the crop, weighted by the hat
        function.  Batched matmuls with these matrices apply a whole batch's crops and
        resizes at once, with no sampling grid.
        """
        src = torch.addcmul((start - 0.5)[:, None], k, (length / self.out_size)[:, None])
        src = torch.minimum(torch.maximum(src, start[:, None]), (start + length - 1)[:, None])
        pixels = torch.arange(size, device=start.device, dtype=start.dtype)
        return (1.0 - (src[:, :, None] - pixels).abs_()).clamp_(min=0.0)

    def ofa_boxes(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """(B, 5) float32 rows (top, left, height, width, flipped): the boxes :meth:`ofa` draws.

        Each image gets ``RRC_TRIES`` candidate boxes (area uniform in ``scale`` times the
        image's, log aspect uniform in ``ratio``, sides rounded); the first that fits is
        placed uniformly at random, and an image with none gets the centered fallback box.
        Public for tests and inspection: :meth:`ofa` draws exactly these.
        """
        b, _, h, w = images.shape
        limits, fallback, scores = self._box_constants(h, w, images.device)
        log_lo, log_hi = math.log(self.ratio[0]), math.log(self.ratio[1])
        # One draw per batch, float32 (devices without float64, such as MPS, draw the same way):
        # per try an area fraction and a log aspect ratio; per image two offsets and a flip.
        draws = torch.rand((b, 2 * RRC_TRIES + 3), generator=generator, device=images.device)
        root_area = draws[:, :RRC_TRIES].mul((self.scale[1] - self.scale[0]) * h * w).add_(self.scale[0] * h * w).sqrt_()
        root_aspect = draws[:, RRC_TRIES : 2 * RRC_TRIES].mul(0.5 * (log_hi - log_lo)).add_(0.5 * log_lo).exp_()
        # (B, tries, 2) sides (h, w) = round(sqrt(area / aspect)), round(sqrt(area * aspect)), as torchvision.
        sides = torch.stack([root_area / root_aspect, root_area * root_aspect], dim=-1).round_()
        fits = ((sides >= 1) & (sides <= limits)).all(dim=-1)
        # The fallback as a last try that always fits; the first fitting try has the largest score.
        sides = torch.cat([sides, fallback.expand(b, 1, 2)], dim=1)
        fits = torch.cat([fits, fits.new_ones((b, 1))], dim=1)
        first = (fits * scores).argmax(dim=1)
        box = sides.gather(1, first.view(b, 1, 1).expand(b, 1, 2)).squeeze(1)  # (B, 2): h, w
        room = limits - box
        # Found: uniform over the room + 1 valid positions (as randint); fallback: centered.
        # u * (room + 1) can round up to room + 1 in float32 for u just below 1: keep boxes inside.
        corner = torch.where((first == RRC_TRIES)[:, None], 0.5 * room, draws[:, -3:-1] * (room + 1)).floor_()
        corner = torch.minimum(corner, room)
        flipped = (draws[:, -1:] < 0.5).to(torch.float32)
        return torch.cat([corner, box, flipped], dim=1)

    def _box_constants(self, h: int, w: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per image size and device: limits (h, w), the fallback box's sides, and try scores."""
        key = (h, w, device)
        if key not in self._boxes:
            fw, fh = self._fallback_box(h, w)
            self._boxes[key] = (
                torch.tensor([h, w], dtype=torch.float32, device=device),
                torch.tensor([fh, fw], dtype=torch.float32, device=device),
                torch.arange(RRC_TRIES + 1, 0, -1, device=device),
            )
        return self._boxes[key]

    def _fallback_box(self, h: int, w: int) -> tuple[float, float]:
        """torchvision's RandomResizedCrop fallback: the largest centered box within ``ratio``."""
        in_ratio = w / h
        if in_ratio < self.ratio[0]:
            return float(w), float(round(w / self.ratio[0]))
        if in_ratio > self.ratio[1]:
            return float(round(h * self.ratio[1])), float(h)
        return float(w), float(h)

    # ------------------------------------------------------------------ helpers

    def _check(self, images: torch.Tensor) -> None:
        if images.dtype != torch.uint8 or images.dim() != 4:
            raise DatasetError(f"augmentation: expected a uint8 (B, C, H, W) batch, got {images.dtype} {tuple(images.shape)}")
        if images.shape[1] != len(self.mean):
            raise DatasetError(
                f"augmentation: batch has {images.shape[1]} channels, {self.dataset_name}'s mean/std {len(self.mean)}"
            )
        if tuple(images.shape[-2:]) != (self.out_size, self.out_size):
            raise DatasetError(
                f"augmentation: batch images are {tuple(images.shape[-2:])}, expected ({self.out_size}, {self.out_size}); "
                "resize the dataset once with nasbench_rss.data.augment.prepare(dataset, out_size)"
            )

    def _normalize(self, images: torch.Tensor, pixel_max: float = 255.0) -> torch.Tensor:
        """(x / pixel_max - mean) / std as one multiply-add on a float32 copy (in place on a float32 batch)."""
        scale, shift = self._affine_on(images.device, pixel_max)
        return images.to(torch.float32).mul_(scale).add_(shift)

    def _affine_on(self, device: torch.device, pixel_max: float = 255.0) -> tuple[torch.Tensor, torch.Tensor]:
        key = (device, pixel_max)
        try:
            return self._affine[key]
        except KeyError:
            mean = torch.tensor(self.mean, dtype=torch.float64)
            std = torch.tensor(self.std, dtype=torch.float64)
            scale = (1.0 / (pixel_max * std)).to(torch.float32).view(1, -1, 1, 1).to(device)
            shift = (-mean / std).to(torch.float32).view(1, -1, 1, 1).to(device)
            self._affine[key] = (scale, shift)
            return scale, shift

    def _finish(self, out: torch.Tensor) -> torch.Tensor:
        return out.contiguous(memory_format=torch.channels_last) if self.channels_last else out
