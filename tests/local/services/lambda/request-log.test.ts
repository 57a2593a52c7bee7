import { expect } from "chai";
import { requestLine } from "../../../../local/services/lambda/request-log";

describe("the request log", () => {
    const at = new Date("2026-12-01T21:05:09.042Z");

    it("gives the time, the source, the function, the duration and ok", () => {
        expect(requestLine("chat sendmessage", "chat-sendmessage-1a2b3c4", { ok: true, value: null, durationMs: 12 }, at)).to.equal(
            "21:05:09.042 chat sendmessage → chat-sendmessage-1a2b3c4 12 ms ok",
        );
    });

    it("gives a failure's error type and message", () => {
        const outcome = {
            ok: false as const,
            durationMs: 1000,
            error: { errorType: "Sandbox.Timedout", errorMessage: "Task timed out after 1.00 seconds" },
        };
        expect(requestLine("edge sleepy", "edge-sleepy", outcome, at)).to.equal(
            "21:05:09.042 edge sleepy → edge-sleepy 1000 ms Sandbox.Timedout: Task timed out after 1.00 seconds",
        );
    });
});
