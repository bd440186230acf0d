package dev.kelpie.registry;

import dev.kelpie.api.module.ModuleRejectedException;
import java.util.*;
import org.junit.jupiter.api.Test;

class ExploreTruncTest {
    @Test
    void explore() {
        byte[] rust = TestModules.bytes(TestModules.RUST);
        var ends = TestModules.sectionEnds(rust);
        System.out.println("ENDS " + ends);
        ChicoryModuleRegistry r = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
        Map<String, Integer> counts = new TreeMap<>();
        long t0 = System.nanoTime();
        for (int len = 0; len < rust.length; len++) {
            byte[] cut = Arrays.copyOf(rust, len);
            String k;
            try {
                var m = r.install("cut", cut);
                k = "OK";
                System.out.println("OK at " + len + " boundary=" + ends.contains(len));
                r.remove(m.descriptor().hash());
            } catch (ModuleRejectedException e) {
                k = e.reason().name();
                if (len % 997 == 0 || ends.contains(len)) System.out.println(len + " " + e.getMessage());
            } catch (Throwable e) {
                k = e.getClass().getName();
                System.out.println("OTHER at " + len + ": " + e);
            }
            counts.merge(k, 1, Integer::sum);
        }
        System.out.println("COUNTS " + counts + " in ms " + (System.nanoTime() - t0) / 1_000_000);
    }
}
