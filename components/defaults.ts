import * as pulumi from "@pulumi/pulumi";

/**
 * Stack-wide defaults read from the `serverless-websockets:*` config namespace, so a program that imports the
 * components can set them per stack exactly as this project does in `Pulumi.<stack>.yaml`.
 */
const config = () => new pulumi.Config("serverless-websockets");

export const DEFAULT_ROUTE_SELECTION_EXPRESSION = "$request.body.action";
export const DEFAULT_LOG_RETENTION_DAYS = 14;
export const DEFAULT_THROTTLING = { burstLimit: 500, rateLimit: 1000 } as const;
export const DEFAULT_LAMBDA = { runtime: "nodejs22.x", architecture: "arm64", memorySize: 256, timeout: 10 } as const;
/** API Gateway's integration timeout for WebSocket APIs: a route function may not run longer. */
export const INTEGRATION_TIMEOUT_SECONDS = 29;

export function defaultStageName(): string {
    return config().get("stageName") ?? pulumi.getStack();
}

export function defaultLogRetentionInDays(): number {
    return config().getNumber("logRetentionInDays") ?? DEFAULT_LOG_RETENTION_DAYS;
}

export function defaultThrottling(): { burstLimit: number; rateLimit: number } {
    return {
        burstLimit: config().getNumber("throttlingBurstLimit") ?? DEFAULT_THROTTLING.burstLimit,
        rateLimit: config().getNumber("throttlingRateLimit") ?? DEFAULT_THROTTLING.rateLimit,
    };
}

export type ExecutionLoggingLevel = "OFF" | "ERROR" | "INFO";
export function defaultExecutionLoggingLevel(): ExecutionLoggingLevel {
    return config().get<ExecutionLoggingLevel>("executionLoggingLevel", { allowedValues: ["OFF", "ERROR", "INFO"] }) ?? "ERROR";
}

export type CloudWatchRoleMode = "create" | "existing";
export function defaultCloudWatchRoleMode(): CloudWatchRoleMode {
    return config().get<CloudWatchRoleMode>("apiGatewayCloudWatchRole", { allowedValues: ["create", "existing"] }) ?? "create";
}
