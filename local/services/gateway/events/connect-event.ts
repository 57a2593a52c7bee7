import type { ApiInfo, ConnectionInfo } from "../proxy-events";
import type { Handshake } from "./handshake";
import { authorizerOf, requestContext } from "./request-context";

/**
 * The CONNECT event of `$connect` (B12, B15, B17): the handshake's headers and query string, no `body`, no
 * `messageId`; the authorizer's context with its `integrationLatency` when a Lambda authorizer admitted the client.
 */
export function connectEvent(api: ApiInfo, connection: ConnectionInfo, { request, ...parts }: Handshake) {
    return {
        ...parts,
        requestContext: requestContext(api, connection, "$connect", "CONNECT", request, authorizerOf(connection, "CONNECT")),
        isBase64Encoded: false,
    };
}

export type ConnectEvent = ReturnType<typeof connectEvent>;
