import * as fs from "node:fs";
import * as path from "node:path";
import type { ConnectionInfo } from "./proxy-events";

type Entry = { open: ConnectionInfo } | { closed: string };

/**
 * The connections a persisted gateway holds open, written as they open and close (B46), so that a run ended without
 * its `$disconnect`s (a `kill -9`, a crash, a power cut) leaves a record of the sockets that died with it. Appended
 * line by line, synchronously: a connection is in the file before its client hears it is open.
 */
export class ConnectionJournal {
    private readonly open = new Map<string, ConnectionInfo>();
    private lines = 0;

    private constructor(private readonly file: string) {}

    /**
     * Opens the journal at `file`, returning the connections the previous run left open. They stay written down
     * until `closed()` says their `$disconnect` ran, so a run killed again before that loses none of them. A damaged
     * line (the run died mid-write) is skipped.
     */
    static resume(file: string): { journal: ConnectionJournal; leftOpen: ConnectionInfo[] } {
        const journal = new ConnectionJournal(file);
        const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        for (const line of text.split("\n")) {
            const entry = parseEntry(line);
            if (entry && "open" in entry) journal.open.set(entry.open.connectionId, entry.open);
            else if (entry && "closed" in entry) journal.open.delete(entry.closed);
        }
        fs.mkdirSync(path.dirname(file), { recursive: true });
        journal.compact();
        return { journal, leftOpen: [...journal.open.values()] };
    }

    opened(connection: ConnectionInfo): void {
        const { connectionId, connectedAt, sourceIp, userAgent, authorizer } = connection;
        const info = { connectionId, connectedAt, sourceIp, userAgent, authorizer };
        this.open.set(connectionId, info);
        this.append({ open: info });
    }

    closed(connectionId: string): void {
        if (!this.open.delete(connectionId)) return;
        this.append({ closed: connectionId });
        // Rewritten with only the open ones once closed lines dominate, so that a long run's file stays small.
        if (this.lines > 1_000 && this.lines > 4 * this.open.size) this.compact();
    }

    private append(entry: Entry): void {
        fs.appendFileSync(this.file, JSON.stringify(entry) + "\n");
        this.lines++;
    }

    private compact(): void {
        const temporary = `${this.file}.tmp`;
        fs.writeFileSync(temporary, [...this.open.values()].map((open) => JSON.stringify({ open }) + "\n").join(""));
        fs.renameSync(temporary, this.file);
        this.lines = this.open.size;
    }
}

/** One line of the journal, or undefined when it is not one (damaged, or not written by us). */
function parseEntry(line: string): Entry | undefined {
    let entry: unknown;
    try {
        entry = JSON.parse(line);
    } catch {
        return undefined;
    }
    if (entry === null || typeof entry !== "object") return undefined;
    const { open, closed } = entry as { open?: Partial<ConnectionInfo>; closed?: unknown };
    if (typeof closed === "string") return { closed };
    if (open && typeof open === "object" && typeof open.connectionId === "string" && typeof open.connectedAt === "number") {
        return { open: { ...open, sourceIp: String(open.sourceIp ?? "127.0.0.1") } as ConnectionInfo };
    }
    return undefined;
}
