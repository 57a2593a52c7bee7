// The fan-out benchmark's WebSocket clients, in a process of their own so that they do not share the local
// cloud's event loop (or its memory figures). Driven over IPC: connect, arm, collect, close.
"use strict";
const { WebSocket: WebSocketClient } = require("ws");

const now = () => performance.timeOrigin + performance.now();
/** Open clients, each with how many messages it has had since the clients were armed. */
let sockets = [];
let received = 0;
let duplicates = 0;
let lastAt = 0;
let armed = false;
let cpuAtArm = process.cpuUsage();

function open(url) {
    return new Promise((resolve) => {
        const ws = new WebSocketClient(url, { perMessageDeflate: false });
        const client = { ws, count: 0 };
        ws.on("message", () => {
            if (!armed) return;
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

async function collect(timeoutMs, graceMs) {
    const deadline = Date.now() + timeoutMs;
    while (received < sockets.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    // Anything arriving after everyone has one message is a duplicate: wait a little for those.
    await new Promise((resolve) => setTimeout(resolve, graceMs));
    armed = false;
    const cpu = process.cpuUsage(cpuAtArm);
    return {
        clients: sockets.length,
        received,
        duplicates,
        missing: sockets.length - received,
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
        received = duplicates = lastAt = 0;
        armed = true;
        cpuAtArm = process.cpuUsage();
        reply = { armed: sockets.length };
    } else if (message.cmd === "collect") reply = await collect(message.timeoutMs, message.graceMs);
    else if (message.cmd === "close") reply = await closeAll();
    else if (message.cmd === "memory") reply = process.memoryUsage();
    process.send({ id: message.id, reply: reply ?? null });
});
