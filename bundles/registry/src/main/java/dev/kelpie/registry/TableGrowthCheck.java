package dev.kelpie.registry;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.AnnotatedInstruction;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.OpCode;
import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.module.ModuleRejectedException.Reason;
import java.util.List;

/**
 * Rejects a module whose code grows a table that has no declared maximum, or one above
 * {@code max_table_entries}. Chicory's {@code table.grow} stops only at the declared maximum, and without
 * one at 10 million entries (some 120 MB per instance, outside the memory budget); a table bounded by the
 * cap stays within it however often the guest grows it.
 */
final class TableGrowthCheck {
    private TableGrowthCheck() {}

    static void check(String module, WasmModule parsed, List<BinaryPrecheck.DeclaredTable> tables, int maxTableEntries) {
        var code = parsed.codeSection();
        if (code == null) {
            return;
        }
        int importedFunctions = parsed.importSection().count(ExternalType.FUNCTION);
        FunctionBody[] bodies = code.functionBodies();
        for (int f = 0; f < bodies.length; f++) {
            for (AnnotatedInstruction ins : bodies[f].instructions()) {
                if (ins.opcode() != OpCode.TABLE_GROW) {
                    continue;
                }
                long index = ins.operand(0);
                if (index < 0 || index >= tables.size()) {
                    continue; // an unknown table: validation reports it
                }
                BinaryPrecheck.DeclaredTable table = tables.get((int) index);
                if (!table.bounded(maxTableEntries)) {
                    throw new ModuleRejectedException(module, Reason.INVALID, "function " + (importedFunctions + f)
                            + " grows table " + index + " (entries " + table.limits() + ") with table.grow: a table"
                            + " that grows must declare a maximum of at most " + maxTableEntries + " entries"
                            + " (max_table_entries)");
                }
            }
        }
    }
}
