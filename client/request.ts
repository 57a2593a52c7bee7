import type { ChannelRequest } from "../protocol/channels";
import { ChannelError } from "./channel-error";
import type { SuccessReply } from "./incoming";

/** Why a request is sent: a caller's call, the re-subscription after a (re)connect, or the heartbeat. */
export type RequestKind = "call" | "restore" | "ping";

/** Where a request waits, so that its timeout can take it out. */
export interface RequestHolder {
    withdraw(request: PendingRequest): void;
}

export interface RequestTimeouts {
    /** How long its reply may take, from when it is sent. */
    replyMs: number;
    /** How long it may wait for an open connection; unbounded when absent (a request made on an open socket). */
    connectMs?: number;
}

/**
 * One request until its reply, error reply or timeout; settles once. Its clocks are separate: one while it waits for
 * an open connection (a caller's only), one from when it is sent. Waiting in an open socket's queue behind other
 * requests is bounded by theirs: each one's reply timeout starts the socket over.
 */
export class PendingRequest {
    /** Set by the connection that queues it. */
    holder: RequestHolder | undefined;
    /** Resolves when it settles, however. */
    readonly finished: Promise<void>;
    private settled = false;
    private readonly markFinished: () => void;
    private timer: ReturnType<typeof setTimeout> | undefined;

    constructor(
        readonly message: ChannelRequest,
        readonly kind: RequestKind,
        /** Whether `reply` is this request's success reply. */
        readonly answers: (reply: SuccessReply) => boolean,
        private readonly onSettled: (outcome: SuccessReply | ChannelError) => void,
        private readonly timeouts: RequestTimeouts,
    ) {
        let markFinished = (): void => {};
        this.finished = new Promise((resolve) => {
            markFinished = resolve;
        });
        this.markFinished = markFinished;
    }

    /** Queued where no socket is open: the connect clock runs (again, after a socket closed under it). */
    waitForConnection(): void {
        const ms = this.timeouts.connectMs;
        if (this.settled || ms === undefined) return;
        this.arm(ms, `No connection within ${ms} ms for ${this.message.action}`);
    }

    /** Its socket opened: no clock until it is sent. */
    connected(): void {
        clearTimeout(this.timer);
        this.timer = undefined;
    }

    /** Written to the socket: its reply must come within the reply timeout. */
    sent(): void {
        if (this.settled) return;
        const ms = this.timeouts.replyMs;
        this.arm(ms, `No reply to ${this.message.action} within ${ms} ms`);
    }

    settle(outcome: SuccessReply | ChannelError): void {
        if (this.settled) return;
        this.settled = true;
        this.holder = undefined;
        clearTimeout(this.timer);
        this.markFinished();
        this.onSettled(outcome);
    }

    private arm(ms: number, message: string): void {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
            this.holder?.withdraw(this);
            this.settle(new ChannelError("Timeout", message, channelOf(this.message)));
        }, ms);
    }
}

/** The channel a subscribe or unsubscribe names. */
export function channelOf(message: ChannelRequest): string | undefined {
    return message.action === "subscribe" || message.action === "unsubscribe" ? message.channel : undefined;
}
