"""Sample streams: blocks, ring buffers, edge detection."""
