import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import type { RecordedProgram } from "../../local/record/record-program";
import { RESOURCE_TYPES } from "../../local/record/resource-types";
import { functionCredentials } from "../../local/services/credentials";
import { ACCOUNT, recordIamProgram, tableArn } from "../support/iam-program";
import { clients, eventually, recorded, rows, startTestCloud, TestClient, type TestCloud } from "../support/local";
import { ROOT } from "../support/record";

interface Outcome {
    ok: boolean;
    name?: string;
    message?: string;
    status?: number;
}

const session = (fn: string) => `User: arn:aws:sts::${ACCOUNT}:assumed-role/${fn}/${fn}`;

describe("IAM on the local cloud: a call the role does not allow fails as on AWS", function () {
    this.timeout(120_000);

    describe("a program's own roles, bucket policy and permissions", () => {
        let t: TestCloud;
        before(async () => {
            t = await startTestCloud(await recordIamProgram());
        });
        after(() => t?.cloud.stop());
        const call = async (fn: string, service: string, command: string, input: unknown): Promise<Outcome> => {
            const outcome = await t.cloud.lambda.invoke(fn, { service, command, input });
            if (!outcome.ok) throw new Error(`${fn} failed: ${JSON.stringify(outcome.error)}`);
            return outcome.value as Outcome;
        };
        const item = { id: { S: "1" } };

        it("DynamoDB: allows what the role allows; refuses the rest with AccessDeniedException, a Deny over an Allow", async () => {
            expect(await call("worker", "dynamodb", "PutItem", { TableName: "data", Item: item })).to.deep.equal({ ok: true, status: 200 });
            expect(await call("worker", "dynamodb", "DeleteItem", { TableName: "data", Key: item })).to.deep.equal({
                ok: false,
                name: "AccessDeniedException",
                status: 400,
                message: `${session("worker")} is not authorized to perform: dynamodb:DeleteItem on resource: ${tableArn("data")} with an explicit deny in an identity-based policy`,
            });
            expect(await call("worker", "dynamodb", "GetItem", { TableName: "logs-2026", Key: item }), "table/logs-* covers it").to.include(
                {
                    ok: true,
                },
            );
            const logs = await call("worker", "dynamodb", "GetItem", { TableName: "logs", Key: item });
            expect(logs, "table/logs-* does not cover table/logs").to.include({ ok: false, name: "AccessDeniedException" });
            expect(logs.message).to.equal(
                `${session("worker")} is not authorized to perform: dynamodb:GetItem on resource: ${tableArn("logs")} because no identity-based policy allows the dynamodb:GetItem action`,
            );
            expect(
                await call("worker", "dynamodb", "BatchWriteItem", { RequestItems: { "logs-2026": [{ PutRequest: { Item: item } }] } }),
            ).to.include({
                ok: false,
                name: "AccessDeniedException",
            });
            expect(await call("bare", "dynamodb", "PutItem", { TableName: "data", Item: item }), "no policy at all").to.include({
                ok: false,
                name: "AccessDeniedException",
            });
            expect(t.logs).to.include(`IAM: denied → bare dynamodb:PutItem on ${tableArn("data")} (no policy allows it)`);
        });

        it("S3: allows the role's prefix and what the bucket policy grants; AccessDenied otherwise, the bucket policy's Deny included", async () => {
            // A copy is judged by each bucket's own policy: its source bucket's Deny refuses it.
            const copy = (source: string) =>
                call("worker", "s3", "CopyObject", { Bucket: "files", Key: "in/copy.txt", CopySource: source });
            const secret = await copy("other/secret/x");
            expect(secret).to.include({ ok: false, name: "AccessDenied" });
            expect(secret.message).to.match(
                /s3:GetObject on resource: "arn:aws:s3:::other\/secret\/x" with an explicit deny in a resource-based policy$/,
            );
            expect(await copy("other/open/x"), "allowed: the source is only missing").to.include({ ok: false, name: "NoSuchKey" });
            expect(await call("worker", "s3", "PutObject", { Bucket: "files", Key: "in/a.txt", Body: "a" })).to.deep.equal({
                ok: true,
                status: 200,
            });
            const out = await call("worker", "s3", "PutObject", { Bucket: "files", Key: "out/a.txt", Body: "a" });
            expect(out).to.include({ ok: false, name: "AccessDenied", status: 403 });
            expect(out.message).to.equal(
                `${session("worker")} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::files/out/a.txt" because no identity-based policy allows the s3:PutObject action`,
            );
            const locked = await call("worker", "s3", "PutObject", { Bucket: "files", Key: "in/locked/a.txt", Body: "a" });
            expect(locked.message).to.match(/with an explicit deny in a resource-based policy$/);
            expect(
                await call("worker", "s3", "GetObject", { Bucket: "files", Key: "shared/none" }),
                "allowed by the bucket policy, and a role that may list the bucket learns the key is missing",
            ).to.include({ ok: false, name: "NoSuchKey" });
            const unlisted = await call("bare", "s3", "GetObject", { Bucket: "files", Key: "public/none" });
            expect(unlisted, "one that may not list gets AccessDenied, as S3 answers it").to.include({ ok: false, name: "AccessDenied" });
            expect(unlisted.message).to.equal(
                `${session("bare")} is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::files" because no identity-based policy allows the s3:ListBucket action`,
            );
            expect(
                await call("worker", "s3", "HeadObject", { Bucket: "files", Key: "in/a.txt" }),
                "HEAD asks for s3:GetObject: a 403 without a body, as S3 answers a HEAD",
            ).to.include({
                ok: false,
                status: 403,
            });
            expect(await call("bare", "s3", "GetObject", { Bucket: "files", Key: "shared/none" })).to.include({ name: "AccessDenied" });
            expect(await call("bare", "s3", "ListObjectsV2", { Bucket: "files" })).to.include({ name: "AccessDenied" });
        });

        it("Lambda: a permission naming the caller's role allows Invoke; without one, AccessDeniedException", async () => {
            expect(await call("worker", "lambda", "Invoke", { FunctionName: "target", Payload: "{}" })).to.deep.equal({
                ok: true,
                status: 200,
            });
            const bare = await call("bare", "lambda", "Invoke", { FunctionName: "target", Payload: "{}" });
            expect(bare).to.include({ ok: false, name: "AccessDeniedException", status: 403 });
            expect(bare.message).to.equal(
                `${session("bare")} is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:${ACCOUNT}:function:target because no identity-based policy allows the lambda:InvokeFunction action`,
            );
            expect(await call("worker", "lambda", "Invoke", { FunctionName: "bare", Payload: "{}" })).to.include({
                name: "AccessDeniedException",
            });
            expect(
                await call("worker", "lambda", "Invoke", { FunctionName: "nope", Payload: "{}" }),
                "denied before it is looked up",
            ).to.include({
                name: "AccessDeniedException",
            });
        });

        it("SQS: a queue policy naming the role allows SendMessage and its batch; AccessDenied, as SQS words it, otherwise", async () => {
            const QueueUrl = t.cloud.queues.find((q) => q.name === "jobs")!.url;
            expect(await call("worker", "sqs", "SendMessage", { QueueUrl, MessageBody: "a" })).to.deep.equal({ ok: true, status: 200 });
            expect(
                await call("worker", "sqs", "SendMessageBatch", { QueueUrl, Entries: [{ Id: "1", MessageBody: "b" }] }),
                "a batch asks for sqs:SendMessage",
            ).to.include({ ok: true });
            const receive = await call("worker", "sqs", "ReceiveMessage", { QueueUrl });
            expect(receive).to.include({ ok: false, name: "AccessDenied", status: 403 });
            expect(receive.message).to.equal(
                `${session("worker")} is not authorized to perform: sqs:receivemessage on resource: arn:aws:sqs:us-east-1:${ACCOUNT}:jobs because no identity-based policy allows the sqs:receivemessage action`,
            );
            expect(await call("bare", "sqs", "SendMessage", { QueueUrl, MessageBody: "c" })).to.include({ name: "AccessDenied" });
        });

        it("answers hostile calls signed as a function with the service's own error, and stays up", async () => {
            const signed = {
                authorization: `AWS4-HMAC-SHA256 Credential=${functionCredentials("bare").accessKeyId}/20261202/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`,
                "x-amz-date": "20261202T000000Z",
            };
            const dynamodb = (body: string | Uint8Array<ArrayBuffer>) =>
                fetch(t.cloud.dynamodbEndpoint, {
                    method: "POST",
                    headers: { ...signed, "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.PutItem" },
                    body,
                });
            const notJson = await dynamodb("{not json");
            expect([notJson.status, ((await notJson.json()) as { __type: string }).__type]).to.deep.equal([
                400,
                "com.amazon.coral.service#SerializationException",
            ]);
            const binary = await dynamodb(new Uint8Array([0xff, 0x00, 0xfe]));
            expect(binary.status).to.equal(400);
            const array = await dynamodb("[1,2]");
            expect(((await array.json()) as { __type: string }).__type, "no table: asks for dynamodb:PutItem on *").to.match(
                /AccessDeniedException$/,
            );
            const oversized = await dynamodb(new Uint8Array(16 * 1024 * 1024 + 1).fill(0x20));
            expect(oversized.status).to.equal(413);
            const deleteObjects = await fetch(`${t.cloud.s3Endpoint}/files?delete`, {
                method: "POST",
                headers: { ...signed, authorization: signed.authorization.replace("/dynamodb/", "/s3/") },
                body: new Uint8Array(2 * 1024 * 1024 + 1).fill(0x20),
            });
            expect([deleteObjects.status, await deleteObjects.text()]).to.satisfy(
                ([status, text]: [number, string]) => status === 400 && text.includes("<Code>MaxMessageLengthExceeded</Code>"),
            );
            expect(await call("worker", "dynamodb", "PutItem", { TableName: "data", Item: item }), "still serving").to.include({
                ok: true,
            });
        });

        it("lets the operator's own clients (tests, scripts, the CLI) do anything, as the account's administrator", async () => {
            const s3 = new S3Client({
                endpoint: t.cloud.s3Endpoint,
                region: "us-east-1",
                credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
                forcePathStyle: true,
            });
            await s3.send(new PutObjectCommand({ Bucket: "files", Key: "out/by-operator.txt", Body: "x" }));
            const dynamodb = new DynamoDBClient({
                endpoint: t.cloud.dynamodbEndpoint,
                region: "us-east-1",
                credentials: { accessKeyId: "x", secretAccessKey: "y" },
            });
            expect(await rows(dynamodb, "data").catch((err: Error) => err.name)).to.not.equal("AccessDeniedException");
            s3.destroy();
            dynamodb.destroy();
        });
    });

    describe("index.ts's broadcast stack", () => {
        const fanoutPolicy = (program: RecordedProgram) =>
            program.resources.find((r) => r.type === RESOURCE_TYPES.rolePolicy && r.name === "broadcast-fanout")!;

        /** index.ts, with one statement of the fan-out's role left out. */
        async function withoutStatement(action: string): Promise<RecordedProgram> {
            const program = structuredClone(await recorded(ROOT));
            const policy = fanoutPolicy(program);
            const document = JSON.parse(String(policy.inputs.policy)) as { Statement: { Action: string[] }[] };
            const kept = document.Statement.filter((s) => !s.Action.includes(action));
            expect(kept.length, `the fan-out's role has a ${action} statement`).to.equal(document.Statement.length - 1);
            policy.inputs.policy = JSON.stringify({ ...document, Statement: kept });
            return program;
        }

        async function broadcastOnce(t: TestCloud): Promise<TestClient[]> {
            const { s3, dynamodb } = clients(t);
            const table = String(t.cloud.outputs.connectionsTableName);
            const listeners = await Promise.all([1, 2].map(() => TestClient.open(t.url("broadcastUrl"))));
            await eventually(async () => (await rows(dynamodb, table)).length >= 2, 5_000, "two connection rows");
            await s3.send(new PutObjectCommand({ Bucket: String(t.cloud.outputs.bucketName), Key: "iam/probe.txt", Body: "x" }));
            return listeners;
        }

        it("runs with IAM enforced and every element of its IAM evaluated", async () => {
            const t = await startTestCloud(await recorded(ROOT));
            try {
                expect(t.cloud.iam).to.include({ enforced: true }).and.have.deep.property("notEvaluated", []);
                const listeners = await broadcastOnce(t);
                for (const listener of listeners) expect(JSON.parse(await listener.next())).to.include({ key: "iam/probe.txt" });
                await Promise.all(listeners.map((l) => l.close()));
                expect(t.logs.filter((line) => line.startsWith("IAM: denied"))).to.deep.equal([]);
            } finally {
                await t.cloud.stop();
            }
        });

        it("fails the fan-out with AccessDeniedException when its role loses execute-api:ManageConnections, and not with --iam off", async () => {
            const program = await withoutStatement("execute-api:ManageConnections");
            const t = await startTestCloud(program);
            try {
                const listeners = await broadcastOnce(t);
                const fanout = () =>
                    t
                        .printed("broadcast-fanout")
                        .filter((m) => m.startsWith("{"))
                        .map((m) => JSON.parse(m) as { msg?: string; failed?: number; failures?: { error: string }[] })
                        .find((m) => m.msg === "fanout" && (m.failed ?? 0) > 0);
                await eventually(async () => fanout() !== undefined, 10_000, "the fan-out's failure");
                const error = fanout()!.failures![0].error;
                expect(error).to.include("AccessDeniedException");
                expect(error).to.match(
                    /User: arn:aws:sts::000000000000:assumed-role\/broadcast-fanout-[0-9a-f]+\/broadcast-fanout-[0-9a-f]+ is not authorized to perform: execute-api:ManageConnections on resource: arn:aws:execute-api:us-east-1:\*{8}0000:[a-z0-9]+\/dev\/POST\/@connections\/\{connectionId\} because no identity-based policy allows the execute-api:ManageConnections action/,
                );
                expect(t.logs.some((line) => /^IAM: denied → broadcast-fanout-\S+ execute-api:ManageConnections on /.test(line))).to.equal(
                    true,
                );
                for (const listener of listeners) expect(listener.messages, "nothing was delivered").to.deep.equal([]);
                await Promise.all(listeners.map((l) => l.close()));
            } finally {
                await t.cloud.stop();
            }
            const off = await startTestCloud(program, { iam: false });
            try {
                expect(off.cloud.iam.enforced).to.equal(false);
                const listeners = await broadcastOnce(off);
                for (const listener of listeners) expect(JSON.parse(await listener.next())).to.include({ key: "iam/probe.txt" });
                await Promise.all(listeners.map((l) => l.close()));
            } finally {
                await off.cloud.stop();
            }
        });

        it("refuses to start when the fan-out's role may not send to its failure queue, as its deploy would fail", async () => {
            const program = await withoutStatement("sqs:SendMessage");
            const started = await startTestCloud(program).then(
                (t) => t.cloud.stop().then(() => "started"),
                (err: Error) => err.message,
            );
            expect(started).to.match(
                /^Function broadcast-fanout-\S+: InvalidParameterValueException: The provided execution role does not have permissions to call SendMessage on SQS/,
            );
            expect(started).to.include("--iam off");
        });
    });
});
