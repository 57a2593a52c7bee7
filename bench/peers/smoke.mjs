// Smoke test: echo route replies, unknown action -> $default, postToConnection works.
// Usage: node smoke.mjs ws://127.0.0.1:3101
import { createRequire } from "node:module";
const require = createRequire(process.env.WS_FROM || import.meta.url);
const WebSocket = require("ws");
const url = process.argv[2] || "ws://127.0.0.1:3101";

function nextMessage(ws, ms = 5000) {
    return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
            ws.off("message", on);
            reject(new Error("timeout waiting for message"));
        }, ms);
        const on = (data) => {
            clearTimeout(t);
            resolve(String(data));
        };
        ws.once("message", on);
    });
}

const ws = new WebSocket(url);
await new Promise((res, rej) => {
    ws.once("open", res);
    ws.once("error", rej);
});
let ok = 0,
    fail = 0;
function check(name, cond, got) {
    if (cond) {
        ok++;
        console.log("PASS", name, "->", got);
    } else {
        fail++;
        console.log("FAIL", name, "->", got);
    }
}

ws.send(JSON.stringify({ action: "test", echo: "hello" }));
let m = await nextMessage(ws).catch((e) => "ERR " + e.message);
check("echo route", m === "Echoing your message: hello", m);

ws.send(JSON.stringify({ action: "nosuchroute", x: 1 }));
m = await nextMessage(ws).catch((e) => "ERR " + e.message);
check("unknown action -> $default", m.includes("$default"), m);

ws.send("not json at all");
m = await nextMessage(ws).catch((e) => "ERR " + e.message);
check("non-JSON -> $default", m.includes("$default"), m);

ws.send(JSON.stringify({ action: "broadcast", msg: "hi-self" }));
m = await nextMessage(ws).catch((e) => "ERR " + e.message);
check("postToConnection to self", m.includes("hi-self"), m);

ws.close();
console.log(`${ok} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
