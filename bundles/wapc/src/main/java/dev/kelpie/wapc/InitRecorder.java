package dev.kelpie.wapc;

import com.dylibso.chicory.runtime.ImportFunction;

/**
 * Notes the first import an instance's initialisation calls, which makes its outcome depend on the world
 * (a clock, randomness, a host function, the environment) or have effects outside the instance (output):
 * such an init must run for every instance, so the module is not imaged. Records only while
 * {@link #recording}; an instance keeps its wrapped imports afterwards, which then only pass calls on.
 */
final class InitRecorder {
    private volatile boolean recording = true;
    private volatile String firstCall;

    /** Records that init called an import named {@code module.name}. */
    void called(String module, String name) {
        if (recording && firstCall == null) {
            firstCall = module + "." + name;
        }
    }

    /** Ends recording: init is over. */
    void stop() {
        recording = false;
    }

    /** The first import init called, as {@code module.name}, or null. */
    String firstCall() {
        return firstCall;
    }

    /** The same function, noting its calls during init. */
    ImportFunction watch(ImportFunction f) {
        String module = f.module();
        String name = f.name();
        var handle = f.handle();
        return new ImportFunction(module, name, f.functionType(), (instance, args) -> {
            called(module, name);
            return handle.apply(instance, args);
        });
    }
}
