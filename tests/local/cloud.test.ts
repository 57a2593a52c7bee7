import { PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import * as net from "node:net";
import { serveRecording } from "../../local/cloud";
import { RESOURCE_TYPES } from "../../local/record/resource-types";
import type { RecordedProgram } from "../../local/record/record-program";
import { clients, errorFramePattern, recorded, startTestCloud, TestClient } from "../support/local";
import { ROOT } from "../support/record";

/** The recording without the resources `drop` picks: what `pulumi up` would have without them. */
function without(program: RecordedProgram, drop: (r: RecordedProgram["resources"][number]) => boolean): RecordedProgram {
    return { ...program, resources: program.resources.filter((r) => !drop(r)) };
}

describe("local cloud: wiring only what the graph wires", () => {
    it("answers Internal server error when API Gateway may not invoke the route's function (B6)", async () => {
        const program = await recorded(ROOT);
        const echoTest = program.resources.find((r) => r.type === RESOURCE_TYPES.function && r.name === "echo-test")!;
        const t = await startTestCloud(
            without(program, (r) => r.type === RESOURCE_TYPES.permission && r.inputs.function === echoTest.state.name),
        );
        try {
            const client = await TestClient.open(t.url("echoUrl"));
            expect(await client.ask('{"action":"test","echo":"hi"}')).to.match(errorFramePattern("Internal server error"));
            expect(t.logs.join("\n")).to.include(`API Gateway may not invoke ${String(echoTest.state.name)}`);
            await client.close();
        } finally {
            await t.cloud.stop();
        }
    });

    it("refuses to start a bucket notification whose function S3 may not invoke, with S3's message (B26)", async () => {
        const program = await recorded(ROOT);
        const error = await serveRecording(
            without(program, (r) => r.type === RESOURCE_TYPES.permission && r.inputs.principal === "s3.amazonaws.com"),
            { port: 0 },
        ).then(
            () => undefined,
            (err: unknown) => err as Error,
        );
        expect(error?.message).to.match(
            /^s3\.BucketNotification broadcast: InvalidArgument: Unable to validate the following destination configurations/,
        );
    });
});

/** Whether every port can be listened on now (each is released again). */
async function allFree(ports: number[]): Promise<boolean> {
    for (const port of ports) {
        const probe = net.createServer();
        const free = await new Promise<boolean>((resolve) => {
            probe.once("error", () => resolve(false));
            probe.listen(port, "127.0.0.1", () => resolve(true));
        });
        if (free) await close(probe);
        if (!free) return false;
    }
    return true;
}

/** Closes a server; true, so that it can end a loop's condition. */
const close = (server: net.Server) => new Promise<boolean>((resolve) => server.close(() => resolve(true)));

describe("local cloud: ports", () => {
    it("names the service and the fix when a planned port is taken, and leaves nothing running", async () => {
        // A blocked port whose neighbours the services before S3 take are free now: other processes use ports too.
        let blocker: net.Server;
        let taken: number;
        do {
            blocker = net.createServer();
            await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
            taken = (blocker.address() as net.AddressInfo).port;
        } while (!(await allFree([taken + 1, taken + 2, taken + 4])) && (await close(blocker)));
        try {
            // The blocker holds base + 100, S3's port: DynamoDB (base + 101), SQS (base + 104) and the Invoke API (base + 102)
            // start before S3.
            const error = await serveRecording(await recorded(ROOT), { port: taken - 100 }).then(
                () => undefined,
                (err: unknown) => err as Error,
            );
            expect(error?.message).to.equal(`S3: port ${taken} is in use; start with --port <another base port>`);
            expect(await allFree([taken + 1, taken + 2, taken + 4]), "the services started before S3 were stopped").to.equal(true);
        } finally {
            await close(blocker);
        }
    });

    it("runs two clouds of the same program side by side on ports of their own", async () => {
        const program = await recorded(ROOT);
        const [a, b] = await Promise.all([startTestCloud(program), startTestCloud(program)]);
        try {
            expect(a.cloud.apis[0].url).to.not.equal(b.cloud.apis[0].url);
            const [one, two] = await Promise.all([TestClient.open(a.url("echoUrl")), TestClient.open(b.url("echoUrl"))]);
            expect(await one.ask('{"action":"test","echo":"a"}')).to.equal("Echoing your message: a");
            expect(await two.ask('{"action":"test","echo":"b"}')).to.equal("Echoing your message: b");
            await Promise.all([one.close(), two.close()]);
        } finally {
            await Promise.all([a.cloud.stop(), b.cloud.stop()]);
        }
    });
});

describe("local cloud: stopping", () => {
    it("lets asynchronous invocations under way finish while the services their functions call are still up", async function () {
        this.timeout(60_000);
        const t = await startTestCloud(await recorded(ROOT));
        const { s3 } = clients(t);
        try {
            await s3.send(new PutObjectCommand({ Bucket: String(t.cloud.outputs.bucketName), Key: "last.txt", Body: "x" }));
        } finally {
            s3.destroy();
            await t.cloud.stop();
        }
        const fanout = t.logs.filter((line) => line.includes("S3 ObjectCreated:Put") && line.includes("last.txt"));
        expect(fanout.map((line) => line.replace(/^.*?: /, "").replace(/ \(attempt.*$/, ""))).to.deep.equal(["ok"]);
    });
});
