import type { IncomingMessage } from "node:http";

/**
 * A request's body, or `undefined` when it is over `limit` bytes. It is read to the end either way, so the
 * answer (a 413, say) still reaches the client; bytes past the limit are not kept.
 */
export function readBodyUpTo(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size <= limit) chunks.push(chunk);
        });
        req.on("end", () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
        req.on("error", reject);
    });
}
