"""intelcap.growth (see DESIGN.md)."""

__all__: list[str] = []
