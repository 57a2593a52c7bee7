// serverless-websockets/client: the channel protocol's client, for browsers and Node.js.
export { ChannelClient, type ChannelClientEvents, type ChannelClientOptions, type ConnectionState } from "./channel-client";
export { ChannelError, type ClientErrorCode } from "./channel-error";
export { backoffDelay, type BackoffOptions } from "./backoff";
export type { WebSocketConstructor, WebSocketLike } from "./websocket";
export type { ChannelErrorCode, ChannelMessage, Notification, S3ObjectMessage, UploadReply } from "../protocol/channels";
export { isChannelName } from "../protocol/channels";
