"""HDF5 run files: layout, writer, reader."""
