import * as path from "node:path";
import { writePage } from "../services/page";
import type { PageArgs } from "./args";
import { CliError } from "./cli-error";

/** `serverless-websockets page <outDir>`: the uploads page as two static files, for a deployed stack. */
export async function runPage(args: PageArgs, cwd: string): Promise<string> {
    const outDir = path.resolve(cwd, args.outDir);
    const written = await writePage(outDir, args.url).catch((err: unknown) => {
        const code = (err as { code?: string }).code;
        if (code === "EACCES" || code === "EEXIST" || code === "ENOTDIR" || code === "EROFS") {
            throw new CliError(`cannot write the page into ${outDir} (${code}): choose a folder you can write to.`);
        }
        throw err;
    });
    const open = args.url ? "index.html" : "index.html?url=wss://…";
    return `Wrote ${written.map((file) => path.relative(cwd, file) || file).join(" and ")}. Host the folder anywhere and open ${open}.`;
}
