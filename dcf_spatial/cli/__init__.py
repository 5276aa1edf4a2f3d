"""The ``dcf`` command line: one module per command group, thin over the API."""
