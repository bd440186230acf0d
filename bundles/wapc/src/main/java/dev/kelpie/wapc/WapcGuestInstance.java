package dev.kelpie.wapc;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.OutputLimiter;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.GuestCallException.Kind;
import dev.kelpie.api.wapc.GuestConsole;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.wasm.GuestBinding;
import dev.kelpie.api.wasm.GuestEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One waPC instance: the guest's Chicory instance, the per-call protocol state, and the nine {@code wapc}
 * imports bound to that state. Calls are serialised by a lock; a call from the thread already inside a
 * call (a host function calling back into its own guest) is refused rather than deadlocking.
 */
final class WapcGuestInstance implements WapcInstance {
    private static final byte[] EMPTY = new byte[0];
    /** Why a closed instance refuses calls when it was closed by its owner (not after a failure). */
    private static final String CLOSED = "the instance was closed";
    /** Longest binding, namespace or operation name of a host call. */
    static final int MAX_NAME_BYTES = 1024;
    private static final FunctionType VOID_2 = FunctionType.of(List.of(ValType.I32, ValType.I32), List.of());
    private static final FunctionType VOID_1 = FunctionType.of(List.of(ValType.I32), List.of());
    private static final FunctionType I32_0 = FunctionType.of(List.of(), List.of(ValType.I32));
    private static final FunctionType HOST_CALL = FunctionType.of(
            List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32),
            List.of(ValType.I32));

    private final ModuleDescriptor module;
    private final String label;
    private final Object callerContext;
    private final java.util.Set<String> hostNamespaces;
    private final HostFunctionTable hostFunctions;
    private final GuestConsole console;
    private final int maxPayloadBytes;
    private final OutputLimiter output;
    private final long maxConsoleLineBytes;
    private final Duration callTimeout;
    private final CallTimer timer;
    private final MemoryAccount memoryAccount;
    private final ReentrantLock lock = new ReentrantLock();

    private Instance instance;
    private ExportFunction guestCall;
    /** Drives the guest instead of {@code __guest_call} when the adapter supplies one; else null. */
    private GuestEntry entry;
    private GuestBinding binding;
    private volatile String closedReason;
    /** Notes host calls and output of the init convention while an image may be taken; else null. */
    private InitRecorder initRecorder;
    /**
     * What the {@code wapc} imports of the Chicory instance call: this instance, or, once the Chicory instance
     * is recycled, the instance that adopted it. Set under the lock; guest code runs only under it.
     */
    private ImportTarget target = new ImportTarget(this);
    /** Where the Chicory instance goes when this instance is closed, or null (it is dropped). */
    private Recycler recycler;
    /** Whether the guest's last call (or init) returned normally: no guest code can be half-way through. */
    private boolean clean;

    // per-call protocol state, touched only by the thread holding the lock
    private boolean inCall;
    private String currentOperation = "";
    private byte[] requestOperation = EMPTY;
    private byte[] requestPayload = EMPTY;
    private byte[] response;
    private String guestError;
    private String payloadError;
    private byte[] hostResponse;
    private String hostError;
    /** binding/namespace/operation of the host call in progress (null: names unreadable or over the limit). */
    private String hostCallName;
    /** The last host call of this call, if it failed: "binding/namespace/operation" and why, bounded. */
    private String failedHostCall;

    private final java.util.function.Supplier<long[]> callGuest =
            () -> entry != null ? new long[] {entry.call(requestOperation.length, requestPayload.length)}
                    : guestCall.apply(requestOperation.length, requestPayload.length);

    // a one-entry cache of the last operation name's bytes: actors call the same operations again and again
    private String lastOperation = "";
    private byte[] lastOperationBytes = EMPTY;

    /**
     * @param memoryAccount the instance's share of {@link InstanceOptions#memoryBudget()}, or null without
     *     a budget; released with the instance
     */
    WapcGuestInstance(ModuleDescriptor module, InstanceOptions options, HostFunctionTable hostFunctions,
            GuestConsole console, WapcSettings settings, CallTimer timer, MemoryAccount memoryAccount) {
        this.module = module;
        this.label = options.label();
        this.callerContext = options.callerContext();
        this.hostNamespaces = options.hostNamespaces();
        this.hostFunctions = hostFunctions;
        this.console = console;
        this.maxPayloadBytes = options.maxPayloadBytes() >= 0 ? options.maxPayloadBytes() : settings.defaultMaxPayloadBytes();
        this.callTimeout = options.callTimeout();
        this.timer = timer;
        this.memoryAccount = memoryAccount;
        int lines = settings.outputLinesPerSecond();
        int bytes = settings.outputBytesPerSecond();
        if (lines == 0 && bytes == 0) {
            this.output = OutputLimiter.UNLIMITED;
            this.maxConsoleLineBytes = maxPayloadBytes;
        } else {
            String limit = (lines == 0 ? "" : lines + " lines/s") + (lines != 0 && bytes != 0 ? " and " : "")
                    + (bytes == 0 ? "" : bytes + " bytes/s") + " (burst " + WapcSettings.OUTPUT_BURST_SECONDS + " s)";
            OutputRateLimiter limiter = new OutputRateLimiter(lines, bytes, () -> console.log(module, label,
                    "output of module " + module.label() + ", instance '" + label + "' is over the limit of " + limit
                            + ": further lines are dropped and counted"));
            this.output = limiter;
            this.maxConsoleLineBytes = Math.min(maxPayloadBytes, limiter.maxLineBytes());
        }
    }

    /** What the guest adapter writes to (WASI output, aborts): the host's console, paced like the guest's own lines. */
    GuestConsole pacedConsole() {
        return (m, l, line) -> {
            if (output.tryEmit(line.length())) {
                console.log(m, l, line);
            }
        };
    }

    /** Has the init convention note its host calls and output in a recorder (before {@link #start}). */
    void recordInit(InitRecorder recorder) {
        this.initRecorder = recorder;
    }

    /**
     * Called once by the host instead of {@link #start} for an instance restored from a {@link MemoryImage}:
     * the state init would have produced is already in it, so no init runs.
     */
    void adopt(Instance chicoryInstance, GuestBinding guestBinding) {
        lock.lock();
        try {
            this.instance = chicoryInstance;
            this.binding = guestBinding;
            this.guestCall = chicoryInstance.export("__guest_call");
            this.clean = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called once by the host instead of {@link #start} for a recycled Chicory instance (scrubbed back to its
     * module's image): its {@code wapc} imports now call this instance.
     */
    void adopt(InstancePool.Pooled pooled, GuestBinding guestBinding) {
        lock.lock();
        try {
            this.instance = pooled.instance;
            this.binding = guestBinding;
            this.guestCall = pooled.guestCall;
            this.target = pooled.target;
            pooled.target.current = this;
            this.clean = true;
        } finally {
            lock.unlock();
        }
    }

    /** Has the Chicory instance offered for reuse when this instance is closed normally (see {@link Recycler}). */
    void recycleWith(Recycler r) {
        lock.lock();
        try {
            this.recycler = r;
        } finally {
            lock.unlock();
        }
    }

    /** Takes the Chicory instance of a closed {@link WapcGuestInstance} for reuse. */
    interface Recycler {
        /** Scrubs and pools the instance, or drops it. Called without any lock held. */
        void recycle(InstancePool.Pooled closed);
    }

    /** The indirection a recycled Chicory instance's imports call through, for the instance they serve now. */
    static final class ImportTarget {
        /** What the {@code wapc} imports call. */
        WapcGuestInstance current;
        /**
         * What the guest adapter's own imports call, by their index in the binding (the current instance's
         * binding; null entries while pooled), and their {@code module.name}, which a new binding must match.
         */
        com.dylibso.chicory.runtime.ImportFunction[] own = new com.dylibso.chicory.runtime.ImportFunction[0];
        String[] ownNames = new String[0];

        ImportTarget(WapcGuestInstance current) {
            this.current = current;
        }
    }

    /** The indirection this instance's imports call through (the pooled one after {@link #adopt}). */
    ImportTarget importTarget() {
        return target;
    }

    /** The Chicory instance, for tests (null once closed). */
    Instance chicoryInstance() {
        return instance;
    }

    /**
     * Called once by the host after Chicory built the instance: runs the init convention, or starts the
     * binding's {@link GuestEntry}, which then drives every call.
     */
    void start(Instance chicoryInstance, GuestBinding guestBinding) {
        this.instance = chicoryInstance;
        this.binding = guestBinding;
        this.entry = guestBinding.entry().orElse(null);
        this.guestCall = entry != null ? null : chicoryInstance.export("__guest_call");
        lock.lock();
        inCall = true;
        try {
            if (entry != null) {
                currentOperation = "_start";
                entry.start(chicoryInstance);
                return;
            }
            for (String init : List.of("_start", "_initialize", "wapc_init")) {
                if (module.exportsFunction(init)) {
                    currentOperation = init;
                    try {
                        chicoryInstance.export(init).apply();
                    } catch (WasiExitException e) {
                        if (e.exitCode() != 0) {
                            throw new IllegalStateException("the guest exited with code " + e.exitCode() + " in " + init, e);
                        }
                    }
                }
            }
            clean = true; // a guest that exited (code 0) in init is not recycled: its adapter's binding is not pure
        } finally {
            inCall = false;
            currentOperation = "";
            clearCallState();
            initRecorder = null;
            lock.unlock();
        }
    }

    private void noteInit(String name) {
        InitRecorder recorder = initRecorder;
        if (recorder != null) {
            recorder.called("wapc", name);
        }
    }

    /**
     * The nine {@code wapc} imports, bound to the protocol state of the instance their {@link ImportTarget}
     * names (this one until the Chicory instance is recycled).
     */
    List<HostFunction> wapcImports() {
        ImportTarget t = target;
        return List.of(
                new HostFunction("wapc", "__guest_request", VOID_2, (inst, args) -> t.current.guestRequest(inst, args)),
                new HostFunction("wapc", "__guest_response", VOID_2, (inst, args) -> t.current.guestResponse(inst, args)),
                new HostFunction("wapc", "__guest_error", VOID_2, (inst, args) -> t.current.guestError(inst, args)),
                new HostFunction("wapc", "__host_call", HOST_CALL, (inst, args) -> t.current.hostCallImport(inst, args)),
                new HostFunction("wapc", "__host_response_len", I32_0, (inst, args) -> t.current.hostResponseLen()),
                new HostFunction("wapc", "__host_response", VOID_1, (inst, args) -> t.current.hostResponse(inst, args)),
                new HostFunction("wapc", "__host_error_len", I32_0, (inst, args) -> t.current.hostErrorLen()),
                new HostFunction("wapc", "__host_error", VOID_1, (inst, args) -> t.current.hostErrorImport(inst, args)),
                new HostFunction("wapc", "__console_log", VOID_2, (inst, args) -> t.current.consoleLogImport(inst, args)));
    }

    private long[] guestRequest(Instance inst, long[] args) {
        Memory memory = inst.memory();
        int opPtr = checkedRange(memory, "__guest_request", args[0], requestOperation.length);
        int ptr = checkedRange(memory, "__guest_request", args[1], requestPayload.length);
        memory.write(opPtr, requestOperation);
        memory.write(ptr, requestPayload);
        return null;
    }

    private long[] guestResponse(Instance inst, long[] args) {
        Memory memory = inst.memory();
        String over = overPayloadLimit(memory, "__guest_response", "response", args[0], args[1]);
        response = over == null ? read(memory, "__guest_response", args[0], args[1]) : null;
        payloadError = over;
        return null;
    }

    private long[] guestError(Instance inst, long[] args) {
        Memory memory = inst.memory();
        String over = overPayloadLimit(memory, "__guest_error", "error message", args[0], args[1]);
        guestError = over != null ? over
                : new String(read(memory, "__guest_error", args[0], args[1]), StandardCharsets.UTF_8);
        return null;
    }

    private long[] hostCallImport(Instance inst, long[] args) {
        noteInit("__host_call");
        return new long[] {hostCall(inst.memory(), args)};
    }

    private long[] hostResponseLen() {
        return new long[] {hostResponse == null ? 0 : hostResponse.length};
    }

    private long[] hostResponse(Instance inst, long[] args) {
        if (hostResponse != null) {
            write(inst.memory(), "__host_response", args[0], hostResponse);
        }
        return null;
    }

    private long[] hostErrorLen() {
        return new long[] {hostError == null ? 0 : utf8(hostError).length};
    }

    private long[] hostErrorImport(Instance inst, long[] args) {
        if (hostError != null) {
            write(inst.memory(), "__host_error", args[0], utf8(hostError));
        }
        return null;
    }

    private long[] consoleLogImport(Instance inst, long[] args) {
        noteInit("__console_log");
        consoleLog(inst.memory(), args[0], args[1]);
        return null;
    }

    /**
     * Checks a buffer the guest hands the host against the payload limit, before anything is copied.
     *
     * @return null when within the limit, else the error naming import, length and limit
     */
    private String overPayloadLimit(Memory memory, String where, String what, long ptrArg, long lenArg) {
        long len = lenArg & 0xFFFF_FFFFL;
        checkedRange(memory, where, ptrArg, len);
        if (len <= maxPayloadBytes) {
            return null;
        }
        return where + ": the " + what + " of " + len + " bytes is over the payload limit of " + maxPayloadBytes
                + " bytes; nothing was copied";
    }

    /** One console line: paced, and cut to the line limit before it is copied out of the guest. */
    private void consoleLog(Memory memory, long ptrArg, long lenArg) {
        long len = lenArg & 0xFFFF_FFFFL;
        int ptr = checkedRange(memory, "__console_log", ptrArg, len);
        int kept = (int) Math.min(len, maxConsoleLineBytes);
        if (!output.tryEmit(kept)) {
            return;
        }
        byte[] bytes = kept == 0 ? EMPTY : memory.readBytes(ptr, kept);
        String line = kept == len ? new String(bytes, StandardCharsets.UTF_8)
                : Utf8.prefix(bytes) + "…(truncated: " + len + " bytes, limit " + kept + ")";
        console.log(module, label, line);
    }

    /** Longest host error quoted in a trap or guest-error message (characters). */
    static final int MAX_QUOTED_HOST_ERROR = 300;

    private int hostCall(Memory memory, long[] args) {
        hostCallName = null;
        failedHostCall = null;
        int rc = performHostCall(memory, args);
        if (rc != 1) {
            String why = hostError.length() > MAX_QUOTED_HOST_ERROR
                    ? hostError.substring(0, MAX_QUOTED_HOST_ERROR) + "…" : hostError;
            failedHostCall = (hostCallName == null ? "(names over the limit)" : hostCallName) + ", had failed: " + why;
        }
        return rc;
    }

    private int performHostCall(Memory memory, long[] args) {
        hostResponse = null;
        hostError = null;
        long payloadLength = args[7] & 0xFFFF_FFFFL;
        checkedRange(memory, "__host_call payload", args[6], payloadLength);
        String bindingName = name(memory, "binding", args[0], args[1]);
        String namespace = name(memory, "namespace", args[2], args[3]);
        String operation = name(memory, "operation", args[4], args[5]);
        if (bindingName == null || namespace == null || operation == null) {
            hostError = "__host_call: a binding, namespace or operation name is over the limit of " + MAX_NAME_BYTES
                    + " bytes (lengths " + (args[1] & 0xFFFF_FFFFL) + ", " + (args[3] & 0xFFFF_FFFFL) + ", "
                    + (args[5] & 0xFFFF_FFFFL) + "); nothing was copied";
            return 0;
        }
        hostCallName = bindingName + "/" + namespace + "/" + operation;
        if (payloadLength > maxPayloadBytes) {
            hostError = "__host_call: the payload of " + payloadLength + " bytes to " + bindingName + "/" + namespace
                    + "/" + operation + " is over the payload limit of " + maxPayloadBytes + " bytes; nothing was copied";
            return 0;
        }
        byte[] payload = read(memory, "__host_call payload", args[6], args[7]);
        if (!inCall) {
            hostError = "host calls are allowed only during a call from the host";
            return 0;
        }
        if (hostNamespaces != null && !hostNamespaces.contains(namespace)) {
            hostError = "host namespace '" + namespace + "' is not declared by module " + module.label()
                    + " (declared: " + String.join(", ", new java.util.TreeSet<>(hostNamespaces)) + ")";
            return 0;
        }
        dev.kelpie.api.host.HostFunction function = hostFunctions.find(bindingName, namespace, operation);
        if (function == null) {
            hostError = "no host function for binding '" + bindingName + "', namespace '" + namespace
                    + "', operation '" + operation + "'";
            return 0;
        }
        HostCall call = new HostCall(bindingName, namespace, operation, payload, module, label, callerContext, output);
        GuestEntry driver = entry;
        try {
            // A guest driven by an entry runs on a thread of its own: the function runs on the caller's.
            byte[] result = driver == null ? function.call(call) : driver.onCallerThread(() -> function.call(call));
            hostResponse = result == null ? EMPTY : result;
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            hostError = "host function " + bindingName + "/" + namespace + "/" + operation + " was interrupted";
            return 0;
        } catch (Exception | LinkageError | AssertionError e) {
            String message = e.getMessage();
            hostError = message == null || message.isBlank() ? e.getClass().getName() : message;
            return 0;
        }
    }

    @Override
    public byte[] invoke(String operation, byte[] payload) {
        String op = operation == null ? "" : operation;
        if (op.isEmpty()) {
            throw failure(Kind.REFUSED, op, "the operation name is empty", null);
        }
        enter(op);
        try {
            if (!op.equals(lastOperation)) {
                lastOperationBytes = utf8(op);
                lastOperation = op;
            }
            requestOperation = lastOperationBytes;
            requestPayload = payload == null ? EMPTY : payload;
            long[] result = guarded(op, callGuest);
            int rc = (int) result[0];
            if (payloadError != null) {
                throw failure(Kind.GUEST_ERROR, op, payloadError, null);
            }
            if (guestError != null) {
                throw failure(Kind.GUEST_ERROR, op, guestError, null);
            }
            if (rc != 1) {
                throw failure(Kind.GUEST_ERROR, op, "__guest_call returned " + rc + " without an error message", null);
            }
            return response == null ? EMPTY : response;
        } finally {
            leave();
        }
    }

    @Override
    public boolean callExport(String exportName) {
        if (exportName == null || entry != null || !module.exportsFunction(exportName)
                || !module.export(exportName).get().type().equals("() -> ()")) {
            return false;
        }
        enter(exportName);
        try {
            guarded(exportName, () -> instance.export(exportName).apply());
            return true;
        } finally {
            leave();
        }
    }

    /** Takes the instance for one call: refuses re-entry and closed instances. */
    private void enter(String op) {
        if (lock.isHeldByCurrentThread()) {
            throw failure(Kind.REFUSED, op, "re-entrant call: this thread is already inside operation '"
                    + currentOperation + "' of the same instance", null);
        }
        lock.lock();
        if (closedReason != null) {
            String reason = closedReason;
            lock.unlock();
            throw failure(Kind.CLOSED, op, reason, null);
        }
        currentOperation = op;
        inCall = true;
        clean = false;
    }

    private void leave() {
        inCall = false;
        currentOperation = "";
        clearCallState();
        InstancePool.Pooled reusable = closedReason != null ? release() : null;
        lock.unlock();
        if (reusable != null) {
            recycler.recycle(reusable);
        }
    }

    /**
     * Runs guest code under the call timeout, turning what it throws into a GuestCallException (closing the
     * instance where needed). A call the timer interrupted is reported as such however the guest ended.
     */
    private long[] guarded(String op, java.util.function.Supplier<long[]> guestCode) {
        CallTimer.Deadline deadline;
        try {
            deadline = timer.start(callTimeout);
        } catch (IllegalStateException e) {
            throw failure(Kind.REFUSED, op, e.getMessage(), null);
        }
        long[] result = null;
        Throwable failed = null;
        boolean timedOut;
        try {
            result = guestCode.get();
        } catch (RuntimeException | StackOverflowError e) {
            failed = e;
        } finally {
            timedOut = deadline != null && deadline.finish();
        }
        if (timedOut) {
            throw closeAfter(Kind.INTERRUPTED, op, deadline.describe(), failed);
        }
        if (failed != null) {
            throw translate(op, failed);
        }
        clean = true;
        return result;
    }

    private GuestCallException translate(String op, Throwable e) {
        if (e instanceof GuestAbiViolation) {
            return closeAfter(Kind.ABI_VIOLATION, op, e.getMessage(), e);
        }
        if (e instanceof ChicoryInterruptedException) {
            return closeAfter(Kind.INTERRUPTED, op, "the call's thread was interrupted", e);
        }
        if (e instanceof WasiExitException) {
            return closeAfter(Kind.TRAP, op, "the guest exited with code " + ((WasiExitException) e).exitCode(), e);
        }
        if (e instanceof StackOverflowError) {
            return closeAfter(Kind.TRAP, op, "call stack exhausted (unbounded recursion?)", e);
        }
        if (e instanceof GuestCallException) {
            return (GuestCallException) e;
        }
        if (e instanceof ChicoryException || e instanceof ArithmeticException || e instanceof IndexOutOfBoundsException
                || e instanceof NegativeArraySizeException) {
            return closeAfter(Kind.TRAP, op, trapMessage((RuntimeException) e), e);
        }
        return closeAfter(Kind.TRAP, op, "the host failed inside the call: " + e, e);
    }

    private static String trapMessage(RuntimeException e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return message;
    }

    private GuestCallException closeAfter(Kind kind, String op, String detail, Throwable cause) {
        closedReason = "closed after " + (kind == Kind.TRAP ? "a trap" : kind == Kind.INTERRUPTED ? "an interrupt"
                : "a waPC ABI violation") + " in operation '" + op + "': " + detail;
        return failure(kind, op, detail, cause);
    }

    private GuestCallException failure(Kind kind, String op, String detail, Throwable cause) {
        return new GuestCallException(kind, module.label(), label, op, withFailedHostCall(kind, detail), cause);
    }

    /**
     * A trap or guest error right after a failed host call says which host call failed and why (the guest's
     * console may be the only other place that shows it), unless the guest's own message quotes it already.
     */
    private String withFailedHostCall(Kind kind, String detail) {
        String failed = failedHostCall;
        if (failed == null || (kind != Kind.TRAP && kind != Kind.GUEST_ERROR)
                || (hostError != null && detail.contains(hostError))) {
            return detail;
        }
        return detail + "; the last host call, " + failed;
    }

    private void clearCallState() {
        requestOperation = EMPTY;
        requestPayload = EMPTY;
        response = null;
        guestError = null;
        payloadError = null;
        hostResponse = null;
        hostError = null;
        hostCallName = null;
        failedHostCall = null;
    }

    private int checkedRange(Memory memory, String where, long ptrArg, long length) {
        long ptr = ptrArg & 0xFFFF_FFFFL;
        long size = (long) memory.pages() * Memory.PAGE_SIZE;
        if (ptr + length > size) {
            throw new GuestAbiViolation(where + ": range [" + ptr + ", " + (ptr + length) + ") is outside the guest's "
                    + size + " bytes of memory");
        }
        return (int) ptr;
    }

    private byte[] read(Memory memory, String where, long ptrArg, long lenArg) {
        long len = lenArg & 0xFFFF_FFFFL;
        int ptr = checkedRange(memory, where, ptrArg, len);
        return len == 0 ? EMPTY : memory.readBytes(ptr, (int) len);
    }

    /** A name of a host call (binding, namespace, operation), or null when it is over {@link #MAX_NAME_BYTES}. */
    private String name(Memory memory, String what, long ptr, long lenArg) {
        String where = "__host_call " + what;
        long len = lenArg & 0xFFFF_FFFFL;
        checkedRange(memory, where, ptr, len);
        return len > MAX_NAME_BYTES ? null : new String(read(memory, where, ptr, len), StandardCharsets.UTF_8);
    }

    private void write(Memory memory, String where, long ptrArg, byte[] bytes) {
        int ptr = checkedRange(memory, where, ptrArg, bytes.length);
        memory.write(ptr, bytes);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public ModuleDescriptor module() {
        return module;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public int memoryPages() {
        Instance i = instance;
        return i == null ? 0 : i.memory().pages();
    }

    @Override
    public long droppedOutputLines() {
        return output.droppedLines();
    }

    @Override
    public boolean isClosed() {
        return closedReason != null;
    }

    @Override
    public void close() {
        if (closedReason == null) {
            closedReason = CLOSED;
        }
        // A call in flight on another thread finishes and releases; otherwise release now.
        if (lock.tryLock()) {
            InstancePool.Pooled reusable;
            try {
                reusable = release();
            } finally {
                lock.unlock();
            }
            if (reusable != null) {
                recycler.recycle(reusable); // scrubbing, off the lock
            }
        }
    }

    /**
     * Gives back what the instance holds; once only (the Chicory instance is gone afterwards).
     *
     * @return the Chicory instance for the {@link #recycler}, when it may be reused: a recycler is set, the
     *     instance was closed (not after a trap, interrupt or ABI violation) and its last call returned; else null
     */
    private InstancePool.Pooled release() {
        if (memoryAccount != null) {
            memoryAccount.releaseAll();
        }
        GuestBinding b = binding;
        Instance i = instance;
        InstancePool.Pooled reusable = recycler != null && i != null && clean && CLOSED.equals(closedReason)
                ? new InstancePool.Pooled(i, guestCall, target) : null;
        binding = null;
        instance = null;
        guestCall = null;
        // entry stays: a guest thread that has not ended yet must still relay host calls, never run them itself
        if (b != null) {
            try {
                b.close();
            } catch (Exception e) {
                console.log(module, label, "guest adapter failed to close: " + e);
            }
        }
        return reusable;
    }
}
