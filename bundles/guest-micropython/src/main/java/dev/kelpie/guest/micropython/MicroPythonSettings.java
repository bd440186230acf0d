package dev.kelpie.guest.micropython;

/**
 * How each Python activation's interpreter starts.
 *
 * @param heapBytes the initial size of MicroPython's garbage-collected heap; it grows on demand (a split
 *     heap) up to the instance's memory limit, past which Python raises MemoryError
 * @param pystackWords the size of MicroPython's Python stack in words (4 bytes each): it bounds the depth of
 *     Python calls, past which Python raises RuntimeError (maximum recursion depth exceeded)
 * @param memoryImage whether activations start from a copy of an interpreter that ran its start-up and the
 *     prelude ({@link InterpreterImage}) instead of running them
 */
record MicroPythonSettings(int heapBytes, int pystackWords, boolean memoryImage) {
    /** Default of {@link #heapBytes()}: 256 KiB. */
    static final int DEFAULT_HEAP_BYTES = 256 * 1024;
    /** Default of {@link #pystackWords()}: 8192 words (32 KiB), four times what MicroPython's JavaScript loader uses. */
    static final int DEFAULT_PYSTACK_WORDS = 8192;
    static final MicroPythonSettings DEFAULTS = new MicroPythonSettings(DEFAULT_HEAP_BYTES, DEFAULT_PYSTACK_WORDS, true);

    MicroPythonSettings withMemoryImage(boolean on) {
        return new MicroPythonSettings(heapBytes, pystackWords, on);
    }

    MicroPythonSettings {
        if (heapBytes < 16 * 1024 || heapBytes > 256 * 1024 * 1024) {
            throw new IllegalArgumentException("the MicroPython heap must be 16 KiB to 256 MiB, not " + heapBytes + " bytes");
        }
        if (pystackWords < 1024 || pystackWords > 1 << 20) {
            throw new IllegalArgumentException("the MicroPython pystack must be 1024 to 1048576 words, not " + pystackWords);
        }
    }
}
