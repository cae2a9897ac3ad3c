"""intelcap.tokens: under construction; no public names yet."""

__all__: list[str] = []
