"""Training one cell: device and numerics, building, checkpoints, the loop and its observers.

    device.py      the device and the numerics (precision, memory format), shared with evaluation
    build.py       a cell's plugins, data, supernet and sampler, and its provenance
    checkpoint.py  checkpoints written atomically, read as data only
    loop.py        the epoch loop (Trainer)
    observers/     what is measured about training: exposure, timing, progress, TensorBoard
"""
