import { expect } from "chai";
import { printedMessage } from "../../../../local/services/lambda/log-lines";

describe("local Lambda: what a function printed, from its log lines (B41)", () => {
    it("takes the message of a text record, its newlines restored", () => {
        expect(printedMessage("2026-12-02T05:00:00.000Z\tc0ffee00-0000-4000-8000-000000000000\tINFO\ttwo\rlines")).to.equal("two\nlines");
        expect(printedMessage("2026-12-02T05:00:00.000Z\tundefined\tERROR\t")).to.equal("");
    });

    it("takes the message of a JSON record: a string as itself, anything else as JSON", () => {
        const record = (message: unknown) => JSON.stringify({ timestamp: "2026-12-02T05:00:00.000Z", level: "INFO", message });
        expect(printedMessage(record('{"probe":"x"}'))).to.equal('{"probe":"x"}');
        expect(printedMessage(record({ order: 7 }))).to.equal('{"order":7}');
    });

    it("leaves out the platform's lines and keeps anything else as it is", () => {
        for (const line of ["START RequestId: a Version: $LATEST", "END RequestId: a", "REPORT RequestId: a\tDuration: 1.00 ms\t"]) {
            expect(printedMessage(line), line).to.equal(undefined);
        }
        expect(printedMessage("raw stdout write")).to.equal("raw stdout write");
        expect(printedMessage('{"timestamp": broken')).to.equal('{"timestamp": broken');
    });
});
