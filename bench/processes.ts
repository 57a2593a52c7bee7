// Launching and measuring the processes the benchmark compares: start-up to a ready line, stop, resident memory.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { promisify } from "node:util";

export const run = promisify(execFile);

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Starts a process and resolves once its output matches `ready`; the time it took is the start-up figure. */
export async function startProcess(
    command: string,
    args: string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs: number },
) {
    const started = Date.now();
    const child = spawn(command, args, {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
    });
    let output = "";
    await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
            () => reject(new Error(`${command} ${args.join(" ")} not ready in ${options.timeoutMs} ms:\n${output.slice(-2000)}`)),
            options.timeoutMs,
        );
        const onData = (chunk: Buffer) => {
            output += chunk.toString();
            if (options.ready.test(output)) {
                clearTimeout(timer);
                resolve();
            }
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", onData);
        child.on("exit", (code) => reject(new Error(`${command} exited with ${code} before it was ready:\n${output.slice(-2000)}`)));
    });
    return { child, readyMs: Date.now() - started, output: () => output };
}

export function stopProcess(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        try {
            process.kill(-child.pid!, "SIGINT");
        } catch {
            return resolve();
        }
        setTimeout(() => {
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                // gone
            }
        }, 10_000).unref();
    });
}

/** The node process behind `npm`/`sh` wrappers in a process group (the one whose RSS means something). */
export async function nodePid(child: ChildProcess): Promise<number> {
    const { stdout } = await run("pgrep", ["-g", String(child.pid), "-f", "^node "]).catch(() => ({ stdout: String(child.pid) }));
    return Number(stdout.trim().split("\n").pop());
}

/**
 * Resident memory of a process and everything it started, in KB, and how many processes that is: the sum over its
 * process group (each target is started as a group's leader), so the Lambda environments' processes count too.
 */
export async function processTree(child: ChildProcess): Promise<{ kb: number; processes: number }> {
    const { stdout } = await run("ps", ["-o", "rss=", "-g", String(child.pid)]);
    const sizes = stdout
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "")
        .map(Number);
    return { kb: sizes.reduce((sum, kb) => sum + kb, 0), processes: sizes.length };
}

/** Linux's USER_HZ: /proc's CPU times are in these ticks. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time so far, in ms, of this process's child processes (those its main thread started) but `except`: the
 * local cloud's Lambda execution environments when the local cloud runs in this process. 0 off Linux.
 */
export function childProcessesCpuMs(except: (number | undefined)[] = []): number {
    let children: string[];
    try {
        children = fs.readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8").trim().split(/\s+/);
    } catch {
        return 0;
    }
    let ticks = 0;
    for (const pid of children) {
        if (pid === "" || except.includes(Number(pid))) continue;
        try {
            // The command name, field 2, is in parentheses and may hold spaces: count fields after its end.
            const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            ticks += Number(fields[11]) + Number(fields[12]);
        } catch {
            // Ended meanwhile.
        }
    }
    return (ticks * 1000) / TICKS_PER_SECOND;
}
