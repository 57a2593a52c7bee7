import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { BroadcastWebSocket } from "../../components";
import { ResourceGraph } from "../../local/graph/resource-graph";
import { RESOURCE_TYPES } from "../../local/record/resource-types";
import { archiveSummary } from "../support/archives";
import { expectRejected, recordInProcess, TEST_CONFIG } from "../support/record";
import {
    BROADCAST_ROUTE_KEYS,
    expectArchivesHoldOurCodeOnly,
    expectBucketsHardened,
    expectNotificationsWired,
    expectSecureStack,
    expectTablesHardened,
    functionGrants,
} from "../support/security";

describe("BroadcastWebSocket under mocks", () => {
    let graph: ResourceGraph;
    let granted: aws.iam.Role;
    before(async () => {
        graph = await recordInProcess(() => {
            const broadcast = new BroadcastWebSocket("live");
            granted = new aws.iam.Role("producer", { assumeRolePolicy: "{}" });
            broadcast.grantBroadcast("producer-broadcast", granted);
            broadcast.grantPublish("producer-publish", granted);
            return { url: broadcast.url, endpoint: broadcast.managementEndpoint, bucket: broadcast.bucketName };
        });
    });

    const api = () => graph.ofType(RESOURCE_TYPES.api)[0];
    const table = () => graph.one(RESOURCE_TYPES.table, "live-connections");
    const subscriptions = () => graph.one(RESOURCE_TYPES.table, "live-subscriptions");
    const connectionsArn = () => `arn:aws:execute-api:us-east-1:000000000000:${String(api().id)}/dev/POST/@connections/*`;

    it("has $connect and $disconnect (one-way), and two-way $default and channel routes on one function", () => {
        const routes = graph.ofType(RESOURCE_TYPES.route);
        expect(routes.map((r) => r.inputs.routeKey).sort()).to.deep.equal([
            "$connect",
            "$default",
            "$disconnect",
            "ping",
            "subscribe",
            "unsubscribe",
        ]);
        const twoWay = routes.filter((r) => graph.ofType(RESOURCE_TYPES.routeResponse).some((rr) => rr.inputs.routeId === r.id));
        expect(twoWay.map((r) => r.inputs.routeKey).sort()).to.deep.equal(["$default", "ping", "subscribe", "unsubscribe"]);
        const channels = graph.one(RESOURCE_TYPES.function, "live-channels").state.invokeArn;
        const targets = graph.ofType(RESOURCE_TYPES.integration).filter((i) => i.inputs.integrationUri === channels);
        expect(targets, "subscribe, unsubscribe and ping integrate the channel function").to.have.length(3);
        // Each route's permission is its own, scoped to that route.
        const permissions = graph
            .ofType(RESOURCE_TYPES.permission)
            .filter((p) => p.inputs.function === graph.one(RESOURCE_TYPES.function, "live-channels").state.name)
            .map((p) => String(p.inputs.sourceArn).split("/").pop())
            .sort();
        expect(permissions).to.deep.equal(["ping", "subscribe", "unsubscribe"]);
    });

    it("keeps connections and subscriptions in on-demand, encrypted tables with a TTL, PITR off on the dev stack", () => {
        expectTablesHardened(graph);
        expect(table().inputs.attributes).to.deep.equal([{ name: "connectionId", type: "S" }]);
        expect(subscriptions().inputs.attributes).to.deep.equal([
            { name: "channelKey", type: "S" },
            { name: "slot", type: "S" },
        ]);
        for (const t of [table(), subscriptions()]) {
            expect(t.inputs.pointInTimeRecovery).to.deep.equal({ enabled: false });
            expect(t.inputs.deletionProtectionEnabled).to.equal(false);
        }
    });

    it("grants each function what it needs and no more (I4)", () => {
        const tableArn = table().state.arn;
        const subscriptionsArn = subscriptions().state.arn;
        const withoutLogs = (name: string) => functionGrants(graph, name).filter((g) => !g.actions[0].startsWith("logs:"));
        expect(withoutLogs("live-connect")).to.deep.equal([
            { actions: ["dynamodb:PutItem"], resources: [tableArn] },
            { actions: ["dynamodb:PutItem"], resources: [subscriptionsArn] },
        ]);
        expect(withoutLogs("live-disconnect")).to.deep.equal([
            { actions: ["dynamodb:DeleteItem"], resources: [tableArn] },
            { actions: ["dynamodb:BatchWriteItem"], resources: [subscriptionsArn] },
        ]);
        expect(withoutLogs("live-channels")).to.deep.equal([
            { actions: ["dynamodb:UpdateItem", "dynamodb:GetItem"], resources: [tableArn] },
            { actions: ["dynamodb:PutItem", "dynamodb:DeleteItem"], resources: [subscriptionsArn] },
        ]);
        expect(withoutLogs("live-default")).to.deep.equal([]);
        const queueArn = graph.ofType(RESOURCE_TYPES.queue)[0].state.arn;
        expect(
            graph.ofType(RESOURCE_TYPES.function).map((f) => f.name),
            "one fan-out function unless segmented",
        ).to.not.include("live-fanout-worker");
        expect(withoutLogs("live-fanout")).to.deep.equal([
            { actions: ["dynamodb:Query"], resources: [subscriptionsArn] },
            { actions: ["dynamodb:DeleteItem"], resources: [tableArn] },
            { actions: ["dynamodb:BatchWriteItem"], resources: [subscriptionsArn] },
            { actions: ["execute-api:ManageConnections"], resources: [connectionsArn()] },
            { actions: ["sqs:SendMessage"], resources: [queueArn] },
        ]);
    });

    it("tells every function where the connections are", () => {
        const endpoint = `https://${String(api().id)}.execute-api.us-east-1.amazonaws.com/dev`;
        for (const fn of graph.ofType(RESOURCE_TYPES.function)) {
            const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
            expect(variables, fn.name).to.deep.include({
                CONNECTIONS_TABLE: table().state.name,
                SUBSCRIPTIONS_TABLE: subscriptions().state.name,
                CONNECTIONS_ENDPOINT: endpoint,
            });
        }
        expect(graph.program.outputs.endpoint).to.equal(endpoint);
    });

    it("creates a private, TLS-only, encrypted, versioned bucket (S1–S4)", () => {
        expect(graph.ofType(RESOURCE_TYPES.bucket)).to.have.length(1);
        expectBucketsHardened(graph);
        expect(graph.program.outputs.bucket).to.equal(graph.ofType(RESOURCE_TYPES.bucket)[0].state.bucket);
    });

    it("wires exactly one notification for ObjectCreated and ObjectRemoved, after the S3 permission (S5, B26)", () => {
        expectNotificationsWired(graph);
        const [notification] = graph.ofType(RESOURCE_TYPES.notification);
        expect(notification.inputs.bucket).to.equal(graph.ofType(RESOURCE_TYPES.bucket)[0].state.bucket);
        const [target] = notification.inputs.lambdaFunctions as { events: string[]; lambdaFunctionArn: string }[];
        expect(target.events).to.deep.equal(["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]);
        expect(target.lambdaFunctionArn).to.equal(graph.one(RESOURCE_TYPES.function, "live-fanout").state.arn);
    });

    it("meets the rest of the security checklist", () => {
        const ours = new ResourceGraph({ ...graph.program, resources: graph.resources.filter((r) => !r.name.startsWith("producer")) });
        expectSecureStack(ours);
    });

    const grantOf = (name: string) => {
        const policy = graph.one(RESOURCE_TYPES.rolePolicy, name);
        expect(policy.inputs.role).to.equal(graph.one(RESOURCE_TYPES.role, "producer").state.name);
        const statements = (JSON.parse(String(policy.inputs.policy)) as { Statement: { Action: string[]; Resource: string[] }[] })
            .Statement;
        return statements.map((s) => [s.Action, s.Resource]);
    };

    it("grants another role the right to broadcast: table scan and clean-up, POST on this stage only", () => {
        expect(grantOf("producer-broadcast")).to.deep.equal([
            [["dynamodb:Scan"], [table().state.arn]],
            [["dynamodb:DeleteItem"], [table().state.arn]],
            [["dynamodb:BatchWriteItem"], [subscriptions().state.arn]],
            [["execute-api:ManageConnections"], [connectionsArn()]],
        ]);
    });

    it("grants another role the right to publish: subscription queries and clean-up, POST on this stage only", () => {
        expect(grantOf("producer-publish")).to.deep.equal([
            [["dynamodb:Query"], [subscriptions().state.arn]],
            [["dynamodb:DeleteItem"], [table().state.arn]],
            [["dynamodb:BatchWriteItem"], [subscriptions().state.arn]],
            [["execute-api:ManageConnections"], [connectionsArn()]],
        ]);
    });

    it("keeps every archive to our code, under 32 KB", () => {
        expectArchivesHoldOurCodeOnly(graph);
    });
});

describe("BroadcastWebSocket with a segmented fan-out, under mocks", () => {
    let graph: ResourceGraph;
    before(async () => {
        graph = await recordInProcess(() => {
            new BroadcastWebSocket("wide", { fanout: { segments: 16 } });
            new BroadcastWebSocket("counted", { fanout: { segments: 4, segmentAbove: 5000 } });
        });
    });
    const variables = (name: string) =>
        (graph.one(RESOURCE_TYPES.function, name).inputs.environment as { variables: Record<string, string> }).variables;
    const withoutLogs = (name: string) => functionGrants(graph, name).filter((g) => !g.actions[0].startsWith("logs:"));
    const tableArn = (name: string) => graph.one(RESOURCE_TYPES.table, `${name}-connections`).state.arn;
    const subscriptionsArn = (name: string) => graph.one(RESOURCE_TYPES.table, `${name}-subscriptions`).state.arn;

    it("lets S3 trigger only the dispatcher, which may invoke its own worker and nothing else", () => {
        const workerArn = graph.one(RESOURCE_TYPES.function, "wide-fanout-worker").state.arn;
        expect(withoutLogs("wide-fanout")).to.deep.equal([
            { actions: ["lambda:InvokeFunction"], resources: [workerArn] },
            { actions: ["sqs:SendMessage"], resources: [graph.one(RESOURCE_TYPES.queue, "wide-failed-events").state.arn] },
        ]);
        const notification = graph.ofType(RESOURCE_TYPES.notification).find((n) => String(n.name) === "wide")!;
        expect((notification.inputs.lambdaFunctions as { lambdaFunctionArn: string }[]).map((t) => t.lambdaFunctionArn)).to.deep.equal([
            graph.one(RESOURCE_TYPES.function, "wide-fanout").state.arn,
        ]);
        expect(variables("wide-fanout")).to.deep.include({
            FANOUT_WORKER_FUNCTION: graph.one(RESOURCE_TYPES.function, "wide-fanout-worker").state.name,
            FANOUT_SEGMENTS: "16",
            FANOUT_SEGMENT_ABOVE: "0",
        });
    });

    it("gives the dispatcher a Query of its own subscriptions only when it must count them", () => {
        expect(withoutLogs("counted-fanout")).to.deep.include({ actions: ["dynamodb:Query"], resources: [subscriptionsArn("counted")] });
        expect(withoutLogs("wide-fanout").flatMap((g) => g.actions)).to.not.include("dynamodb:Query");
        expect(withoutLogs("counted-fanout").flatMap((g) => g.actions)).to.not.include("execute-api:ManageConnections");
        expect(variables("counted-fanout")).to.deep.include({ FANOUT_SEGMENTS: "4", FANOUT_SEGMENT_ABOVE: "5000" });
    });

    it("gives the worker what a publisher needs, on its own API and tables", () => {
        const api = graph.ofType(RESOURCE_TYPES.api).find((a) => a.name === "wide")!;
        expect(withoutLogs("wide-fanout-worker")).to.deep.equal([
            { actions: ["dynamodb:Query"], resources: [subscriptionsArn("wide")] },
            { actions: ["dynamodb:DeleteItem"], resources: [tableArn("wide")] },
            { actions: ["dynamodb:BatchWriteItem"], resources: [subscriptionsArn("wide")] },
            {
                actions: ["execute-api:ManageConnections"],
                resources: [`arn:aws:execute-api:us-east-1:000000000000:${String(api.id)}/dev/POST/@connections/*`],
            },
            { actions: ["sqs:SendMessage"], resources: [graph.one(RESOURCE_TYPES.queue, "wide-failed-events").state.arn] },
        ]);
    });

    it("retries both asynchronous functions twice and keeps what still fails in the queue", () => {
        for (const name of ["wide-fanout", "wide-fanout-worker"]) {
            const config = graph
                .ofType(RESOURCE_TYPES.invokeConfig)
                .find((c) => c.inputs.functionName === graph.one(RESOURCE_TYPES.function, name).state.name);
            expect(config?.inputs, name).to.deep.include({
                maximumRetryAttempts: 2,
                destinationConfig: { onFailure: { destination: graph.one(RESOURCE_TYPES.queue, "wide-failed-events").state.arn } },
            });
        }
    });

    it("is secure by the checklist and keeps both archives to our code, under 32 KB", () => {
        expectSecureStack(graph);
        expectArchivesHoldOurCodeOnly(graph);
    });
});

describe("BroadcastWebSocket arguments", () => {
    it("watches an existing bucket by name, by ARN or as a resource, creating no bucket", async () => {
        const graph = await recordInProcess(() => {
            new BroadcastWebSocket("by-name", { bucket: "team-uploads" });
            new BroadcastWebSocket("by-arn", { bucket: "arn:aws:s3:::team-archive" });
            const mine = new aws.s3.Bucket("mine", {});
            new BroadcastWebSocket("by-resource", { bucket: mine });
        });
        expect(graph.ofType(RESOURCE_TYPES.bucket).map((b) => b.name)).to.deep.equal(["mine"]);
        expect(graph.ofType(RESOURCE_TYPES.publicAccessBlock)).to.have.length(0);
        const watched = graph
            .ofType(RESOURCE_TYPES.notification)
            .map((n) => n.inputs.bucket)
            .sort();
        expect(watched).to.deep.equal(
            ["mine-" + String(graph.one(RESOURCE_TYPES.bucket, "mine").id).split("-").pop(), "team-archive", "team-uploads"].sort(),
        );
        expectNotificationsWired(graph);
    });

    it("passes events and key filters to the notification", async () => {
        const graph = await recordInProcess(
            () => new BroadcastWebSocket("photos", { events: ["s3:ObjectCreated:Put"], filterPrefix: "photos/", filterSuffix: ".jpg" }),
        );
        const [target] = graph.ofType(RESOURCE_TYPES.notification)[0].inputs.lambdaFunctions as Record<string, unknown>[];
        expect(target).to.deep.include({ events: ["s3:ObjectCreated:Put"], filterPrefix: "photos/", filterSuffix: ".jpg" });
    });

    it("takes table, fan-out and bucket settings", async () => {
        const graph = await recordInProcess(
            () =>
                new BroadcastWebSocket("tuned", {
                    table: { pointInTimeRecovery: true, deletionProtection: true },
                    fanout: { concurrency: 200, memorySize: 2048, timeout: 900, reservedConcurrency: 5 },
                    versioning: false,
                    forceDestroy: true,
                }),
        );
        for (const table of graph.ofType(RESOURCE_TYPES.table)) {
            expect(table.inputs, table.name).to.deep.include({ pointInTimeRecovery: { enabled: true }, deletionProtectionEnabled: true });
        }
        const fanout = graph.one(RESOURCE_TYPES.function, "tuned-fanout");
        expect(fanout.inputs).to.deep.include({ memorySize: 2048, timeout: 900, reservedConcurrentExecutions: 5 });
        expect((fanout.inputs.environment as { variables: Record<string, string> }).variables.BROADCAST_CONCURRENCY).to.equal("200");
        expect(graph.ofType(RESOURCE_TYPES.bucket)[0].inputs.forceDestroy).to.equal(true);
        expectBucketsHardened(graph, false);
    });

    it("turns point-in-time recovery on by default outside the dev stack", async () => {
        const graph = await recordInProcess(() => new BroadcastWebSocket("prod"), TEST_CONFIG, "prod");
        expect(graph.ofType(RESOURCE_TYPES.table)[0].inputs.pointInTimeRecovery).to.deep.equal({ enabled: true });
    });

    it("adds extra routes with the broadcast environment, and names them in the $default reply", async () => {
        const graph = await recordInProcess(
            () => new BroadcastWebSocket("chat", { routes: { sendmessage: async () => ({ statusCode: 200 }) } }),
        );
        expect([...graph.websocketApis()[0].routes.keys()].sort()).to.deep.equal([...BROADCAST_ROUTE_KEYS, "sendmessage"].sort());
        const send = graph.one(RESOURCE_TYPES.function, "chat-sendmessage");
        expect(Object.keys((send.inputs.environment as { variables: object }).variables)).to.include.members([
            "CONNECTIONS_TABLE",
            "CONNECTIONS_ENDPOINT",
        ]);
        const defaultCode = archiveSummary(graph.one(RESOURCE_TYPES.function, "chat-default"));
        expect(defaultCode.entries).to.deep.equal(["__index.js"]);
        const text = (
            graph.one(RESOURCE_TYPES.function, "chat-default").inputs.code as {
                archive: { assets: Record<string, { asset: { text: string } }> };
            }
        ).archive.assets["__index.js"].asset.text;
        for (const route of ["sendmessage", "subscribe", "unsubscribe", "ping"]) expect(text).to.include(`"${route}"`);
    });

    it("lets two instances share a program without name collisions, and sets the CloudWatch role once", async () => {
        const graph = await recordInProcess(() => {
            new BroadcastWebSocket("one");
            new BroadcastWebSocket("two");
        });
        const urns = graph.resources.map((r) => r.urn);
        expect(new Set(urns).size).to.equal(urns.length);
        expect(graph.ofType(RESOURCE_TYPES.table)).to.have.length(4);
        expect(graph.ofType(RESOURCE_TYPES.notification)).to.have.length(2);
        expect(graph.ofType(RESOURCE_TYPES.account)).to.have.length(1);
    });

    const invalid: [string, () => unknown, RegExp][] = [
        ["no events", () => new BroadcastWebSocket("b", { events: [] }), /events is empty/],
        ["a malformed event", () => new BroadcastWebSocket("b", { events: ["ObjectCreated"] }), /is not an S3 event type/],
        [
            "a bucket name S3 would refuse",
            () => new BroadcastWebSocket("b", { bucket: "Not_A_Bucket" }),
            /is not an S3 bucket name or bucket ARN/,
        ],
        [
            "a $connect of the caller's own",
            () => new BroadcastWebSocket("b", { routes: { $connect: async () => ({ statusCode: 200 }) } }),
            /\$connect is this component's own route/,
        ],
        [
            "a fan-out concurrency of 0",
            () => new BroadcastWebSocket("b", { fanout: { concurrency: 0 } }),
            /fanout.concurrency must be a whole number from 1 to 1000/,
        ],
        ...[0, 2.5, 1001].map((segments): [string, () => unknown, RegExp] => [
            `${segments} fan-out segments`,
            () => new BroadcastWebSocket("b", { fanout: { segments } }),
            /fanout.segments must be a whole number from 1 to 1000/,
        ]),
        [
            "segmentAbove without segments",
            () => new BroadcastWebSocket("b", { fanout: { segmentAbove: 100 } }),
            /segmentAbove only applies with fanout.segments above 1/,
        ],
        [
            "a negative segmentAbove",
            () => new BroadcastWebSocket("b", { fanout: { segments: 2, segmentAbove: -1 } }),
            /fanout.segmentAbove must be a whole number from 0/,
        ],
    ];
    for (const [label, program, pattern] of invalid) {
        it(`fails loudly on ${label}`, () => expectRejected(program, pattern));
    }
});

describe("BroadcastWebSocket channels and uploads", () => {
    let graph: ResourceGraph;
    before(async () => {
        graph = await recordInProcess(() => {
            new BroadcastWebSocket("files", {
                uploads: { prefix: "in/", expiresInSeconds: 60, allowedOrigins: ["https://app.example.com"] },
            });
            new BroadcastWebSocket("quiet", {
                channels: {
                    unsubscribed: "none",
                    maxPerConnection: 5,
                    maxNameBytes: 64,
                    authorizeSubscribe: ({ channel }) => channel !== "",
                },
            });
        });
    });
    const variables = (name: string) =>
        (graph.one(RESOURCE_TYPES.function, name).inputs.environment as { variables: Record<string, string> }).variables;
    const withoutLogs = (name: string) => functionGrants(graph, name).filter((g) => !g.actions[0].startsWith("logs:"));

    it("adds a two-way upload route, and lets the channel function put objects under the prefix only (S6)", () => {
        const routes = [
            ...graph
                .websocketApis()
                .find((a) => a.name === "files")!
                .routes.keys(),
        ];
        expect(routes).to.include("upload");
        const bucketArn = graph.one(RESOURCE_TYPES.bucket, "files-bucket").state.arn;
        expect(withoutLogs("files-channels")).to.deep.include({ actions: ["s3:PutObject"], resources: [`${String(bucketArn)}/in/*`] });
        expect(variables("files-channels")).to.deep.include({
            UPLOAD_BUCKET: graph.one(RESOURCE_TYPES.bucket, "files-bucket").state.bucket,
            UPLOAD_PREFIX: "in/",
            UPLOAD_EXPIRES_SECONDS: "60",
        });
    });

    it("gives a created bucket a CORS rule for PUTs from the allowed origins only (S6)", () => {
        const cors = graph.ofType(RESOURCE_TYPES.bucketCors);
        expect(cors).to.have.length(1);
        expect(cors[0].inputs.bucket).to.equal(graph.one(RESOURCE_TYPES.bucket, "files-bucket").id);
        expect(cors[0].inputs.corsRules).to.deep.equal([
            {
                allowedMethods: ["PUT"],
                allowedOrigins: ["https://app.example.com"],
                allowedHeaders: ["*"],
                exposeHeaders: ["ETag"],
                maxAgeSeconds: 3000,
            },
        ]);
    });

    it("without uploads: no upload route, no S3 grant, no CORS rule (S6)", () => {
        expect([
            ...graph
                .websocketApis()
                .find((a) => a.name === "quiet")!
                .routes.keys(),
        ]).to.not.include("upload");
        expect(withoutLogs("quiet-channels").flatMap((g) => g.actions)).to.not.include("s3:PutObject");
        const quietBucket = graph.one(RESOURCE_TYPES.bucket, "quiet-bucket").id;
        expect(graph.ofType(RESOURCE_TYPES.bucketCors).map((c) => c.inputs.bucket)).to.not.include(quietBucket);
    });

    it('makes authorizeSubscribe\'s default unsubscribed "none": a never-subscribed connection hears nothing', async () => {
        const guarded = await recordInProcess(() => new BroadcastWebSocket("guarded", { channels: { authorizeSubscribe: () => true } }));
        const connect = guarded.one(RESOURCE_TYPES.function, "guarded-connect");
        expect((connect.inputs.environment as { variables: Record<string, string> }).variables.CHANNELS_UNSUBSCRIBED).to.equal("none");
    });

    it("signs upload URLs for at most maxBytes (10 MiB unless set)", () => {
        expect(variables("files-channels").UPLOAD_MAX_BYTES).to.equal(String(10 * 1024 * 1024));
    });

    it("with unsubscribed: none, $connect writes no subscription and may not", () => {
        expect(variables("quiet-connect")).to.deep.include({ CHANNELS_UNSUBSCRIBED: "none" });
        expect(variables("files-connect")).to.deep.include({ CHANNELS_UNSUBSCRIBED: "all" });
        const subscriptionsArn = graph.one(RESOURCE_TYPES.table, "quiet-subscriptions").state.arn;
        expect(withoutLogs("quiet-connect").flatMap((g) => g.resources)).to.not.include(subscriptionsArn);
    });

    it("serializes authorizeSubscribe and the limits into the channel function", () => {
        const text = (
            graph.one(RESOURCE_TYPES.function, "quiet-channels").inputs.code as {
                archive: { assets: Record<string, { asset: { text: string } }> };
            }
        ).archive.assets["__index.js"].asset.text;
        expect(text).to.include('channel !== ""');
        expect(text).to.include("maxPerConnection: 5, maxNameBytes: 64");
    });

    it("is secure by the checklist and keeps archives to our code", () => {
        expectSecureStack(graph);
        expectArchivesHoldOurCodeOnly(graph);
    });

    const invalid: [string, () => unknown, RegExp][] = [
        [
            "an unknown unsubscribed mode",
            () => new BroadcastWebSocket("b", { channels: { unsubscribed: "some" as "all" } }),
            /use "all" or "none"/,
        ],
        [
            "no channels per connection",
            () => new BroadcastWebSocket("b", { channels: { maxPerConnection: 0 } }),
            /channels.maxPerConnection must be a whole number from 1 to 1000/,
        ],
        [
            "an overlong channel limit",
            () => new BroadcastWebSocket("b", { channels: { maxNameBytes: 2048 } }),
            /channels.maxNameBytes must be a whole number from 1 to 1024/,
        ],
        [
            "an authorizeSubscribe that is not a function",
            () => new BroadcastWebSocket("b", { channels: { authorizeSubscribe: true as never } }),
            /must be a function/,
        ],
        [
            "an upload prefix not ending at /",
            () => new BroadcastWebSocket("b", { uploads: { prefix: "in" } }),
            /must end with "\/".*"in\/"/,
        ],
        ["no allowed origins", () => new BroadcastWebSocket("b", { uploads: { allowedOrigins: [] } }), /allowedOrigins is empty/],
        [
            "an upload URL lifetime over an hour",
            () => new BroadcastWebSocket("b", { uploads: { expiresInSeconds: 7200 } }),
            /uploads.expiresInSeconds must be a whole number from 1 to 3600/,
        ],
        [
            "a route of its own named subscribe",
            () => new BroadcastWebSocket("b", { routes: { subscribe: async () => ({ statusCode: 200 }) } }),
            /subscribe is this component's own route/,
        ],
    ];
    for (const [label, program, pattern] of invalid) {
        it(`fails loudly on ${label}`, () => expectRejected(program, pattern));
    }
});
