import { expect } from "chai";
import {
    channelRouteHandler,
    type AuthorizeSubscribe,
    type ChannelRouteOptions,
    type SubscribeAuthorization,
} from "../../handlers/channels";
import { createUploadSigner } from "../../handlers/uploads";
import type { ChannelReply } from "../../protocol/channels";
import { storeConnections, storedSubscriptions, TEST_CREDENTIALS } from "../support/dynamo";
import { messageEvent } from "../support/events";
import { useHandlerFixture, type HandlerFixture } from "../support/handler-fixture";

const CONNECTION = "Yt3vVeXcoAMCJWg=";

describe("channel routes (subscribe, unsubscribe, ping, upload) against dynalite", () => {
    const fixture = useHandlerFixture();
    let store: HandlerFixture["store"];
    beforeEach(async () => {
        ({ store } = fixture());
        await storeConnections(store, [CONNECTION]);
    });

    const handler = (options: Partial<ChannelRouteOptions> = {}) =>
        channelRouteHandler({ store, maxChannels: 2, maxChannelBytes: 32, ...options });
    async function send(route: string, body: unknown, options: Partial<ChannelRouteOptions> = {}, authorizer?: Record<string, unknown>) {
        const event = messageEvent(typeof body === "string" ? body : JSON.stringify(body), { routeKey: route });
        if (authorizer) event.requestContext.authorizer = authorizer;
        const reply = await handler(options)(event);
        return { status: reply.statusCode, body: JSON.parse(reply.body) as ChannelReply & { error?: string; message?: string } };
    }

    it("acknowledges subscribe and unsubscribe with exactly the documented shapes", async () => {
        expect((await send("subscribe", { action: "subscribe", channel: "uploads/job-42/" })).body).to.deep.equal({
            type: "subscribed",
            channel: "uploads/job-42/",
        });
        expect(await storedSubscriptions(store)).to.deep.equal([`uploads/job-42/ ${CONNECTION}`]);
        expect((await send("unsubscribe", { action: "unsubscribe", channel: "uploads/job-42/" })).body).to.deep.equal({
            type: "unsubscribed",
            channel: "uploads/job-42/",
        });
        expect(await storedSubscriptions(store)).to.deep.equal([]);
    });

    it("answers a ping with a pong, whatever its body", async () => {
        expect((await send("ping", "not json")).body).to.deep.equal({ type: "pong" });
    });

    const refusals: [string, unknown, string, RegExp][] = [
        ["a number", { action: "subscribe", channel: 5 }, "InvalidChannel", /must be a string.*not number/],
        ["no channel", { action: "subscribe" }, "InvalidChannel", /not missing/],
        ["null", { action: "subscribe", channel: null }, "InvalidChannel", /not null/],
        ["an array", { action: "subscribe", channel: ["a/"] }, "InvalidChannel", /not an array/],
        ["a name not ending at /", { action: "subscribe", channel: "uploads" }, "InvalidChannel", /subscribe to "uploads\/"/],
        ["a name too long", { action: "subscribe", channel: `${"é".repeat(20)}/` }, "ChannelTooLong", /longer than 32 bytes/],
        ["malformed JSON", "{nope", "InvalidMessage", /not valid JSON/],
        ["a JSON array", "[1]", "InvalidMessage", /JSON object/],
    ];
    for (const [what, body, code, message] of refusals) {
        it(`refuses ${what} with {"type":"error","error":"${code}"} and stores nothing`, async () => {
            const reply = await send("subscribe", body);
            expect(reply.body).to.have.keys("type", "error", "message");
            expect(reply.body).to.include({ type: "error", error: code });
            expect(reply.body.message).to.match(message);
            expect(await storedSubscriptions(store)).to.deep.equal([` ${CONNECTION}`]);
        });
    }

    it("refuses a binary frame as InvalidMessage", async () => {
        const event = messageEvent(Buffer.from([0xff, 0xfe, 0x00]).toString("base64"), { routeKey: "subscribe", isBase64Encoded: true });
        const reply = JSON.parse((await handler()(event)).body) as { error: string };
        expect(reply.error).to.equal("InvalidMessage");
    });

    it("refuses a channel over the per-connection limit with TooManyChannels, naming the fix", async () => {
        await send("subscribe", { action: "subscribe", channel: "a/" });
        await send("subscribe", { action: "subscribe", channel: "b/" });
        const reply = await send("subscribe", { action: "subscribe", channel: "c/" });
        expect(reply.body).to.include({ type: "error", error: "TooManyChannels" });
        expect(reply.body.message).to.match(/2 channels at once: unsubscribe/);
    });

    it("asks authorizeSubscribe with the authorizer's principal and context, and refuses with Forbidden", async () => {
        const asked: SubscribeAuthorization[] = [];
        const authorizeSubscribe: AuthorizeSubscribe = ({ channel, principalId, ...rest }) => {
            asked.push({ channel, principalId, ...rest });
            return channel.startsWith(`users/${principalId}/`);
        };
        const authorizer = { principalId: "ana", team: "blue" };
        const allowed = await send("subscribe", { action: "subscribe", channel: "users/ana/" }, { authorizeSubscribe }, authorizer);
        expect(allowed.body).to.deep.equal({ type: "subscribed", channel: "users/ana/" });
        const denied = await send("subscribe", { action: "subscribe", channel: "users/bob/" }, { authorizeSubscribe }, authorizer);
        expect(denied.status).to.equal(403);
        expect(denied.body).to.include({ type: "error", error: "Forbidden" });
        expect(asked[1]).to.deep.equal({ connectionId: CONNECTION, channel: "users/bob/", principalId: "ana", authorizer });
        expect(await storedSubscriptions(store)).to.deep.equal([`users/ana/ ${CONNECTION}`]);
    });

    it("treats anything but true from authorizeSubscribe as a denial, and a throw as InternalError", async () => {
        const truthy = (() => "yes") as unknown as AuthorizeSubscribe;
        expect((await send("subscribe", { channel: "a/" }, { authorizeSubscribe: truthy })).body).to.include({ error: "Forbidden" });
        const throwing: AuthorizeSubscribe = () => Promise.reject(new Error("directory down"));
        const reply = await send("subscribe", { channel: "a/" }, { authorizeSubscribe: throwing });
        expect(reply.status).to.equal(500);
        expect(reply.body).to.include({ type: "error", error: "InternalError" });
        expect(reply.body.message).to.not.match(/directory down/);
    });

    it("answers NotConnected for a connection whose row is gone", async () => {
        const event = messageEvent(JSON.stringify({ channel: "a/" }), { routeKey: "subscribe" });
        event.requestContext.connectionId = "gone=";
        expect(JSON.parse((await handler()(event)).body)).to.include({ type: "error", error: "NotConnected" });
    });

    describe("upload", () => {
        const s3Config = { region: "us-east-1", endpoint: "http://127.0.0.1:4569", forcePathStyle: true, credentials: TEST_CREDENTIALS };
        const uploads = createUploadSigner({ bucket: "watched", prefix: "uploads/", expiresInSeconds: 120, maxBytes: 1000, s3Config });

        it("presigns a PUT for a key under a channel the connection holds", async () => {
            await send("subscribe", { channel: "uploads/job-42/" });
            const before = Date.now();
            const reply = await send("upload", { key: "uploads/job-42/in.txt", contentType: "text/plain", size: 26 }, { uploads });
            expect(reply.body).to.include({ type: "upload", key: "uploads/job-42/in.txt", method: "PUT" });
            const upload = reply.body as Extract<ChannelReply, { type: "upload" }>;
            expect(upload.headers).to.deep.equal({ "Content-Type": "text/plain" });
            const url = new URL(upload.url);
            expect(url.pathname).to.equal("/watched/uploads/job-42/in.txt");
            expect(url.searchParams.get("X-Amz-Expires")).to.equal("120");
            // The length and type are signed, so S3 refuses a body of another size or type.
            expect(url.searchParams.get("X-Amz-SignedHeaders")).to.equal("content-length;content-type;host");
            // No checksum of the empty body presigned (S3 would refuse the real upload as a mismatch).
            expect([...url.searchParams.keys()].filter((name) => /checksum/i.test(name))).to.deep.equal([]);
            expect(Date.parse(upload.expiresAt) - before).to.be.within(119_000, 121_000);
        });

        const refused: [string, Record<string, unknown>, string][] = [
            ["outside its channels", { key: "uploads/other/in.txt", size: 1 }, "Forbidden"],
            ["outside the prefix", { key: "private/in.txt", size: 1 }, "Forbidden"],
            ["a folder", { key: "uploads/job-42/", size: 1 }, "InvalidKey"],
            ["no key", { size: 1 }, "InvalidKey"],
            ["a key over 1024 bytes", { key: `uploads/job-42/${"k".repeat(1024)}`, size: 1 }, "InvalidKey"],
            ["a hostile content type", { key: "uploads/job-42/a", contentType: "text/html\r\nX-Evil: 1", size: 1 }, "InvalidMessage"],
            ["no size", { key: "uploads/job-42/a" }, "InvalidMessage"],
            ["a negative size", { key: "uploads/job-42/a", size: -1 }, "InvalidMessage"],
            ["a fractional size", { key: "uploads/job-42/a", size: 1.5 }, "InvalidMessage"],
            ["a size given as a string", { key: "uploads/job-42/a", size: "10" }, "InvalidMessage"],
            ["a file over maxBytes", { key: "uploads/job-42/a", size: 1001 }, "FileTooLarge"],
        ];
        for (const [what, body, code] of refused) {
            it(`refuses an upload ${what} with ${code}`, async () => {
                await send("subscribe", { channel: "uploads/job-42/" });
                expect((await send("upload", body, { uploads })).body).to.include({ type: "error", error: code });
            });
        }

        it("is refused when the API offers no uploads", async () => {
            expect((await send("upload", { key: "uploads/a", size: 1 })).body).to.include({ type: "error", error: "InvalidMessage" });
        });
    });
});
