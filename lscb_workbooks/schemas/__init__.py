"""The shipped specs and the register of authorities: data files, read with importlib.resources or by path."""
