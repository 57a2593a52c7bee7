import { expect } from "chai";
import * as path from "node:path";
import { createBroadcaster } from "../../handlers/broadcast";
import { CONNECTION_LIFETIME_SECONDS, saveConnection, type ConnectionStore } from "../../handlers/connections";
import { MAX_CHAT_TEXT, sendMessageHandler } from "../../examples/chat/send-message";
import { FakeConnectionsEndpoint } from "../support/connections-endpoint";
import { createConnectionsTable, startDynamo } from "../support/dynamo";
import { messageEvent } from "../support/events";
import { ResourceGraph } from "../../local/graph/resource-graph";
import { RESOURCE_TYPES } from "../../local/record/resource-types";
import { clients, eventually, rows, TestClient, useTestCloud } from "../support/local";
import { recordInChild } from "../../local/record/record-in-child";
import { ROOT } from "../support/record";
import { BROADCAST_ROUTE_KEYS, expectArchivesHoldOurCodeOnly, expectSecureStack, functionGrants } from "../support/security";

describe("examples/chat loaded as `pulumi up` loads it", () => {
    let graph: ResourceGraph;
    before(async () => {
        graph = new ResourceGraph((await recordInChild(path.join(ROOT, "examples", "chat"))).program);
    });

    it("adds a two-way sendmessage route to the broadcast API", () => {
        expect([...graph.websocketApis()[0].routes.keys()].sort()).to.deep.equal([...BROADCAST_ROUTE_KEYS, "sendmessage"].sort());
        const send = graph.ofType(RESOURCE_TYPES.route).find((r) => r.inputs.routeKey === "sendmessage")!;
        expect(send.inputs.routeResponseSelectionExpression).to.equal("$default");
        expect(graph.ofType(RESOURCE_TYPES.routeResponse).some((rr) => rr.inputs.routeId === send.id)).to.equal(true);
    });

    it("grants sendmessage the right to broadcast through the component's grant, and nothing else", () => {
        const api = graph.ofType(RESOURCE_TYPES.api)[0];
        const table = graph.one(RESOURCE_TYPES.table, "chat-connections");
        const subscriptions = graph.one(RESOURCE_TYPES.table, "chat-subscriptions");
        expect(functionGrants(graph, "chat-sendmessage").filter((g) => !g.actions[0].startsWith("logs:"))).to.deep.equal([
            { actions: ["dynamodb:Scan"], resources: [table.state.arn] },
            { actions: ["dynamodb:DeleteItem"], resources: [table.state.arn] },
            { actions: ["dynamodb:BatchWriteItem"], resources: [subscriptions.state.arn] },
            {
                actions: ["execute-api:ManageConnections"],
                resources: [`arn:aws:execute-api:us-east-1:000000000000:${String(api.id)}/dev/POST/@connections/*`],
            },
        ]);
    });

    it("meets the security checklist and keeps archives under 32 KB", () => {
        expectSecureStack(graph);
        expectArchivesHoldOurCodeOnly(graph);
    });

    it("exports the chat URL and the bucket name", () => {
        expect(graph.program.outputs.url).to.match(/^wss:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com\/dev$/);
        expect(graph.program.outputs.bucketName).to.equal(graph.ofType(RESOURCE_TYPES.bucket)[0].state.bucket);
    });
});

describe("the chat sendmessage handler", () => {
    let dynamo: Awaited<ReturnType<typeof startDynamo>>;
    let endpoint: FakeConnectionsEndpoint;
    let store: ConnectionStore;
    let send: ReturnType<typeof sendMessageHandler>;
    const sendFrom = (connectionId: string, body: string) => {
        const event = messageEvent(body, { routeKey: "sendmessage" });
        return send({ ...event, requestContext: { ...event.requestContext, connectionId } });
    };

    before(async () => {
        dynamo = await startDynamo();
    });
    after(async () => dynamo.stop());
    beforeEach(async () => {
        store = await createConnectionsTable(dynamo.client);
        for (const id of ["alice=", "bob=", "carol="]) {
            await saveConnection(store, {
                connectionId: id,
                connectedAt: Date.now(),
                expiresAt: Math.floor(Date.now() / 1000) + CONNECTION_LIFETIME_SECONDS,
            });
        }
        endpoint = new FakeConnectionsEndpoint();
        send = sendMessageHandler(createBroadcaster({ store, endpoint: await endpoint.start(), baseDelayMs: 1 }));
    });
    afterEach(async () => endpoint.stop());

    it("sends the line to everyone, the sender included, and tells the sender how many got it", async () => {
        const reply = await sendFrom("alice=", JSON.stringify({ action: "sendmessage", data: "hello, room 👋" }));
        expect(reply).to.deep.equal({ statusCode: 200, body: JSON.stringify({ type: "sent", delivered: 3 }) });
        for (const id of ["alice=", "bob=", "carol="]) {
            const [message] = endpoint.received.get(id)!.map((m) => JSON.parse(m) as Record<string, unknown>);
            expect(message).to.deep.equal({ type: "chat", from: "alice=", data: "hello, room 👋", time: "2026-11-21T12:00:00.000Z" });
        }
    });

    for (const [label, body, status] of [
        ["no data", '{"action":"sendmessage"}', 400],
        ["blank data", '{"action":"sendmessage","data":"   "}', 400],
        ["non-string data", '{"action":"sendmessage","data":{"html":"<b>"}}', 400],
        ["malformed JSON", '{"action":"sendmessage",', 400],
        ["overlong data", JSON.stringify({ action: "sendmessage", data: "x".repeat(MAX_CHAT_TEXT + 1) }), 413],
    ] as const) {
        it(`answers ${label} with ${status} and broadcasts nothing`, async () => {
            const reply = await sendFrom("bob=", body);
            expect(reply.statusCode).to.equal(status);
            expect(JSON.parse(reply.body)).to.have.property("error");
            expect(endpoint.attempts.size).to.equal(0);
        });
    }
});

describe("examples/chat on the local cloud", () => {
    const cloud = useTestCloud(path.join(ROOT, "examples", "chat"));

    it("broadcasts a line to everyone and acknowledges the sender", async () => {
        const t = cloud();
        const [alice, bob] = await Promise.all([TestClient.open(t.url("url")), TestClient.open(t.url("url"))]);
        const { dynamodb } = clients(t);
        await eventually(async () => (await rows(dynamodb, t.cloud.tables[0])).length === 2, 5_000, "two rows");
        alice.ws.send('{"action":"sendmessage","data":"hello"}');
        const aliceGot = [JSON.parse(await alice.next()), JSON.parse(await alice.next())] as Record<string, unknown>[];
        expect(aliceGot).to.deep.include({ type: "sent", delivered: 2 });
        expect(aliceGot.find((m) => m.type === "chat")).to.deep.include({ data: "hello" });
        expect(JSON.parse(await bob.next())).to.deep.include({ type: "chat", data: "hello" });
        expect(JSON.parse(await bob.ask('{"action":"sendmessage"}'))).to.deep.include({ error: "InvalidMessage" });
        await Promise.all([alice.close(), bob.close()]);
        expect(t.cloud.iam.enforced).to.equal(true);
        expect(t.logs.filter((line) => line.startsWith("IAM"))).to.deep.equal([]);
    });
});
