// What Lambda code imports (the package's `./runtime` entry): publish to a channel, broadcast to everyone, the
// connection store, the event, reply and channel-protocol types. Nothing here imports @pulumi/*.
//
// Every module here exports `deploymentOnlyModule = true`. Pulumi's closure serializer captures a module it finds in
// node_modules as a `require` of it, which works only if the function's archive holds that package; ours hold our
// own code alone. With the marker it captures the module by value, as it does a program's local modules, so a
// function built from these handlers (ours or a user's callback that imports `serverless-websockets/runtime`) is
// self-contained wherever the package is installed.
export { createPublisher, publish, publisherFromEnvironment, type Publisher, type PublishOptions } from "./publish";
export type { AuthorizeSubscribe, SubscribeAuthorization } from "./channels";
export { matchingChannels, type ChannelMessage, type Notification, type S3ObjectMessage } from "../protocol/channels";
export { broadcasterFromEnvironment, createBroadcaster, type Broadcaster, type BroadcastOptions, type BroadcastResult } from "./broadcast";
export {
    CONNECTION_LIFETIME_SECONDS,
    connectionIdPages,
    connectionRecord,
    connectionStoreFromEnvironment,
    saveConnection,
    type ConnectionRecord,
    type ConnectionStore,
} from "./connections";
export { deleteConnection } from "./connection-cleanup";
export type { WebSocketEvent, WebSocketResult } from "./events";
export { MAX_MESSAGE_BYTES } from "./message";

// Captured by value even from node_modules (see above).
export const deploymentOnlyModule = true;
