// Stamps of the files a start read, to tell on the next start whether any changed: the type-check's (type-check.js)
// and the recording's (recording-cache.ts). A file outside node_modules is stamped by a hash of its content, so an
// edit is seen whatever its time; one inside by size and modification time, since hashing every declaration and
// package file would cost much of what the cache saves, and installing a package rewrites the lock file, stamped
// by content. A path that did not exist, or a folder, is stamped as such (a folder by its entries' names).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { createHash } = require("node:crypto");

/** A path's stat, or undefined where there is none (ENOENT, or ENOTDIR: a file where a folder was looked for). */
function statOf(file) {
    try {
        return fs.statSync(file, { throwIfNoEntry: false });
    } catch {
        return undefined;
    }
}

const hashOf = (data) => createHash("sha256").update(data).digest("base64");
const inNodeModules = (file) => file.split(path.sep).includes("node_modules");

/** The stamp of one path now. */
function stampOf(file) {
    const stat = statOf(file);
    if (!stat) return { file, absent: true };
    if (stat.isDirectory()) return { file, entries: hashOf(fs.readdirSync(file).sort().join("\n")) };
    if (inNodeModules(file)) return { file, size: stat.size, mtimeMs: stat.mtimeMs };
    return { file, size: stat.size, hash: hashOf(fs.readFileSync(file)) };
}

/** Stamps of many paths, each once. */
function stampsOf(files) {
    return [...new Set(files)].map(stampOf);
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

module.exports = { stampOf, stampsOf, stampsHold };
