"""Datasets held as uint8 tensors on the training device, with batched augmentation.

- :mod:`~nasbench_rss.data.source`: what a dataset plugin's factory returns, a ``DatasetSource``
  with ``info() -> DatasetInfo`` (shape, sizes, missing files; nothing loaded) and ``load()``.
- :mod:`~nasbench_rss.data.registry`: ``load_dataset(name, options)`` -> ``(ImageDataset, resolved options)``,
  ``dataset_info(name, options)`` -> ``(DatasetInfo, resolved options)``.
- :mod:`~nasbench_rss.data.subset`: ``apply_subsets`` / ``stratified_subset``, class-stratified.
- :mod:`~nasbench_rss.data.augment`: ``prepare(dataset, out_size)`` once, then
  ``BatchAugmenter`` (policies ``standard``, ``ofa``, ``none``) per batch.
- :mod:`~nasbench_rss.data.loader`: ``BatchLoader`` epochs over device tensors.
- Built-in datasets: :mod:`~nasbench_rss.data.torchvision_data` (mnist, fashion-mnist,
  cifar10, cifar100; their files: :mod:`~nasbench_rss.data.torchvision_files`) and
  :mod:`~nasbench_rss.data.synthetic`, registered by :mod:`~nasbench_rss.data.plugin`.

Nothing is imported here, so loading the plugin registry stays cheap.
"""
