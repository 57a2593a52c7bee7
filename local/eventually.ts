/** Polls `check` every `pollMs` until it holds, or fails once `timeoutMs` has passed. */
export async function eventually(
    check: () => Promise<boolean> | boolean,
    timeoutMs = 5_000,
    what = "condition",
    pollMs = 25,
): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
}
