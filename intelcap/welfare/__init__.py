"""intelcap.welfare (see DESIGN.md)."""

__all__: list[str] = []
