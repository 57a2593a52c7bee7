import * as fs from "node:fs";
import * as path from "node:path";
import { ProgramError } from "./program-error";
import type { RecordedProgram } from "./record-program";
import { recordingEnvironment, recordInChild, type HostedRecording } from "./record-in-child";
import { cachedRecording, forgetRecording, prepareRecordingCache, saveRecording } from "./recording-cache";
import { readStackSettings } from "./stack-settings";
import { entryFile, typeCheckInChild } from "./type-check-in-child";

export interface LoadOptions {
    /** @default "dev" */
    stack?: string;
    /** Type-check the program as `pulumi up` would. @default true */
    typeCheck?: boolean;
    /** Keep the loader's stack trace in a recording error. @default false */
    verbose?: boolean;
    /** Reuse the last recording while nothing it read has changed (`.local/recording.<stack>.json`). @default true */
    cache?: boolean;
}

export interface LoadedProgram {
    program: RecordedProgram;
    /** "checked", "unchanged" (nothing the compiler read changed since the last passing check) or "skipped". */
    typeCheck: "checked" | "unchanged" | "skipped";
    /** "recorded" now, or "reused": the last recording, nothing it read having changed. */
    recording: "recorded" | "reused";
}

/** Checks what an operator can get wrong before anything runs, each failure naming its fix; returns the entry file. */
function preflight(programDir: string, stack: string): string {
    if (!fs.existsSync(programDir) || !fs.statSync(programDir).isDirectory()) {
        throw new ProgramError(
            `No such folder: ${programDir}\nGive the folder of a Pulumi program: serverless-websockets dev path/to/program`,
        );
    }
    if (!fs.existsSync(path.join(programDir, "Pulumi.yaml"))) {
        throw new ProgramError(
            `${programDir} is not a Pulumi program: it has no Pulumi.yaml.\nRun from the program's folder, or pass it: serverless-websockets dev path/to/program`,
        );
    }
    if (stack !== "dev" && !fs.existsSync(path.join(programDir, `Pulumi.${stack}.yaml`))) {
        throw new ProgramError(
            `Stack "${stack}" has no Pulumi.${stack}.yaml in ${programDir}.\nCreate it (pulumi stack init ${stack}), or start another stack: --stack dev`,
        );
    }
    try {
        require.resolve("@pulumi/pulumi/package.json", { paths: [programDir] });
    } catch {
        throw new ProgramError(
            `${programDir} cannot load @pulumi/pulumi: its dependencies are not installed.\nInstall them: (cd ${programDir} && npm install)`,
        );
    }
    return entryFile(readStackSettings(programDir, stack).main);
}

/** A failed recording as the program's own error, without the loader's stack unless `verbose`. */
function recordingError(err: unknown, verbose: boolean): ProgramError {
    const message = err instanceof Error ? err.message : String(err);
    if (verbose) return new ProgramError(message);
    const lines = message.split("\n");
    const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
    return new ProgramError(
        [...lines.slice(0, firstFrame < 0 ? lines.length : firstFrame), "(--verbose shows the stack trace)"].join("\n"),
    );
}

/**
 * Loads a program folder as `pulumi up` would: checks it can run, type-checks it beside recording it (two child
 * processes, two cores), and returns the recording. Type errors are reported before a failed recording, since they
 * are its likelier cause.
 */
export async function loadProgram(programDir: string, options: LoadOptions = {}): Promise<LoadedProgram> {
    const stack = options.stack ?? "dev";
    const entry = preflight(programDir, stack);
    prepareRecordingCache(programDir, stack);
    const typeCheck = options.typeCheck === false ? undefined : typeCheckInChild(programDir, entry);
    const reused = options.cache === false ? undefined : cachedRecording(programDir, stack, recordingEnvironment({ typeCheck: false }));
    if (options.cache === false) forgetRecording(programDir, stack);
    const startedAt = Date.now();
    const recording: Promise<HostedRecording> = reused
        ? Promise.resolve(reused)
        : recordInChild(programDir, { stack, typeCheck: false }).then(({ inputs, ...hosted }) => {
              saveRecording(programDir, stack, hosted, inputs, startedAt);
              return hosted;
          });
    const [checked, recorded] = await Promise.allSettled([typeCheck, recording]);
    if (checked.status === "rejected") throw new ProgramError(`Could not type-check ${programDir}: ${String(checked.reason)}`);
    const check = checked.value;
    if (check && !check.ok) {
        throw new ProgramError(
            `${check.diagnostics}\n\nThe program has type errors, so \`pulumi up\` would refuse it; fix them, or start with --transpile-only.`,
        );
    }
    if (recorded.status === "rejected") throw recordingError(recorded.reason, options.verbose ?? false);
    return {
        program: recorded.value.program,
        typeCheck: check ? (check.checked ? "checked" : "unchanged") : "skipped",
        recording: reused ? "reused" : "recorded",
    };
}
