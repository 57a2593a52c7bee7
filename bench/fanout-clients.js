// The fan-out benchmark's WebSocket clients, in a process of their own so that they do not share the local
// cloud's event loop (or its memory figures). Driven over IPC: connect, arm, collect, close.
"use strict";
const { WebSocket: WebSocketClient } = require("ws");

const now = () => performance.timeOrigin + performance.now();
/** Open clients, each with how many messages it has had since the clients were armed. */
let sockets = [];
let received = 0;
let duplicates = 0;
/** Messages to clients that did not subscribe to a matching channel (the channel benchmark). */
let strays = 0;
let lastAt = 0;
let armed = false;
let cpuAtArm = process.cpuUsage();

function open(url) {
    return new Promise((resolve) => {
        const ws = new WebSocketClient(url, { perMessageDeflate: false });
        const client = { ws, count: 0, expected: true, acknowledged: undefined };
        ws.on("message", (data) => {
            if (!armed) {
                if (client.acknowledged && data.toString().startsWith('{"type":"subscribed"')) client.acknowledged();
                return;
            }
            if (!client.expected) {
                strays++;
                return;
            }
            if (++client.count === 1) {
                received++;
                lastAt = now();
            } else {
                duplicates++;
            }
        });
        ws.once("open", () => resolve(client));
        ws.once("error", () => resolve(undefined));
    });
}

async function connect(url, n, parallel = 100) {
    let failed = 0;
    for (let start = 0; start < n; start += parallel) {
        const batch = await Promise.all(Array.from({ length: Math.min(parallel, n - start) }, () => open(url)));
        for (const client of batch) {
            if (client) sockets.push(client);
            else failed++;
        }
    }
    return { open: sockets.length, failed };
}

/**
 * Subscribes the first `count` clients to `target` and every other to one of 100 other channels, each waiting for
 * its acknowledgement; from then on only the first `count` are expected to hear an event for `target`.
 */
async function subscribe(target, count, otherPrefix, parallel = 100) {
    for (let start = 0; start < sockets.length; start += parallel) {
        await Promise.all(
            sockets.slice(start, start + parallel).map((client, offset) => {
                const i = start + offset;
                client.expected = i < count;
                const channel = client.expected ? target : `${otherPrefix}${i % 100}/`;
                return new Promise((resolve) => {
                    client.acknowledged = resolve;
                    client.ws.send(JSON.stringify({ action: "subscribe", channel }));
                });
            }),
        );
    }
    return { expected: sockets.filter((c) => c.expected).length };
}

async function collect(timeoutMs, graceMs) {
    const deadline = Date.now() + timeoutMs;
    const expected = sockets.filter((c) => c.expected).length;
    while (received < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    // Anything arriving after everyone has one message is a duplicate: wait a little for those.
    await new Promise((resolve) => setTimeout(resolve, graceMs));
    armed = false;
    const cpu = process.cpuUsage(cpuAtArm);
    return {
        clients: expected,
        received,
        duplicates,
        missing: expected - received,
        strays,
        lastAt,
        clientsCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
}

async function closeAll() {
    await Promise.all(
        sockets.map(
            ({ ws }) =>
                new Promise((resolve) => {
                    if (ws.readyState === WebSocketClient.CLOSED) return resolve();
                    ws.once("close", resolve);
                    ws.close();
                    setTimeout(() => ws.terminate(), 5_000).unref();
                }),
        ),
    );
    sockets = [];
}

process.on("message", async (message) => {
    let reply;
    if (message.cmd === "connect") reply = await connect(message.url, message.n);
    else if (message.cmd === "arm") {
        for (const client of sockets) client.count = 0;
        received = duplicates = strays = lastAt = 0;
        armed = true;
        cpuAtArm = process.cpuUsage();
        reply = { armed: sockets.length };
    } else if (message.cmd === "collect") reply = await collect(message.timeoutMs, message.graceMs);
    else if (message.cmd === "subscribe") reply = await subscribe(message.target, message.count, message.otherPrefix);
    else if (message.cmd === "close") reply = await closeAll();
    else if (message.cmd === "memory") reply = process.memoryUsage();
    process.send({ id: message.id, reply: reply ?? null });
});
