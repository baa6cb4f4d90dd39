"""Engine subpackage: the parsing building blocks (such as PDF text extraction) the document loaders use."""
