"""intelcap.tokens (see DESIGN.md)."""

__all__: list[str] = []
