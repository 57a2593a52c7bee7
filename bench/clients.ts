import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";

/** A request/reply channel to the clients process. */
export class Clients {
    private nextId = 0;
    private readonly waiting = new Map<number, (reply: unknown) => void>();
    private constructor(private readonly child: ChildProcess) {
        child.on("message", (message: { id: number; reply: unknown }) => {
            this.waiting.get(message.id)?.(message.reply);
            this.waiting.delete(message.id);
        });
    }
    static start(): Clients {
        return new Clients(
            fork(path.join(__dirname, "fanout-clients.js"), [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] }),
        );
    }
    ask<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
        const id = this.nextId++;
        return new Promise((resolve) => {
            this.waiting.set(id, resolve as (reply: unknown) => void);
            this.child.send({ id, cmd, ...args });
        });
    }
    /** The clients process's id, so that its CPU is not counted as the local cloud's. */
    get pid(): number | undefined {
        return this.child.pid;
    }
    stop(): void {
        this.child.kill();
    }
}
