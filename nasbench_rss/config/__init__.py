"""What a cell is made of, as plain validated data: training and evaluation settings.

The bottom of the stack above errors and the search space: no torch, no plugins, so
suites, run directories, reports and dry runs read and write configs cheaply, and every
layer above (training, evaluation, the runner, suites) shares one definition.
"""
