package dev.kelpie.guest.micropython;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MutabilityType;

/**
 * A MicroPython interpreter right after start-up and the prelude, before any actor's source: its linear
 * memory (up to its last non-zero byte) and its mutable globals (the stack pointer and bounds), plus where
 * the Java side keeps its buffers and the prelude's functions. Copying it into a new instance replaces
 * Emscripten's start-up, {@code mp_js_init}, {@code proxy_c_init} and running the prelude; the actor's source
 * still runs in every activation, so module-level code keeps its meaning (once per activation). Nothing
 * actor-specific is in it. Immutable; shared by the activations of every Python module of the same
 * interpreter code and adapter settings.
 */
final class InterpreterImage {
    private final int pages;
    private final byte[] memory;
    private final int[] globalIndexes;
    private final long[] globalValues;
    final int out;
    final int args;
    final int load;
    final int dispatch;

    private InterpreterImage(int pages, byte[] memory, int[] globalIndexes, long[] globalValues, int out, int args,
            int load, int dispatch) {
        this.pages = pages;
        this.memory = memory;
        this.globalIndexes = globalIndexes;
        this.globalValues = globalValues;
        this.out = out;
        this.args = args;
        this.load = load;
        this.dispatch = dispatch;
    }

    /** Takes the image of an instance that has just run its start-up and the prelude. */
    static InterpreterImage take(Instance instance, int out, int args, int load, int dispatch) {
        Memory m = instance.memory();
        int size = m.pages() * Memory.PAGE_SIZE;
        byte[] all = m.readBytes(0, size);
        int used = size;
        while (used > 0 && all[used - 1] == 0) {
            used--;
        }
        byte[] kept = java.util.Arrays.copyOf(all, used);
        int count = 0;
        for (int i = 0; i < instance.globalCount(); i++) {
            if (instance.global(i).getMutabilityType() == MutabilityType.Var) {
                count++;
            }
        }
        int[] indexes = new int[count];
        long[] values = new long[count];
        int n = 0;
        for (int i = 0; i < instance.globalCount(); i++) {
            if (instance.global(i).getMutabilityType() == MutabilityType.Var) {
                indexes[n] = i;
                values[n] = instance.global(i).getValue();
                n++;
            }
        }
        return new InterpreterImage(m.pages(), kept, indexes, values, out, args, load, dispatch);
    }

    /** The image's memory in pages (what an instance must be able to grow to). */
    int pages() {
        return pages;
    }

    /**
     * Copies the image into a fresh instance of the same module.
     *
     * @return false when the instance's memory cannot grow to the image's size (its limit is lower)
     */
    boolean restore(Instance instance) {
        Memory m = instance.memory();
        if (m.pages() < pages && m.grow(pages - m.pages()) < 0) {
            return false;
        }
        m.write(0, memory);
        for (int i = 0; i < globalIndexes.length; i++) {
            instance.global(globalIndexes[i]).setValue(globalValues[i]);
        }
        return true;
    }

    /** Bytes the image holds (memory copy). */
    int bytes() {
        return memory.length;
    }
}
