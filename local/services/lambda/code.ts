import * as fs from "node:fs";
import * as path from "node:path";
import type { Json, RecordedAsset } from "../../record/record-program";

/**
 * Writes a function's recorded `code` (an AssetArchive of string/file assets and folders, or a FileArchive folder)
 * into `taskDir`, as Lambda unpacks a deployment package into /var/task. Relative paths are the program's.
 */
export function materializeCode(code: Json, taskDir: string, programDir: string, functionName: string): void {
    fs.rmSync(taskDir, { recursive: true, force: true });
    fs.mkdirSync(taskDir, { recursive: true });
    const archive = (code as RecordedAsset | null)?.archive;
    if (!archive) {
        throw new Error(
            `function ${functionName}: its code is not an archive the local cloud can unpack (image functions are not supported).`,
        );
    }
    writeArchive(archive, taskDir, programDir, functionName);
}

function writeArchive(archive: NonNullable<RecordedAsset["archive"]>, dir: string, programDir: string, functionName: string): void {
    if (archive.path !== undefined) {
        copyFolder(path.resolve(programDir, archive.path), dir, functionName);
        return;
    }
    for (const [name, entry] of Object.entries(archive.assets ?? {})) {
        const target = path.join(dir, name);
        if (!target.startsWith(dir + path.sep)) {
            throw new Error(`function ${functionName}: archive entry "${name}" points outside the package.`);
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        if (entry.asset?.text !== undefined) {
            fs.writeFileSync(target, entry.asset.text);
        } else if (entry.asset?.path !== undefined) {
            fs.copyFileSync(path.resolve(programDir, entry.asset.path), target);
        } else if (entry.archive) {
            writeArchive(entry.archive, target, programDir, functionName);
        } else {
            throw new Error(`function ${functionName}: archive entry "${name}" is of a kind the local cloud cannot unpack.`);
        }
    }
}

function copyFolder(source: string, target: string, functionName: string): void {
    if (!fs.existsSync(source) || !fs.statSync(source).isDirectory()) {
        throw new Error(`function ${functionName}: code folder ${source} does not exist (zip and jar archives are not unpacked locally).`);
    }
    fs.cpSync(source, target, { recursive: true, dereference: true });
}

/**
 * Makes the AWS SDK v3 importable from every task folder below `runtimeDir`, by CommonJS and ES modules alike, as
 * the Node.js Lambda runtime does from /var/runtime: a `node_modules/@aws-sdk` beside the tasks, linking to ours.
 * Only the SDK: a package the function did not bundle is missing here as it would be in Lambda.
 */
export function provideRuntimeSdk(runtimeDir: string): void {
    const sdk = path.dirname(path.dirname(require.resolve("@aws-sdk/client-dynamodb/package.json")));
    const link = path.join(runtimeDir, "node_modules", "@aws-sdk");
    fs.mkdirSync(path.dirname(link), { recursive: true });
    if (!fs.existsSync(link)) {
        fs.symlinkSync(sdk, link, "dir");
    }
}
