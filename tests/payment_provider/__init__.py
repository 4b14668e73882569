"""An example payment-provider plugin for the fees plugin (see example.py)."""
