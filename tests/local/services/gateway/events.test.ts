import { expect } from "chai";
import { authorizerEvent } from "../../../../local/services/gateway/events/authorizer-event";
import { connectEvent } from "../../../../local/services/gateway/events/connect-event";
import { disconnectEvent } from "../../../../local/services/gateway/events/disconnect-event";
import { handshake } from "../../../../local/services/gateway/events/handshake";
import { messageEvent } from "../../../../local/services/gateway/events/message-event";
import type { ApiInfo, ConnectionInfo } from "../../../../local/services/gateway/proxy-events";
import { eventually, useBehaviourCloud, TestClient } from "../../../support/local";
import { AUTHORIZER_KEYS, captured, expectLike } from "./captured-events";

// The gateway's events against events API Gateway sent on AWS (tests/fixtures/captured-events, docs/events.md):
// the same keys at every level, values of the same type, and the formats and relations the captures show.

const api: ApiInfo = { apiId: "abc123defg", stage: "dev", domainName: "abc123defg.execute-api.us-east-1.amazonaws.com" };
const USER_AGENT = "Python/3.8 websockets/10.3";
/** The handshake a ws client sends, as Node parses it. */
const wsClientRequest = (extra: string[] = []) => ({
    rawHeaders: [
        "Sec-WebSocket-Version",
        "13",
        "Sec-WebSocket-Key",
        "dGhlIHNhbXBsZSBub25jZQ==",
        "Connection",
        "Upgrade",
        "Upgrade",
        "websocket",
        "Sec-WebSocket-Extensions",
        "permessage-deflate; client_max_window_bits",
        "Host",
        "127.0.0.1:4510",
        ...extra,
    ],
});
const connection = (userAgent?: string): ConnectionInfo => ({
    connectionId: "Xux7aeaAFiACHZQ=",
    connectedAt: Date.now(),
    sourceIp: "203.0.113.7",
    ...(userAgent ? { userAgent } : {}),
});
const url = (query = "") => new URL(`http://127.0.0.1:4510/dev${query}`);

