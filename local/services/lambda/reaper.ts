import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";

/**
 * Ends a runtime's environments if the local cloud dies without ending them itself (`kill -9`, a crash): they are
 * frozen (SIGSTOP) between invocations, so they cannot notice their parent is gone. A shell waits for the end of
 * a pipe only the local cloud holds, then kills every process carrying this runtime's mark. No library does this;
 * one `sh` costs far less than a Node.js watchdog.
 */
export class EnvironmentReaper {
    /** Put in each environment's command line, so that `pkill -f` finds this runtime's environments and no others. */
    readonly mark = `sw-environment-${randomUUID()}`;
    private readonly watcher = process.platform === "win32" ? undefined : this.watch();

    private watch() {
        const watcher = spawn("sh", ["-c", `cat >/dev/null; pkill -KILL -f -- "${this.mark}"`], {
            stdio: ["pipe", "ignore", "ignore"],
        });
        watcher.on("error", () => undefined);
        watcher.unref();
        (watcher.stdin as Socket | null)?.unref();
        return watcher;
    }

    /** After a clean stop, the environments already ended: the pipe's end lets the shell finish, finding none. */
    stop(): void {
        this.watcher?.stdin?.end();
    }
}
