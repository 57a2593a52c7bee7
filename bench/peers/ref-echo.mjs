// Baseline: bare `ws` server on loopback implementing the same echo protocol in-process
// (no Lambda emulation). Measures the client + machine ceiling. Usage: node ref-echo.mjs [port]
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { WebSocketServer } = require("ws");
const port = Number(process.argv[2] || 3301);
const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false });
wss.on("connection", (ws) => {
    ws.on("message", (data) => {
        let b = {};
        try {
            b = JSON.parse(String(data));
        } catch {
            // not JSON: the $default reply below
        }
        if (b.action === "test") ws.send(`Echoing your message: ${b.echo}`);
        else ws.send(JSON.stringify({ route: "$default" }));
    });
});
wss.on("listening", () => console.log(`ref echo on ws://127.0.0.1:${port}`));
