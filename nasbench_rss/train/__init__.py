"""Training one cell: the loop and its observers, on a cell :mod:`nasbench_rss.runtime` built.

    loop.py        the epoch loop (Trainer)
    schedule.py    the learning rate as a pure function of the step
    optimizer.py   SGD with weight decay off BN parameters and biases
    observers/     what is measured about training: exposure, timing, progress, the probe, TensorBoard

Training never imports evaluation: what an observer needs of the evaluation settings
(the interference probe's buckets) it is handed in its :class:`~nasbench_rss.train.observers.base.TrainingRun`.
"""
