import type { ResourceGraph } from "../../graph/resource-graph";
import type { ApiSpec, FunctionSpec, RouteSpec } from "../../graph/specs";
import { requestLine } from "../lambda/request-log";
import type { InvokeOutcome } from "../lambda/runtime";
import type { GatewayLimits } from "./limits";

/** What the gateway needs of the Lambda runtime: its functions, and running one synchronously. */
export interface GatewayLambda {
    find(reference: string): FunctionSpec | undefined;
    invoke(reference: string, event: unknown): Promise<InvokeOutcome>;
}

export type IntegrationResult = { kind: "ok"; value: unknown } | { kind: "error"; detail: string } | { kind: "timeout" };

/**
 * A route's Lambda proxy integration, as API Gateway runs it: only with a `lambda.Permission` that matches the
 * route (B6), and bounded by the integration timeout (B7). The gateway never sees the function itself.
 */
export class LambdaProxyIntegration {
    constructor(
        private readonly options: {
            api: ApiSpec;
            graph: ResourceGraph;
            lambda: GatewayLambda;
            limits: GatewayLimits;
            log: (line: string) => void;
        },
    ) {}

    async invoke(route: RouteSpec, event: unknown): Promise<IntegrationResult> {
        const { api, graph, lambda, limits, log } = this.options;
        const fn = route.integrationUri ? lambda.find(route.integrationUri) : undefined;
        if (!fn) {
            log(`${api.name} ${route.routeKey}: the route has no Lambda proxy integration the local cloud can run`);
            return { kind: "error", detail: "no integration" };
        }
        const sourceArn = `${api.executionArn}/${api.stage}/${route.routeKey}`;
        if (!graph.permits(fn, "apigateway.amazonaws.com", sourceArn)) {
            log(
                `${api.name} ${route.routeKey}: API Gateway may not invoke ${fn.name}: no lambda.Permission for apigateway.amazonaws.com matches ${sourceArn}`,
            );
            return { kind: "error", detail: "not permitted" };
        }
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<IntegrationResult>((resolve) => {
            timer = setTimeout(() => resolve({ kind: "timeout" }), limits.integrationTimeoutMs);
        });
        const invocation = lambda.invoke(fn.name, event).then((outcome): IntegrationResult => {
            log(requestLine(`${api.name} ${route.routeKey}`, fn.name, outcome));
            return outcome.ok ? { kind: "ok", value: outcome.value } : { kind: "error", detail: outcome.error.errorMessage };
        });
        try {
            return await Promise.race([invocation, timeout]);
        } finally {
            clearTimeout(timer);
        }
    }
}
