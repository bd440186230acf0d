package dev.kelpie.registry;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.kelpie.api.module.ModuleHash;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The build-time compiler for module bundles: compiles each module the way the registry does and writes
 * its code beside it as {@code NAME.wasm.compiled}, which the module extender offers to the registry
 * ({@link ChicoryModuleRegistry#offerCompiledCode}). The registry uses it only when the module's SHA-256
 * and the compiler (Chicory version and classes, options) match its own, else it compiles.
 *
 * <pre>
 * java -cp kelpie-registry.jar:kelpie-api.jar:kelpie-chicory.jar:asm*.jar dev.kelpie.registry.Precompile OUT_DIR [NAME=]MODULE.wasm...
 * </pre>
 *
 * writes {@code OUT_DIR/NAME.compiled} for each module ({@code NAME} defaults to the module's file name).
 */
public final class Precompile {

    private Precompile() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: Precompile OUT_DIR [NAME=]MODULE.wasm...");
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            Path wasm = Path.of(eq < 0 ? args[i] : args[i].substring(eq + 1));
            String name = eq < 0 ? wasm.getFileName().toString() : args[i].substring(0, eq);
            if (name.isEmpty() || name.contains("/") || name.contains("\\")) {
                throw new IllegalArgumentException("not a file name: '" + name + "' in " + args[i]);
            }
            long start = System.nanoTime();
            byte[] code = compile(Files.readAllBytes(wasm));
            Path target = out.resolve(name + CompiledCode.BUNDLE_SUFFIX);
            Path temp = out.resolve(target.getFileName() + ".tmp");
            Files.write(temp, code);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            System.out.printf("precompiled %s: %d bytes of code in %d ms%n", wasm, code.length,
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    /** A module's code in the form {@link ChicoryModuleRegistry#offerCompiledCode} takes. */
    public static byte[] compile(byte[] moduleBytes) {
        ModuleHash hash = ModuleHash.sha256(moduleBytes);
        WasmModule module = Parser.builder().withValidation(true).build().parse(() -> new ByteArrayInputStream(moduleBytes));
        AtomicReference<byte[]> classes = new AtomicReference<>();
        CodeCompiler.compile(module, new CodeCompiler.Code() {
            @Override
            public byte[] find() {
                return null;
            }

            @Override
            public void keep(byte[] compiled) {
                classes.set(compiled);
            }

            @Override
            public void discard(String why) {
            }
        });
        if (classes.get() == null) {
            throw new IllegalStateException("Chicory kept no classes for module " + hash.shortHex()
                    + " (is com.dylibso.chicory.wasm.Parser.DIGEST_ALGORITHM set to none?)");
        }
        return CompiledCode.wrap(hash, CompilerIdentity.current(), classes.get());
    }
}
