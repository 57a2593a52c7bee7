// This process uses the SDK only to drive local emulators; its Node.js-version notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCliArgs, USAGE } from "./args";
import { ProgramError } from "../record/program-error";
import { CliError } from "./cli-error";
import { runDev } from "./dev";
import { runPage } from "./page";
import { runUpload } from "./upload";

/**
 * The folder the user ran the command in. An npm script runs in its package's root and keeps the caller's folder in
 * INIT_CWD; anywhere else (npx, a shell, a test that spawns the CLI elsewhere) it is the working directory.
 */
function callerDir(): string {
    const { INIT_CWD, npm_package_json } = process.env;
    const inScriptRoot = npm_package_json !== undefined && path.dirname(npm_package_json) === process.cwd();
    return inScriptRoot && INIT_CWD ? INIT_CWD : process.cwd();
}

/** This package's version, from its package.json: two folders up in the sources, three in the build (dist/). */
function version(): string {
    for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
    }
    return "unknown";
}

/** Runs the CLI; resolves with the exit code for a command that ends (`dev` keeps running until a signal). */
export async function runCli(argv: string[]): Promise<number> {
    const verbose = argv.includes("--verbose");
    try {
        const args = parseCliArgs(argv);
        switch (args.command) {
            case "help":
                console.log(USAGE);
                break;
            case "version":
                console.log(version());
                break;
            case "upload":
                console.log(await runUpload(args, callerDir()));
                break;
            case "dev":
                await runDev(args, callerDir());
                break;
            case "page":
                console.log(await runPage(args, callerDir()));
                break;
        }
        return 0;
    } catch (err) {
        if (err instanceof ProgramError) {
            console.error(verbose ? (err.stack ?? err.message) : err.message);
            return err instanceof CliError ? err.exitCode : 1;
        }
        console.error(`serverless-websockets: ${err instanceof Error ? err.message : String(err)}`);
        if (verbose) console.error(err instanceof Error ? err.stack : "");
        else console.error("(--verbose shows the stack trace)");
        return 1;
    }
}
