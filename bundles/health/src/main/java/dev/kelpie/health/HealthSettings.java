package dev.kelpie.health;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** ConfigAdmin configuration of the health checks, PID {@code dev.kelpie.health}. */
@ObjectClassDefinition(name = "Kelpie health checks", description = "Thresholds of the Kelpie health checks")
public @interface HealthSettings {
    String PID = "dev.kelpie.health";
    /** The tag of every Kelpie check: {@code hc:exec kelpie}, and what {@code GET /health} runs. */
    String TAG = "kelpie";

    @AttributeDefinition(name = "Memory warn (%)", description = "WARN when active actors hold this share of the memory "
            + "budget or more (1..100; default 90)")
    int memory__warn__percent() default 90;

    @AttributeDefinition(name = "Memory critical (%)", description = "CRITICAL when they hold this share or more "
            + "(1..100, at least the warn share; default 99)")
    int memory__critical__percent() default 99;

    @AttributeDefinition(name = "Starvation grace (s)", description = "An actor with queued messages that finished no "
            + "turn for its type's invocation timeout plus this many seconds means the workers are starved (default 10)")
    int starvation__grace__seconds() default 10;
}
