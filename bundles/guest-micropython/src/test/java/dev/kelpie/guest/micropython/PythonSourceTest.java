package dev.kelpie.guest.micropython;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.UnknownCustomSection;
import dev.kelpie.api.module.ModuleRejectedException;
import org.junit.jupiter.api.Test;

/** The module a .py becomes, and the heap growth rule, without running the interpreter. */
class PythonSourceTest {
    @Test
    void theModuleIsTheInterpreterWithFewerInitialPagesAndTheSourceInACustomSection() {
        byte[] module = PythonSource.module("dir/counter.py", "def get(p):\n    return p\n".getBytes(UTF_8));
        WasmModule parsed = Parser.parse(module);
        assertThat(parsed.memorySection().orElseThrow().getMemory(0).limits().initialPages())
                .isEqualTo(PythonSource.INITIAL_PAGES);
        UnknownCustomSection section = (UnknownCustomSection) parsed.customSection(PythonSource.SECTION);
        PythonSource source = PythonSource.of(section.bytes());
        assertThat(source.name()).isEqualTo("counter.py");
        assertThat(new String(source.code(), UTF_8)).isEqualTo("def get(p):\n    return p\n");
        // the (lowered) interpreter followed by the section
        byte[] interpreter = PythonSource.interpreter();
        assertThat(java.util.Arrays.copyOf(module, interpreter.length)).isEqualTo(interpreter);
        assertThat(PythonSource.module("counter.py", "x = 1\n".getBytes(UTF_8)))
                .isNotEqualTo(PythonSource.module("counter.py", "x = 2\n".getBytes(UTF_8)));
    }

    @Test
    void theTrampolinesFindTheStackPointerGlobal() {
        // emscripten_stack_get_current is `global.get 0` in MicroPython 1.27's build
        assertThat(EmscriptenGlue.stackPointerIndex(Parser.parse(PythonSource.interpreter()))).isZero();
        assertThat(EmscriptenGlue.stackPointerIndex(Parser.parse(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0}))).isEqualTo(-1);
    }

    @Test
    void badSourcesAreRejectedNamingWhy() {
        assertThatThrownBy(() -> PythonSource.module("e.py", new byte[0])).isInstanceOf(ModuleRejectedException.class)
                .hasMessageContaining("e.py").hasMessageContaining("empty");
        assertThatThrownBy(() -> PythonSource.module("u.py", new byte[] {'x', (byte) 0xff}))
                .isInstanceOf(ModuleRejectedException.class).hasMessageContaining("not valid UTF-8");
        assertThatThrownBy(() -> PythonSource.module("n.py", new byte[] {'x', 0, 'y'}))
                .isInstanceOf(ModuleRejectedException.class).hasMessageContaining("NUL byte at offset 1");
        assertThat(PythonSource.baseName("a\\b/c\"d\n.py")).isEqualTo("c_d_.py");
    }

    @Test
    void theHeapGrowsWithinTheMemoryLimitOnly() {
        Memory memory = new ByteArrayMemory(new MemoryLimits(4, 10));
        assertThat(EmscriptenGlue.resizeHeap(memory, 4L * Memory.PAGE_SIZE)).isTrue();
        assertThat(memory.pages()).isEqualTo(4);
        assertThat(EmscriptenGlue.resizeHeap(memory, 5L * Memory.PAGE_SIZE + 1)).isTrue();
        assertThat(memory.pages()).isEqualTo(7); // six needed, a fifth more
        assertThat(EmscriptenGlue.resizeHeap(memory, 10L * Memory.PAGE_SIZE)).isTrue();
        assertThat(memory.pages()).isEqualTo(10);
        assertThat(EmscriptenGlue.resizeHeap(memory, 10L * Memory.PAGE_SIZE + 1)).isFalse();
        assertThat(memory.pages()).isEqualTo(10);
    }
}
