"""Subnet samplers: which subnets a supernet trains at each epoch and step."""
