import type { FunctionSpec } from "../../local/graph/specs";
import type { Invoker } from "../../local/services/lambda/invoke-api";
import type { InvokeOutcome } from "../../local/services/lambda/runtime";

/** A Lambda runtime stand-in that records what the Invoke API hands it; `reset()` between tests. */
export class RecordingInvoker implements Invoker {
    readonly asyncEvents: { name: string; event: unknown }[] = [];
    readonly functions = new Set<string>();
    result: InvokeOutcome = { ok: true, value: { answered: true }, durationMs: 1 };

    constructor() {
        this.reset();
    }

    reset(): void {
        this.asyncEvents.length = 0;
        this.functions.clear();
        this.functions.add("worker");
        this.result = { ok: true, value: { answered: true }, durationMs: 1 };
    }

    find(reference: string): FunctionSpec | undefined {
        const name = reference.replace(/^arn:aws:lambda:[^:]+:\d+:function:/, "");
        return this.functions.has(name) ? ({ name } as FunctionSpec) : undefined;
    }

    async invoke(): Promise<InvokeOutcome> {
        return this.result;
    }

    invokeAsync(name: string, event: unknown): void {
        this.asyncEvents.push({ name, event });
    }
}
