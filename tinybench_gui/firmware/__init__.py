"""Reference firmware support: the .tflite -> C generator, the build driver and the emulated board.

The C sources live in ``firmware/`` at the top of the repository; this package turns a model into
C (:mod:`.codegen`), runs ``make`` (:mod:`.build`) and starts QEMU (:mod:`.emulator`).
"""
