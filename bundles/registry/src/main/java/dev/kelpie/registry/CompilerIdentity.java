package dev.kelpie.registry;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

/**
 * What decides the code Chicory's compiler emits for a module, besides the module's bytes: the Chicory
 * version, a fingerprint of the compiler's own classes as loaded (so a patched or rebuilt compiler of the
 * same version does not reuse old code), Kelpie's compile options, and the entry format. Compiled code is
 * reused only under exactly the same identity.
 */
final class CompilerIdentity {
    /** Kelpie's options for {@code MachineFactoryCompiler}: see {@code ChicoryModuleRegistry.compile}. */
    static final String OPTIONS = "fallback=SILENT";

    /** The compiler classes whose bytes make the fingerprint (the emitters and what drives them). */
    private static final List<String> COMPILER_CLASSES = List.of(
            "com/dylibso/chicory/compiler/MachineFactoryCompiler.class",
            "com/dylibso/chicory/compiler/internal/Compiler.class",
            "com/dylibso/chicory/compiler/internal/Emitters.class",
            "com/dylibso/chicory/compiler/internal/EmitterMap.class",
            "com/dylibso/chicory/compiler/internal/WasmAnalyzer.class",
            "com/dylibso/chicory/compiler/internal/CompilerUtil.class",
            "com/dylibso/chicory/compiler/internal/Shader.class",
            "com/dylibso/chicory/compiler/internal/ShadedRefs.class",
            "com/dylibso/chicory/compiler/internal/Shaded.class");

    private static final String CURRENT = compute();

    private CompilerIdentity() {}

    /** The identity of the compiler this registry runs, e.g. {@code chicory=1.7.5;compiler=3f2a..;fallback=SILENT}. */
    static String current() {
        return CURRENT;
    }

    static String chicoryVersion() {
        Properties p = new Properties();
        try (InputStream in = CompilerIdentity.class.getResourceAsStream("chicory.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // unknown: the fingerprint still tells compilers apart
        }
        return p.getProperty("chicory.version", "unknown");
    }

    private static String compute() {
        return "chicory=" + chicoryVersion() + ";compiler=" + fingerprint() + ";" + OPTIONS;
    }

    private static String fingerprint() {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
        ClassLoader loader = MachineFactoryCompiler.class.getClassLoader();
        for (String name : COMPILER_CLASSES) {
            sha.update(name.getBytes(StandardCharsets.UTF_8));
            try (InputStream in = loader == null ? null : loader.getResourceAsStream(name)) {
                if (in == null) {
                    sha.update((byte) 0); // missing: still a stable fingerprint
                } else {
                    sha.update(in.readAllBytes());
                }
            } catch (IOException e) {
                sha.update((byte) 1);
            }
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 8);
    }
}
