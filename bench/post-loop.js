// The fan-out benchmark's limits, in a worker thread as a Lambda environment is: the same PostToConnection calls
// as a fan-out makes, from a bare loop at the same concurrency, through the SDK or as unsigned HTTP POSTs.
"use strict";
const { parentPort } = require("node:worker_threads");
const http = require("node:http");
const { ApiGatewayManagementApiClient, PostToConnectionCommand } = require("@aws-sdk/client-apigatewaymanagementapi");

let sdk;
let agent;

async function forEach(ids, concurrency, post) {
    let next = 0;
    let errors = 0;
    const worker = async () => {
        while (next < ids.length) {
            const id = ids[next++];
            await post(id).catch(() => errors++);
        }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
    return errors;
}

function rawPost(endpoint, id, data) {
    return new Promise((resolve, reject) => {
        const req = http.request(
            `${endpoint}/@connections/${encodeURIComponent(id)}`,
            { method: "POST", agent, headers: { "content-length": data.length } },
            (res) => {
                res.resume();
                res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(String(res.statusCode)))));
            },
        );
        req.on("error", reject);
        req.end(data);
    });
}

parentPort.on("message", async ({ mode, endpoint, ids, concurrency, message }) => {
    const data = Buffer.from(message);
    if (mode === "sdk") {
        sdk ??= new ApiGatewayManagementApiClient({
            endpoint,
            region: "us-east-1",
            credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
            maxAttempts: 1,
            requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets: concurrency }) },
        });
        const errors = await forEach(ids, concurrency, (id) => sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: data })));
        parentPort.postMessage({ errors });
    } else {
        agent ??= new http.Agent({ keepAlive: true, maxSockets: concurrency });
        const errors = await forEach(ids, concurrency, (id) => rawPost(endpoint, id, data));
        parentPort.postMessage({ errors });
    }
});
