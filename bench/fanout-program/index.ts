import * as aws from "@pulumi/aws";
import { BroadcastWebSocket, HandlerFunction, WatchedBucket } from "../../components";
import { naiveFanout } from "./naive";

const ours = new BroadcastWebSocket("ours");
const segmented = new BroadcastWebSocket("segmented", { fanout: { segments: 2 } });

// The naive fan-out reads ours' table and posts on ours' stage, triggered by a bucket of its own: both run
// against the same connected clients.
const naiveBucket = new WatchedBucket("naive-bucket", {});
const naive = new HandlerFunction("naive-fanout", {
    code: naiveFanout,
    settings: { environment: ours.broadcastEnvironment, memorySize: 1024, timeout: 900 },
    logRetentionInDays: 1,
    policyStatements: ours.broadcastPolicyStatements,
});
const { accountId } = aws.getCallerIdentityOutput({});
const permission = new aws.lambda.Permission("naive-s3", {
    action: "lambda:InvokeFunction",
    function: naive.function.name,
    principal: "s3.amazonaws.com",
    sourceArn: naiveBucket.arn,
    sourceAccount: accountId,
});
new aws.s3.BucketNotification(
    "naive",
    { bucket: naiveBucket.name, lambdaFunctions: [{ lambdaFunctionArn: naive.function.arn, events: ["s3:ObjectCreated:*"] }] },
    { dependsOn: [permission] },
);

export const urls = { ours: ours.url, segmented: segmented.url };
export const buckets = { ours: ours.bucketName, segmented: segmented.bucketName, naive: naiveBucket.name };
export const tables = { ours: ours.connectionsTable.name, segmented: segmented.connectionsTable.name };
export const managementEndpoint = ours.managementEndpoint;
