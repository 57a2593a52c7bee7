import * as fs from "node:fs";
import * as path from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";

/** Looked up on PATH in this order, after `CHROME_PATH`. */
const BROWSER_NAMES = ["chromium", "chromium-browser", "google-chrome"];

const executable = (file: string): boolean => {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
};

/**
 * The Chrome or Chromium the browser tests drive: `CHROME_PATH`, else the first of chromium, chromium-browser and
 * google-chrome on PATH. puppeteer-core downloads none, so a machine without one fails here, saying how to get one,
 * rather than skipping the tests.
 */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): string {
    if (env.CHROME_PATH) {
        if (executable(env.CHROME_PATH)) return env.CHROME_PATH;
        throw new Error(`CHROME_PATH is ${env.CHROME_PATH}, which is not an executable file; point it at Chrome or Chromium, or unset it.`);
    }
    const dirs = (env.PATH ?? "").split(path.delimiter).filter(Boolean);
    for (const name of BROWSER_NAMES) {
        const found = dirs.map((dir) => path.join(dir, name)).find(executable);
        if (found) return found;
    }
    throw new Error(
        `No Chromium for the browser tests: none of ${BROWSER_NAMES.join(", ")} is on PATH; install it (apt-get install chromium) or set CHROME_PATH.`,
    );
}

/** Headless Chromium; the sandbox is turned off only as root, where Chromium refuses to start with it. */
export function launchBrowser(): Promise<Browser> {
    const asRoot = process.getuid?.() === 0;
    return puppeteer.launch({
        executablePath: findBrowser(),
        // puppeteer-core passes --headless=new for `true`.
        headless: true,
        // A container's /dev/shm is often 64 MB, too small for Chromium's shared memory.
        args: [...(asRoot ? ["--no-sandbox"] : []), "--disable-dev-shm-usage"],
    });
}
