import type { ApiInfo, ConnectionInfo } from "../proxy-events";
import type { Handshake } from "./handshake";
import { requestContext } from "./request-context";

// The handshake's own headers, which the authorizer sees and the CONNECT event does not (AWS's example, and a
// captured event in localstack/localstack#7191).
const UPGRADE = { Connection: "upgrade", "content-length": "0", Upgrade: "websocket" } as const;
const UPGRADE_MULTI = Object.fromEntries(Object.entries(UPGRADE).map(([name, value]) => [name, [value]]));

/**
 * The REQUEST authorizer event of `$connect` (B14): `type`, `methodArn`, the handshake's headers with the upgrade
 * headers, its query string, empty `stageVariables`, and the CONNECT `requestContext` of the same request. No
 * `body` and no `isBase64Encoded`.
 */
export function authorizerEvent(
    methodArn: string,
    api: ApiInfo,
    connection: ConnectionInfo,
    { request, headers, multiValueHeaders, ...query }: Handshake,
) {
    return {
        type: "REQUEST" as const,
        methodArn,
        headers: { ...headers, ...UPGRADE },
        multiValueHeaders: { ...multiValueHeaders, ...UPGRADE_MULTI },
        ...query,
        stageVariables: {},
        requestContext: requestContext(api, connection, "$connect", "CONNECT", request, {}),
    };
}

export type AuthorizerEvent = ReturnType<typeof authorizerEvent>;
