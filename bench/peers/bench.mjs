#!/usr/bin/env node
// WebSocket gateway micro-benchmark (peer comparison).
//
// Usage: node bench.mjs ws://127.0.0.1:3101 [--seq 2000] [--conns 200] [--per 20]
//                       [--connects 500] [--warmup 50] [--mode closed|burst]
//                       [--msg-timeout 10000] [--phase-timeout 180000] [--json out.json]
//                       [--phases abc]   (letters may repeat, e.g. abbc = (b) cold then warm)
//
// Protocol assumed of the target (same as AWS docs' sample):
//   send {"action":"test","echo":"<id>"}  ->  receive text "Echoing your message: <id>"
//
// Phases:
//   (a) 1 connection, --seq sequential echo round trips (each waits for its reply).
//   (b) --conns concurrent connections; each sends --per echo messages.
//       mode=closed (default): each connection waits for a reply before its next send
//       mode=burst: each connection sends all --per messages at once, then waits.
//       Reports total throughput (replies/s over the send window) and lost/failed replies.
//   (c) --connects sequential connects; each waits for 'open', then closes and waits for 'close'.
//
// Every loop is bounded by count and by --phase-timeout; every wait by --msg-timeout.
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const WebSocket = require("ws");

// ---------- args ----------
const argv = process.argv.slice(2);
const url = argv.find((a) => a.startsWith("ws://") || a.startsWith("wss://")) || "ws://127.0.0.1:3101";
function opt(name, def) {
    const i = argv.indexOf(`--${name}`);
    if (i < 0 || i + 1 >= argv.length) return def;
    const v = argv[i + 1];
    return typeof def === "number" ? Number(v) : v;
}
const SEQ = opt("seq", 2000);
const CONNS = opt("conns", 200);
const PER = opt("per", 20);
const CONNECTS = opt("connects", 500);
const WARMUP = opt("warmup", 50);
const MODE = opt("mode", "closed");
const MSG_TIMEOUT = opt("msg-timeout", 10000);
const PHASE_TIMEOUT = opt("phase-timeout", 180000);
const JSON_OUT = opt("json", "");
const PHASES = opt("phases", "abc");

try {
    const host = new URL(url).hostname;
    if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host) && !host.startsWith("127.")) {
        console.error(`refusing non-loopback target ${host}`);
        process.exit(2);
    }
} catch (e) {
    console.error("bad url", url);
    process.exit(2);
}

// ---------- helpers ----------
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const PREFIX = "Echoing your message: ";

function stats(arr) {
    if (!arr.length) return { n: 0 };
    const s = [...arr].sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    const r = (x) => Math.round(x * 1000) / 1000;
    return { n: s.length, min: r(s[0]), p50: r(q(50)), p90: r(q(90)), p99: r(q(99)), max: r(s[s.length - 1]), mean: r(mean) };
}

function open(u, timeoutMs) {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(u, { perMessageDeflate: false });
        const t = setTimeout(() => {
            ws.terminate();
            reject(new Error("open timeout"));
        }, timeoutMs);
        ws.once("open", () => {
            clearTimeout(t);
            resolve(ws);
        });
        ws.once("error", (e) => {
            clearTimeout(t);
            reject(e);
        });
        ws.once("unexpected-response", (_req, res) => {
            clearTimeout(t);
            ws.terminate();
            reject(new Error(`HTTP ${res.statusCode} on upgrade`));
        });
    });
}

function closeWs(ws, timeoutMs) {
    return new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve(true);
        const t = setTimeout(() => {
            ws.terminate();
            resolve(false);
        }, timeoutMs);
        ws.once("close", () => {
            clearTimeout(t);
            resolve(true);
        });
        try {
            ws.close();
        } catch {
            clearTimeout(t);
            ws.terminate();
            resolve(false);
        }
    });
}

