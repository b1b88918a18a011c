"""Use cases. Each takes its ports as parameters; ``defaults`` wires the real adapters."""
