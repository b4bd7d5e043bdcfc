"""The three built-in protocols, every value cited to its source.

``ofa`` is Once-For-All's ``train_ofa_net.py`` recipe, ``paper-code`` what the paper's
published code ran, ``project`` this project's defaults (OFA's schedule with small-image
data handling, each departure with its reason).  docs/fidelity.md sets them side by side
with the paper's text; ``nasbench-rss protocols NAME`` prints one.

Citations: "OFA" is github mit-han-lab/once-for-all, "paper code" is github
Jordan-HS/RSS-Interference-CVPRW2022 (its ``ofa/`` is a modified copy of OFA's package).
"""

from __future__ import annotations

from nasbench_rss.protocols.base import Protocol, Setting
from nasbench_rss.samplers.progressive_shrinking import (
    DEFAULT_SUBNETS_PER_STEP,
    OFA_LR_DIVISORS,
    PAPER_CODE_LR_DIVISORS,
)

PS = "progressive-shrinking"

_OFA_CALIBRATION = {
    "recalibration_images": Setting(2000, "OFA run_manager.py:445-446 (reset_running_statistics subset_size=2000)"),
    "recalibration_batch_size": Setting(200, "OFA run_manager.py:445-446 (subset_batch_size=200)"),
    "calibration_transform": Setting(
        "train", "OFA data_providers/imagenet.py:267-283 (build_sub_train_loader uses build_train_transform)"
    ),
}

OFA = Protocol(
    name="ofa",
    description="Once-For-All's train_ofa_net.py recipe: per-task cosines with warm-ups, channel sorting, the trained full network as teacher",
    training={
        "init": Setting("he_fout", "OFA train_ofa_net.py:107 (model_init='he_fout'; my_modules.py:122-151)"),
        "augmentation": Setting(
            "ofa", "OFA train_ofa_net.py:112-113 (resize_scale 0.08, distort_color 'tf'); data_providers/imagenet.py:195-235"
        ),
        "label_smoothing": Setting(0.1, "OFA train_ofa_net.py:103"),
    },
    dataset={"valid_size": Setting(10000, "OFA train_ofa_net.py:97 (valid_size=10000 held out of training)")},
    evaluation=_OFA_CALIBRATION,
    sampler_options={
        PS: {
            "lr_schedule": Setting(
                "per-phase", "OFA train_ofa_net.py: each task is its own run with its own cosine (progressive_shrinking.py:239-241)"
            ),
            "lr_divisors": Setting(
                OFA_LR_DIVISORS,
                "OFA train_ofa_net.py:46,57,65,76,84 (3e-2, 2.5e-3, 7.5e-3, 2.5e-3, 7.5e-3 per GPU, x 32 GPUs at :164) "
                "against the full network's 2.6 (OFA paper, Cai et al. ICLR 2020): 2.6/0.96, 2.6/0.08, 2.6/0.24, ...",
            ),
            "warmup_epochs": Setting(
                None,
                "OFA train_ofa_net.py:47,58,66,77,85 (5, 0, 5, 0, 5 epochs at S = 180, at the task's own rate: "
                "warmup_lr = base_lr, :165-166); scaled by S/180",
            ),
            "subnets_per_step": Setting(DEFAULT_SUBNETS_PER_STEP, "OFA train_ofa_net.py:44,54,72 (dynamic_batch_size 1, 2, 4)"),
            "sort_channels": Setting(True, "OFA progressive_shrinking.py:339-354 (re_organize_middle_weights at each expand task)"),
            "fresh_optimizer": Setting(True, "OFA train_ofa_net.py: each task a new process and a new optimizer (:222-229)"),
            "teacher": Setting(
                "snapshot", "OFA train_ofa_net.py:207-216,235-238 (the trained full network, dropout_rate=0, loaded)"
            ),
            "kd_ratio": Setting(1.0, "OFA train_ofa_net.py:127 (kd_ratio=1.0, kd_type 'ce')"),
            "epoch_rounding": Setting("half-up", "OFA gives 120 and 25 epochs at S = 180 (train_ofa_net.py:45,56,64,75,83): no rounding to follow"),
        }
    },
)

