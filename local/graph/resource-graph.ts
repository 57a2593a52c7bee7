import type { Json, RecordedProgram, RecordedResource } from "../record/record-program";
import { wildcardMatches } from "./iam";
import { RESOURCE_TYPES } from "../record/resource-types";
import type { ApiSpec, BucketSpec, CorsRuleSpec, FunctionSpec, NotificationSpec, QueueSpec, RouteSpec, TableSpec } from "./specs";

interface Permission {
    functionRef: string;
    principal: string;
    sourceArn?: string;
    sourceAccount?: string;
}

const str = (value: Json | undefined): string | undefined => (typeof value === "string" ? value : undefined);
const strings = (value: Json | undefined): string[] => (Array.isArray(value) ? value.map(String) : []);

/** A `corsRules` input (of a `BucketCorsConfiguration` or a bucket) as plain rules; none when it is absent. */
function corsRules(value: Json | undefined): CorsRuleSpec[] {
    if (!Array.isArray(value)) return [];
    return value.map((rule) => {
        const r = rule !== null && typeof rule === "object" && !Array.isArray(rule) ? rule : {};
        return {
            id: str(r.id),
            allowedMethods: strings(r.allowedMethods),
            allowedOrigins: strings(r.allowedOrigins),
            allowedHeaders: strings(r.allowedHeaders),
            exposeHeaders: strings(r.exposeHeaders),
            maxAgeSeconds: typeof r.maxAgeSeconds === "number" ? r.maxAgeSeconds : undefined,
        };
    });
}

/** Lambda's defaults for a failed asynchronous invocation without a `FunctionEventInvokeConfig` (B29). */
const DEFAULT_ASYNC_RETRIES = 2;
const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 6 * 60 * 60;

const num = (value: Json | undefined, otherwise: number): number => (typeof value === "number" ? value : otherwise);

/**
 * A recorded program's resources: queries over them (by type, name, URN, parent), and the views each local
 * service is started from (`websocketApis()`, `functions()`, `tables()`, `bucketSpecs()`, `notifications()`).
 */
export class ResourceGraph {
    /** Read once: the graph never changes, and `permits` runs on every message. */
    private readonly permissionList: Permission[];

    constructor(readonly program: RecordedProgram) {
        this.permissionList = this.ofType(RESOURCE_TYPES.permission).map((r) => ({
            functionRef: String(r.inputs.function),
            principal: String(r.inputs.principal),
            sourceArn: str(r.inputs.sourceArn),
            sourceAccount: str(r.inputs.sourceAccount),
        }));
    }

    get resources(): RecordedResource[] {
        return this.program.resources;
    }

    /** Custom resources only: what `pulumi up` would create in AWS. */
    get awsResources(): RecordedResource[] {
        return this.resources.filter((r) => r.custom);
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one resource of `type` named `name`; fails when there are none or several. */
    one(type: string, name: string): RecordedResource {
        const found = this.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
        }
        return found[0];
    }

    byUrn(urn: string): RecordedResource {
        const found = this.resources.find((r) => r.urn === urn);
        if (!found) {
            throw new Error(`no resource ${urn}`);
        }
        return found;
    }

    /** Resources below a component, at any depth. */
    descendants(urn: string): RecordedResource[] {
        const children = this.resources.filter((r) => r.parent === urn);
        return children.flatMap((child) => [child, ...this.descendants(child.urn)]);
    }

    /** The resource whose state field `field` equals `value` (e.g. the function whose `invokeArn` is X). */
    withState(type: string, field: string, value: unknown): RecordedResource {
        const found = this.ofType(type).filter((r) => r.state[field] === value);
        if (found.length !== 1) {
            throw new Error(`expected one ${type} with ${field}=${String(value)}, found ${found.length}`);
        }
        return found[0];
    }

    /** A function by its resource name (`chat-sendmessage`) or its physical one (`chat-sendmessage-1a2b3c4`). */
    functionNamed(name: string): RecordedResource | undefined {
        return this.ofType(RESOURCE_TYPES.function).find((r) => r.name === name || r.state.name === name);
    }

