import type { FunctionSpec } from "../../local/graph/specs";

/** A function whose archive is one string asset (plus any files given): the runtime needs no recording to run it. */
export function inlineFunction(
    name: string,
    source: string,
    settings: Partial<Omit<FunctionSpec, "name" | "arn" | "code">> & { files?: Record<string, string> } = {},
): FunctionSpec {
    const { files = {}, ...rest } = settings;
    const assets = Object.fromEntries(Object.entries({ "index.js": source, ...files }).map(([file, text]) => [file, { asset: { text } }]));
    return {
        name,
        arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
        handler: "index.handler",
        runtime: "nodejs22.x",
        code: { archive: { assets } },
        timeout: 3,
        memorySize: 128,
        environment: {},
        logGroupName: `/aws/lambda/${name}`,
        logFormat: "Text",
        maximumRetryAttempts: 2,
        maximumEventAgeSeconds: 21_600,
        onFailure: [],
        ...rest,
    };
}
