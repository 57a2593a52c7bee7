import * as fs from "node:fs";
import * as path from "node:path";
import type { QueueSpec } from "../../graph/specs";
import type { Queue, StoredMessage } from "./queue";

/** What a queue keeps across restarts: its timestamps (epoch seconds), the settings they date, and its messages. */
interface QueueFile {
    version: 1;
    createdTimestamp: number;
    lastModifiedTimestamp: number;
    settings: string;
    messages: StoredMessage[];
}

export interface RestoredQueue {
    createdTimestamp: number;
    lastModifiedTimestamp: number;
    messages: StoredMessage[];
}

/** Changes within this long are written together: a burst of sends costs one write. */
const WRITE_DELAY_MS = 50;

/**
 * Each queue's messages in `<directory>/<queue name>.json`, written atomically (temporary file, then rename) a
 * moment after they change, and at stop. A file that cannot be read is reported and the queue starts empty.
 */
export class QueueFiles {
    private readonly timers = new Map<string, NodeJS.Timeout>();
    private readonly writes = new Map<string, Promise<void>>();

    constructor(
        private readonly directory: string,
        private readonly log: (line: string) => void,
    ) {
        fs.mkdirSync(directory, { recursive: true });
    }

    load(spec: QueueSpec, now = Date.now()): RestoredQueue {
        const nowSeconds = Math.floor(now / 1000);
        const fresh = { createdTimestamp: nowSeconds, lastModifiedTimestamp: nowSeconds, messages: [] };
        const file = this.fileOf(spec.name);
        let text: string;
        try {
            text = fs.readFileSync(file, "utf8");
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "ENOENT")
                this.log(`SQS ${spec.name}: could not read ${file} (${String(err)}); starting empty.`);
            return fresh;
        }
        const stored = parseQueueFile(text);
        if (!stored) {
            this.log(`SQS ${spec.name}: ${file} is not a queue file this version wrote; starting empty.`);
            return fresh;
        }
        return {
            createdTimestamp: stored.createdTimestamp,
            // Settings changed in the program since the last run are a modification of the queue's attributes.
            lastModifiedTimestamp: stored.settings === settingsOf(spec) ? stored.lastModifiedTimestamp : nowSeconds,
            messages: stored.messages,
        };
    }

    /** Writes the queue's messages soon, once for any number of changes until then. */
    schedule(queue: Queue): void {
        if (this.timers.has(queue.spec.name)) return;
        const timer = setTimeout(() => {
            this.timers.delete(queue.spec.name);
            this.write(queue);
        }, WRITE_DELAY_MS);
        // A pending write does not hold the process open; stop() flushes.
        timer.unref();
        this.timers.set(queue.spec.name, timer);
    }

    /** Writes every queue with a pending write, and waits for writes under way. */
    async flush(queues: Iterable<Queue>): Promise<void> {
        for (const queue of queues) {
            const timer = this.timers.get(queue.spec.name);
            if (!timer) continue;
            clearTimeout(timer);
            this.timers.delete(queue.spec.name);
            this.write(queue);
        }
        await Promise.all(this.writes.values());
    }

    private write(queue: Queue): void {
        const contents: QueueFile = {
            version: 1,
            createdTimestamp: queue.createdTimestamp,
            lastModifiedTimestamp: queue.lastModifiedTimestamp,
            settings: settingsOf(queue.spec),
            messages: queue.storedMessages(),
        };
        const file = this.fileOf(queue.spec.name);
        const temporary = path.join(this.directory, `.${queue.spec.name}.json.${process.pid}.tmp`);
        // One write per queue at a time, in order, so an older snapshot never renames over a newer one.
        const previous = this.writes.get(queue.spec.name) ?? Promise.resolve();
        const next = previous
            .then(() => fs.promises.writeFile(temporary, JSON.stringify(contents)))
            .then(() => fs.promises.rename(temporary, file))
            .catch((err: unknown) => this.log(`SQS ${queue.spec.name}: could not save messages to ${file} (${String(err)}).`));
        this.writes.set(queue.spec.name, next);
        void next.then(() => {
            if (this.writes.get(queue.spec.name) === next) this.writes.delete(queue.spec.name);
        });
    }

    private fileOf(queueName: string): string {
        return path.join(this.directory, `${queueName}.json`);
    }
}

/** The settings GetQueueAttributes reports, to tell whether the program changed them between runs. */
function settingsOf(spec: QueueSpec): string {
    const { visibilityTimeoutSeconds, messageRetentionSeconds, delaySeconds, receiveWaitTimeSeconds, maxMessageSize } = spec;
    return JSON.stringify({ visibilityTimeoutSeconds, messageRetentionSeconds, delaySeconds, receiveWaitTimeSeconds, maxMessageSize });
}

function parseQueueFile(text: string): QueueFile | undefined {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        return undefined;
    }
    const file = value as Partial<QueueFile> | null;
    if (
        file?.version !== 1 ||
        typeof file.createdTimestamp !== "number" ||
        typeof file.lastModifiedTimestamp !== "number" ||
        typeof file.settings !== "string" ||
        !Array.isArray(file.messages) ||
        !file.messages.every(isStoredMessage)
    ) {
        return undefined;
    }
    return file as QueueFile;
}

function isStoredMessage(value: unknown): value is StoredMessage {
    const message = value as Partial<StoredMessage> | null;
    return (
        typeof message?.messageId === "string" &&
        typeof message.body === "string" &&
        typeof message.md5OfBody === "string" &&
        typeof message.senderId === "string" &&
        typeof message.sentTimestamp === "number" &&
        typeof message.availableAt === "number" &&
        typeof message.receiveCount === "number" &&
        typeof message.attributes === "object" &&
        message.attributes !== null
    );
}
