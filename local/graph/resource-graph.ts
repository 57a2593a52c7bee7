import type { LocalFunction } from "../services/lambda/runtime";
import type { Json, RecordedProgram, RecordedResource } from "../record/record-program";

/** What the local cloud reads from a recorded program: the resources it brings up and how they are wired. */

export interface LocalRoute {
    routeKey: string;
    /** The integration's `integrationUri` (a function's `invokeArn`), if the route targets a Lambda integration. */
    integrationUri?: string;
    /** Two-way: a route response exists and the route selects it. */
    twoWay: boolean;
    authorizationType: "NONE" | "AWS_IAM" | "CUSTOM" | string;
    authorizer?: { id: string; functionUri: string; identitySources: string[] };
}

export interface LocalApi {
    /** Logical name of the `apigatewayv2.Api`. */
    name: string;
    apiId: string;
    executionArn: string;
    selectionExpression: string;
    stage: string;
    routes: Map<string, LocalRoute>;
}

export interface LocalTable {
    name: string;
    hashKey: string;
    rangeKey?: string;
    attributes: { name: string; type: string }[];
    globalSecondaryIndexes: { name: string; hashKey: string; rangeKey?: string; projectionType?: string; nonKeyAttributes?: string[] }[];
    ttlAttribute?: string;
}

export interface LocalNotification {
    /** Logical name of the `s3.BucketNotification`, for messages. */
    name: string;
    bucket: string;
    targets: { functionArn: string; events: string[]; filterPrefix?: string; filterSuffix?: string }[];
}

interface Permission {
    functionRef: string;
    principal: string;
    sourceArn?: string;
    sourceAccount?: string;
}

const str = (value: Json | undefined): string | undefined => (typeof value === "string" ? value : undefined);

export class LocalGraph {
    /** Read once: the graph never changes, and `permits` runs on every message. */
    private readonly permissionList: Permission[];

    constructor(readonly program: RecordedProgram) {
        this.permissionList = this.ofType("aws:lambda/permission:Permission").map((r) => ({
            functionRef: String(r.inputs.function),
            principal: String(r.inputs.principal),
            sourceArn: str(r.inputs.sourceArn),
            sourceAccount: str(r.inputs.sourceAccount),
        }));
    }

    private ofType(type: string): RecordedResource[] {
        return this.program.resources.filter((r) => r.type === type);
    }

