"""Ink: the one representation every pen source becomes, its file formats, UNIPEN, and per-point features."""