describe("local gateway: the events, against events captured on AWS (docs/events.md)", () => {
    describe("the $connect request as API Gateway forwards it (B12)", () => {
        it("drops Connection and Upgrade, names the AWS host, and adds the X-Forwarded-* and trace headers for the real client", () => {
            const { headers, multiValueHeaders } = handshake(wsClientRequest(), url(), connection(), api);
            expect(headers).to.not.have.any.keys("Connection", "Upgrade");
            expect(headers).to.include({
                Host: api.domainName,
                "X-Forwarded-For": "203.0.113.7",
                "X-Forwarded-Port": "443",
                "X-Forwarded-Proto": "https",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            });
            expect(headers["X-Amzn-Trace-Id"]).to.match(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
            expect(multiValueHeaders.Host).to.deep.equal([api.domainName]);
        });

        it("appends the client to an X-Forwarded-For it sent, keeps its trace header, and replaces its port and proto", () => {
            const sent = [
                "X-Forwarded-For",
                "198.51.100.1",
                "x-amzn-trace-id",
                "Root=1-00000000-000000000000000000000000",
                "X-Forwarded-Proto",
                "http",
            ];
            const { headers } = handshake(wsClientRequest(sent), url(), connection(), api);
            expect(headers["X-Forwarded-For"]).to.equal("198.51.100.1, 203.0.113.7");
            expect(headers["x-amzn-trace-id"]).to.equal("Root=1-00000000-000000000000000000000000");
            expect(headers).to.not.have.property("X-Amzn-Trace-Id");
            expect(headers["X-Forwarded-Proto"]).to.equal("https");
        });

        it("keeps a header named __proto__ as a plain value", () => {
            const { headers } = handshake(wsClientRequest(["__proto__", "x"]), url(), connection(), api);
            expect(Object.getOwnPropertyDescriptor(headers, "__proto__")?.value).to.equal("x");
        });
    });

    describe("built from a handshake", () => {
        it("CONNECT, without an authorizer or a query string", () => {
            const admitted = connection();
            expectLike(connectEvent(api, admitted, handshake(wsClientRequest(), url(), admitted, api)), "connect");
        });

        it("CONNECT after a Lambda authorizer: its context, principalId and integrationLatency; MESSAGE then without the latency (B15)", () => {
            const admitted = { ...connection(USER_AGENT), authorizer: { team: "blue", principalId: "user-1" }, authorizerLatencyMs: 12 };
            const request = handshake(wsClientRequest(["User-Agent", USER_AGENT, "Authorization", "t"]), url(), admitted, api);
            const connect = connectEvent(api, admitted, request);
            expectLike(connect, "connect-authorizer");
            expect(connect.requestContext.authorizer).to.deep.equal({ team: "blue", principalId: "user-1", integrationLatency: 12 });
            const message = messageEvent(api, admitted, "request", '{"action":"request"}');
            expectLike(message, "message-authorizer");
            expect(message.requestContext.authorizer).to.deep.equal({ team: "blue", principalId: "user-1" });
        });

        it("MESSAGE and DISCONNECT", () => {
            const open = connection(USER_AGENT);
            expectLike(messageEvent(api, open, "$default", '{"a": 1}'), "message");
            expectLike(disconnectEvent(api, open, 1001, ""), "disconnect");
        });

        it("the REQUEST authorizer event, in the same request as the CONNECT event after it (B14)", () => {
            const caller = connection();
            const request = handshake(wsClientRequest(["HeaderAuth1", "headerValue1"]), url("?QueryString1=queryValue1"), caller, api);
            const methodArn = `arn:aws:execute-api:us-east-1:123456789012:${api.apiId}/${api.stage}/$connect`;
            const event = authorizerEvent(methodArn, api, caller, request);
            expectLike(event, "authorizer-request");
            expect(event.headers).to.include({ Connection: "upgrade", "content-length": "0", Upgrade: "websocket" });
            expect(event.requestContext.requestId).to.equal(connectEvent(api, caller, request).requestContext.requestId);
        });
    });

    describe("sent by the running gateway", () => {
        const t = useBehaviourCloud();

        it("CONNECT of a client that sends no User-Agent", async () => {
            const before = t.probes("connect").length;
            (await t.open()).ws.close();
            await eventually(() => t.probes("connect").length > before, 5_000, "the connect event");
            expectLike(t.probes("connect")[before].event, "connect");
        });

        it("MESSAGE and DISCONNECT of a client that sends a User-Agent", async () => {
            const client = await t.open("", { headers: { "User-Agent": USER_AGENT } });
            const message = JSON.parse(await client.ask('{"action":"whoami"}')) as { requestContext: { connectionId: string } };
            expectLike(message, "message");
            await client.close(1001, "");
            // Other tests' clients disconnect meanwhile: this connection's event is the one to compare.
            const ours = () =>
                t
                    .probes("disconnect")
                    .find(
                        (p) =>
                            (p.event as { requestContext: { connectionId: string } }).requestContext.connectionId ===
                            message.requestContext.connectionId,
                    );
            await eventually(() => ours() !== undefined, 5_000, "the disconnect event");
            expectLike(ours()?.event, "disconnect");
        });

        it("authorizer context on MESSAGE and DISCONNECT without integrationLatency (B15)", async () => {
            const before = t.probes("guarded-disconnect").length;
            const client = await TestClient.open(t.url("guardedUrl") + "?token=good");
            const authorizer = JSON.parse(await client.ask("hello")) as Record<string, unknown>;
            await client.close();
            await eventually(() => t.probes("guarded-disconnect").length > before, 5_000, "the disconnect event");
            const aws = (captured("message-authorizer") as { requestContext: { authorizer: Record<string, unknown> } }).requestContext
                .authorizer;
            const ours = (a: Record<string, unknown>) => Object.keys(a).filter((k) => AUTHORIZER_KEYS.has(k));
            expect(ours(authorizer)).to.deep.equal(ours(aws));
            expect(ours(t.probes("guarded-disconnect")[before].authorizer as Record<string, unknown>)).to.deep.equal(ours(aws));
        });
    });
});
