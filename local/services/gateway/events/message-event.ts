import { newId, type ApiInfo, type ConnectionInfo } from "../proxy-events";
import { authorizerOf, newRequest, requestContext } from "./request-context";

/**
 * The MESSAGE event of a route (B15, B17): the text frame as `body`, a `messageId` of its own, no headers. Built for
 * every message, so it does no more than the fields need.
 */
export function messageEvent(api: ApiInfo, connection: ConnectionInfo, routeKey: string, body: string) {
    const own = { ...authorizerOf(connection, "MESSAGE"), messageId: newId() };
    return {
        requestContext: requestContext(api, connection, routeKey, "MESSAGE", newRequest(), own),
        body,
        // Binary frames close the connection (B24), so every body is text.
        isBase64Encoded: false,
    };
}

export type MessageEvent = ReturnType<typeof messageEvent>;
