// Stamps of the files a start read, to tell on the next start whether any changed: the type-check's (type-check.js)
// and the recording's (recording-cache.ts). A file outside node_modules is stamped by a hash of its content, so an
// edit is seen whatever its time; one inside by size and modification time, since hashing every declaration and
// package file would cost much of what the cache saves, and installing a package rewrites the lock file, stamped
// by content. A path that did not exist, or a folder, is stamped as such (a folder by its entries' names).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { createHash } = require("node:crypto");
const { packageRoot } = require("./pulumi-typescript");

const LOCK_FILES = ["package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock"];

/**
 * The files that say which packages a program has, present or not: its package.json and every lock file in its
 * folder or above (a workspace keeps one at its root). Installing a package rewrites one of them.
 */
function dependencyFiles(programDir) {
    const files = [path.join(packageRoot(programDir), "package.json")];
    for (let dir = path.resolve(programDir); ; dir = path.dirname(dir)) {
        files.push(...LOCK_FILES.map((name) => path.join(dir, name)));
        if (path.dirname(dir) === dir) return files;
    }
}

/** A path's stat, or undefined where there is none (ENOENT, or ENOTDIR: a file where a folder was looked for). */
function statOf(file) {
    try {
        return fs.statSync(file, { throwIfNoEntry: false });
    } catch {
        return undefined;
    }
}

/** How far a file's time may trail the clock: the kernel stamps files from a coarse clock, a tick or so behind. */
const FILE_TIME_LAG_MS = 100;

const hashOf = (data) => createHash("sha256").update(data).digest("base64");
const inNodeModules = (file) => file.split(path.sep).includes("node_modules");

/** The stamp of one path now. A socket, FIFO or device is stamped by its kind alone: reading one may block. */
function stampOf(file, stat = statOf(file)) {
    if (!stat) return { file, absent: true };
    if (stat.isDirectory()) return { file, entries: hashOf(fs.readdirSync(file).sort().join("\n")) };
    if (!stat.isFile()) return { file, special: true };
    if (inNodeModules(file)) return { file, size: stat.size, mtimeMs: stat.mtimeMs };
    return { file, size: stat.size, hash: hashOf(fs.readFileSync(file)) };
}

/**
 * Stamps of many paths, each once; undefined if any file changed at or after `sinceMs` (when the reads they stamp
 * began, less the lag of the coarse clock file times come from): its stamp might be of content never read. Folders
 * are exempt: a start makes its own `.local` in the program's folder just before.
 */
function stampsOf(files, sinceMs = Number.POSITIVE_INFINITY) {
    const stamps = [];
    for (const file of new Set(files)) {
        const stat = statOf(file);
        if (stat && stat.isFile() && Math.max(stat.mtimeMs, stat.ctimeMs) >= sinceMs - FILE_TIME_LAG_MS) return undefined;
        stamps.push(stampOf(file, stat));
    }
    return stamps;
}

/** Whether every path is as it was stamped; checks sizes and times first, hashing only where those match. */
function stampsHold(stamps) {
    if (!Array.isArray(stamps)) return false;
    const later = [];
    for (const was of stamps) {
        const stat = statOf(was.file);
        if (was.absent) {
            if (stat) return false;
        } else if (!stat) {
            return false;
        } else if (was.entries !== undefined) {
            if (!stat.isDirectory()) return false;
            later.push(was);
        } else if (was.special) {
            if (stat.isFile() || stat.isDirectory()) return false;
        } else if (!stat.isFile() || stat.size !== was.size) {
            return false;
        } else if (was.hash === undefined) {
            if (stat.mtimeMs !== was.mtimeMs) return false;
        } else {
            later.push(was);
        }
    }
    return later.every((was) => {
        const now = stampOf(was.file);
        return was.entries !== undefined ? now.entries === was.entries : now.hash === was.hash;
    });
}

module.exports = { dependencyFiles, stampOf, stampsOf, stampsHold };
