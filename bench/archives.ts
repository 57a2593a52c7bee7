import * as aws from "@pulumi/aws";
import * as fs from "node:fs";
import * as path from "node:path";
import { echoHandler } from "../handlers/echo";
import { unknownRouteHandler } from "../handlers/unknown-route";
import { connectHandler } from "../handlers/connect";
import { disconnectHandler } from "../handlers/disconnect";
import { s3FanoutHandler } from "../handlers/s3-fanout";
import { publisherFromEnvironment } from "../handlers/publish";
import { connectionStoreFromEnvironment } from "../handlers/connections";
import { RESOURCE_TYPES } from "../local/record/resource-types";
import { recordProgram, type Json, type RecordedAsset, type RecordedProgram } from "../local/record/record-program";

export interface ArchiveFigure {
    name: string;
    entries: number;
    bytes: number;
}

function folderBytes(dir: string): number {
    let total = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        total += entry.isDirectory() ? folderBytes(full) : entry.isFile() ? fs.statSync(full).size : 0;
    }
    return total;
}

/** Entries and uncompressed bytes of a recorded `code` archive (folders counted by their files). */
function measure(code: Json, root: string): { entries: number; bytes: number } {
    const assets = (code as RecordedAsset | null)?.archive?.assets ?? {};
    let bytes = 0;
    for (const entry of Object.values(assets)) {
        if (entry.asset?.text !== undefined) bytes += Buffer.byteLength(entry.asset.text);
        else if (entry.archive?.path) bytes += folderBytes(path.resolve(root, entry.archive.path));
        else if (entry.asset?.path) bytes += fs.statSync(path.resolve(root, entry.asset.path)).size;
    }
    return { entries: Object.keys(assets).length, bytes };
}

/**
 * Our functions' archives, beside `CallbackFunction`'s own packing of the same handlers in the same run (its
 * default: every package in `dependencies`, walked transitively).
 */
export async function archiveFigures(
    root: string,
    program: RecordedProgram,
): Promise<{ ours: ArchiveFigure[]; callbackFunctionDefault: ArchiveFigure[] }> {
    const ours = program.resources
        .filter((r) => r.type === RESOURCE_TYPES.function)
        .map((r) => ({ name: r.name, ...measure(r.inputs.code ?? null, program.programDir) }));
    const role = "arn:aws:iam::000000000000:role/bench";
    const control = await recordProgram({ project: "bench", stack: "dev", config: { "aws:region": "us-east-1" } }, () => {
        new aws.lambda.CallbackFunction("echo-test", { callback: echoHandler, role });
        new aws.lambda.CallbackFunction("echo-default", { callback: unknownRouteHandler("$request.body.action", ["test"]), role });
        new aws.lambda.CallbackFunction("broadcast-connect", {
            callbackFactory: () => connectHandler(connectionStoreFromEnvironment()),
            role,
        });
        new aws.lambda.CallbackFunction("broadcast-disconnect", {
            callbackFactory: () => disconnectHandler(connectionStoreFromEnvironment()),
            role,
        });
        new aws.lambda.CallbackFunction("broadcast-fanout", { callbackFactory: () => s3FanoutHandler(publisherFromEnvironment()), role });
    });
    const callbackFunctionDefault = control.resources
        .filter((r) => r.type === RESOURCE_TYPES.function)
        .map((r) => ({ name: r.name, ...measure(r.inputs.code ?? null, root) }));
    return { ours, callbackFunctionDefault };
}
