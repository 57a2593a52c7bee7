import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ResourceGraph } from "./graph/resource-graph";
import type { Json, RecordedProgram } from "./record/record-program";
import { MOCK_ACCOUNT_ID } from "./record/aws-mocks";
import { DynamoDBService } from "./services/dynamodb";
import { ConnectionJournal } from "./services/gateway/connection-journal";
import { WebSocketGateway, type ConnectionTap } from "./services/gateway/gateway";
import { AWS_LIMITS, type GatewayLimits } from "./services/gateway/limits";
import { executeApiHost } from "./services/gateway/proxy-events";
import { InvokeApi } from "./services/lambda/invoke-api";
import { LambdaRuntime } from "./services/lambda/runtime";
import { functionCredentials } from "./services/credentials";
import { AccessControl } from "./services/iam/access-control";
import { Faults, type FaultModel } from "./services/faults";
import { environmentProblem } from "./services/lambda/runtime-environment";
import { Latency } from "./services/latency";
import { PageServer } from "./services/page";
import { claimPort, fixedPorts, freePorts, pagePort, PortTakenError, type PortPlan } from "./services/ports";
import { notificationDispatcher, validateNotifications } from "./services/s3/notifications";
import { S3Service } from "./services/s3/s3-service";
import { SqsService } from "./services/sqs/sqs-service";

export interface LocalCloudOptions {
    /**
     * The first WebSocket API's port; each further API takes the next one; S3 listens on port + 100, DynamoDB
     * on port + 101, Lambda's Invoke API on port + 102, the uploads page on port + 103 and SQS on port + 104. 0: every
     * port ephemeral (tests).
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
    /**
     * AWS failing (B45): a share of `@connections`, DynamoDB and Lambda requests fail as AWS's do; adjustable later
     * through `faults`. @default no faults
     */
    faults?: FaultModel;
    /**
     * IAM enforced on the functions' calls to DynamoDB, S3, Lambda's Invoke API, `@connections` and SQS (P1–P5): a call
     * the function's role does not allow fails with the service's AccessDenied error, as on AWS. @default true
     */
    iam?: boolean;
    /** Delays before the first and later retries of a failed asynchronous invocation. @default [1000, 2000] */
    asyncRetryDelaysMs?: number[];
    /** Sees each WebSocket connection's socket as it opens (the benchmark's ceiling writes frames to them itself). */
    connectionTap?: ConnectionTap;
    log?: (line: string) => void;
}

/** Where one WebSocket API of the program listens locally. */
export interface WebSocketEndpoint {
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

/** The uploads page (page/), for one WebSocket API with channels. */
export interface PageEndpoint {
    /** The API's name, as in `apis`. */
    api: string;
    /** `http://127.0.0.1:{port}/?url=ws://127.0.0.1:{api port}/{stage}` */
    url: string;
}

export interface LocalCloud {
    program: RecordedProgram;
    /** The program's stack outputs, with AWS URLs replaced by their local ones. */
    outputs: Record<string, Json>;
    apis: WebSocketEndpoint[];
    /** One per API with a `subscribe` route (the channel protocol); none when no API has one, or the page did not build. */
    pages: PageEndpoint[];
    buckets: string[];
    tables: string[];
    s3Endpoint: string;
    dynamodbEndpoint: string;
    /** Lambda's Invoke API, as `AWS_ENDPOINT_URL_LAMBDA` gives it to the functions. */
    lambdaEndpoint: string;
    /** SQS, as `AWS_ENDPOINT_URL_SQS` gives it to the functions: the program's queues, failure records among them. */
    sqsEndpoint: string;
    /** The program's queues: name and local URL. */
    queues: { name: string; url: string }[];
    lambda: LambdaRuntime;
    /** The modelled latency of `@connections` and DynamoDB, adjustable while running. */
    latency: Latency;
    /** The fault model, adjustable while running: `faults.set({ connections: { rate: 0.2 } })`, `faults.set({})`. */
    faults: Faults;
    dynamodb: DynamoDBService;
    /**
     * Whether IAM is enforced, adjustable while running (`iam.set(false)`), and what of the program's IAM is not
     * evaluated locally (each line also logged at start).
     */
    iam: { readonly enforced: boolean; readonly notEvaluated: readonly string[]; set(enforced: boolean): void };
    stop(): Promise<void>;
}

/** Starting again with new free ports when another process took a planned one between planning and listening. */
const PORT_PLAN_ATTEMPTS = 3;

/** Brings a recorded program's resource graph up on loopback. A failure names the resource and the reason. */
export async function serveRecording(program: RecordedProgram, options: LocalCloudOptions): Promise<LocalCloud> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await startOnce(program, options);
        } catch (err) {
            if (!(err instanceof PortTakenError) || options.port !== 0 || attempt === PORT_PLAN_ATTEMPTS) throw err;
        }
    }
}

interface Running {
    name: string;
    stop(): Promise<void>;
}

