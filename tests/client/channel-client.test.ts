import { expect } from "chai";
import { WebSocket } from "ws";
import { ChannelClient, ChannelError, type ChannelClientOptions, type ConnectionState, type Notification } from "../../client";
import { delay, FakeChannelServer, waitFor } from "./support/fake-channel-server";

describe("client: ChannelClient against a loopback server", function () {
    this.timeout(8000);
    let server: FakeChannelServer;
    let clients: ChannelClient[];

    beforeEach(async () => {
        server = await FakeChannelServer.start();
        clients = [];
    });
    afterEach(async () => {
        for (const client of clients) client.close();
        await server.close();
    });

    const connect = (options: Partial<ChannelClientOptions> = {}): ChannelClient => {
        const client = new ChannelClient({ url: server.url, WebSocket, reconnect: { baseDelayMs: 20, maxDelayMs: 100 }, ...options });
        clients.push(client);
        return client;
    };
    const record = <T>(client: ChannelClient, event: "notification" | "subscribed" | "state" | "error" | "frame"): T[] => {
        const values: T[] = [];
        client.on(event, (value) => values.push(value as T));
        return values;
    };
    const rejection = async (promise: Promise<unknown>): Promise<ChannelError> => {
        try {
            await promise;
        } catch (error) {
            expect(error).to.be.instanceOf(ChannelError);
            return error as ChannelError;
        }
        throw new Error("expected a rejection");
    };

    it("subscribes and unsubscribes on the server's acknowledgements", async () => {
        const client = connect();
        const subscribed = record<string>(client, "subscribed");
        await client.subscribe("uploads/job-42/");
        expect([...client.channels]).to.deep.equal(["uploads/job-42/"]);
        expect(server.sockets[0].channels.has("uploads/job-42/")).to.be.true;
        expect(subscribed).to.deep.equal(["uploads/job-42/"]);
        expect(client.state).to.equal("open");

        await client.unsubscribe("uploads/job-42/");
        expect([...client.channels]).to.deep.equal([]);
        expect(server.sockets[0].received).to.deep.equal([
            { action: "subscribe", channel: "uploads/job-42/" },
            { action: "unsubscribe", channel: "uploads/job-42/" },
        ]);
    });

    it("rejects with the server's error reply, and drops the channel", async () => {
        server.respond = (request) =>
            request.action === "subscribe" && request.channel === "secret/"
                ? { type: "error", error: "Forbidden", message: "not yours" }
                : undefined;
        const client = connect();
        await client.subscribe("public/");
        const error = await rejection(client.subscribe("secret/"));
        expect(error).to.include({ code: "Forbidden", message: "not yours", channel: "secret/" });
        expect([...client.channels]).to.deep.equal(["public/"]);
        // The connection still answers.
        await client.unsubscribe("public/");
    });

    it("takes API Gateway's own failure replies as errors for the request in flight", async () => {
        server.respond = (request) =>
            request.action === "upload"
                ? request.key === "a/b.txt"
                    ? { message: "Internal server error", connectionId: "abc=", requestId: "req-1" }
                    : { message: "Too Many Requests", connectionId: "abc=", requestId: "req-2" }
                : request.action === "unsubscribe"
                  ? { error: "UnknownRoute", message: "No route for unsubscribe" }
                  : undefined;
        const client = connect();
        expect(await rejection(client.requestUpload("a/b.txt", { size: 1, contentType: "text/plain" }))).to.include({
            code: "InternalError",
            message: "Internal server error",
        });
        expect(await rejection(client.requestUpload("a/c.txt", { size: 1 }))).to.include({ code: "Throttled" });
        expect(await rejection(client.unsubscribe("a/"))).to.include({ code: "UnknownRoute", channel: "a/" });
        await client.subscribe("a/");
    });

    it("rejects an invalid channel name before sending anything", async () => {
        const client = connect();
        const error = await rejection(client.subscribe("uploads/job-42"));
        expect(error.code).to.equal("InvalidChannel");
        expect(error.message).to.match(/uploads\/job-42/);
        expect((await rejection(client.unsubscribe("x"))).code).to.equal("InvalidChannel");
        await client.subscribe("ok/");
        expect(server.sockets[0].received).to.deep.equal([{ action: "subscribe", channel: "ok/" }]);
        expect([...client.channels]).to.deep.equal(["ok/"]);
    });

    it("sends one request at a time: a slow reply to the first does not answer the second", async () => {
        server.respond = async (request) => {
            if (request.action === "upload") await delay(200);
            return undefined;
        };
        const client = connect();
        await client.subscribe("first/");
        const upload = client.requestUpload("jobs/a.txt", { size: 10, contentType: "text/plain" });
        const subscribe = client.subscribe("jobs/");
        const upload2 = client.requestUpload("jobs/b.txt", { size: 20 });
        const reply = await upload;
        expect(reply).to.include({ type: "upload", key: "jobs/a.txt", method: "PUT" });
        expect(reply.headers).to.deep.equal({ "Content-Type": "text/plain" });
        await subscribe;
        expect((await upload2).key).to.equal("jobs/b.txt");
        expect(server.log).to.deep.equal([
            "recv 0 subscribe first/",
            "send 0 subscribed first/",
            "recv 0 upload",
            "send 0 upload",
            "recv 0 subscribe jobs/",
            "send 0 subscribed jobs/",
            "recv 0 upload",
            "send 0 upload",
        ]);
    });

    it("does not take a pong, or an acknowledgement of another kind, as the answer to a subscribe", async () => {
        server.respond = async (request, socket) => {
            if (request.action !== "subscribe") return undefined;
            server.reply(socket, { type: "pong" });
            server.reply(socket, { type: "unsubscribed", channel: request.channel });
            // A broadcast on the same API may look like anything; this is no error reply.
            server.reply(socket, { message: "a broadcast" });
            await delay(150);
            return undefined;
        };
        const client = connect();
        let settled = false;
        const subscribe = client.subscribe("a/").finally(() => (settled = true));
        await waitFor(() => server.log.includes("send 0 pong"), "the stray pong");
        await delay(80);
        expect(settled).to.be.false;
        await subscribe;
        expect(server.sockets[0].channels.has("a/")).to.be.true;
    });

    it("emits typed notifications for the channels it wants, and none after unsubscribing", async () => {
        const client = connect();
        const notifications = record<Notification>(client, "notification");
        await client.subscribe("uploads/");
        server.publish("uploads/job-1/", { progress: 50 });
        const s3 = {
            type: "s3",
            event: "ObjectCreated:Put",
            bucket: "b",
            key: "uploads/job-1/out.txt",
            size: 3,
            time: "2024-01-01T00:00:00Z",
        };
        server.reply(server.sockets[0], s3);
        await waitFor(() => notifications.length === 2, "two notifications");
        const [message, object] = notifications;
        expect(message).to.deep.equal({ type: "message", channel: "uploads/job-1/", data: { progress: 50 } });
        expect(object).to.deep.equal(s3);
        if (object.type === "s3") expect(object.size).to.equal(3);

        await client.unsubscribe("uploads/");
        // Sent anyway (as a late one would be): not delivered.
        server.reply(server.sockets[0], { type: "message", channel: "uploads/job-1/", data: "late" });
        await client.subscribe("other/");
        expect(notifications).to.have.length(2);
    });

    it("delivers what the API sends a client that never subscribed (unsubscribed: all), after a reconnect too", async () => {
        server.implicitAll = true;
        const client = connect();
        const notifications = record<Notification>(client, "notification");
        await waitFor(() => server.sockets.length === 1 && client.state === "open", "open");
        server.publish("news/", 1);
        await waitFor(() => notifications.length === 1, "the broadcast");
        expect(notifications[0]).to.deep.equal({ type: "message", channel: "news/", data: 1 });
        server.sockets[0].ws.terminate();
        await waitFor(() => server.sockets.length === 2 && client.state === "open", "open again");
        server.publish("news/", 2);
        await waitFor(() => notifications.length === 2, "the broadcast on the new socket");
        // It asked for nothing, so it sends nothing: the implicit subscription stays.
        expect(server.sockets[1].received).to.deep.equal([]);
    });

    it("reconnects after the server terminates the socket and subscribes again to every channel, in order", async () => {
        const client = connect();
        const states = record<ConnectionState>(client, "state");
        const subscribed = record<string>(client, "subscribed");
        const notifications = record<Notification>(client, "notification");
        await client.subscribe("b/");
        await client.subscribe("a/");
        await client.subscribe("c/");
        await client.unsubscribe("c/");
        server.sockets[0].ws.terminate();
        await waitFor(() => states.includes("reconnecting"), "reconnecting");
        // Made while disconnected: waits for the connection, after the re-subscriptions.
        const upload = client.requestUpload("a/x.txt", { size: 1 });
        await waitFor(() => subscribed.length === 5, "the re-subscriptions");
        expect(server.sockets).to.have.length(2);
        expect(server.sockets[1].received.slice(0, 2)).to.deep.equal([
            { action: "subscribe", channel: "b/" },
            { action: "subscribe", channel: "a/" },
        ]);
        expect(subscribed).to.deep.equal(["b/", "a/", "c/", "b/", "a/"]);
        expect((await upload).key).to.equal("a/x.txt");
        expect(server.sockets[1].received.map((request) => request.action)).to.deep.equal(["subscribe", "subscribe", "upload"]);
        expect(states).to.deep.equal(["open", "reconnecting", "open"]);
        server.publish("a/", 1);
        await waitFor(() => notifications.length === 1, "a notification on the new socket");
    });

    it("sends a subscribe made before the first open once, not again as a re-subscription", async () => {
        const client = connect();
        await Promise.all([client.subscribe("a/"), client.subscribe("b/")]);
        expect(server.sockets[0].subscribesSeen()).to.deep.equal(["a/", "b/"]);
    });

    it("resends a request whose socket closed before the reply, after re-subscribing", async () => {
        let dropped = false;
        server.respond = (request, socket) => {
            if (request.action !== "upload" || dropped) return undefined;
            dropped = true;
            socket.ws.terminate();
            return null;
        };
        const client = connect();
        await client.subscribe("a/");
        const reply = await client.requestUpload("a/y.txt", { size: 1 });
        expect(reply.key).to.equal("a/y.txt");
        expect(server.sockets[1].received.map((request) => request.action)).to.deep.equal(["subscribe", "upload"]);
    });

    it("rejects a request unanswered within the timeout, then starts over on a fresh socket", async () => {
        server.respond = (request) => (request.action === "upload" ? null : undefined);
        const client = connect({ requestTimeoutMs: 300 });
        await client.subscribe("a/");
        const started = Date.now();
        const error = await rejection(client.requestUpload("a/z.txt", { size: 1 }));
        expect(error.code).to.equal("Timeout");
        expect(Date.now() - started).to.be.within(250, 1000);
        // A late reply on the old socket can no longer be taken as this one's.
        await client.subscribe("b/");
        expect(server.sockets).to.have.length(2);
        expect(server.sockets[1].subscribesSeen()).to.deep.equal(["a/", "b/"]);
    });

    it("reports a refused re-subscription as an error event and drops that channel", async () => {
        const client = connect();
        const errors = record<ChannelError>(client, "error");
        await client.subscribe("a/");
        await client.subscribe("b/");
        server.respond = (request, socket) =>
            socket.index === 1 && request.action === "subscribe" && request.channel === "a/"
                ? { type: "error", error: "TooManyChannels", message: "full" }
                : undefined;
        server.sockets[0].ws.terminate();
        await waitFor(() => errors.length === 1, "the error event");
        expect(errors[0]).to.include({ code: "TooManyChannels", channel: "a/" });
        await waitFor(() => server.sockets[1]?.channels.has("b/"), "b/ again");
        expect([...client.channels]).to.deep.equal(["b/"]);
    });

    it("pings at the heartbeat interval while open", async () => {
        const client = connect({ heartbeatIntervalMs: 100 });
        await client.subscribe("a/");
        const start = Date.now();
        const times: number[] = [];
        server.respond = (request) => {
            if (request.action === "ping") times.push(Date.now() - start);
            return undefined;
        };
        await delay(560);
        expect(times.length).to.be.within(3, 6);
        const gaps = times.slice(1).map((time, i) => time - times[i]);
        for (const gap of gaps) expect(gap).to.be.within(50, 300);
        const pongs = server.log.filter((line) => line === "send 0 pong").length;
        expect(pongs).to.equal(times.length);
        // The subscription was not disturbed by the pongs.
        await client.subscribe("b/");
    });

    it("swaps to a second socket before the age limit, delivering each notification exactly once", async () => {
        const client = connect({ maxConnectionAgeMs: 400, swapDrainMs: 50 });
        const states = record<ConnectionState>(client, "state");
        const notifications = record<Notification>(client, "notification");
        const data = () => notifications.map((notification) => (notification.type === "message" ? notification.data : undefined));
        await client.subscribe("news/");
        await client.subscribe("sport/");
        server.publish("news/", "m0");
        await waitFor(() => notifications.length === 1, "m0");

        // While the second socket subscribes, the server sends to both, as API Gateway would during the overlap.
        server.respond = async (request, socket) => {
            if (socket.index !== 1 || request.action !== "subscribe") return undefined;
            socket.channels.add(request.channel);
            if (request.channel === "news/") {
                server.publish("news/", "m1");
                server.publish("news/", "m2");
                server.publish("news/", "m2"); // the same text twice: two notifications
                await delay(50);
                server.publish("news/a", "m3");
            } else {
                await delay(100);
                oldOpenAtLastAck = !server.sockets[0].isClosed;
            }
            return undefined;
        };
        let oldOpenAtLastAck = false;
        let logWhenOldClosed: string[] = [];
        void server.sockets[0].closed.then(() => (logWhenOldClosed = [...server.log]));
        await waitFor(() => server.sockets[0].isClosed, "the old socket closed by the client", 3000);
        expect(server.sockets).to.have.length(2);
        expect(server.sockets[1].subscribesSeen()).to.deep.equal(["news/", "sport/"]);
        // Closed only after both acknowledgements.
        expect(oldOpenAtLastAck).to.be.true;
        expect(logWhenOldClosed).to.include("send 1 subscribed sport/");
        server.publish("news/", "m4");
        await waitFor(() => data().includes("m4"), "m4 on the new socket");
        await delay(50);
        expect(data()).to.deep.equal(["m0", "m1", "m2", "m2", "m3", "m4"]);
        expect(states).to.deep.equal(["open"]);
        // The new socket is the one requests go to now.
        await client.unsubscribe("sport/");
        expect(server.sockets[1].received.at(-1)).to.deep.equal({ action: "unsubscribe", channel: "sport/" });
    });

    it("close() rejects pending requests and stops reconnecting", async () => {
        server.respond = (request) => (request.action === "upload" ? null : undefined);
        const client = connect();
        const states = record<ConnectionState>(client, "state");
        await client.subscribe("a/");
        const pending = client.requestUpload("a/never.txt", { size: 1 });
        await waitFor(() => server.log.includes("recv 0 upload"), "the upload request");
        client.close();
        expect((await rejection(pending)).code).to.equal("Closed");
        expect(client.state).to.equal("closed");
        await server.sockets[0].closed;
        await delay(300);
        expect(server.sockets).to.have.length(1);
        expect((await rejection(client.subscribe("b/"))).code).to.equal("Closed");
        expect(states).to.deep.equal(["open", "closed"]);
    });

    it("close() during a reconnect's backoff cancels the backoff's timer and connects no more", async () => {
        // The draw is pinned so that the backoff is long (1980 ms) for sure.
        const random = Math.random;
        Math.random = () => 0.99;
        try {
            let urlCalls = 0;
            const client = connect({ url: () => (urlCalls++, server.url), reconnect: { baseDelayMs: 2000, maxDelayMs: 2000 } });
            const states = record<ConnectionState>(client, "state");
            await client.subscribe("a/");
            server.sockets[0].ws.terminate();
            await waitFor(() => states.includes("reconnecting"), "reconnecting");
            await delay(20);
            const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
            const before = timers();
            client.close();
            expect(timers()).to.equal(before - 1);
            await delay(300);
            expect(server.sockets).to.have.length(1);
            expect(urlCalls).to.equal(1);
            expect(states).to.deep.equal(["open", "reconnecting", "closed"]);
        } finally {
            Math.random = random;
        }
    });

    it("keeps a swap's old socket open for swapDrainMs, delivering what reaches either socket once", async () => {
        // The second swap (600 ms after the new socket opened) comes well after this drain ends.
        const client = connect({ maxConnectionAgeMs: 600, swapDrainMs: 300 });
        const notifications = record<Notification>(client, "notification");
        const frames = record<unknown>(client, "frame");
        const data = () => notifications.map((notification) => (notification.type === "message" ? notification.data : undefined));
        await client.subscribe("news/");
        await waitFor(() => server.log.includes("send 1 subscribed news/"), "the new socket's subscription", 3000);
        const readyAt = Date.now();
        await delay(50);
        expect(server.sockets[0].isClosed, "open after the new socket is ready").to.be.false;
        // A fan-out whose Query ran before the new socket's row existed: to the old socket only.
        server.reply(server.sockets[0], { type: "message", channel: "news/", data: "old only" });
        // Fan-outs that read both rows: the same text on both sockets, in either order.
        const both = { type: "message", channel: "news/", data: "both" };
        server.reply(server.sockets[0], both);
        server.reply(server.sockets[1], both);
        const both2 = { type: "message", channel: "news/", data: "both, new first" };
        server.reply(server.sockets[1], both2);
        server.reply(server.sockets[0], both2);
        // A broadcast reaches both too.
        server.broadcast({ type: "chat", data: "hi" });
        await waitFor(() => notifications.length >= 3 && frames.length >= 1, "the drain's notifications");
        await delay(50);
        expect([...data()].sort()).to.deep.equal(["both", "both, new first", "old only"]);
        expect(frames).to.deep.equal([{ type: "chat", data: "hi" }]);

        await waitFor(() => server.sockets[0].isClosed, "the old socket closed after the drain", 2000);
        expect(Date.now() - readyAt).to.be.at.least(280);
        expect(server.sockets).to.have.length(2);
        // The dedupe went with the old socket: the new one delivers on its own.
        server.publish("news/", "after");
        server.publish("news/", "after");
        await waitFor(() => data().filter((value) => value === "after").length === 2, "two publishes after the drain");
        expect(client.state).to.equal("open");
    });

    it("gives each request its reply timeout from when it is sent: five slow subscribes settle on one socket", async () => {
        server.respond = async (request) => {
            if (request.action === "subscribe") await delay(100);
            return undefined;
        };
        const client = connect({ requestTimeoutMs: 300 });
        const errors = record<ChannelError>(client, "error");
        const channels = ["a/", "b/", "c/", "d/", "e/"];
        // Sent one at a time, so the last is answered about 500 ms after it was called.
        await Promise.all(channels.map((channel) => client.subscribe(channel)));
        expect(server.sockets).to.have.length(1);
        server.sockets[0].ws.terminate();
        await waitFor(() => channels.every((channel) => server.sockets[1]?.channels.has(channel)), "the re-subscriptions");
        await delay(400);
        expect(server.sockets, "no reconnect: each re-subscription had its own 300 ms").to.have.length(2);
        expect(server.sockets[1].subscribesSeen()).to.deep.equal(channels);
        expect([...client.channels]).to.deep.equal(channels);
        expect(errors).to.deep.equal([]);
    });

    it("starts over through the backoff when the server never answers: later and later, not in a loop", async () => {
        // The draw is pinned so that each delay is at the top of its cap: 99, 198, 396, 792 ms.
        const random = Math.random;
        Math.random = () => 0.99;
        try {
            server.respond = (_request, socket) => (socket.index === 0 ? undefined : null);
            const client = connect({ requestTimeoutMs: 150, reconnect: { baseDelayMs: 100, maxDelayMs: 10_000 } });
            const errors = record<ChannelError>(client, "error");
            await client.subscribe("a/");
            server.sockets[0].ws.terminate();
            const terminated = Date.now();
            // Each socket: its re-subscription times out after 150 ms, then a delay twice the last.
            await waitFor(() => server.sockets.length === 5, "four reconnects", 4000);
            const elapsed = Date.now() - terminated;
            await delay(100);
            expect(server.sockets).to.have.length(5);
            const gaps = server.sockets.slice(2).map((socket, i) => socket.connectedAt - server.sockets[i + 1].connectedAt);
            // 150 + 198, 150 + 396, 150 + 792
            expect(gaps[0]).to.be.within(300, 600);
            expect(gaps[1] - gaps[0]).to.be.within(120, 400);
            expect(gaps[2] - gaps[1]).to.be.within(300, 600);
            expect(elapsed).to.be.within(1700, 3000);
            // A timeout is no refusal: the channel is still wanted, and subscribed to on every socket.
            expect([...client.channels]).to.deep.equal(["a/"]);
            expect(server.sockets.slice(1).map((socket) => socket.subscribesSeen())).to.deep.equal([["a/"], ["a/"], ["a/"], ["a/"]]);
            expect(errors).to.deep.equal([]);
        } finally {
            Math.random = random;
        }
    });

    it("retries a re-subscription that failed transiently and keeps its channel; drops only what is refused for good", async () => {
        const client = connect();
        const errors = record<ChannelError>(client, "error");
        const subscribed = record<string>(client, "subscribed");
        const channels = ["a/", "b/", "c/", "d/", "e/"];
        for (const channel of channels) await client.subscribe(channel);
        const failures: Record<string, object[]> = {
            "a/": [
                { type: "error", error: "InternalError", message: "DynamoDB said no" },
                { type: "error", error: "InternalError", message: "DynamoDB said no again" },
            ],
            "b/": [{ message: "Internal server error", connectionId: "abc=", requestId: "req-1" }],
            "c/": [{ message: "Too Many Requests", connectionId: "abc=", requestId: "req-2" }],
            "d/": [{ message: "Too Many Requests" }],
            "e/": [{ type: "error", error: "Forbidden", message: "not any more" }],
        };
        server.respond = (request, socket) => {
            if (socket.index !== 1 || request.action !== "subscribe") return undefined;
            return failures[request.channel]?.shift();
        };
        server.sockets[0].ws.terminate();
        await waitFor(() => ["a/", "b/", "c/", "d/"].every((channel) => server.sockets[1]?.channels.has(channel)), "the retries");
        await delay(100);
        expect([...client.channels]).to.deep.equal(["a/", "b/", "c/", "d/"]);
        expect(errors).to.have.length(1);
        expect(errors[0]).to.include({ code: "Forbidden", channel: "e/" });
        expect(server.sockets, "retried on the same socket").to.have.length(2);
        const seen = server.sockets[1].subscribesSeen();
        expect(channels.map((channel) => seen.filter((name) => name === channel).length)).to.deep.equal([3, 2, 2, 2, 1]);
        expect(subscribed.slice(channels.length).sort()).to.deep.equal(["a/", "b/", "c/", "d/"]);
    });

    it("hears nothing after unsubscribing from everything, across a reconnect and a swap (unsubscribed: all)", async () => {
        server.implicitAll = true;
        const client = connect({ maxConnectionAgeMs: 500, swapDrainMs: 50 });
        const notifications = record<Notification>(client, "notification");
        await client.subscribe("a/");
        await client.unsubscribe("a/");
        expect(server.sockets[0].channels.size).to.equal(0);
        server.sockets[0].ws.terminate();
        // The new socket's implicit subscription to "" goes first.
        await waitFor(() => server.sockets[1]?.received.length === 1, "the new socket's first request");
        expect(server.sockets[1].received).to.deep.equal([{ action: "unsubscribe", channel: "" }]);
        await waitFor(() => !server.sockets[1].channels.has(""), "the implicit subscription gone");
        server.publish("x/", "to everyone");
        // And one a fan-out that read the row before it went posts anyway: not delivered.
        server.reply(server.sockets[1], { type: "message", channel: "x/", data: "late" });

        await waitFor(() => server.sockets[2]?.received.length === 1, "the swap's socket's first request", 3000);
        expect(server.sockets[2].received).to.deep.equal([{ action: "unsubscribe", channel: "" }]);
        await waitFor(() => !server.sockets[2].channels.has(""), "its implicit subscription gone");
        server.publish("x/", "to everyone");
        await delay(50);
        expect(notifications).to.deep.equal([]);

        // It still hears what it subscribes to.
        await client.subscribe("b/");
        server.publish("b/", "mine");
        await waitFor(() => notifications.length === 1, "its own channel");
        expect(notifications[0]).to.deep.equal({ type: "message", channel: "b/", data: "mine" });
    });

    it("emits every other frame as a frame event: a broadcast's JSON, or the text when it is not JSON", async () => {
        server.respond = async (request, socket) => {
            if (request.action !== "subscribe") return undefined;
            // While the subscribe is in flight: neither is its answer.
            server.reply(socket, { type: "pong" });
            server.reply(socket, { type: "chat", from: "abc=", data: "during" });
            await delay(50);
            return undefined;
        };
        const client = connect();
        const frames = record<unknown>(client, "frame");
        const notifications = record<Notification>(client, "notification");
        await client.subscribe("a/");
        const socket = server.sockets[0];
        server.reply(socket, { type: "chat", from: "abc=", data: "hello", time: 1 });
        socket.ws.send("plain text");
        server.reply(socket, [1, 2]);
        server.reply(socket, { type: "message", channel: "a/", data: "a notification" });
        server.reply(socket, { type: "message", data: "no channel" });
        server.reply(socket, { type: "subscribed", channel: "a/" });
        await waitFor(() => frames.length === 7, "seven frames");
        expect(frames).to.deep.equal([
            { type: "pong" },
            { type: "chat", from: "abc=", data: "during" },
            { type: "chat", from: "abc=", data: "hello", time: 1 },
            "plain text",
            [1, 2],
            { type: "message", data: "no channel" },
            { type: "subscribed", channel: "a/" },
        ]);
        expect(notifications).to.deep.equal([{ type: "message", channel: "a/", data: "a notification" }]);
        // The stray frames answered nothing: the next request still gets its own reply.
        await client.unsubscribe("a/");
    });

    it("sends an upload's size, and refuses one that is not a whole number of bytes before sending", async () => {
        const client = connect();
        await client.subscribe("a/");
        expect((await client.requestUpload("a/in.txt", { size: 2048, contentType: "text/plain" })).key).to.equal("a/in.txt");
        await client.requestUpload("a/empty.bin", { size: 0 });
        for (const size of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, "5", undefined]) {
            const error = await rejection(client.requestUpload("a/x.bin", { size: size as number }));
            expect(error.code, String(size)).to.equal("InvalidMessage");
            expect(error.message).to.match(/size/);
        }
        // The old signature, from JavaScript: a content type where the file should be.
        expect((await rejection(client.requestUpload("a/x.bin", "text/plain" as never))).code).to.equal("InvalidMessage");
        expect(server.sockets[0].received).to.deep.equal([
            { action: "subscribe", channel: "a/" },
            { action: "upload", key: "a/in.txt", contentType: "text/plain", size: 2048 },
            { action: "upload", key: "a/empty.bin", size: 0 },
        ]);
    });

    it("rejects options outside API Gateway's limits", () => {
        expect(() => new ChannelClient({ url: server.url, WebSocket, heartbeatIntervalMs: 10 * 60_000 })).to.throw(RangeError, /idle/);
        expect(() => new ChannelClient({ url: server.url, WebSocket, requestTimeoutMs: 0 })).to.throw(RangeError);
        expect(() => new ChannelClient({ url: server.url, WebSocket, connectTimeoutMs: 0 })).to.throw(RangeError);
        expect(() => new ChannelClient({ url: server.url, WebSocket, swapDrainMs: -1 })).to.throw(RangeError, /swapDrainMs/);
        expect(() => new ChannelClient({ url: server.url, WebSocket, swapDrainMs: Number.NaN })).to.throw(RangeError, /swapDrainMs/);
        // The old socket would outlive API Gateway's 2 hours before its drain ended.
        const twoHours = 2 * 60 * 60_000;
        expect(() => new ChannelClient({ url: server.url, WebSocket, maxConnectionAgeMs: twoHours - 5_000 })).to.throw(
            RangeError,
            /2-hour/,
        );
        expect(() => new ChannelClient({ url: server.url, WebSocket, swapDrainMs: 5 * 60_000 })).to.throw(RangeError, /2-hour/);
    });

    it("takes its defaults inside API Gateway's 2-hour lifetime, and any drain when it never swaps", () => {
        const defaults = new ChannelClient({ url: server.url, WebSocket });
        const never = new ChannelClient({
            url: server.url,
            WebSocket,
            maxConnectionAgeMs: Number.POSITIVE_INFINITY,
            swapDrainMs: 3 * 60 * 60_000,
        });
        clients.push(defaults, never);
    });
});
