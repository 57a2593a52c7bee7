import type { ApiInfo, ConnectionInfo } from "../proxy-events";
import { authorizerOf, newRequest, requestContext } from "./request-context";

/**
 * The DISCONNECT event of `$disconnect` (B15, B16): the close code and reason, and not the handshake's headers but
 * the fixed four every captured DISCONNECT has, `Host` the API's domain name and the other three empty.
 */
export function disconnectEvent(api: ApiInfo, connection: ConnectionInfo, statusCode: number, reason: string) {
    const own = { ...authorizerOf(connection, "DISCONNECT"), disconnectStatusCode: statusCode, disconnectReason: reason };
    return {
        headers: { Host: api.domainName, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": "" },
        multiValueHeaders: { Host: [api.domainName], "x-api-key": [""], "X-Forwarded-For": [""], "x-restapi": [""] },
        requestContext: requestContext(api, connection, "$disconnect", "DISCONNECT", newRequest(), own),
        isBase64Encoded: false,
    };
}

export type DisconnectEvent = ReturnType<typeof disconnectEvent>;
