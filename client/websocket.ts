// The tsconfig has no DOM lib, and the client must take the browser's WebSocket, Node.js 22's global one or the ws
// package's: so only the part partysocket drives is declared.

type SocketEvent = "open" | "close" | "message" | "error";

export interface WebSocketLike {
    readonly readyState: number;
    send(data: string): void;
    close(code?: number, reason?: string): void;
    addEventListener(type: SocketEvent, listener: (event: { readonly type: string }) => void): void;
    removeEventListener(type: SocketEvent, listener: (event: { readonly type: string }) => void): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;