    functions(): FunctionSpec[] {
        const configs = new Map(this.ofType(RESOURCE_TYPES.invokeConfig).map((r) => [String(r.inputs.functionName), r.inputs]));
        return this.ofType(RESOURCE_TYPES.function).map((r) => {
            const environment = (r.inputs.environment as { variables?: Record<string, string> } | null)?.variables ?? {};
            const logging = (r.inputs.loggingConfig ?? {}) as { logGroup?: Json; logFormat?: Json; applicationLogLevel?: Json };
            const logGroup = str(logging.logGroup);
            const name = String(r.state.name);
            const arn = String(r.state.arn);
            const config = configs.get(name) ?? configs.get(arn) ?? {};
            const destination = str(
                ((config.destinationConfig as { onFailure?: { destination?: Json } } | null)?.onFailure ?? {}).destination,
            );
            const deadLetterQueue = str((r.inputs.deadLetterConfig as { targetArn?: Json } | null)?.targetArn);
            return {
                name,
                arn,
                handler: str(r.inputs.handler) ?? "index.handler",
                runtime: str(r.inputs.runtime) ?? "nodejs22.x",
                code: r.inputs.code ?? null,
                timeout: num(r.inputs.timeout, 3),
                memorySize: num(r.inputs.memorySize, 128),
                environment: Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v)])),
                reservedConcurrency:
                    typeof r.inputs.reservedConcurrentExecutions === "number" ? r.inputs.reservedConcurrentExecutions : undefined,
                logGroupName: logGroup ?? `/aws/lambda/${name}`,
                logFormat: logging.logFormat === "JSON" ? ("JSON" as const) : ("Text" as const),
                applicationLogLevel: logging.logFormat === "JSON" ? str(logging.applicationLogLevel) : undefined,
                maximumRetryAttempts: num(config.maximumRetryAttempts, DEFAULT_ASYNC_RETRIES),
                maximumEventAgeSeconds: num(config.maximumEventAgeInSeconds, DEFAULT_MAXIMUM_EVENT_AGE_SECONDS),
                onFailure: [
                    ...(destination ? [{ kind: "destination" as const, arn: destination }] : []),
                    ...(deadLetterQueue ? [{ kind: "dead-letter-queue" as const, arn: deadLetterQueue }] : []),
                ],
            };
        });
    }

    /** The program's SQS queues, with SQS's defaults for what they leave out. */
    queues(): QueueSpec[] {
        return this.ofType(RESOURCE_TYPES.queue).map((r) => ({
            name: String(r.state.name),
            arn: String(r.state.arn),
            url: String(r.state.url),
            visibilityTimeoutSeconds: num(r.inputs.visibilityTimeoutSeconds, 30),
            messageRetentionSeconds: num(r.inputs.messageRetentionSeconds, 345_600),
            delaySeconds: num(r.inputs.delaySeconds, 0),
            receiveWaitTimeSeconds: num(r.inputs.receiveWaitTimeSeconds, 0),
            maxMessageSize: num(r.inputs.maxMessageSize, 262_144),
            fifoQueue: r.inputs.fifoQueue === true,
        }));
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
                (p.sourceArn === undefined || wildcardMatches(p.sourceArn, sourceArn)) &&
                (p.sourceAccount === undefined || sourceAccount === undefined || p.sourceAccount === sourceAccount),
        );
    }

    websocketApis(): ApiSpec[] {
        const integrations = new Map(this.ofType(RESOURCE_TYPES.integration).map((r) => [String(r.id), r]));
        const authorizers = new Map(this.ofType(RESOURCE_TYPES.authorizer).map((r) => [String(r.id), r]));
        const respondingRoutes = new Set(this.ofType(RESOURCE_TYPES.routeResponse).map((r) => String(r.inputs.routeId)));
        return this.ofType(RESOURCE_TYPES.api)
            .filter((api) => api.inputs.protocolType === "WEBSOCKET")
            .map((api) => {
                const apiId = String(api.id);
                const stages = this.ofType(RESOURCE_TYPES.stage).filter((s) => s.inputs.apiId === apiId);
                if (stages.length !== 1) {
                    throw new Error(
                        `API ${api.name} (${apiId}) has ${stages.length} stages; the local cloud serves an API with exactly one.`,
                    );
                }
                const routes = new Map<string, RouteSpec>();
                for (const route of this.ofType(RESOURCE_TYPES.route).filter((r) => r.inputs.apiId === apiId)) {
                    const integrationId = /^integrations\/(.+)$/.exec(str(route.inputs.target) ?? "")?.[1];
                    const integration = integrationId ? integrations.get(integrationId) : undefined;
                    const authorizer = str(route.inputs.authorizerId) ? authorizers.get(String(route.inputs.authorizerId)) : undefined;
                    const selectsResponse =
                        route.inputs.routeResponseSelectionExpression !== null &&
                        route.inputs.routeResponseSelectionExpression !== undefined;
                    routes.set(String(route.inputs.routeKey), {
                        routeKey: String(route.inputs.routeKey),
                        integrationUri:
                            integration && integration.inputs.integrationType === "AWS_PROXY"
                                ? str(integration.inputs.integrationUri)
                                : undefined,
                        twoWay: selectsResponse && respondingRoutes.has(String(route.id)),
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

    tables(): TableSpec[] {
        return this.ofType(RESOURCE_TYPES.table).map((r) => {
            const ttl = r.inputs.ttl as { attributeName?: string; enabled?: boolean } | null;
            return {
                name: String(r.state.name),
                hashKey: String(r.inputs.hashKey),
                rangeKey: str(r.inputs.rangeKey),
                attributes: ((r.inputs.attributes as { name: string; type: string }[] | null) ?? []).map((a) => ({
                    name: a.name,
                    type: a.type,
                })),
                globalSecondaryIndexes: ((r.inputs.globalSecondaryIndexes as TableSpec["globalSecondaryIndexes"] | null) ?? []).map(
                    (g) => ({ ...g }),
                ),
                ttlAttribute: ttl?.enabled ? ttl.attributeName : undefined,
            };
        });
    }

    /** Buckets created by the program, plus existing buckets it only watches. */
    buckets(): string[] {
        const created = this.ofType(RESOURCE_TYPES.bucket).map((r) => String(r.state.bucket));
        return [...new Set([...created, ...this.notifications().map((n) => n.bucket)])];
    }

    /**
     * Each bucket of `buckets()` with its CORS rules: its `BucketCorsConfiguration`'s (`bucket` is the bucket's name),
     * else the bucket's own `corsRules`, else none. S3 keeps one CORS configuration per bucket, so two are an error.
     */
    bucketSpecs(): BucketSpec[] {
        const configurations = this.ofType(RESOURCE_TYPES.bucketCors);
        const inline = new Map(this.ofType(RESOURCE_TYPES.bucket).map((r) => [String(r.state.bucket), r.inputs.corsRules]));
        return this.buckets().map((name) => {
            const own = configurations.filter((r) => r.inputs.bucket === name);
            if (own.length > 1) {
                throw new Error(
                    `Bucket ${name} has ${own.length} CORS configurations (${own.map((r) => r.name).join(", ")}); S3 keeps one per bucket.`,
                );
            }
            return { name, corsRules: corsRules(own.length === 1 ? own[0].inputs.corsRules : inline.get(name)) };
        });
    }

    notifications(): NotificationSpec[] {
        return this.ofType(RESOURCE_TYPES.notification).map((r) => ({
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
