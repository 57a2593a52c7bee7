import { expect } from "chai";
import { backoffDelay } from "../../client";
import { OverlapDedupe } from "../../client/swap";

describe("client: backoff delays", () => {
    const options = { baseDelayMs: 500, maxDelayMs: 30_000 };

    it("caps double with each attempt up to maxDelayMs (random at its top)", () => {
        const top = () => 1;
        expect([0, 1, 2, 3, 4, 5, 6, 7, 20, 2000].map((attempt) => backoffDelay(attempt, options, top))).to.deep.equal([
            500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000,
        ]);
    });

    it("is full jitter: a uniform draw from 0 to the cap", () => {
        expect(backoffDelay(3, options, () => 0)).to.equal(0);
        expect(backoffDelay(3, options, () => 0.25)).to.equal(1000);
        expect(backoffDelay(3, options, () => 0.5)).to.equal(2000);
        expect(backoffDelay(10, options, () => 0.5)).to.equal(15_000);
    });

    it("differs between clients drawing different numbers, and stays within the cap with Math.random", () => {
        const draws = Array.from({ length: 200 }, () => backoffDelay(4, options));
        expect(new Set(draws).size).to.be.greaterThan(150);
        expect(Math.min(...draws)).to.be.at.least(0);
        expect(Math.max(...draws)).to.be.below(8000);
        // Not bunched at the cap, as partysocket's own (jitter-free) delays would be.
        expect(draws.filter((ms) => ms < 4000).length).to.be.within(60, 140);
    });
});

describe("client: overlap dedupe", () => {
    it("delivers the k-th copy of a text only when fewer than k were delivered, counting per socket", () => {
        const dedupe = new OverlapDedupe<"old" | "new">();
        const seen = (
            [
                ["old", "A"],
                ["old", "B"],
                ["new", "A"],
                ["old", "B"],
                ["new", "B"],
                ["new", "B"],
                ["new", "C"],
                ["old", "C"],
                ["new", "B"],
            ] as const
        ).map(([socket, text]) => dedupe.accept(socket, text));
        // A once; B three times (twice on old, a third only on new); C once.
        expect(seen).to.deep.equal([true, true, false, true, false, false, true, false, true]);
    });
});
