"""Synthetic handwriting: stroke templates of letters and the renderer of augmented words."""