// A connection wrapper that matches echo replies to ids.
function wrap(ws) {
    const pending = new Map(); // id -> {resolve, timer, t0}
    const stray = [];
    ws.on("message", (data) => {
        const s = String(data);
        if (s.startsWith(PREFIX)) {
            const id = s.slice(PREFIX.length);
            const p = pending.get(id);
            if (p) {
                pending.delete(id);
                clearTimeout(p.timer);
                p.resolve({ ok: true, rtt: now() - p.t0 });
                return;
            }
        }
        if (stray.length < 20) stray.push(s.slice(0, 200));
    });
    const failAll = (why) => {
        for (const [id, p] of pending) {
            clearTimeout(p.timer);
            p.resolve({ ok: false, why });
            pending.delete(id);
        }
    };
    ws.on("close", () => failAll("closed"));
    ws.on("error", () => failAll("error"));
    return {
        ws,
        stray,
        echo(id, timeoutMs) {
            return new Promise((resolve) => {
                const t0 = now();
                const timer = setTimeout(() => {
                    pending.delete(id);
                    resolve({ ok: false, why: "timeout" });
                }, timeoutMs);
                pending.set(id, { resolve, timer, t0 });
                try {
                    ws.send(JSON.stringify({ action: "test", echo: id }));
                } catch (e) {
                    clearTimeout(timer);
                    pending.delete(id);
                    resolve({ ok: false, why: "send:" + e.message });
                }
            });
        },
    };
}

const results = {
    url,
    node: process.version,
    params: { SEQ, CONNS, PER, CONNECTS, WARMUP, MODE, MSG_TIMEOUT, PHASE_TIMEOUT },
    startedAt: new Date().toISOString(),
};

// ---------- (a) sequential echo on one connection ----------
async function phaseA() {
    const c = wrap(await open(url, MSG_TIMEOUT));
    // warmup (not measured): lets the emulator spin up its handler worker
    let warmFail = 0;
    for (let i = 0; i < WARMUP; i++) {
        const r = await c.echo(`w${i}`, MSG_TIMEOUT);
        if (!r.ok) warmFail++;
    }
    const rtts = [];
    let fail = 0;
    const whys = {};
    const deadline = now() + PHASE_TIMEOUT;
    const t0 = now();
    let sent = 0;
    for (let i = 0; i < SEQ && now() < deadline; i++) {
        sent++;
        const r = await c.echo(`a${i}`, MSG_TIMEOUT);
        if (r.ok) rtts.push(r.rtt);
        else {
            fail++;
            whys[r.why] = (whys[r.why] || 0) + 1;
        }
    }
    const elapsed = now() - t0;
    await closeWs(c.ws, 5000);
    const out = {
        sent,
        ok: rtts.length,
        fail,
        whys,
        warmupFail: warmFail,
        elapsedMs: Math.round(elapsed),
        msgsPerSec: Math.round((rtts.length / elapsed) * 1000 * 10) / 10,
        rttMs: stats(rtts),
        stray: c.stray.slice(0, 3),
    };
    console.log("(a) sequential echo, 1 connection:", JSON.stringify(out));
    return out;
}

