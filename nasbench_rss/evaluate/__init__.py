"""Population evaluation: subnets per MFLOP bucket, BN recalibration, test accuracy."""
