import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MOCK_ACCOUNT_ID } from "./record/aws-mocks";
import { LocalDynamoDB, LOCAL_CREDENTIALS } from "./services/dynamodb";
import { AWS_LIMITS, WebSocketGateway, type GatewayLimits } from "./services/gateway/gateway";
import { LocalGraph } from "./graph/resource-graph";
import { LocalLambdaApi } from "./services/lambda/invoke-api";
import { LambdaService } from "./services/lambda/runtime";
import { Latency } from "./services/latency";
import type { Json, RecordedProgram } from "./record/record-program";
import { LocalS3, notificationRecord, targetMatches, validateNotifications, type ObjectEvent } from "./services/s3";

export interface LocalCloudOptions {
    /**
     * The first WebSocket API's port; each further API takes the next one; S3 listens on port + 100, DynamoDB
     * on port + 101 and Lambda's Invoke API on port + 102. 0: every port ephemeral (tests).
     */
    port: number;
    /** Keep DynamoDB and S3 data here across restarts; default: a fresh temporary state, removed on stop. */
    persistDir?: string;
    /** API Gateway limits; AWS's by default. */
    limits?: Partial<GatewayLimits>;
    /** Warm environments per function at most. @default 4 */
    maxConcurrency?: number;
    /** How often expired DynamoDB rows are deleted. @default 10 s */
    ttlSweepMs?: number;
    /** Modelled network latency of `@connections` and DynamoDB answers, in ms; adjustable later through `latency`. @default 0 */
    latencyMs?: number;
    /** Delays before the two retries of a failed asynchronous invocation. @default [1000, 2000] */
    asyncRetryDelaysMs?: number[];
    log?: (line: string) => void;
}

export interface LocalApiEndpoint {
    name: string;
    apiId: string;
    stage: string;
    /** `ws://127.0.0.1:{port}/{stage}` */
    url: string;
    /** `http://127.0.0.1:{port}/{stage}`, the `@connections` base. */
    managementEndpoint: string;
    /** What the program's outputs call it on AWS. */
    awsUrl: string;
}

export interface LocalCloud {
    program: RecordedProgram;
    /** The program's stack outputs, with AWS URLs replaced by their local ones. */
    outputs: Record<string, Json>;
    apis: LocalApiEndpoint[];
    /** The gateways behind `apis`, in the same order. */
    gateways: WebSocketGateway[];
    buckets: string[];
    tables: string[];
    s3Endpoint: string;
    dynamodbEndpoint: string;
    /** Lambda's Invoke API, as `AWS_ENDPOINT_URL_LAMBDA` gives it to the functions. */
    lambdaEndpoint: string;
    lambda: LambdaService;
    /** The modelled latency of `@connections` and DynamoDB, adjustable while running. */
    latency: Latency;
    dynamodb: LocalDynamoDB;
    stop(): Promise<void>;
}