// ---------- (b) concurrent connections ----------
async function phaseB() {
    const tOpen0 = now();
    const opened = await Promise.allSettled(Array.from({ length: CONNS }, () => open(url, MSG_TIMEOUT * 3)));
    const openMs = now() - tOpen0;
    const conns = opened.filter((r) => r.status === "fulfilled").map((r) => wrap(r.value));
    const openErrors = {};
    for (const r of opened) if (r.status === "rejected") openErrors[r.reason.message] = (openErrors[r.reason.message] || 0) + 1;

    const deadline = now() + PHASE_TIMEOUT;
    const rtts = [];
    let sent = 0;
    let fail = 0;
    const whys = {};
    const t0 = now();
    await Promise.all(
        conns.map(async (c, ci) => {
            if (MODE === "burst") {
                const ps = [];
                for (let k = 0; k < PER; k++) {
                    sent++;
                    ps.push(c.echo(`b${ci}-${k}`, Math.max(1000, Math.min(MSG_TIMEOUT * 3, deadline - now()))));
                }
                for (const r of await Promise.all(ps)) {
                    if (r.ok) rtts.push(r.rtt);
                    else {
                        fail++;
                        whys[r.why] = (whys[r.why] || 0) + 1;
                    }
                }
            } else {
                for (let k = 0; k < PER && now() < deadline; k++) {
                    sent++;
                    const r = await c.echo(`b${ci}-${k}`, MSG_TIMEOUT);
                    if (r.ok) rtts.push(r.rtt);
                    else {
                        fail++;
                        whys[r.why] = (whys[r.why] || 0) + 1;
                    }
                }
            }
        }),
    );
    const elapsed = now() - t0;
    const tClose0 = now();
    await Promise.all(conns.map((c) => closeWs(c.ws, 10000)));
    const closeMs = now() - tClose0;
    const strays = conns.reduce((n, c) => n + c.stray.length, 0);
    const out = {
        mode: MODE,
        connsRequested: CONNS,
        connsOpened: conns.length,
        openErrors,
        openAllMs: Math.round(openMs),
        expected: CONNS * PER,
        sent,
        ok: rtts.length,
        failed: fail,
        failedOrLost: CONNS * PER - rtts.length,
        whys,
        elapsedMs: Math.round(elapsed),
        msgsPerSec: Math.round((rtts.length / elapsed) * 1000 * 10) / 10,
        rttMs: stats(rtts),
        closeAllMs: Math.round(closeMs),
        strayMessages: strays,
    };
    console.log(`(b) ${CONNS} concurrent connections x ${PER} echo (${MODE}):`, JSON.stringify(out));
    return out;
}

// ---------- (c) sequential connect rate ----------
async function phaseC() {
    const openLat = [];
    let fail = 0;
    const whys = {};
    let closeFail = 0;
    const deadline = now() + PHASE_TIMEOUT;
    const t0 = now();
    let tried = 0;
    for (let i = 0; i < CONNECTS && now() < deadline; i++) {
        tried++;
        const s = now();
        try {
            const ws = await open(url, MSG_TIMEOUT);
            openLat.push(now() - s);
            if (!(await closeWs(ws, 5000))) closeFail++;
        } catch (e) {
            fail++;
            whys[e.message] = (whys[e.message] || 0) + 1;
        }
    }
    const elapsed = now() - t0;
    const sumOpen = openLat.reduce((a, b) => a + b, 0);
    const out = {
        tried,
        opened: openLat.length,
        fail,
        whys,
        closeFail,
        elapsedMs: Math.round(elapsed),
        connectsPerSecWall: Math.round((openLat.length / elapsed) * 1000 * 10) / 10, // includes close handshake
        connectsPerSecOpenOnly: Math.round((openLat.length / sumOpen) * 1000 * 10) / 10, // 1 / mean open latency
        openMs: stats(openLat),
    };
    console.log(`(c) ${CONNECTS} sequential connects (open, then close):`, JSON.stringify(out));
    return out;
}

const hardStop = setTimeout(
    () => {
        console.error("bench: global time limit reached, exiting");
        process.exit(3);
    },
    PHASE_TIMEOUT * Math.min(8, PHASES.length) + 60000,
);
hardStop.unref();

// --phases picks and orders phases; a letter may repeat (e.g. "abbc" runs (b) cold, then again warm).
// Repeats are bounded by the length of the string (at most 8 phases).
try {
    for (const ph of PHASES.slice(0, 8)) {
        const fn = { a: phaseA, b: phaseB, c: phaseC }[ph];
        if (!fn) continue;
        const r = await fn();
        if (results[ph] === undefined) results[ph] = r;
        else results[ph] = [].concat(results[ph], r);
    }
} catch (e) {
    console.error("bench error:", e.message);
    results.error = e.message;
}
results.finishedAt = new Date().toISOString();
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
process.exit(results.error ? 1 : 0);
