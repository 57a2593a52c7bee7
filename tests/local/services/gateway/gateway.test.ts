import {
    ApiGatewayManagementApiClient,
    DeleteConnectionCommand,
    GetConnectionCommand,
    PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { expect } from "chai";
import * as http from "node:http";
import * as net from "node:net";
import WebSocket from "ws";
import {
    errorFramePattern,
    eventually,
    handshakeStatus,
    recorded,
    startTestCloud,
    TestClient,
    useTestCloud,
    type TestCloud,
    BEHAVIOUR,
    useBehaviourCloud,
} from "../../../support/local";

describe("local gateway: API Gateway's WebSocket behaviour", () => {
    const t = useBehaviourCloud({ limits: { integrationTimeoutMs: 1_500 } });
    const open = t.open;

    it("selects routes with a templated expression (B1, B2)", async () => {
        const client = await open();
        expect(await client.ask('{"action":"chat/join"}')).to.equal("joined");
        await client.close();
    });

    it("answers an unmatched message with the Forbidden frame and keeps the socket open when there is no $default (B5, B4)", async () => {
        const client = await open();
        expect(await client.ask('{"action":"nope"}')).to.match(errorFramePattern("Forbidden"));
        expect(await client.ask("not json")).to.match(errorFramePattern("Forbidden"));
        expect(await client.ask('{"action":"chat/join"}')).to.equal("joined");
        await client.close();
    });

    it("answers a throwing or exiting handler with Internal server error, and the next message still works (B6)", async () => {
        const client = await open();
        const frame = await client.ask('{"action":"boom"}');
        expect(frame).to.match(errorFramePattern("Internal server error"));
        const { connectionId } = JSON.parse(frame) as { connectionId: string };
        expect(await client.ask('{"action":"exit"}')).to.match(errorFramePattern("Internal server error"));
        const event = JSON.parse(await client.ask('{"action":"whoami"}')) as { requestContext: { connectionId: string } };
        expect(event.requestContext.connectionId).to.equal(connectionId);
        await client.close();
    });

    it("answers Endpoint request timed out when the integration outlives its timeout (B7)", async () => {
        const client = await open();
        expect(await client.ask('{"action":"slow"}', 3_000)).to.match(errorFramePattern("Endpoint request timed out"));
        await client.close();
    });

    it("passes a two-way route's body whatever its status, sends nothing for an empty body or a one-way route (B18, B19)", async () => {
        const client = await open();
        expect(await client.ask('{"action":"teapot"}')).to.equal("short and stout");
        client.ws.send('{"action":"silent"}');
        client.ws.send('{"action":"oneway"}');
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await client.ask('{"action":"chat/join"}')).to.equal("joined");
        expect(client.messages).to.deep.equal([]);
        await client.close();
    });

    it("gives the Lambda proxy event every field of B17", async () => {
        const client = await open();
        const first = JSON.parse(await client.ask('{"action":"whoami","n":1}')) as {
            requestContext: Record<string, unknown>;
            body: string;
            isBase64Encoded: boolean;
        };
        const second = JSON.parse(await client.ask('{"action":"whoami","n":2}')) as typeof first;
        const context = first.requestContext;
        const { apiId } = t.cloud.apis.find((a) => a.name === "edge")!;
        expect(context).to.include({
            routeKey: "whoami",
            eventType: "MESSAGE",
            messageDirection: "IN",
            stage: "test",
            apiId,
            domainName: `${apiId}.execute-api.eu-central-1.amazonaws.com`,
        });
        expect(context.requestId).to.equal(context.extendedRequestId);
        expect(context.requestTime).to.match(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
        expect(context.requestTimeEpoch).to.be.a("number");
        expect(context.messageId).to.be.a("string").and.not.equal(second.requestContext.messageId);
        expect(context.connectedAt).to.be.a("number").and.equal(second.requestContext.connectedAt);
        expect(context.identity).to.deep.include({ sourceIp: "127.0.0.1" });
        expect(first.body).to.equal('{"action":"whoami","n":1}');
        expect(first.isBase64Encoded).to.equal(false);
        await client.close();
    });

    it("holds the handshake for $connect and rejects it with the status $connect returns, 502 on error or no status (B9, B10)", async () => {
        expect(await handshakeStatus(t.url("edgeUrl") + "?reject=401")).to.equal(401);
        expect(await handshakeStatus(t.url("edgeUrl") + "?reject=403")).to.equal(403);
        expect(await handshakeStatus(t.url("edgeUrl") + "?crash=1")).to.equal(502);
        expect(await handshakeStatus(t.url("edgeUrl") + "?nostatus=1")).to.equal(502);
        expect(await handshakeStatus(t.url("edgeUrl"))).to.equal(101);
    });

    it("passes only Sec-WebSocket-Protocol from the $connect response to the client (B11)", async () => {
        const upgrade = new Promise<http.IncomingHttpHeaders>((resolve) => {
            const ws = new WebSocket(t.url("edgeUrl"), ["chat.v2", "chat.v1"]);
            ws.once("upgrade", (res) => {
                resolve(res.headers);
                ws.once("open", () => ws.close());
            });
        });
        const headers = await upgrade;
        expect(headers["sec-websocket-protocol"]).to.equal("chat.v2");
        expect(headers).to.not.have.property("x-other");
    });

    it("gives CONNECT events headers, and query string parameters only when there is a query (B12, B17)", async () => {
        (await open("?a=1&a=2&b=x")).ws.close();
        (await open()).ws.close();
        await eventually(() => t.probes("connect").length >= 2, 5_000, "two connect events");
        const events = t
            .probes("connect")
            .slice(-2)
            .map((p) => p.event as Record<string, Record<string, unknown>>);
        const [withQuery, without] = events;
        expect(withQuery.queryStringParameters).to.deep.equal({ a: "2", b: "x" });
        expect(withQuery.multiValueQueryStringParameters).to.deep.equal({ a: ["1", "2"], b: ["x"] });
        expect(withQuery.headers).to.have.property("Sec-WebSocket-Key");
        expect(withQuery.requestContext).to.include({ eventType: "CONNECT", routeKey: "$connect" });
        expect(withQuery.requestContext).to.not.have.property("messageId");
        expect(without).to.not.have.property("queryStringParameters");
    });

    it("answers a post to a connection still in its $connect with GoneException (B13), through an unmodified handler's own endpoint", async () => {
        const client = await open("", { protocols: ["post-to-self"] });
        expect(client.ws.protocol).to.equal("post-to-self");
        await client.close();
    });

    it("reports close codes and reasons to $disconnect (B16)", async () => {
        const before = t.probes("disconnect").length;
        await (await open()).close(1000, "bye");
        await (await open()).close();
        await eventually(() => t.probes("disconnect").length >= before + 2, 5_000, "two disconnect events");
        const contexts = t
            .probes("disconnect")
            .slice(before)
            .map((p) => (p.event as { requestContext: Record<string, unknown> }).requestContext);
        const summary = contexts.map((c) => [c.eventType, c.disconnectStatusCode, c.disconnectReason]);
        expect(summary).to.have.deep.members([
            ["DISCONNECT", 1000, "bye"],
            ["DISCONNECT", 1005, "Client-side close frame status not set"],
        ]);
    });

    describe("@connections (B20–B22)", () => {
        let management: ApiGatewayManagementApiClient;
        before(() => {
            management = new ApiGatewayManagementApiClient({ endpoint: t.url("edgeManagement"), region: "eu-central-1" });
        });

        it("posts, describes and deletes a connection; SDK v3 names every error", async () => {
            const client = await open();
            const frame = await client.ask('{"action":"boom"}');
            const { connectionId } = JSON.parse(frame) as { connectionId: string };

            await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: "pushed ✓" }));
            expect(await client.next()).to.equal("pushed ✓");

            const described = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
            expect(described.ConnectedAt).to.be.instanceOf(Date);
            expect(described.LastActiveAt).to.be.instanceOf(Date);
            expect(described.Identity?.SourceIp).to.equal("127.0.0.1");

            const tooLarge = await management
                .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: "x".repeat(128 * 1024 + 1) }))
                .catch((e: unknown) => e);
            expect(tooLarge).to.have.property("name", "PayloadTooLargeException");
            expect((tooLarge as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).to.equal(413);

            const before = t.probes("disconnect").length;
            await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
            expect(await client.closed).to.deep.equal({ code: 1000, reason: "Connection Closed Normally" });
            await eventually(() => t.probes("disconnect").length > before, 5_000, "disconnect after DeleteConnection");
            const context = (t.probes("disconnect").slice(before)[0].event as { requestContext: Record<string, unknown> }).requestContext;
            expect([context.disconnectStatusCode, context.disconnectReason]).to.deep.equal([1000, "Connection Closed Normally"]);

            const gone = await management
                .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: "late" }))
                .catch((e: unknown) => e);
            expect(gone).to.have.property("name", "GoneException");
            expect((gone as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).to.equal(410);
        });

        it("decodes URL-encoded ids with / and + in them", async () => {
            const ids: string[] = [];
            const clients: TestClient[] = [];
            // Ids are random base64: open connections until both characters have appeared, within a bound.
            for (let i = 0; i < 60 && !(ids.some((id) => id.includes("/")) && ids.some((id) => id.includes("+"))); i++) {
                const client = await open();
                clients.push(client);
                ids.push((JSON.parse(await client.ask('{"action":"boom"}')) as { connectionId: string }).connectionId);
            }
            for (const [i, id] of ids.entries()) {
                await management.send(new PostToConnectionCommand({ ConnectionId: id, Data: id }));
                expect(await clients[i].next()).to.equal(id);
            }
            await Promise.all(clients.map((c) => c.close()));
        });
    });

    describe("hostile input", () => {
        it("survives a message nested too deeply to stringify: Forbidden frame, socket open, gateway up", async () => {
            const client = await open();
            const deep = `{"action":${"[".repeat(50_000)}${"]".repeat(50_000)}}`;
            expect(await client.ask(deep)).to.match(errorFramePattern("Forbidden"));
            expect(await client.ask('{"action":"chat/join"}')).to.equal("joined");
            await client.close();
        });

        it("answers a request line with an unparseable URL with 400 and keeps serving", async () => {
            const { port } = new URL(t.url("edgeUrl"));
            const reply = await new Promise<string>((resolve, reject) => {
                const socket = net.connect(Number(port), "127.0.0.1", () => socket.write("GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n"));
                let data = "";
                socket.on("data", (chunk) => (data += chunk.toString()));
                socket.on("end", () => resolve(data));
                socket.on("close", () => resolve(data));
                socket.on("error", reject);
                setTimeout(() => socket.destroy(), 2_000);
            });
            expect(reply).to.match(/^HTTP\/1\.1 400/);
            expect(await handshakeStatus(t.url("edgeUrl"))).to.equal(101);
        });

        it("passes query parameters named constructor and __proto__ as plain values (B12)", async () => {
            const before = t.probes("connect").length;
            (await open("?constructor=1&__proto__=x&toString=y")).ws.close();
            await eventually(() => t.probes("connect").length > before, 5_000, "connect event");
            const query = (t.probes("connect").slice(before)[0].event as { queryStringParameters: object }).queryStringParameters;
            expect(Object.getOwnPropertyNames(query).sort()).to.deep.equal(["__proto__", "constructor", "toString"]);
            expect(Object.getOwnPropertyDescriptor(query, "__proto__")?.value).to.equal("x");
        });

        it("refuses a request that is not a WebSocket handshake before $connect runs", async () => {
            const before = t.probes("connect").length;
            const { port } = new URL(t.url("edgeUrl"));
            const status = await new Promise<number>((resolve, reject) => {
                const req = http.request({
                    host: "127.0.0.1",
                    port,
                    path: "/test",
                    headers: {
                        Connection: "Upgrade",
                        Upgrade: "websocket",
                        "Sec-WebSocket-Key": "not-a-key",
                        "Sec-WebSocket-Version": "13",
                    },
                });
                req.on("response", (res) => resolve(res.statusCode ?? 0));
                req.on("upgrade", (res, socket) => {
                    socket.destroy();
                    resolve(res.statusCode ?? 0);
                });
                // A reset or dropped connection fails the test: the gateway must answer 400, not hang up.
                req.on("error", reject);
                req.end();
            });
            expect(status).to.equal(400);
            await new Promise((resolve) => setTimeout(resolve, 200));
            expect(t.probes("connect").length, "no CONNECT event").to.equal(before);
        });

        it("rejects with 502 a $connect status that is not an HTTP status (B10)", async () => {
            expect(await handshakeStatus(t.url("edgeUrl") + "?reject=101")).to.equal(502);
            expect(await handshakeStatus(t.url("edgeUrl") + "?reject=200.5")).to.equal(502);
        });

        it("closes a connection that sends a message over 128 KB with 1009, and reports 1009 to $disconnect (B16, B24)", async () => {
            const before = t.probes("disconnect").length;
            const client = await open();
            client.ws.send("x".repeat(129 * 1024));
            expect((await client.closed).code).to.equal(1009);
            await eventually(() => t.probes("disconnect").length > before, 5_000, "disconnect");
            const context = (t.probes("disconnect").slice(before)[0].event as { requestContext: Record<string, unknown> }).requestContext;
            expect(context.disconnectStatusCode).to.equal(1009);
        });

        it("delivers posted bytes that are not UTF-8 as a binary frame, intact", async () => {
            const client = await open();
            const { connectionId } = JSON.parse(await client.ask('{"action":"boom"}')) as { connectionId: string };
            const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x81]);
            const received = new Promise<{ data: Buffer; isBinary: boolean }>((resolve) =>
                client.ws.once("message", (data, isBinary) => resolve({ data: data as Buffer, isBinary })),
            );
            const management = new ApiGatewayManagementApiClient({ endpoint: t.url("edgeManagement"), region: "eu-central-1" });
            await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: bytes }));
            const { data, isBinary } = await received;
            expect(isBinary).to.equal(true);
            expect([...data]).to.deep.equal([...bytes]);
            await client.close();
        });
    });

    describe("limits (B24)", () => {
        it("closes a connection that sends a binary frame with 1003", async () => {
            const client = await open();
            client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
            expect((await client.closed).code).to.equal(1003);
        });

        it("accepts a message of exactly 128 KB", async () => {
            const client = await open();
            const body = JSON.stringify({ action: "teapot", pad: "" });
            client.ws.send(JSON.stringify({ action: "teapot", pad: "x".repeat(128 * 1024 - body.length) }));
            expect(await client.next()).to.equal("short and stout");
            await client.close();
        });

        it("answers a plain HTTP GET on the WebSocket URL with 426", async () => {
            const status = await new Promise<number>((resolve, reject) => {
                http.get(t.url("edgeUrl").replace(/^ws:/, "http:"), (res) => {
                    res.resume();
                    resolve(res.statusCode ?? 0);
                }).on("error", reject);
            });
            expect(status).to.equal(426);
        });

        it("refuses a handshake on another stage's path", async () => {
            expect(await handshakeStatus(t.url("edgeUrl").replace(/\/test$/, "/prod"))).to.equal(403);
        });
    });
});

