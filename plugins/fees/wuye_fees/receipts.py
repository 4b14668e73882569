"""Receipts: numbers, and the receipt as .docx and .pdf (payments area)."""

from __future__ import annotations


def receipt_docx(payment) -> bytes:
    """The receipt of a payment (a journal row of kind "payment") as a Word document."""
    raise NotImplementedError


def receipt_pdf(payment) -> bytes:
    """The receipt of a payment as a PDF (STSong-Light: no font file shipped)."""
    raise NotImplementedError
