"""Complete, runnable examples: ``python -m minidl.examples.NAME``."""
