import type { ChannelErrorCode } from "../protocol/channels";

/**
 * Codes the client adds to the server's: no reply (or no connection) in time, the client was closed, the API has no
 * such route (API Gateway's own `UnknownRoute` reply), API Gateway throttled the request (its
 * `{"message":"Too Many Requests",…}` frame; try again later).
 */
export type ClientErrorCode = "Timeout" | "Closed" | "UnknownRoute" | "Throttled";

/** A refused request, a reply that never came, or a re-subscription the server refused. */
export class ChannelError extends Error {
    override readonly name = "ChannelError";

    constructor(
        /** The server's code as sent, or one of the client's. */
        readonly code: ChannelErrorCode | ClientErrorCode,
        message: string,
        /** The channel of the subscribe or unsubscribe it answers, if any. */
        readonly channel?: string,
    ) {
        super(message);
    }
}
