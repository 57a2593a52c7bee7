// The chat example tested as its users would test their own program: only through the package's entry points
// (in this repository, by path: `../../../local` is `serverless-websockets/local`).
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import * as path from "node:path";
import WebSocket from "ws";
import { eventually, startLocalCloud, type StartedLocalCloud } from "../../../local";

/** A client that keeps every message it receives. */
async function connect(url: string): Promise<{ ws: WebSocket; received: string[] }> {
    const ws = new WebSocket(url);
    const received: string[] = [];
    ws.on("message", (data) => received.push(data.toString()));
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    return { ws, received };
}

describe("examples/chat on the local cloud, through the public API", () => {
    let cloud: StartedLocalCloud;
    before(async function () {
        this.timeout(120_000);
        cloud = await startLocalCloud({ program: path.join(__dirname, ".."), port: 0 });
    });
    after(async () => cloud?.stop());

    it("broadcasts a chat line to everyone and announces an uploaded file", async () => {
        const [alice, bob] = await Promise.all([connect(String(cloud.outputs.url)), connect(String(cloud.outputs.url))]);
        try {
            // API Gateway holds the handshake until $connect has stored the connection, so both are reachable now.
            alice.ws.send(JSON.stringify({ action: "sendmessage", data: "hello" }));
            await eventually(() => bob.received.some((m) => JSON.parse(m).data === "hello"), 5_000, "bob hears alice");
            await eventually(() => alice.received.some((m) => JSON.parse(m).type === "sent"), 5_000, "alice's acknowledgement");
            expect(alice.received.map((m) => JSON.parse(m))).to.deep.include({ type: "sent", delivered: 2 });
            expect(bob.received.map((m) => JSON.parse(m).data)).to.deep.equal(["hello"]);

            const s3 = new S3Client({
                endpoint: cloud.s3Endpoint,
                region: "us-east-1",
                credentials: cloud.credentials,
                forcePathStyle: true,
            });
            await s3.send(new PutObjectCommand({ Bucket: String(cloud.outputs.bucketName), Key: "notes 1.txt", Body: "hi" }));
            s3.destroy();
            for (const client of [alice, bob]) {
                await eventually(() => client.received.some((m) => JSON.parse(m).key === "notes 1.txt"), 5_000, "the upload announced");
            }
            await eventually(() => cloud.logsOf("chat-fanout").some((line) => line.includes('"delivered":2')), 5_000, "the fan-out's log");
        } finally {
            alice.ws.close();
            bob.ws.close();
        }
    });
});
