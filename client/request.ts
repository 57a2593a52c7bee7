import type { ChannelRequest } from "../protocol/channels";
import { ChannelError } from "./channel-error";
import type { SuccessReply } from "./incoming";

/** Why a request is sent: a caller's call, the re-subscription after a (re)connect, or the heartbeat. */
export type RequestKind = "call" | "restore" | "ping";

/** Where a request waits, so that its timeout can take it out. */
export interface RequestHolder {
    withdraw(request: PendingRequest): void;
}

/** One request until its reply, error reply or timeout; settles once. */
export class PendingRequest {
    /** Set by the connection that queues it. */
    holder: RequestHolder | undefined;
    /** Resolves when it settles, however. */
    readonly finished: Promise<void>;
    private settled = false;
    private readonly markFinished: () => void;
    private readonly timer: ReturnType<typeof setTimeout>;

    constructor(
        readonly message: ChannelRequest,
        readonly kind: RequestKind,
        /** Whether `reply` is this request's success reply. */
        readonly answers: (reply: SuccessReply) => boolean,
        private readonly onSettled: (outcome: SuccessReply | ChannelError) => void,
        timeoutMs: number,
    ) {
        let markFinished = (): void => {};
        this.finished = new Promise((resolve) => {
            markFinished = resolve;
        });
        this.markFinished = markFinished;
        // The timeout covers the wait for a connection too.
        this.timer = setTimeout(() => {
            this.holder?.withdraw(this);
            this.settle(new ChannelError("Timeout", `No reply to ${message.action} within ${timeoutMs} ms`, channelOf(message)));
        }, timeoutMs);
    }

    settle(outcome: SuccessReply | ChannelError): void {
        if (this.settled) return;
        this.settled = true;
        this.holder = undefined;
        clearTimeout(this.timer);
        this.markFinished();
        this.onSettled(outcome);
    }
}

/** The channel a subscribe or unsubscribe names. */
export function channelOf(message: ChannelRequest): string | undefined {
    return message.action === "subscribe" || message.action === "unsubscribe" ? message.channel : undefined;
}
