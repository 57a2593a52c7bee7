import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RecordedProgram } from "../../local/record/record-program";
import { recordGraph } from "../../testing";

export const ACCOUNT = "000000000000";
export const REGION = "us-east-1";
export const tableArn = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;

/**
 * A function that makes the one SDK call its event names and answers what came of it: `{ ok, status }`, or the
 * error's name, message and status. It runs with the runtime's SDK, as a deployed function would.
 */
const PROBE_SOURCE = `
const dynamodb = require("@aws-sdk/client-dynamodb");
const s3 = require("@aws-sdk/client-s3");
const lambda = require("@aws-sdk/client-lambda");
const sqs = require("@aws-sdk/client-sqs");
const clients = {
    dynamodb: new dynamodb.DynamoDBClient({}),
    s3: new s3.S3Client({}),
    lambda: new lambda.LambdaClient({}),
    sqs: new sqs.SQSClient({}),
};
const modules = { dynamodb, s3, lambda, sqs };
exports.handler = async ({ service, command, input }) => {
    try {
        const output = await clients[service].send(new modules[service][command + "Command"](input));
        return { ok: true, status: output.$metadata.httpStatusCode };
    } catch (err) {
        return { ok: false, name: err.name, message: err.message, status: err.$metadata && err.$metadata.httpStatusCode };
    }
};`;

const assumeLambda = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

function probe(name: string, statements: unknown[]): { role: aws.iam.Role; fn: aws.lambda.Function } {
    const role = new aws.iam.Role(name, { name, assumeRolePolicy: assumeLambda });
    if (statements.length > 0) {
        new aws.iam.RolePolicy(name, { role: role.name, policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) });
    }
    const fn = new aws.lambda.Function(name, {
        name,
        role: role.arn,
        runtime: "nodejs22.x",
        handler: "index.handler",
        timeout: 10,
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(PROBE_SOURCE) }),
    });
    return { role, fn };
}

/**
 * Two probes, `worker` with a policy of Allows, a Deny and wildcards, and `bare` with none; tables `data` and
 * `logs-2026`; a bucket `files` whose policy allows `worker` (which may list it) to read `shared/`, `bare` (which
 * may not) to read `public/`, and denies everyone `in/locked/`; a bucket `other` whose policy denies reading
 * `secret/`, the rest of which `worker` may read; a
 * function `target` that a permission lets `worker`, and only `worker`, invoke; and a queue `jobs` whose policy lets
 * `worker` send to it.
 */
export async function recordIamProgram(): Promise<RecordedProgram> {
    const graph = await recordGraph(() => {
        for (const name of ["data", "logs-2026"]) {
            new aws.dynamodb.Table(name, {
                name,
                billingMode: "PAY_PER_REQUEST",
                hashKey: "id",
                attributes: [{ name: "id", type: "S" }],
            });
        }
        const bucket = new aws.s3.Bucket("files", { bucket: "files" });
        const worker = probe("worker", [
            { Effect: "Allow", Action: "dynamodb:*", Resource: tableArn("data") },
            { Effect: "Deny", Action: "dynamodb:DeleteItem", Resource: tableArn("data") },
            { Effect: "Allow", Action: "dynamodb:GetItem", Resource: tableArn("logs-*") },
            { Effect: "Allow", Action: ["s3:PutObject"], Resource: "arn:aws:s3:::files/in/*" },
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: "arn:aws:s3:::files" },
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::other/*" },
        ]);
        const bare = probe("bare", []);
        new aws.s3.BucketPolicy("files", {
            bucket: bucket.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { AWS: worker.role.arn },
                        Action: "s3:GetObject",
                        Resource: "arn:aws:s3:::files/shared/*",
                    },
                    { Effect: "Allow", Principal: { AWS: bare.role.arn }, Action: "s3:GetObject", Resource: "arn:aws:s3:::files/public/*" },
                    { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::files/in/locked/*" },
                ],
            }),
        });
        const jobs = new aws.sqs.Queue("jobs", { name: "jobs" });
        new aws.sqs.QueuePolicy("jobs", {
            queueUrl: jobs.url,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { AWS: worker.role.arn }, Action: "sqs:SendMessage", Resource: jobs.arn }],
            }),
        });
        const other = new aws.s3.Bucket("other", { bucket: "other" });
        new aws.s3.BucketPolicy("other", {
            bucket: other.id,
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::other/secret/*" }],
            }),
        });
        const target = probe("target", []);
        new aws.lambda.Permission("target-from-worker", {
            function: target.fn.name,
            action: "lambda:InvokeFunction",
            principal: worker.role.arn,
        });
        new aws.lambda.Permission("target-from-s3", {
            function: target.fn.name,
            action: "lambda:InvokeFunction",
            principal: "s3.amazonaws.com",
            sourceArn: bucket.arn,
            sourceAccount: ACCOUNT,
        });
    });
    return graph.program;
}
