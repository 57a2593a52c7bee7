import { randomUUID } from "node:crypto";
import type { QueueSpec } from "../../graph/specs";
import { md5Hex, md5OfMessageAttributes, type MessageAttributes } from "./contents";
import { errors } from "./errors";

/** A message as the queue keeps it (and as it is written to disk); times are epoch milliseconds. */
export interface StoredMessage {
    messageId: string;
    body: string;
    md5OfBody: string;
    attributes: MessageAttributes;
    md5OfMessageAttributes?: string;
    traceHeader?: string;
    senderId: string;
    sentTimestamp: number;
    /** When its delay ends. */
    availableAt: number;
    /** When its visibility timeout ends, once it has been received. */
    invisibleUntil?: number;
    receiveCount: number;
    firstReceiveTimestamp?: number;
    /** The latest receive: only its handle deletes the message or changes its visibility. */
    receipt?: { handle: string; receivedAt: number };
}

export interface NewMessage {
    body: string;
    attributes: MessageAttributes;
    delaySeconds: number;
    senderId: string;
    traceHeader?: string;
}

export interface MessageCounts {
    visible: number;
    inFlight: number;
    delayed: number;
}

/** SQS's ceiling on a message's visibility, counted from when it was received. */
export const MAX_VISIBILITY_SECONDS = 43_200;
const PURGE_INTERVAL_MS = 60_000;

/**
 * One standard queue's messages: delays, visibility timeouts, receipt handles, retention and waiting receives.
 * Messages are kept in the order they were sent, which is the order receives offer them in (best effort, as SQS's).
 */
export class Queue {
    private readonly messages = new Map<string, StoredMessage>();
    private readonly waiters = new Set<() => void>();
    private lastPurgeAt = -Infinity;
    private closed = false;

    constructor(
        readonly spec: QueueSpec,
        readonly createdTimestamp: number,
        readonly lastModifiedTimestamp: number,
        stored: StoredMessage[],
        /** Called after every change to the messages, to persist them. */
        private readonly onChange: () => void = () => {},
    ) {
        for (const message of stored) this.messages.set(message.messageId, message);
    }

    send(message: NewMessage, now = Date.now()): StoredMessage {
        const stored: StoredMessage = {
            messageId: randomUUID(),
            body: message.body,
            md5OfBody: md5Hex(message.body),
            attributes: message.attributes,
            md5OfMessageAttributes: md5OfMessageAttributes(message.attributes),
            ...(message.traceHeader !== undefined ? { traceHeader: message.traceHeader } : {}),
            senderId: message.senderId,
            sentTimestamp: now,
            availableAt: now + message.delaySeconds * 1000,
            receiveCount: 0,
        };
        this.messages.set(stored.messageId, stored);
        this.changed();
        return stored;
    }

    /** Up to `max` visible messages, each hidden for `visibilityTimeoutSeconds` under a new receipt handle. */
    receive(max: number, visibilityTimeoutSeconds: number, now = Date.now()): StoredMessage[] {
        this.dropExpired(now);
        const received: StoredMessage[] = [];
        for (const message of this.messages.values()) {
            if (received.length === max) break;
            if (stateOf(message, now) !== "visible") continue;
            message.receiveCount += 1;
            message.firstReceiveTimestamp ??= now;
            message.receipt = { handle: this.receiptHandle(message.messageId), receivedAt: now };
            message.invisibleUntil = now + visibilityTimeoutSeconds * 1000;
            received.push(message);
        }
        if (received.length > 0) this.changed();
        return received;
    }

    /**
     * Deletes the message a receipt handle was issued for. As in SQS, a handle from an earlier receive of a message
     * received again since succeeds without deleting it, and so does one for a message already gone.
     */
    delete(handle: string): boolean {
        const messageId = this.messageIdOf(handle);
        const message = this.messages.get(messageId);
        if (message?.receipt?.handle !== handle) return false;
        this.messages.delete(messageId);
        this.changed();
        return true;
    }

