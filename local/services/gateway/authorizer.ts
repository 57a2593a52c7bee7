import { policyAllows } from "../../graph/policies";
import type { ResourceGraph } from "../../graph/resource-graph";
import type { ApiSpec, RouteSpec } from "../../graph/specs";
import type { GatewayLambda } from "./integration";
import { requestLine } from "../lambda/request-log";
import type { ApiInfo, ConnectionInfo } from "./proxy-events";
import { authorizerEvent } from "./events/authorizer-event";
import type { Handshake } from "./events/handshake";

/** What the authorizer step needs of the gateway. */
export interface AuthorizerContext {
    api: ApiSpec;
    info: ApiInfo;
    graph: ResourceGraph;
    lambda: GatewayLambda;
    log: (line: string) => void;
}

/**
 * `$connect`'s authorization (B14, B15): the HTTP status that rejects the handshake, or undefined to go on. A Lambda
 * REQUEST authorizer's `principalId` and `context` are put on the connection for its later events, and how long it
 * took for the CONNECT event.
 */
export async function authorizeConnect(
    route: RouteSpec | undefined,
    connection: ConnectionInfo,
    handshake: Handshake,
    { api, info, graph, lambda, log }: AuthorizerContext,
): Promise<number | undefined> {
    if (route?.authorizationType === "AWS_IAM") {
        // Signatures cannot be checked without AWS credentials; an unsigned request is still refused.
        const signed =
            Object.keys(handshake.headers).some((h) => h.toLowerCase() === "authorization") ||
            (handshake.queryStringParameters !== undefined && Object.hasOwn(handshake.queryStringParameters, "X-Amz-Signature"));
        return signed ? undefined : 403;
    }
    if (route?.authorizationType !== "CUSTOM" || !route.authorizer) {
        return undefined;
    }
    for (const source of route.authorizer.identitySources) {
        const [, where, name] = /^route\.request\.(header|querystring)\.(.+)$/.exec(source) ?? [];
        const value =
            where === "header"
                ? Object.entries(handshake.headers).find(([h]) => h.toLowerCase() === name?.toLowerCase())?.[1]
                : handshake.queryStringParameters && Object.hasOwn(handshake.queryStringParameters, name ?? "")
                  ? handshake.queryStringParameters[name ?? ""]
                  : undefined;
        if (!value) {
            return 401;
        }
    }
    const fn = lambda.find(route.authorizer.functionUri);
    if (!fn || !graph.permits(fn, "apigateway.amazonaws.com", `${api.executionArn}/authorizers/${route.authorizer.id}`)) {
        log(
            `${api.name}: API Gateway may not invoke the authorizer function (no lambda.Permission for ${api.executionArn}/authorizers/${route.authorizer.id})`,
        );
        return 500;
    }
    const methodArn = `${api.executionArn}/${api.stage}/$connect`;
    const started = Date.now();
    const outcome = await lambda.invoke(fn.name, authorizerEvent(methodArn, info, connection, handshake));
    const latencyMs = Date.now() - started;
    log(requestLine(`${api.name} $connect authorizer`, fn.name, outcome));
    if (!outcome.ok) {
        return outcome.error.errorMessage === "Unauthorized" ? 401 : 500;
    }
    const result = outcome.value as {
        principalId?: unknown;
        policyDocument?: unknown;
        context?: Record<string, unknown>;
    } | null;
    if (!policyAllows(result?.policyDocument, "execute-api:Invoke", methodArn)) {
        return 403;
    }
    connection.authorizer = { ...(result?.context ?? {}), principalId: result?.principalId };
    connection.authorizerLatencyMs = latencyMs;
    return undefined;
}
