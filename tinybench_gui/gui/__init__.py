"""The workstation GUI: the only package that imports Qt."""
