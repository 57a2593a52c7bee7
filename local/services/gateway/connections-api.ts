import type { ServerResponse } from "node:http";
import { newId } from "./proxy-events";

/** What `@connections` reads of a connection. */
export interface ManagedConnection {
    connectedAt: number;
    lastActiveAt: number;
    sourceIp: string;
    userAgent?: string;
}

/** The gateway's open connections, as the management API may reach them. */
export interface ConnectionDirectory<C extends ManagedConnection> {
    /** The connection if it is open: not closed, not being closed, not still in its `$connect` (B13). */
    find(connectionId: string): C | undefined;
    post(connection: C, data: string | Buffer): void;
    disconnect(connection: C): void;
}

/**
 * One `@connections/{id}` request (B20–B22): POST sends the body to the connection, GET describes it, DELETE closes
 * it; an unknown or closed connection is 410 GoneException. `body` is undefined when it was over the size limit.
 */
export function manageConnection<C extends ManagedConnection>(
    method: string,
    encodedId: string,
    body: Buffer | undefined,
    res: ServerResponse,
    directory: ConnectionDirectory<C>,
): void {
    let connectionId: string;
    try {
        connectionId = decodeURIComponent(encodedId);
    } catch {
        return apiError(res, 400, "BadRequestException", "Invalid connection id");
    }
    const connection = directory.find(connectionId);
    if (!["POST", "GET", "DELETE"].includes(method)) {
        return apiError(res, 403, "ForbiddenException", "Forbidden");
    }
    if (connection === undefined) {
        // Unknown, closed, or still in its $connect (B13).
        return apiError(res, 410, "GoneException", null);
    }
    if (method === "POST") {
        if (body === undefined) {
            return apiError(res, 413, "PayloadTooLargeException", "Message too long");
        }
        directory.post(connection, isUtf8(body) ? body.toString("utf8") : body);
        res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": newId() }).end();
    } else if (method === "GET") {
        res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": newId() }).end(
            JSON.stringify({
                connectedAt: new Date(connection.connectedAt).toISOString(),
                identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
                lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
            }),
        );
    } else {
        directory.disconnect(connection);
        res.writeHead(204, { "x-amzn-requestid": newId() }).end();
    }
}

/** An error as API Gateway answers it: the name in `x-amzn-ErrorType`, which SDK v3 reads (B22). */
export function apiError(res: ServerResponse, status: number, errorType: string, message: string | null): void {
    res.writeHead(status, { "content-type": "application/json", "x-amzn-ErrorType": errorType, "x-amzn-requestid": newId() }).end(
        JSON.stringify({ message }),
    );
}

function isUtf8(data: Buffer): boolean {
    try {
        new TextDecoder("utf-8", { fatal: true }).decode(data);
        return true;
    } catch {
        return false;
    }
}
