import type { APIGatewayEventWebsocketRequestContextV2, APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";

/**
 * The Lambda proxy event of a WebSocket route, with the fields `@types/aws-lambda` leaves out: headers and query
 * string on CONNECT, the caller's identity, the authorizer context, and the close status on DISCONNECT.
 */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & {
    headers?: Record<string, string | undefined>;
    multiValueHeaders?: Record<string, string[] | undefined>;
    queryStringParameters?: Record<string, string | undefined>;
    multiValueQueryStringParameters?: Record<string, string[] | undefined>;
    requestContext: APIGatewayEventWebsocketRequestContextV2 & {
        identity?: { sourceIp: string; userAgent?: string };
        authorizer?: { principalId?: string; [key: string]: unknown };
        disconnectStatusCode?: number;
        disconnectReason?: string;
    };
};

/** What a route's function returns; only two-way routes pass `body` on to the caller. */
export type WebSocketResult = APIGatewayProxyResultV2 | void;
