"""The command line, `python -m core <command>`: one module per group of commands."""
