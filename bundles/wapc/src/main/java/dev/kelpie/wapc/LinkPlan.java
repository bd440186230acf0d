package dev.kelpie.wapc;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import dev.kelpie.api.module.ExternalKind;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleImport;
import dev.kelpie.api.wapc.ModuleInstantiationException;
import dev.kelpie.api.wasm.FunctionTypes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Which host function satisfies each import of one module, for one guest adapter: resolved once by name
 * and type, then applied to every new instance's own functions by position, with no lookups. An instance
 * whose adapter hands out functions of other names or types than the plan was made from gets a new plan
 * ({@link #fits}).
 */
final class LinkPlan {
    /** Per module import: the index into the binding's imports, or -(index + 1) into the wapc imports. */
    private final int[] sources;
    private final int bindingSize;
    private final int wapcSize;
    /** Per module import: the name and type the plan was resolved against. */
    private final String[] modules;
    private final String[] names;
    private final FunctionType[] types;

    private LinkPlan(int[] sources, int bindingSize, int wapcSize, String[] modules, String[] names,
            FunctionType[] types) {
        this.sources = sources;
        this.bindingSize = bindingSize;
        this.wapcSize = wapcSize;
        this.modules = modules;
        this.names = names;
        this.types = types;
    }

    /**
     * Resolves a module's imports against the functions available to one instance, the adapter's first.
     *
     * @param unlinkable what to say after the missing imports (the adapter, or why none fits)
     * @throws ModuleInstantiationException naming every import the host cannot satisfy
     */
    static LinkPlan resolve(ModuleDescriptor module, List<ImportFunction> binding, List<? extends ImportFunction> wapc,
            Supplier<String> unlinkable) {
        Map<String, Integer> available = new HashMap<>();
        for (int i = 0; i < binding.size(); i++) {
            available.put(key(binding.get(i).module(), binding.get(i).name()), i);
        }
        for (int i = 0; i < wapc.size(); i++) {
            available.put(key(wapc.get(i).module(), wapc.get(i).name()), -(i + 1));
        }
        List<ModuleImport> imports = module.imports();
        int[] sources = new int[imports.size()];
        String[] modules = new String[sources.length];
        String[] names = new String[sources.length];
        FunctionType[] types = new FunctionType[sources.length];
        List<String> missing = new ArrayList<>();
        for (int n = 0; n < sources.length; n++) {
            ModuleImport imp = imports.get(n);
            if (imp.kind() != ExternalKind.FUNCTION) {
                missing.add(imp.module() + "." + imp.name() + " (" + imp.kind().name().toLowerCase(Locale.ROOT)
                        + " " + imp.type() + ")");
                continue;
            }
            Integer source = available.get(key(imp.module(), imp.name()));
            if (source == null) {
                missing.add(imp.module() + "." + imp.name() + " " + imp.type());
                continue;
            }
            ImportFunction f = source >= 0 ? binding.get(source) : wapc.get(-source - 1);
            String signature = FunctionTypes.describe(f.paramTypes(), f.returnTypes());
            if (!signature.equals(imp.type())) {
                missing.add(imp.module() + "." + imp.name() + " " + imp.type() + " (the host has " + signature + ")");
                continue;
            }
            sources[n] = source;
            modules[n] = f.module();
            names[n] = f.name();
            types[n] = f.functionType();
        }
        if (!missing.isEmpty()) {
            throw new ModuleInstantiationException(module.label(), "it imports what the host cannot satisfy: "
                    + String.join(", ", missing) + "; " + unlinkable.get());
        }
        return new LinkPlan(sources, binding.size(), wapc.size(), modules, names, types);
    }

    private static String key(String module, String name) {
        return module + "\u0000" + name;
    }

    /** Whether one instance's functions have the names and types, in the positions, the plan was made from. */
    boolean fits(List<ImportFunction> binding, List<? extends ImportFunction> wapc) {
        if (binding.size() != bindingSize || wapc.size() != wapcSize) {
            return false;
        }
        for (int n = 0; n < sources.length; n++) {
            ImportFunction f = function(n, binding, wapc);
            if (!f.name().equals(names[n]) || !f.module().equals(modules[n]) || !types[n].equals(f.functionType())) {
                return false;
            }
        }
        return true;
    }

    /** One instance's functions in the module's import order. Only after {@link #fits}. */
    ImportFunction[] apply(List<ImportFunction> binding, List<? extends ImportFunction> wapc) {
        ImportFunction[] linked = new ImportFunction[sources.length];
        for (int n = 0; n < sources.length; n++) {
            linked[n] = function(n, binding, wapc);
        }
        return linked;
    }

    private ImportFunction function(int n, List<ImportFunction> binding, List<? extends ImportFunction> wapc) {
        int source = sources[n];
        return source >= 0 ? binding.get(source) : wapc.get(-source - 1);
    }
}
