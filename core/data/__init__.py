"""Data sets: letter sets, seed 001's word protocol, a-z words, classifier splits, .npy files, uploads."""
