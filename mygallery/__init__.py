"""UEC Knowledge Gallery: ask questions about Ultra Ethernet documents and get cited answers, offline by default."""

__version__ = "0.1.0"