    /** Sets an in-flight message's visibility timeout from now; 0 makes it visible at once. */
    changeVisibility(handle: string, seconds: number, now = Date.now()): void {
        const message = this.messages.get(this.messageIdOf(handle));
        if (!message || message.receipt?.handle !== handle || stateOf(message, now) !== "inFlight") {
            throw errors.messageNotInflight("The specified message isn't in flight.");
        }
        if (now + seconds * 1000 > message.receipt.receivedAt + MAX_VISIBILITY_SECONDS * 1000) {
            throw errors.invalidParameterValue(
                `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_SECONDS} seconds].`,
            );
        }
        message.invisibleUntil = now + seconds * 1000;
        this.changed();
    }

    /** Deletes every message, in flight or not; SQS allows one purge a minute. */
    purge(now = Date.now()): void {
        if (now - this.lastPurgeAt < PURGE_INTERVAL_MS) throw errors.purgeQueueInProgress(this.spec.name);
        this.lastPurgeAt = now;
        this.messages.clear();
        this.changed();
    }

    counts(now = Date.now()): MessageCounts {
        this.dropExpired(now);
        const counts: MessageCounts = { visible: 0, inFlight: 0, delayed: 0 };
        for (const message of this.messages.values()) counts[stateOf(message, now)] += 1;
        return counts;
    }

    /**
     * Resolves when a receive might find something: a message sent or made visible, the next delay or visibility
     * timeout ending, `deadline`, an aborted request, or the queue closing.
     */
    waitForMessages(deadline: number, signal: AbortSignal): Promise<void> {
        if (this.closed || signal.aborted) return Promise.resolve();
        return new Promise((resolve) => {
            const wake = () => {
                clearTimeout(timer);
                this.waiters.delete(wake);
                signal.removeEventListener("abort", wake);
                resolve();
            };
            const now = Date.now();
            const until = Math.min(deadline, this.nextChangeAfter(now));
            // One millisecond late rather than early: the receive after it must see the change.
            const timer = setTimeout(wake, Math.max(0, until - now) + 1);
            this.waiters.add(wake);
            signal.addEventListener("abort", wake, { once: true });
        });
    }

    get isClosed(): boolean {
        return this.closed;
    }

    /** Releases every waiting receive (they answer with no messages) and keeps new ones from waiting. */
    close(): void {
        this.closed = true;
        this.wakeWaiters();
    }

    /** The messages to persist, retention applied. */
    storedMessages(now = Date.now()): StoredMessage[] {
        this.dropExpired(now);
        return [...this.messages.values()];
    }

    private changed(): void {
        this.wakeWaiters();
        this.onChange();
    }

    private wakeWaiters(): void {
        for (const wake of [...this.waiters]) wake();
    }

    /** Messages kept longer than the retention period are gone; they are in send order, so the oldest come first. */
    private dropExpired(now: number): void {
        const retentionMs = this.spec.messageRetentionSeconds * 1000;
        for (const [id, message] of this.messages) {
            if (message.sentTimestamp + retentionMs > now) break;
            this.messages.delete(id);
        }
    }

    private nextChangeAfter(now: number): number {
        let next = Infinity;
        for (const message of this.messages.values()) {
            for (const at of [message.availableAt, message.invisibleUntil ?? -Infinity]) {
                if (at > now && at < next) next = at;
            }
        }
        return next;
    }

    private receiptHandle(messageId: string): string {
        return Buffer.from(JSON.stringify([this.spec.name, messageId, randomUUID()])).toString("base64url");
    }

    /** The message a handle names; a handle this queue did not issue is invalid. */
    private messageIdOf(handle: string): string {
        let parts: unknown;
        try {
            parts = JSON.parse(Buffer.from(handle, "base64url").toString("utf8"));
        } catch {
            throw errors.receiptHandleIsInvalid(handle);
        }
        if (!Array.isArray(parts) || parts.length !== 3 || parts[0] !== this.spec.name || typeof parts[1] !== "string") {
            throw errors.receiptHandleIsInvalid(handle);
        }
        return parts[1];
    }
}

function stateOf(message: StoredMessage, now: number): keyof MessageCounts {
    if (message.invisibleUntil !== undefined && message.invisibleUntil > now) return "inFlight";
    if (message.availableAt > now) return "delayed";
    return "visible";
}