describe("local gateway: idle timeout and maximum lifetime (B24, configurable)", () => {
    it("keeps a connection that keeps talking open past the idle timeout", async () => {
        const t = await startTestCloud(await recorded(BEHAVIOUR), { limits: { idleTimeoutMs: 500 } });
        try {
            const talker = await TestClient.open(t.url("edgeUrl"));
            const chatter = setInterval(() => talker.ws.send('{"action":"chat/join"}'), 100);
            await new Promise((resolve) => setTimeout(resolve, 1_500));
            clearInterval(chatter);
            expect(talker.ws.readyState, "still open after three idle timeouts of talking").to.equal(talker.ws.OPEN);
            expect(await talker.closed.then((c) => c.code), "then closed once quiet").to.equal(1001);
        } finally {
            await t.cloud.stop();
        }
    });

    it("closes an idle connection, and a connection past its lifetime, with 1001 Going away", async () => {
        const program = await recorded(BEHAVIOUR);
        const idle = await startTestCloud(program, { limits: { idleTimeoutMs: 300 } });
        const old = await startTestCloud(program, { limits: { maxLifetimeMs: 600, idleTimeoutMs: 60_000 } });
        try {
            const quiet = await TestClient.open(idle.url("edgeUrl"));
            expect(await quiet.closed).to.deep.equal({ code: 1001, reason: "Going away" });
            const busy = await TestClient.open(old.url("edgeUrl"));
            const chatter = setInterval(() => busy.ws.send('{"action":"chat/join"}'), 100);
            const closed = await busy.closed;
            clearInterval(chatter);
            expect(closed).to.deep.equal({ code: 1001, reason: "Going away" });
        } finally {
            await idle.cloud.stop();
            await old.cloud.stop();
        }
    });
});

