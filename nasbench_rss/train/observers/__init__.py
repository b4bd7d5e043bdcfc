"""What watches training: the TrainObserver protocol and the built-in observers."""
