"""planner: compare one-VM-per-service with dense container packing, priced from a sourced catalogue."""

__version__ = "0.1.0"