/**
 * Every address is planned first, so each service is started with everything it needs: the Lambda runtime with
 * the endpoints its functions call, then the services that invoke it (DynamoDB first, which invokes nothing),
 * the WebSocket gateways, since clients come in through them, and the uploads page last, which browsers load first.
 * They stop in reverse, with the Lambda runtime's pending invocations settled right after the gateways close and
 * its environments ended last.
 */
async function startOnce(program: RecordedProgram, options: LocalCloudOptions): Promise<LocalCloud> {
    const log = options.log ?? (() => undefined);
    const graph = new ResourceGraph(program);
    const region = program.region;
    validateNotifications(graph, MOCK_ACCOUNT_ID);
    const functions = graph.functions();
    const refused = functions.map(environmentProblem).filter((problem) => problem !== undefined);
    if (refused.length > 0) throw new Error(refused.join("\n"));
    const apis = graph.websocketApis();
    const ports: PortPlan = options.port ? fixedPorts(options.port, apis.length) : await freePorts(apis.length);
    const url = (port: number) => `http://127.0.0.1:${port}`;
    // Each API's AWS host, which its functions and outputs name, and the local port behind it.
    const hosts = apis.map((api, i) => ({ host: executeApiHost(api.apiId, region), port: ports.gateways[i] }));
    const endpoints: WebSocketEndpoint[] = apis.map((api, i) => ({
        name: api.name,
        apiId: api.apiId,
        stage: api.stage,
        url: `ws://127.0.0.1:${ports.gateways[i]}/${api.stage}`,
        managementEndpoint: `${url(ports.gateways[i])}/${api.stage}`,
        awsUrl: `wss://${hosts[i].host}/${api.stage}`,
    }));
    const latency = new Latency(options.latencyMs ?? 0);
    const faults = new Faults(options.faults);
    const access = AccessControl.fromGraph(graph, { enforced: options.iam ?? true, accountId: MOCK_ACCOUNT_ID, region, log });
    const undeployable = access.failureQueueProblems(functions);
    if (undeployable.length > 0) throw new Error(undeployable.join("\n"));
    for (const line of access.unsupported) log(line);
    const stateDir = options.persistDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "sw-local-"));
    fs.mkdirSync(stateDir, { recursive: true });

    const running: Running[] = [];
    const stop = async () => {
        for (const service of running.splice(0).reverse()) {
            await service.stop().catch((err: unknown) => log(`stop ${service.name}: ${String(err)}`));
        }
        if (!options.persistDir) fs.rmSync(stateDir, { recursive: true, force: true });
    };
    const start = async <T extends { stop(): Promise<void> }>(name: string, port: number, begin: () => Promise<T>): Promise<T> => {
        const service = await claimPort(name, port, begin);
        running.push({ name, stop: () => service.stop() });
        return service;
    };

    const queues = graph.queues();
    let sqs: SqsService | undefined;
    try {
        const lambda = new LambdaRuntime(functions, {
            programDir: program.programDir,
            runtimeDir: path.join(stateDir, "lambda"),
            region,
            localVariables: {
                AWS_ENDPOINT_URL_DYNAMODB: url(ports.dynamodb),
                AWS_ENDPOINT_URL_S3: url(ports.s3),
                AWS_ENDPOINT_URL_LAMBDA: url(ports.lambda),
                AWS_ENDPOINT_URL_SQS: url(ports.sqs),
                // The functions declare nodejs22.x; the SDK's warning is about the Node.js running this machine.
                AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
            },
            interceptHosts: Object.fromEntries(hosts.map(({ host, port }) => [host, port])),
            maxConcurrency: options.maxConcurrency ?? 4,
            asyncRetryDelaysMs: options.asyncRetryDelaysMs ?? [1_000, 2_000],
            faults,
            // A failure record for a queue of the program; false (logged by the runtime) for any other destination.
            failureSink: (arn, body, attributes) => {
                if (!sqs?.queueUrl(arn)) return false;
                sqs.send(arn, body, attributes);
                return true;
            },
            log,
        });
        // Stopped last: its environments end after every service that could still invoke them.
        running.push({ name: "Lambda", stop: () => lambda.stop() });

        const dynamodb = await start("DynamoDB", ports.dynamodb, () =>
            DynamoDBService.start(graph.tables(), {
                port: ports.dynamodb,
                path: options.persistDir ? path.join(stateDir, "dynamodb") : undefined,
                region,
                ttlSweepMs: options.ttlSweepMs ?? 10_000,
                latency,
                faults,
                access,
                accountId: MOCK_ACCOUNT_ID,
                log,
            }),
        );
        // Before anything that invokes a function: a failed asynchronous event's record may come at once.
        sqs = await start("SQS", ports.sqs, () =>
            SqsService.start(queues, {
                port: ports.sqs,
                region,
                accountId: MOCK_ACCOUNT_ID,
                directory: options.persistDir ? path.join(stateDir, "sqs") : undefined,
                access,
                log,
            }),
        );
        await start("Lambda API", ports.lambda, () =>
            InvokeApi.start(lambda, { port: ports.lambda, region, accountId: MOCK_ACCOUNT_ID, access, log }),
        );
        await start("S3", ports.s3, () =>
            S3Service.start(graph.bucketSpecs(), {
                port: ports.s3,
                directory: path.join(stateDir, "s3"),
                onEvent: notificationDispatcher(graph.notifications(), region, lambda),
                credentials: functions.map((fn) => functionCredentials(fn.name)),
                access,
            }),
        );
        // Stopped right after the gateways (whose $disconnects it may run): asynchronous invocations under way finish
        // while DynamoDB, S3 and the Invoke API, which their functions call, are still up.
        running.push({ name: "Lambda's pending invocations", stop: () => lambda.settle() });
        const limits = { ...AWS_LIMITS, ...options.limits };
        for (const [i, api] of apis.entries()) {
            const resumed = options.persistDir ? ConnectionJournal.resume(path.join(stateDir, "gateway", `${api.name}.jsonl`)) : undefined;
            const gateway = new WebSocketGateway({
                api,
                graph,
                lambda,
                region,
                limits,
                latency,
                faults,
                access,
                accountId: MOCK_ACCOUNT_ID,
                journal: resumed?.journal,
                log,
                connectionTap: options.connectionTap,
            });
            if (resumed && resumed.leftOpen.length > 0) {
                log(
                    `${api.name}: ${resumed.leftOpen.length} connection(s) of the previous run ended with it, unclosed; running their $disconnect`,
                );
                await gateway.disconnectLeftovers(resumed.leftOpen);
            }
            await start(`WebSocket API ${api.name}`, ports.gateways[i], async () => {
                await gateway.listen(ports.gateways[i]);
                return { stop: () => gateway.close() };
            });
        }
        // Each queue's AWS URL, which outputs name, and the local one.
        const localQueues = queues.map((queue) => ({ name: queue.name, aws: queue.url, url: sqs!.queueUrl(queue.arn)! }));
        const channelApis = endpoints.filter((_, i) => apis[i].routes.has("subscribe"));
        const pages = await startPage(channelApis, pagePort(options.port), start, log);

        return {
            program,
            outputs: localize(program.outputs, [
                ...hosts.flatMap(({ host, port }) => [
                    { aws: `wss://${host}`, local: `ws://127.0.0.1:${port}` },
                    { aws: `https://${host}`, local: `http://127.0.0.1:${port}` },
                ]),
                ...localQueues.map(({ aws, url: local }) => ({ aws, local })),
            ]) as Record<string, Json>,
            apis: endpoints,
            pages,
            buckets: graph.buckets(),
            tables: graph.tables().map((t) => t.name),
            s3Endpoint: url(ports.s3),
            dynamodbEndpoint: dynamodb.endpoint,
            lambdaEndpoint: url(ports.lambda),
            sqsEndpoint: sqs.endpoint,
            queues: localQueues.map(({ name, url }) => ({ name, url })),
            lambda,
            latency,
            faults,
            dynamodb,
            iam: {
                get enforced() {
                    return access.enforced;
                },
                notEvaluated: access.unsupported,
                set: (enforced) => access.setEnforced(enforced),
            },
            stop,
        };
    } catch (err) {
        await stop();
        throw err;
    }
}

