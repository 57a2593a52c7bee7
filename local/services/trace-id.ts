import { randomBytes } from "node:crypto";

// One call for many ids' random bytes: a call per id cost a system call on every request.
let pool = Buffer.alloc(0);
let offset = 0;

function randomHex(bytes: number): string {
    if (offset + bytes > pool.length) {
        pool = randomBytes(4096);
        offset = 0;
    }
    offset += bytes;
    return pool.toString("hex", offset - bytes, offset);
}

/** An X-Ray trace id, `1-{epoch seconds, 8 hex}-{96 random bits, 24 hex}`, as captured ones are. */
export const traceId = (epochMs: number): string =>
    `1-${Math.floor(epochMs / 1000)
        .toString(16)
        .padStart(8, "0")}-${randomHex(12)}`;

/** The header API Gateway adds (`Root=…`), and the one Lambda gives an invocation (`Root=…;Parent=…;Sampled=0`). */
export const traceRoot = (epochMs: number): string => `Root=${traceId(epochMs)}`;
export const invocationTrace = (epochMs: number): string => `${traceRoot(epochMs)};Parent=${randomHex(8)};Sampled=0`;