PAPER_CODE = Protocol(
    name="paper-code",
    description="what the paper's published code ran: one global cosine's tail per shrinking task, no sorting, an untrained teacher",
    training={
        "init": Setting("he_fout", "paper code main.py:116 (model_init='he_fout'), run_manager.py:64-65"),
        "augmentation": Setting("ofa", "paper code main.py:121-122; data_providers/CIFAR100.py:163-176 (RandomResizedCrop + flip + tf jitter)"),
        "label_smoothing": Setting(0.0, "paper code main.py:112"),
    },
    dataset={"valid_size": Setting(10000, "paper code main.py:106; data_providers/base_provider.py:46-55")},
    evaluation={
        **_OFA_CALIBRATION,
        "recalibration_images": Setting(2000, "paper code run_manager.py:452 (subset_size=2000)"),
        "recalibration_batch_size": Setting(200, "paper code run_manager.py:452 (subset_batch_size=200)"),
        "calibration_transform": Setting("train", "paper code data_providers/CIFAR100.py:202-226 (build_train_transform, cached once)"),
    },
    sampler_options={
        PS: {
            "lr_schedule": Setting(
                "global-tail",
                "paper code main.py:42-90 (n_epochs = cumulative epochs), progressive_shrinking.py:196,121-123: "
                "each task resumes at its start epoch on one cosine spanning n_epochs",
            ),
            "lr_divisors": Setting(PAPER_CODE_LR_DIVISORS, "paper code main.py:43,55,64,75,84"),
            "warmup_epochs": Setting((0, 0, 0, 0, 0), "paper code main.py:44,56,65,76,85"),
            "subnets_per_step": Setting(DEFAULT_SUBNETS_PER_STEP, "paper code main.py:41,52,72"),
            "sort_channels": Setting(
                False, "paper code main.py:231 (args.resume = True) skips re_organize_middle_weights, progressive_shrinking.py:283-291"
            ),
            "fresh_optimizer": Setting(
                False,
                "paper code main.py:247,259,271 and run_manager.py:442-450 save the optimizer with each task's last "
                "checkpoint; run_manager.py:181-182 loads it into the next task: momentum carries over",
            ),
            "teacher": Setting(
                "untrained", "paper code main.py:189-194: MobileNetV3Large built, never loaded or initialised (dropout_rate=0)"
            ),
            "kd_ratio": Setting(1.0, "paper code main.py:49,61,70,81,89"),
            "epoch_rounding": Setting("half-even", "paper code main.py:42,54,63,74,83 (Python's round)"),
        }
    },
)

PROJECT = Protocol(
    name="project",
    description="OFA's schedule with small-image data handling; each departure from OFA has its reason (the default)",
    training={
        "init": Setting("he_fout", "as OFA and the paper's code (no reason to differ)"),
        "augmentation": Setting(
            "standard",
            "pad-4 random crop + flip where the class survives it: RandomResizedCrop at scale 0.08 keeps as little as "
            "9x9 of a 32x32 image, a recipe made for 224-pixel ImageNet",
        ),
        "label_smoothing": Setting(0.0, "the paper's text: cross-entropy loss"),
    },
    dataset={
        "valid_size": Setting(0, "nothing here uses a validation split (reports measure on the test set): a hold-out only shrinks training")
    },
    evaluation={
        "recalibration_images": Setting(2000, "as OFA (run_manager.py:445-446)"),
        "recalibration_batch_size": Setting(200, "as OFA (run_manager.py:445-446)"),
        "calibration_transform": Setting("test", "BN statistics from the inputs the subnet is tested on (no random augmentation)"),
    },
    sampler_options={
        PS: {
            **{key: setting for key, setting in OFA.sampler_options[PS].items()},
            "teacher": Setting("snapshot", "as OFA: the full network trained in the supernet phase, dropout 0"),
        }
    },
)

PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (OFA, PAPER_CODE, PROJECT)}