/**
 * The uploads page, for the APIs that speak the channel protocol, started last: browsers come in through it. A page
 * that does not build (a broken install) is logged and left out rather than stopping the program's own services.
 */
async function startPage(
    channelApis: WebSocketEndpoint[],
    port: number,
    start: (name: string, port: number, begin: () => Promise<PageServer>) => Promise<PageServer>,
    log: (line: string) => void,
): Promise<PageEndpoint[]> {
    if (channelApis.length === 0) return [];
    try {
        const defaultWebSocketUrl = channelApis.length === 1 ? channelApis[0].url : undefined;
        const page = await start("Page", port, () => PageServer.start({ port, defaultWebSocketUrl }));
        return channelApis.map((api) => ({ api: api.name, url: page.pageFor(api.url) }));
    } catch (err) {
        if (err instanceof PortTakenError) throw err;
        log(`Page not served: ${err instanceof Error ? err.message : String(err)}`);
        return [];
    }
}

/** AWS URL prefixes in the outputs and their local counterparts: each API's `wss://` and `https://`, each queue's URL. */
type UrlSwap = { aws: string; local: string };

/** Replaces AWS URLs in the outputs by the local ones. */
function localize(value: Json, swaps: UrlSwap[]): Json {
    if (typeof value === "string") return swaps.reduce((text, { aws, local }) => text.replace(aws, local), value);
    if (Array.isArray(value)) return value.map((item) => localize(item, swaps));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, localize(v, swaps)]));
    }
    return value;
}