    functions(): LocalFunction[] {
        return this.ofType("aws:lambda/function:Function").map((r) => {
            const environment = (r.inputs.environment as { variables?: Record<string, string> } | null)?.variables ?? {};
            const logGroup = str((r.inputs.loggingConfig as { logGroup?: Json } | null)?.logGroup);
            const name = String(r.state.name);
            return {
                name,
                arn: String(r.state.arn),
                handler: str(r.inputs.handler) ?? "index.handler",
                runtime: str(r.inputs.runtime) ?? "nodejs22.x",
                code: r.inputs.code ?? null,
                timeout: typeof r.inputs.timeout === "number" ? r.inputs.timeout : 3,
                memorySize: typeof r.inputs.memorySize === "number" ? r.inputs.memorySize : 128,
                environment: Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v)])),
                reservedConcurrency:
                    typeof r.inputs.reservedConcurrentExecutions === "number" ? r.inputs.reservedConcurrentExecutions : undefined,
                logGroupName: logGroup ?? `/aws/lambda/${name}`,
            };
        });
    }

    /**
     * Whether a resource policy statement lets `principal` invoke the function from `sourceArn`: the function by
     * name or ARN, and the permission's `sourceArn` (with `*` and `?` wildcards) matching, as AWS evaluates it.
     */
    permits(fn: { name: string; arn: string }, principal: string, sourceArn: string, sourceAccount?: string): boolean {
        return this.permissionList.some(
            (p) =>
                p.principal === principal &&
                (p.functionRef === fn.name || p.functionRef === fn.arn) &&
                (p.sourceArn === undefined || globMatches(p.sourceArn, sourceArn)) &&
                (p.sourceAccount === undefined || sourceAccount === undefined || p.sourceAccount === sourceAccount),
        );
    }

    websocketApis(): LocalApi[] {
        const integrations = new Map(this.ofType("aws:apigatewayv2/integration:Integration").map((r) => [String(r.id), r]));
        const authorizers = new Map(this.ofType("aws:apigatewayv2/authorizer:Authorizer").map((r) => [String(r.id), r]));
        const respondingRoutes = new Set(this.ofType("aws:apigatewayv2/routeResponse:RouteResponse").map((r) => String(r.inputs.routeId)));
        return this.ofType("aws:apigatewayv2/api:Api")
            .filter((api) => api.inputs.protocolType === "WEBSOCKET")
            .map((api) => {
                const apiId = String(api.id);
                const stages = this.ofType("aws:apigatewayv2/stage:Stage").filter((s) => s.inputs.apiId === apiId);
                if (stages.length !== 1) {
                    throw new Error(
                        `API ${api.name} (${apiId}) has ${stages.length} stages; the local cloud serves an API with exactly one.`,
                    );
                }
                const routes = new Map<string, LocalRoute>();
                for (const route of this.ofType("aws:apigatewayv2/route:Route").filter((r) => r.inputs.apiId === apiId)) {
                    const integrationId = /^integrations\/(.+)$/.exec(str(route.inputs.target) ?? "")?.[1];
                    const integration = integrationId ? integrations.get(integrationId) : undefined;
                    const authorizer = str(route.inputs.authorizerId) ? authorizers.get(String(route.inputs.authorizerId)) : undefined;
                    routes.set(String(route.inputs.routeKey), {
                        routeKey: String(route.inputs.routeKey),
                        integrationUri:
                            integration && integration.inputs.integrationType === "AWS_PROXY"
                                ? str(integration.inputs.integrationUri)
                                : undefined,
                        twoWay:
                            route.inputs.routeResponseSelectionExpression !== null &&
                            route.inputs.routeResponseSelectionExpression !== undefined &&
                            respondingRoutes.has(String(route.id)),
                        authorizationType: str(route.inputs.authorizationType) ?? "NONE",
                        authorizer: authorizer
                            ? {
                                  id: String(authorizer.id),
                                  functionUri: String(authorizer.inputs.authorizerUri),
                                  identitySources: (authorizer.inputs.identitySources as string[] | null) ?? [],
                              }
                            : undefined,
                    });
                }
                return {
                    name: api.name,
                    apiId,
                    executionArn: String(api.state.executionArn),
                    selectionExpression: str(api.inputs.routeSelectionExpression) ?? "$request.body.action",
                    stage: String(stages[0].inputs.name),
                    routes,
                };
            });
    }

    tables(): LocalTable[] {
        return this.ofType("aws:dynamodb/table:Table").map((r) => {
            const ttl = r.inputs.ttl as { attributeName?: string; enabled?: boolean } | null;
            return {
                name: String(r.state.name),
                hashKey: String(r.inputs.hashKey),
                rangeKey: str(r.inputs.rangeKey),
                attributes: ((r.inputs.attributes as { name: string; type: string }[] | null) ?? []).map((a) => ({
                    name: a.name,
                    type: a.type,
                })),
                globalSecondaryIndexes: ((r.inputs.globalSecondaryIndexes as LocalTable["globalSecondaryIndexes"] | null) ?? []).map(
                    (g) => ({ ...g }),
                ),
                ttlAttribute: ttl?.enabled ? ttl.attributeName : undefined,
            };
        });
    }

    /** Buckets created by the program, plus existing buckets it only watches. */
    buckets(): string[] {
        const created = this.ofType("aws:s3/bucket:Bucket").map((r) => String(r.state.bucket));
        return [...new Set([...created, ...this.notifications().map((n) => n.bucket)])];
    }

    notifications(): LocalNotification[] {
        return this.ofType("aws:s3/bucketNotification:BucketNotification").map((r) => ({
            name: r.name,
            bucket: String(r.inputs.bucket),
            targets: ((r.inputs.lambdaFunctions as Record<string, Json>[] | null) ?? []).map((t) => ({
                functionArn: String(t.lambdaFunctionArn),
                events: (t.events as string[] | null) ?? [],
                filterPrefix: str(t.filterPrefix),
                filterSuffix: str(t.filterSuffix),
            })),
        }));
    }
}

/** IAM-style wildcard match: `*` any run of characters, `?` one character. */
export function globMatches(pattern: string, value: string): boolean {
    const regex = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${regex}$`).test(value);
}
