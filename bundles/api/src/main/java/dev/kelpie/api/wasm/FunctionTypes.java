package dev.kelpie.api.wasm;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The text form of function types in module descriptors and messages: {@code (i32, i32) -> (i32)}, with
 * {@code ()} for no parameters or results.
 */
public final class FunctionTypes {
    private FunctionTypes() {}

    public static String describe(FunctionType type) {
        return describe(type.params(), type.returns());
    }

    public static String describe(List<ValType> params, List<ValType> results) {
        return "(" + join(params) + ") -> (" + join(results) + ")";
    }

    private static String join(List<ValType> types) {
        return types.stream().map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
    }
}
