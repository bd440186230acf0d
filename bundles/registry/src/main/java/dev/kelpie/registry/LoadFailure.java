package dev.kelpie.registry;

import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.MalformedException;
import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.module.ModuleRejectedException.Reason;

/**
 * Turns whatever loading a module threw into a {@link ModuleRejectedException} naming the module: the
 * loader never lets a raw exception out. Chicory's own verdicts keep their reason (malformed, invalid);
 * anything else is charged to the step that was running: a crash while parsing means the bytes are
 * malformed, while inspecting means they are inconsistent in a way validation missed, while compiling
 * means Chicory cannot compile them.
 */
final class LoadFailure {
    /** The steps of a load, in order. */
    enum Step {
        PRECHECK("pre-checked"), PARSE("parsed"), INSPECT("inspected"), COMPILE("compiled");

        private final String done;

        Step(String done) {
            this.done = done;
        }
    }

    private LoadFailure() {}

    static ModuleRejectedException reject(String module, Step step, Throwable e) {
        if (e instanceof ModuleRejectedException) {
            return (ModuleRejectedException) e;
        }
        if (e instanceof InvalidException) {
            return new ModuleRejectedException(module, Reason.INVALID, "fails validation: " + e.getMessage(), e);
        }
        if (e instanceof MalformedException) {
            return new ModuleRejectedException(module, Reason.MALFORMED, "truncated or malformed: " + e.getMessage(), e);
        }
        if (e instanceof StackOverflowError) {
            return new ModuleRejectedException(module, step == Step.COMPILE ? Reason.COMPILE_FAILED : Reason.INVALID,
                    "nested too deeply to be " + step.done + " (stack overflow)", e);
        }
        if (e instanceof OutOfMemoryError) {
            return new ModuleRejectedException(module, step == Step.COMPILE ? Reason.COMPILE_FAILED : Reason.INVALID,
                    "ran out of heap while being " + step.done + ": " + e.getMessage(), e);
        }
        switch (step) {
            case PRECHECK:
            case PARSE:
                return new ModuleRejectedException(module, Reason.MALFORMED, "cannot be parsed: " + e, e);
            case COMPILE:
                return new ModuleRejectedException(module, Reason.COMPILE_FAILED, "Chicory cannot compile it: " + e, e);
            default:
                return new ModuleRejectedException(module, Reason.INVALID, "inconsistent, cannot be " + step.done + ": " + e,
                        e);
        }
    }
}
