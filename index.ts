import { BroadcastWebSocket, EchoWebSocket } from "./components";

// Stage name, log retention, throttling and logging come from this stack's `serverless-websockets:*` config.
const echo = new EchoWebSocket("echo");
// Uploads: the page the local cloud serves asks for presigned PUTs under its own channel.
const broadcast = new BroadcastWebSocket("broadcast", { uploads: true });

export const echoUrl = echo.url;
export const echoApiId = echo.apiId;
export const echoStageName = echo.stageName;
export const broadcastUrl = broadcast.url;
export const broadcastManagementEndpoint = broadcast.managementEndpoint;
export const bucketName = broadcast.bucketName;
export const connectionsTableName = broadcast.connectionsTable.name;
export const subscriptionsTableName = broadcast.subscriptionsTable.name;
// Where a fan-out that failed every retry leaves its S3 event (Lambda's failure record), to read or redrive.
export const failedEventsQueueUrl = broadcast.failedEventsQueue?.url;
