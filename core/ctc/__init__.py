"""Connectionist temporal classification in numpy: the loss, its torch bridge, decoders and alignment."""
