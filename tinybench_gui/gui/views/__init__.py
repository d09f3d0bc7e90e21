"""Read-only widgets: they render state and forward nothing but intent."""
