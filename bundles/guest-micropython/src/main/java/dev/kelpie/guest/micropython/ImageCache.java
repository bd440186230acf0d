package dev.kelpie.guest.micropython;

import com.dylibso.chicory.wasm.WasmModule;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The interpreter image of each parsed interpreter module, by identity (a {@link WasmModule}'s own equality
 * compares whole modules), holding the module weakly: an image goes once the registry drops every module of
 * that code. There is one entry per interpreter build in use, so a list is enough.
 */
final class ImageCache {
    private final List<Entry> entries = new ArrayList<>();

    private static final class Entry {
        final WeakReference<WasmModule> module;
        final InterpreterImage image;

        Entry(WasmModule module, InterpreterImage image) {
            this.module = new WeakReference<>(module);
            this.image = image;
        }
    }

    synchronized InterpreterImage get(WasmModule module) {
        for (Iterator<Entry> i = entries.iterator(); i.hasNext();) {
            Entry e = i.next();
            WasmModule m = e.module.get();
            if (m == null) {
                i.remove();
            } else if (m == module) {
                return e.image;
            }
        }
        return null;
    }

    /** Keeps the image unless the module has one already. */
    synchronized void offer(WasmModule module, InterpreterImage image) {
        if (get(module) == null) {
            entries.add(new Entry(module, image));
        }
    }

    synchronized int size() {
        get(null); // prunes
        return entries.size();
    }
}