/** Brings a recorded program's resource graph up on loopback. A failure names the resource and the reason. */
export async function startLocalCloud(program: RecordedProgram, options: LocalCloudOptions): Promise<LocalCloud> {
    const log = options.log ?? (() => undefined);
    const graph = new LocalGraph(program);
    const region = program.region;
    validateNotifications(graph, MOCK_ACCOUNT_ID);
    const apis = graph.websocketApis();
    const limits = { ...AWS_LIMITS, ...options.limits };
    const latency = new Latency(options.latencyMs ?? 0);
    const stateDir = options.persistDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "sw-local-"));
    fs.mkdirSync(stateDir, { recursive: true });
    // What has started, stopped in this order whether start-up finished or failed half way: gateways first, so
    // their clients' $disconnect still runs, then the functions, then the data services.
    const started: {
        gateways: WebSocketGateway[];
        lambda?: LambdaService;
        lambdaApi?: LocalLambdaApi;
        s3?: LocalS3;
        dynamodb?: LocalDynamoDB;
    } = { gateways: [] };
    const stopAll = async () => {
        const step = (what: string, stop: () => Promise<void>) => stop().catch((err: unknown) => log(`stop ${what}: ${String(err)}`));
        await Promise.all(started.gateways.map((gateway) => step(gateway.api.name, () => gateway.close())));
        if (started.lambdaApi) await step("Lambda API", () => started.lambdaApi!.stop());
        if (started.lambda) {
            const lambda = started.lambda;
            await step("Lambda", async () => {
                await lambda.settle();
                await lambda.stop();
            });
        }
        if (started.s3) await step("S3", () => started.s3!.stop());
        if (started.dynamodb) await step("DynamoDB", () => started.dynamodb!.stop());
        if (!options.persistDir) fs.rmSync(stateDir, { recursive: true, force: true });
    };

    try {
        const gateways = apis.map((api) => new WebSocketGateway({ api, graph, region, limits, latency, log }));
        const ports: number[] = [];
        for (const [i, gateway] of gateways.entries()) {
            ports.push(
                await listenOrExplain(
                    () => gateway.listen(options.port ? options.port + i : 0),
                    `WebSocket API ${gateway.api.name}`,
                    options.port + i,
                ),
            );
            started.gateways.push(gateway);
        }
        const dynamodb = await listenOrExplain(
            () =>
                LocalDynamoDB.start(graph.tables(), {
                    port: options.port ? options.port + 101 : 0,
                    path: options.persistDir ? path.join(stateDir, "dynamodb") : undefined,
                    region,
                    ttlSweepMs: options.ttlSweepMs ?? 10_000,
                    latency,
                    log,
                }),
            "DynamoDB",
            options.port + 101,
        );
        started.dynamodb = dynamodb;

        // eslint-disable-next-line prefer-const -- assigned once below, after the services it is wired to
        let lambda: LambdaService | undefined;
        const notifications = graph.notifications();
        const dispatch = (event: ObjectEvent) => {
            for (const notification of notifications.filter((n) => n.bucket === event.bucket)) {
                for (const target of notification.targets.filter((t) => targetMatches(t, event))) {
                    const record = notificationRecord(event, region, notification.name);
                    lambda?.invokeAsync(target.functionArn, { Records: [record] }, `S3 ${event.eventName} ${event.bucket}/${event.key}`);
                }
            }
        };
        const s3 = await listenOrExplain(
            () =>
                LocalS3.start(graph.buckets(), {
                    port: options.port ? options.port + 100 : 0,
                    directory: path.join(stateDir, "s3"),
                    onEvent: dispatch,
                }),
            "S3",
            options.port + 100,
        );
        started.s3 = s3;
        const lambdaApi = await listenOrExplain(
            () => LocalLambdaApi.start(() => lambda, { port: options.port ? options.port + 102 : 0, region, accountId: MOCK_ACCOUNT_ID }),
            "Lambda API",
            options.port + 102,
        );
        started.lambdaApi = lambdaApi;

        lambda = new LambdaService(graph.functions(), {
            programDir: program.programDir,
            runtimeDir: path.join(stateDir, "lambda"),
            region,
            environment: {
                AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
                AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
                AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
                AWS_ENDPOINT_URL_S3: s3.endpoint,
                AWS_ENDPOINT_URL_LAMBDA: lambdaApi.endpoint,
                // The functions declare nodejs22.x; the SDK's warning is about the Node.js running this machine.
                AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
            },
            interceptHosts: Object.fromEntries(apis.map((api, i) => [`${api.apiId}.execute-api.${region}.amazonaws.com`, ports[i]])),
            maxConcurrency: options.maxConcurrency ?? 4,
            asyncRetryDelaysMs: options.asyncRetryDelaysMs ?? [1_000, 2_000],
            log,
        });
        const runtime = lambda;
        started.lambda = runtime;
        for (const gateway of gateways) gateway.attach(runtime);

        const endpoints: LocalApiEndpoint[] = apis.map((api, i) => ({
            name: api.name,
            apiId: api.apiId,
            stage: api.stage,
            url: `ws://127.0.0.1:${ports[i]}/${api.stage}`,
            managementEndpoint: `http://127.0.0.1:${ports[i]}/${api.stage}`,
            awsUrl: `wss://${api.apiId}.execute-api.${region}.amazonaws.com/${api.stage}`,
        }));
        return {
            program,
            outputs: localize(
                program.outputs,
                apis.map((api, i) => ({ host: `${api.apiId}.execute-api.${region}.amazonaws.com`, port: ports[i] })),
            ) as Record<string, Json>,
            apis: endpoints,
            gateways,
            buckets: graph.buckets(),
            tables: graph.tables().map((t) => t.name),
            s3Endpoint: s3.endpoint,
            dynamodbEndpoint: dynamodb.endpoint,
            lambdaEndpoint: lambdaApi.endpoint,
            lambda: runtime,
            latency,
            dynamodb,
            stop: stopAll,
        };
    } catch (err) {
        await stopAll();
        throw err;
    }
}

/** Replaces each API's AWS URLs in the outputs by the local ones: `wss://…` → `ws://127.0.0.1:port`, `https://…` → `http://…`. */
function localize(value: Json, hosts: { host: string; port: number }[]): Json {
    if (typeof value === "string") {
        return hosts.reduce(
            (text, { host, port }) =>
                text.replace(`wss://${host}`, `ws://127.0.0.1:${port}`).replace(`https://${host}`, `http://127.0.0.1:${port}`),
            value,
        );
    }
    if (Array.isArray(value)) return value.map((item) => localize(item, hosts));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, localize(v, hosts)]));
    }
    return value;
}

async function listenOrExplain<T>(start: () => Promise<T>, what: string, port: number): Promise<T> {
    try {
        return await start();
    } catch (err) {
        if ((err as { code?: string }).code === "EADDRINUSE") {
            throw new Error(`${what}: port ${port} is in use; start with --port <another base port>`, { cause: err });
        }
        throw err;
    }
}
