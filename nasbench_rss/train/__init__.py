"""The trainer: one cell (supernet x dataset x sampler x seed) to a trained supernet."""
