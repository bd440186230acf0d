package dev.kelpie.demo;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.kelpie.api.KelpieException;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.embedded.Kelpie;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads waPC guests through Kelpie's embedding API and invokes them. With no arguments it runs the
 * example Rust and AssemblyScript guests; with {@code <file.wasm> <operation> [payload]} it runs one.
 */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) throws IOException {
        try (Kelpie kelpie = Kelpie.builder()
                .hostFunction("demo", "time", call -> LocalTime.now().withNano(0).toString().getBytes(UTF_8))
                .hostFunction("demo", "shout", call -> new String(call.payload(), UTF_8).toUpperCase().getBytes(UTF_8))
                .console((module, label, line) -> System.out.println("  [" + module.name() + " " + label + "] " + line))
                .build()) {
            if (args.length >= 2) {
                System.exit(runOne(kelpie, args));
            }
            for (String guest : List.of("rust", "assemblyscript")) {
                Kelpie.Module module = kelpie.load(guest + "-testbed.wasm", resource("/wasm/" + guest + "/testbed.wasm"));
                describe(module.descriptor());
                try (WapcInstance instance = module.instantiate(guest + "-demo")) {
                    show(instance, "echo", "hello, waPC");
                    show(instance, "host_call", "kelpie\ndemo\nshout\nguests can call the host");
                    show(instance, "host_call", "kelpie\ndemo\ntime\n");
                    show(instance, "fib", "25");
                    show(instance, "log", "a line for the host's console");
                    show(instance, "fail", "on purpose");
                    show(instance, "no_such_operation", "");
                }
                System.out.println();
            }
        }
    }

    private static int runOne(Kelpie kelpie, String[] args) {
        try (WapcInstance instance = kelpie.load(Path.of(args[0])).instantiate("cli")) {
            byte[] answer = instance.invoke(args[1], args.length > 2 ? args[2].getBytes(UTF_8) : new byte[0]);
            System.out.println(new String(answer, UTF_8));
            return 0;
        } catch (KelpieException e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }

    private static void describe(ModuleDescriptor d) {
        List<String> imports = new ArrayList<>();
        d.imports().forEach(i -> imports.add(i.module() + "." + i.name()));
        System.out.printf("%s: %d bytes, sha256 %s, language %s, compiled in %d ms%n  imports %s%n",
                d.name(), d.sizeBytes(), d.hash().shortHex(), d.guestLanguage(), d.compileMillis(), imports);
    }

    private static void show(WapcInstance instance, String operation, String payload) {
        String shown = payload.replace("\n", "\\n");
        try {
            long start = System.nanoTime();
            String answer = new String(instance.invoke(operation, payload.getBytes(UTF_8)), UTF_8);
            System.out.printf("  %-10s %-45s -> %s (%d µs)%n", operation, shown, answer, (System.nanoTime() - start) / 1000);
        } catch (KelpieException e) {
            System.out.printf("  %-10s %-45s -> error: %s%n", operation, shown, e.getMessage());
        }
    }

    private static byte[] resource(String path) throws IOException {
        try (InputStream in = Demo.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("missing " + path);
            }
            return in.readAllBytes();
        }
    }
}
