package dev.kelpie.guest.wasi;

import static dev.kelpie.testsupport.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.ModuleInstantiationException;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.wasm.GuestEnvironment;
import dev.kelpie.guest.wasi.spi.WasiSettings;
import dev.kelpie.testsupport.Guests;
import dev.kelpie.testsupport.RecordingConsole;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A WASI guest's arguments, environment and directory, as a C guest on wasi-libc uses them
 * (wasm-modules/c/wasi-files), through the real waPC host: what it is given, read-only and writable
 * directories, escapes by {@code ..}, absolute paths and symbolic links made on the host side, the quota and
 * the open-file limit.
 */
@Timeout(60)
class GuestEnvironmentTest {
    private static final String ENOTCAPABLE = "errno=76";
    private static final String EROFS = "errno=69";
    private static final String EDQUOT = "errno=19";
    private static final String EMFILE = "errno=33";

    @TempDir
    Path temp;
    private Path dir;
    private Path secret;
    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);

    @BeforeEach
    void setUp() throws IOException {
        host.setConsole(new RecordingConsole());
        host.addGuestAdapter(new WasiAdapter(WasiSettings.DEFAULTS.withMaxOpenFiles(4)));
        dir = Files.createDirectories(temp.resolve("wasi/echo"));
        Files.writeString(dir.resolve("hello.txt"), "hello from the host");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/inner.txt"), "inner");
        secret = Files.writeString(temp.resolve("secret.txt"), "the host's secret");
    }

    private WapcInstance guest(GuestEnvironment environment) {
        return host.instantiate(Guests.c("wasi-files"), InstanceOptions.labelled("files-test").withGuestEnvironment(environment));
    }

    private GuestEnvironment readOnly() {
        return GuestEnvironment.NONE.withDirectory(dir.toString(), false);
    }

    private GuestEnvironment writable() {
        return GuestEnvironment.NONE.withDirectory(dir.toString(), true);
    }

    @Test
    void withoutAnEnvironmentTheGuestHasNoArgumentsNoVariablesAndNoFiles() {
        try (WapcInstance g = guest(GuestEnvironment.NONE)) {
            assertThat(call(g, "args", "")).isEmpty();
            assertThat(call(g, "env", "")).isEmpty();
            assertThat(call(g, "list", "/data")).startsWith("errno=");
            assertThat(call(g, "raw_open", "hello.txt")).isEqualTo("errno=8"); // EBADF: no fd 3
        }
    }

    @Test
    void argumentsAndVariablesReachTheGuestAsGiven() {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("GREETING", "hello world");
        vars.put("EMPTY", "");
        vars.put("EQ", "a=b");
        try (WapcInstance g = guest(GuestEnvironment.NONE.withArguments(List.of("echo", "--verbose", "ünïcode"))
                .withVariables(vars))) {
            assertThat(call(g, "args", "")).isEqualTo("echo|--verbose|ünïcode");
            assertThat(call(g, "env", "")).isEqualTo("GREETING=hello world|EMPTY=|EQ=a=b");
        }
    }

    @Test
    void aReadOnlyDirectoryIsListedAndReadButNeverChanged() throws IOException {
        try (WapcInstance g = guest(readOnly())) {
            assertThat(call(g, "list", "/data")).isEqualTo("hello.txt|sub");
            assertThat(call(g, "list", "/data/sub")).isEqualTo("inner.txt");
            assertThat(call(g, "read", "/data/hello.txt")).isEqualTo("hello from the host");
            assertThat(call(g, "read", "/data/sub/inner.txt")).isEqualTo("inner");
            assertThat(call(g, "read", "/data/./sub//inner.txt")).isEqualTo("inner");
            assertThat(call(g, "stat", "/data/hello.txt")).isEqualTo("size=19");
            assertThat(call(g, "read", "/data/missing.txt")).isEqualTo("errno=44");

            assertThat(call(g, "write", "/data/hello.txt\nchanged")).isEqualTo(EROFS);
            assertThat(call(g, "write", "/data/new.txt\nnew")).isEqualTo(EROFS);
            assertThat(call(g, "mkdir", "/data/newdir")).isEqualTo(EROFS);
            assertThat(call(g, "unlink", "/data/hello.txt")).isEqualTo(EROFS);
            assertThat(call(g, "rename", "/data/hello.txt\n/data/moved.txt")).isEqualTo(EROFS);
            assertThat(call(g, "symlink", "hello.txt\n/data/link")).isEqualTo(ENOTCAPABLE);
        }
        assertThat(Files.readString(dir.resolve("hello.txt"))).isEqualTo("hello from the host");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("hello.txt", "sub");
        }
    }

    @Test
    void aWritableDirectoryTakesFilesDirectoriesRenamesAndRemovals() throws IOException {
        try (WapcInstance g = guest(writable())) {
            assertThat(call(g, "write", "/data/out.txt\nwritten by the guest")).isEqualTo("ok");
            assertThat(call(g, "read", "/data/out.txt")).isEqualTo("written by the guest");
            assertThat(call(g, "mkdir", "/data/made")).isEqualTo("ok");
            assertThat(call(g, "rename", "/data/out.txt\n/data/made/moved.txt")).isEqualTo("ok");
            assertThat(call(g, "unlink", "/data/hello.txt")).isEqualTo("ok");
            assertThat(call(g, "list", "/data")).isEqualTo("made|sub");
            assertThat(call(g, "symlink", "made\n/data/link")).isEqualTo(ENOTCAPABLE);
        }
        assertThat(Files.readString(dir.resolve("made/moved.txt"))).isEqualTo("written by the guest");
        assertThat(dir.resolve("hello.txt")).doesNotExist();
    }

    @Test
    void dotDotAndAbsolutePathsAreRefusedWithEnotcapable() {
        for (GuestEnvironment env : List.of(readOnly(), writable())) {
            try (WapcInstance g = guest(env)) {
                // straight to path_open on fd 3, past wasi-libc's own path handling
                assertThat(call(g, "raw_open", "../secret.txt")).isEqualTo(ENOTCAPABLE);
                assertThat(call(g, "raw_open", "sub/../../secret.txt")).isEqualTo(ENOTCAPABLE);
                assertThat(call(g, "raw_open", "sub/../hello.txt")).isEqualTo(ENOTCAPABLE);
                assertThat(call(g, "raw_open", secret.toString())).isEqualTo(ENOTCAPABLE);
                assertThat(call(g, "raw_open", "/etc/passwd")).isEqualTo(ENOTCAPABLE);
                assertThat(call(g, "raw_open", "hello.txt")).isEqualTo("ok");
                // through the C library
                assertThat(call(g, "read", "/data/../secret.txt")).doesNotContain("secret").startsWith("errno=");
                assertThat(call(g, "read", secret.toString())).doesNotContain("secret").startsWith("errno=");
                assertThat(call(g, "write", "/data/../escaped.txt\nx")).startsWith("errno=");
            }
        }
        assertThat(temp.resolve("escaped.txt")).doesNotExist();
    }

    @Test
    void symbolicLinksMadeOnTheHostSideAreNeverFollowed() throws IOException {
        Files.createSymbolicLink(dir.resolve("link.txt"), secret);
        Files.createSymbolicLink(dir.resolve("linkdir"), temp);
        Files.createSymbolicLink(dir.resolve("inside"), dir.resolve("sub")); // even one pointing inside
        for (GuestEnvironment env : List.of(readOnly(), writable())) {
            try (WapcInstance g = guest(env)) {
                assertThat(call(g, "read", "/data/link.txt")).isEqualTo(ENOTCAPABLE);
                assertThat(call(g, "stat", "/data/link.txt")).isEqualTo(ENOTCAPABLE);
                assertThat(call(g, "raw_open", "link.txt")).isEqualTo(ENOTCAPABLE);
                assertThat(call(g, "read", "/data/linkdir/secret.txt")).isEqualTo(ENOTCAPABLE);
                assertThat(call(g, "list", "/data/linkdir")).isEqualTo(ENOTCAPABLE);
                assertThat(call(g, "read", "/data/inside/inner.txt")).isEqualTo(ENOTCAPABLE);
                assertThat(call(g, "write", "/data/link.txt\noverwritten")).isIn(ENOTCAPABLE, EROFS);
                assertThat(call(g, "write", "/data/linkdir/planted.txt\nx")).isIn(ENOTCAPABLE, EROFS);
                assertThat(call(g, "unlink", "/data/link.txt")).isIn(ENOTCAPABLE, EROFS);
                // listing shows the links as links, without looking through them
                assertThat(call(g, "list", "/data")).isEqualTo("hello.txt|inside|link.txt|linkdir|sub");
            }
        }
        assertThat(Files.readString(secret)).isEqualTo("the host's secret");
        assertThat(temp.resolve("planted.txt")).doesNotExist();
    }

    @Test
    void aWritableDirectoryHoldsNoMoreThanItsQuota() throws IOException {
        try (WapcInstance g = guest(writable().withDirectoryQuota(100_000))) {
            // hello.txt and sub/inner.txt (24 bytes) count too
            assertThat(call(g, "fill", "/data/a\n50000")).isEqualTo("ok");
            assertThat(call(g, "fill", "/data/b\n60000")).isEqualTo(EDQUOT);
            assertThat(Files.size(dir.resolve("b"))).isLessThanOrEqualTo(100_000 - 50_000);
            assertThat(call(g, "unlink", "/data/b")).isEqualTo("ok");
            assertThat(call(g, "fill", "/data/a\n90000")).isEqualTo("ok"); // truncating gives its bytes back
            assertThat(call(g, "unlink", "/data/a")).isEqualTo("ok");
            assertThat(call(g, "fill", "/data/b\n60000")).isEqualTo("ok");
            assertThat(call(g, "rename", "/data/b\n/data/c")).isEqualTo("ok");
            assertThat(call(g, "fill", "/data/d\n60000")).isEqualTo(EDQUOT);
        }
        // a second instance of the same directory shares the count
        try (WapcInstance g = guest(writable().withDirectoryQuota(100_000))) {
            assertThat(call(g, "fill", "/data/e\n60000")).isEqualTo(EDQUOT);
        }
    }

    @Test
    void anInstanceHoldsAtMostMaxOpenFiles() {
        try (WapcInstance g = guest(readOnly())) {
            assertThat(call(g, "open_many", "/data/hello.txt\n4")).isEqualTo("opened=4");
            assertThat(call(g, "open_many", "/data/hello.txt\n10")).isEqualTo("opened=4 " + EMFILE);
            assertThat(call(g, "open_many", "/data/hello.txt\n4")).isEqualTo("opened=4"); // closing frees them
        }
    }

    @Test
    void badPathsAreRefusedBeforeTheHostReadsThem() {
        try (WapcInstance g = guest(readOnly())) {
            assertThat(call(g, "raw_bytes", "hello.txt")).isEqualTo("ok");
            assertThat(call(g, "raw_at", "4294967040 100")).isEqualTo("errno=21"); // EFAULT: past the memory
            assertThat(call(g, "raw_at", "1024 5000")).isEqualTo("errno=37"); // ENAMETOOLONG: over 4 KiB
            assertThat(call(g, "raw_bytes", "hello.txt\0../x")).isEqualTo("errno=28"); // EINVAL: a NUL
        }
    }

    @Test
    void theFormOfAnEnvironmentIsCheckedWhenItIsMade() {
        assertThatThrownBy(() -> GuestEnvironment.NONE.withArguments(List.of("a\0b")))
                .hasMessage("WASI argument 'a\\0b' contains a NUL character");
        assertThatThrownBy(() -> GuestEnvironment.NONE.withVariables(Map.of("A-B", "x")))
                .hasMessageContaining("invalid WASI environment variable name 'A-B'");
        assertThatThrownBy(() -> GuestEnvironment.NONE.withVariables(Map.of("9A", "x")))
                .hasMessageContaining("invalid WASI environment variable name '9A'");
        assertThatThrownBy(() -> GuestEnvironment.NONE.withVariables(Map.of("A", "x\0")))
                .hasMessage("WASI environment variable A has a value containing a NUL character");
        assertThatThrownBy(() -> GuestEnvironment.NONE.withDirectory("", false)).hasMessageContaining("it is empty");
        assertThatThrownBy(() -> GuestEnvironment.NONE.withDirectory("a/../b", false)).hasMessageContaining("contains '..'");
        assertThatThrownBy(() -> GuestEnvironment.NONE.withDirectory("x".repeat(1025), false))
                .hasMessageContaining("longer than 1024 characters");
        assertThatThrownBy(() -> GuestEnvironment.NONE.withDirectory("d\0", false)).hasMessageContaining("NUL");
        assertThatThrownBy(() -> GuestEnvironment.NONE.withDirectoryQuota(5)).hasMessageContaining("needs a directory");
        assertThatThrownBy(() -> GuestEnvironment.NONE.withDirectory("d", true).withDirectoryQuota(-1))
                .hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> GuestEnvironment.parseVariable("NOEQ")).hasMessageContaining("is not NAME=value");

        GuestEnvironment e = GuestEnvironment.NONE.withArguments(List.of("ab", "é")).withVariables(Map.of("K", "v"));
        assertThat(e.entries()).isEqualTo(3);
        assertThat(e.bytes()).isEqualTo(3 + 3 + 4); // "ab\0", "é\0" (2 bytes + NUL), "K=v\0"
        assertThat(e.describe()).isEqualTo("args=[ab, é] env=[K=v]");
        assertThat(GuestEnvironment.NONE.describe()).isEqualTo("none");
    }

    @Test
    void aRelativeDirectoryIsRefusedAtInstantiation() {
        assertThatThrownBy(() -> guest(GuestEnvironment.NONE.withDirectory("files/echo", false)))
                .isInstanceOf(ModuleInstantiationException.class)
                .hasMessageContaining("files/echo")
                .hasMessageContaining("not an absolute host path");
    }

    @Test
    void aMissingDirectoryIsCreated() {
        Path fresh = temp.resolve("wasi/new/nested");
        try (WapcInstance g = guest(GuestEnvironment.NONE.withDirectory(fresh.toString(), true))) {
            assertThat(call(g, "write", "/data/x.txt\nx")).isEqualTo("ok");
        }
        assertThat(fresh.resolve("x.txt")).hasContent("x");
    }
}