describe("local gateway: Lambda REQUEST authorizer (B14, B15)", () => {
    const cloud = useTestCloud(BEHAVIOUR);
    let t: TestCloud;
    beforeEach(() => {
        t = cloud();
    });

    it("answers 401 without calling the authorizer when an identity source is missing or empty", async () => {
        expect(await handshakeStatus(t.url("guardedUrl"))).to.equal(401);
        expect(await handshakeStatus(t.url("guardedUrl") + "?token=")).to.equal(401);
        // A call that logs is seen within this wait, as the next test shows; none may come.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(
            t.probes("authorizer").filter((p) => p.token === undefined || p.token === ""),
            "the authorizer was not called",
        ).to.deep.equal([]);
    });

    it("answers 401 for an Unauthorized error and 403 for a Deny policy", async () => {
        // Only this test's calls: the authorizer's log lines arrive after the handshake answers, and other tests call it too.
        const before = t.probes("authorizer").length;
        expect(await handshakeStatus(t.url("guardedUrl") + "?token=unknown")).to.equal(401);
        expect(await handshakeStatus(t.url("guardedUrl") + "?token=bad")).to.equal(403);
        const { apiId } = t.cloud.apis.find((a) => a.name === "guarded")!;
        await eventually(() => t.probes("authorizer").length >= before + 2, 5_000, "both authorizer calls logged");
        expect(
            t
                .probes("authorizer")
                .slice(before)
                .map((p) => [p.token, p.type, p.methodArn]),
        ).to.deep.equal([
            ["unknown", "REQUEST", `arn:aws:execute-api:eu-central-1:000000000000:${apiId}/test/$connect`],
            ["bad", "REQUEST", `arn:aws:execute-api:eu-central-1:000000000000:${apiId}/test/$connect`],
        ]);
    });

    it("admits an allowed caller and puts principalId and context on every later event, DISCONNECT included", async () => {
        const client = await TestClient.open(t.url("guardedUrl") + "?token=good");
        expect(JSON.parse(await client.ask("hello"))).to.deep.equal({ team: "blue", level: 3, principalId: "user-good" });
        await client.close();
        await eventually(() => t.probes("guarded-disconnect").length > 0, 5_000, "disconnect");
        expect(t.probes("guarded-disconnect")[0].authorizer).to.deep.equal({ team: "blue", level: 3, principalId: "user-good" });
    });
});
