"""The two models (word reader, character classifier), their configs, checkpoints and the one read path."""
